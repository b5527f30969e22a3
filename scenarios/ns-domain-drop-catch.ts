// Incident 10 (incidents.md): example.jp is delegated to a nameserver whose
// own domain (old-provider.net) is allowed to expire. Someone drop-catches
// old-provider.net, points ns1.old-provider.net at their server, and now
// answers for example.jp without touching example.jp's registration.
import { defineScenario } from '../lab/scenario/types.ts';

export default defineScenario({
  id: 'ns-domain-drop-catch',
  title: {
    en: "Drop-catching the domain of a domain's nameserver",
    ja: 'ネームサーバーのドメイン名のドロップキャッチ',
  },
  narrative: {
    en: `example.jp NS ns1.old-provider.net. The provider goes out of business and lets old-provider.net
expire. From then on the delegation of example.jp is lame: nobody can find the nameserver's address,
and resolvers answer SERVFAIL. A third party registers the released old-provider.net (drop-catch),
points ns1.old-provider.net at its own server and serves example.jp there. Every resolver that looks
up the nameserver now asks the newcomer about example.jp — the example.jp registration was never
touched. (The same happened in 2024 with the old WHOIS server name of .mobi.)
Fixed variant: the customer moves example.jp's NS away from the old provider before its domain
expires, so the drop-catch changes nothing.`,
    ja: `example.jp の NS は ns1.old-provider.net である。事業者が廃業し old-provider.net を失効させると、example.jp の
委任はレイムになり (ネームサーバーのアドレスが引けない)、リゾルバーは SERVFAIL を返す。第三者が解放された
old-provider.net を登録 (ドロップキャッチ) し、ns1.old-provider.net を自分のサーバーに向けて example.jp を
そこで応答させると、ネームサーバーを引くリゾルバーはすべて新しい登録者に example.jp を問い合わせる。
example.jp の登録情報には一切触れていない (2024 年の .mobi の旧 WHOIS サーバー名の件と同じ構図)。
修正版: 旧事業者のドメイン名が失効する前に、顧客が example.jp の NS を移しておくので、ドロップキャッチの影響を受けない。`,
  },
  references: [
    'incidents.md §10 (seed 002)',
    'watchTowr Labs: "We Spent $20 To Achieve RCE And Accidentally Became The Admins Of .MOBI" (2024-09)',
    'JPRS: ドメイン名の「ドロップキャッチ」 (https://jprs.jp/related-info/guide/topics-column/no16.html)',
  ],
  start: '2026-03-01T00:00:00Z',

  topology: {
    servers: {
      'tld-jp': { host: 'a.dns.jp', addresses: ['192.0.2.201'] },
      'tld-net': { host: 'a.gtld.net', addresses: ['192.0.2.202'] },
      'ns-old': { host: 'ns1.old-provider.net', addresses: ['198.51.100.10'] },
      'ns-new': { host: 'ns1.new-provider.jp', addresses: ['198.51.100.20'] },
      'ns-catcher': { host: 'ns.catcher.example', addresses: ['203.0.113.53'] },
    },
    zones: {
      jp: {
        servers: ['tld-jp'],
        text: `
$TTL 86400
@     IN SOA a.dns.jp. hostmaster.jp. 1 3600 900 604800 900
@     IN NS  a.dns.jp.
a.dns IN A   192.0.2.201
`,
      },
      net: {
        servers: ['tld-net'],
        text: `
$TTL 86400
@      IN SOA a.gtld.net. hostmaster.net. 1 3600 900 604800 900
@      IN NS  a.gtld.net.
a.gtld IN A   192.0.2.202
`,
      },
      'old-provider.net': {
        servers: ['ns-old'],
        text: `
$TTL 3600
@    IN SOA ns1.old-provider.net. hostmaster.old-provider.net. 1 3600 900 604800 300
@    IN NS  ns1.old-provider.net.
ns1  IN A   198.51.100.10
`,
      },
      'example.jp': {
        servers: ['ns-old', 'ns-new'],
        text: `
$TTL 3600
@    IN SOA ns1.old-provider.net. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns1.old-provider.net.
www  300 IN A 192.0.2.10
`,
      },
    },
    registries: [
      {
        tld: 'net',
        registrars: ['reg-net', 'dropcatch-registrar'],
        nsTtl: 3600,
        domains: [
          {
            name: 'old-provider.net',
            registrar: 'reg-net',
            registrant: 'old-provider',
            authCode: 'op',
            ns: ['ns1.old-provider.net'],
            glue: { 'ns1.old-provider.net': ['198.51.100.10'] },
          },
        ],
      },
      {
        tld: 'jp',
        registrars: ['reg-jp'],
        nsTtl: 3600,
        domains: [{ name: 'example.jp', registrar: 'reg-jp', registrant: 'example-corp', authCode: 'ex', ns: ['ns1.old-provider.net'] }],
      },
    ],
    resolvers: { resolver: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { alice: { addresses: ['10.0.0.10'], resolver: 'resolver' } },
  },

  steps: [
    { at: '+0s', client: 'alice', query: 'www.example.jp A', expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 192.0.2.10'] } },
    { at: '+0s', watch: { name: 'www', client: 'alice', query: 'www.example.jp A', every: '30m', until: '+12h' } },
    {
      at: '+1h',
      only: ['fixed'],
      operator: 'example-corp',
      note: 'moves to a new DNS provider before the old one disappears',
      action: { do: 'change-ns', registrar: 'reg-jp', registrant: 'example-corp', domain: 'example.jp', ns: ['ns1.new-provider.jp'], glue: { 'ns1.new-provider.jp': ['198.51.100.20'] } },
    },
    { at: '+2h', operator: 'old provider', note: 'goes out of business; its servers go dark', action: { do: 'drop-zone', zone: 'example.jp', servers: ['ns-old'] } },
    { at: '+2h', operator: 'old provider', action: { do: 'drop-zone', zone: 'old-provider.net', servers: ['ns-old'] } },
    { at: '+3h', operator: 'net registry', note: 'old-provider.net was not renewed', action: { do: 'expire-domain', domain: 'old-provider.net' } },
    { at: '+5h', only: ['vulnerable'], client: 'alice', query: 'www.example.jp A', note: 'lame: the nameserver name does not resolve', expect: { rcode: 'SERVFAIL' } },
    {
      at: '+6h',
      attacker: 'catcher',
      note: 'registers the released name at another registrar',
      action: {
        do: 'register',
        registrar: 'dropcatch-registrar',
        domain: 'old-provider.net',
        registrant: 'catcher',
        authCode: 'c',
        ns: ['ns.catcher.example'],
      },
    },
    {
      at: '+6h',
      attacker: 'catcher',
      note: 'answers for old-provider.net — and for whatever is delegated to it',
      action: {
        do: 'serve-zone',
        zone: 'old-provider.net',
        servers: ['ns-catcher'],
        text: `
$TTL 3600
@    IN SOA ns.catcher.example. hostmaster.old-provider.net. 1 3600 900 604800 300
@    IN NS  ns.catcher.example.
ns1  IN A   203.0.113.53
`,
      },
    },
    {
      at: '+6h',
      attacker: 'catcher',
      action: {
        do: 'serve-zone',
        zone: 'example.jp',
        servers: ['ns-catcher'],
        text: `
$TTL 300
@    IN SOA ns.catcher.example. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns1.old-provider.net.
www  IN A   203.0.113.66
`,
      },
    },
    { at: '+8h', only: ['vulnerable'], client: 'alice', query: 'www.example.jp A', expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 203.0.113.66'] } },
    { at: '+8h', only: ['fixed'], client: 'alice', query: 'www.example.jp A', expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 192.0.2.10'] } },
    {
      at: '+12h',
      only: ['vulnerable'],
      expectTimeline: { watch: 'www', never: { from: '+0s', to: '+5h59m', answerContains: '203.0.113.66' }, throughout: { from: '+7h30m', to: '+12h', answerContains: '203.0.113.66' } },
    },
    { at: '+12h', only: ['fixed'], expectTimeline: { watch: 'www', never: { from: '+0s', to: '+12h', rcode: 'SERVFAIL' } } },
    { at: '+12h', only: ['fixed'], expectQueries: { server: 'ns-catcher', qname: 'www.example.jp', none: true } },
  ],

  variants: {
    vulnerable: { description: { en: "example.jp still points at the expired provider's nameserver", ja: 'example.jp が失効した事業者のネームサーバーを指したまま' } },
    fixed: { description: { en: 'example.jp moved its NS before the old domain expired', ja: '旧ドメイン名の失効前に NS を移した' } },
  },
});
