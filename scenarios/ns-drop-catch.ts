// Incident "Drop-catch of a nameserver's domain" (docs/incidents.md, S2): example.jp is still delegated to a
// nameserver whose own domain (old-provider.net) later expires. Before the
// expiry the delegation is lame; after it, anyone can register
// old-provider.net (drop-catch), point ns1.old-provider.net at their server
// and answer for example.jp — without touching example.jp or its registrar.
import { defineScenario } from '../lab/scenario/types.ts';

export default defineScenario({
  id: 'ns-drop-catch',
  title: {
    en: "Drop-catching a nameserver's domain: a lame delegation becomes a takeover",
    ja: 'ネームサーバーのドメイン名のドロップキャッチ: レイムデリゲーションが乗っ取りに変わる',
  },
  narrative: {
    en: `example.jp is delegated to ns1.old-provider.net, a DNS hosting company the customer left long ago.
The company no longer hosts example.jp (its server answers REFUSED: a lame delegation, so resolvers
return SERVFAIL), and nobody notices because the site moved to a CDN name elsewhere. Then the company
goes out of business and old-provider.net expires at the .net registry. A third party who watches
expiring domains registers old-provider.net the day it is released (drop-catch), publishes
ns1.old-provider.net at its own server and serves a zone for example.jp there. Resolvers follow the
delegation that still sits in the jp zone, and example.jp now answers what the new owner of
old-provider.net wants — the same pattern as the dotmobiregistry.net WHOIS domain (2024).
Fixed variant: the customer replaces the stale NS at its registrar before old-provider.net expires
(an audit of its delegations found the lame server); the drop-catch then changes nothing.`,
    ja: `example.jp は ns1.old-provider.net に委任されている。これは顧客がずっと前に解約した DNS ホスティング
事業者のサーバーで、もう example.jp をホストしていない (REFUSED を返すレイムデリゲーション。リゾルバーは
SERVFAIL を返す)。サイトは別の CDN 名に移ったため誰も気づかない。やがて事業者が廃業し、old-provider.net が
.net レジストリで期限切れになる。失効するドメイン名を監視している第三者が、開放された当日に
old-provider.net を登録し (ドロップキャッチ)、ns1.old-provider.net を自分のサーバーに向けて、そこで
example.jp のゾーンを提供する。リゾルバーは jp ゾーンに残った委任をたどり、example.jp は old-provider.net の
新しい所有者の思い通りの応答を返すようになる (2024 年の dotmobiregistry.net の WHOIS ドメインと同じ構図)。
修正版: 顧客が委任の監査でレイムサーバーを見つけ、old-provider.net の失効前にレジストラで NS を
差し替える。ドロップキャッチは何も変えない。`,
  },
  references: [
    'docs/incidents.md: "Drop-catch of a nameserver\'s domain" (S2)',
    'watchTowr Labs: "We Spent $20 To Achieve RCE And Accidentally Became The Admins Of .MOBI" (2024-09, dotmobiregistry.net)',
    'JPRS: 登録情報の不備によるドメイン名の乗っ取り (lame delegation) (https://jprs.jp/tech/notice/2020-07-07-lame-delegation.html)',
    'RFC 1912 §2.8 (lame delegations)',
  ],
  start: '2026-05-01T00:00:00Z',

  topology: {
    servers: {
      'tld-jp': { host: 'a.dns.jp', addresses: ['192.0.2.201'] },
      'tld-net': { host: 'a.gtld-servers.net', addresses: ['192.0.2.202'] },
      'ns-old': { host: 'ns1.old-provider.net', addresses: ['198.51.100.10'] },
      'ns-new': { host: 'ns1.new-provider.example', addresses: ['192.0.2.54'] },
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
@            IN SOA a.gtld-servers.net. nstld.net. 1 1800 900 604800 900
@            IN NS  a.gtld-servers.net.
a.gtld-servers IN A 192.0.2.202
`,
      },
      'old-provider.net': {
        servers: ['ns-old'],
        text: `
$TTL 3600
@    IN SOA ns1.old-provider.net. hostmaster.old-provider.net. 1 3600 900 604800 900
@    IN NS  ns1.old-provider.net.
ns1  IN A   198.51.100.10
`,
      },
      'example.jp': {
        servers: ['ns-new'],
        text: `
$TTL 300
@    IN SOA ns1.new-provider.example. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns1.new-provider.example.
www  IN A   192.0.2.10
`,
      },
    },
    registries: [
      {
        tld: 'jp',
        registrars: ['reg-jp'],
        nsTtl: 3600,
        domains: [{ name: 'example.jp', registrar: 'reg-jp', registrant: 'example-corp', authCode: 'jp-k3y', ns: ['ns1.old-provider.net'] }],
      },
      {
        tld: 'net',
        registrars: ['reg-net'],
        nsTtl: 3600,
        domains: [
          {
            name: 'old-provider.net',
            registrar: 'reg-net',
            registrant: 'old-provider-inc',
            authCode: 'net-k3y',
            ns: ['ns1.old-provider.net'],
            glue: { 'ns1.old-provider.net': ['198.51.100.10'] },
          },
        ],
      },
    ],
    resolvers: { resolver: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { alice: { addresses: ['10.0.0.10'], resolver: 'resolver' } },
  },

  steps: [
    { at: '+0s', client: 'alice', query: 'www.example.jp A', note: 'lame: the old provider no longer hosts example.jp', expect: { rcode: 'SERVFAIL' } },
    {
      at: '+0s',
      client: 'alice',
      query: 'www.example.jp A',
      to: 'ns-old',
      note: 'ask the old provider directly',
      expect: { rcode: 'REFUSED', flags: { aa: false } },
    },
    { at: '+0s', watch: { name: 'www', client: 'alice', query: 'www.example.jp A', every: '30m', until: '+3d' } },
    {
      at: '+6h',
      audit: { client: 'alice', zones: ['example.jp'] },
      note: "dnslab audit on the customer's zone: the parent still delegates to the old provider",
      expect: { findings: ['lame-delegation'] },
    },
    {
      at: '+12h',
      only: ['fixed'],
      operator: 'example-corp',
      note: 'an audit found the lame delegation: NS replaced at the registrar',
      action: { do: 'change-ns', registrar: 'reg-jp', registrant: 'example-corp', domain: 'example.jp', ns: ['ns1.new-provider.example'] },
    },
    { at: '+1d', operator: 'net registry', note: 'old-provider.net was not renewed', action: { do: 'expire-domain', domain: 'old-provider.net' } },
    {
      at: '+1d1h',
      only: ['vulnerable'],
      client: 'alice',
      query: 'ns1.old-provider.net A',
      note: "the nameserver's own name is gone",
      expect: { rcode: 'NXDOMAIN' },
    },
    {
      at: '+1d2h',
      only: ['vulnerable'],
      audit: { client: 'alice', zones: ['example.jp'] },
      note: 'the audit now flags the drop-catch risk: anyone can register old-provider.net',
      expect: { findings: ['ns-domain-unregistered'] },
    },
    { at: '+1d2h', only: ['fixed'], audit: { client: 'alice', zones: ['example.jp'] }, expect: { findings: [] } },
    {
      at: '+2d',
      attacker: 'catcher',
      note: 'drop-catches old-provider.net at another registrar account',
      action: {
        do: 'register',
        registrar: 'reg-net',
        domain: 'old-provider.net',
        registrant: 'catcher',
        authCode: 'c4tch',
        ns: ['ns1.old-provider.net'],
        glue: { 'ns1.old-provider.net': ['203.0.113.53'] },
      },
    },
    {
      at: '+2d',
      attacker: 'catcher',
      action: {
        do: 'serve-zone',
        zone: 'old-provider.net',
        servers: ['ns-catcher'],
        text: `
$TTL 3600
@    IN SOA ns1.old-provider.net. hostmaster.old-provider.net. 1 3600 900 604800 900
@    IN NS  ns1.old-provider.net.
ns1  IN A   203.0.113.53
`,
      },
    },
    {
      at: '+2d',
      attacker: 'catcher',
      note: 'answers for every domain still delegated to ns1.old-provider.net',
      action: {
        do: 'serve-zone',
        zone: 'example.jp',
        servers: ['ns-catcher'],
        text: `
$TTL 300
@    IN SOA ns1.old-provider.net. hostmaster.old-provider.net. 1 3600 900 604800 300
@    IN NS  ns1.old-provider.net.
*    IN A   203.0.113.66
www  IN A   203.0.113.66
`,
      },
    },
    {
      at: '+2d2h',
      only: ['vulnerable'],
      client: 'alice',
      query: 'mail.example.jp A',
      expect: { rcode: 'NOERROR', answer: ['mail.example.jp. A 203.0.113.66'] },
    },
    { at: '+2d2h', only: ['fixed'], client: 'alice', query: 'www.example.jp A', expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 192.0.2.10'] } },
    {
      at: '+3d',
      only: ['vulnerable'],
      expectTimeline: {
        watch: 'www',
        throughout: { from: '+0s', to: '+1d23h30m', rcode: 'SERVFAIL' },
        never: { from: '+0s', to: '+1d23h59m', answerContains: '203.0.113.66' },
      },
      note: 'lame (SERVFAIL) for two days, never the catcher before the drop-catch',
    },
    {
      at: '+3d',
      only: ['vulnerable'],
      expectTimeline: { watch: 'www', throughout: { from: '+2d2h', to: '+3d', answerContains: '203.0.113.66' } },
      note: 'after the drop-catch example.jp belongs to the catcher',
    },
    {
      at: '+3d',
      only: ['vulnerable'],
      expectQueries: { server: 'ns-catcher', qname: 'www.example.jp', min: 1 },
      note: 'resolvers followed the stale delegation to the catcher',
    },
    {
      at: '+3d',
      only: ['fixed'],
      expectTimeline: { watch: 'www', never: { from: '+0s', to: '+3d', answerContains: '203.0.113.66' }, recovery: { from: '+12h', to: '+13h30m' } },
    },
    { at: '+3d', only: ['fixed'], expectQueries: { server: 'ns-catcher', zone: 'example.jp', none: true }, note: 'nobody asks the catcher about example.jp' },
  ],

  variants: {
    vulnerable: {
      description: { en: 'the stale NS stays until old-provider.net is drop-caught', ja: '古い NS が old-provider.net のドロップキャッチまで残る' },
    },
    fixed: {
      description: { en: 'the customer replaces the lame NS before old-provider.net expires', ja: 'old-provider.net の失効前に顧客がレイムな NS を差し替える' },
    },
  },
});
