// Incident "NS takeover" (docs/incidents.md): the delegation still points at a managed DNS
// provider after the customer deleted the zone there. The lame delegation
// gives SERVFAIL; then an attacker creates the zone at the same provider.
import { defineScenario } from '../lab/scenario/types.ts';

export default defineScenario({
  id: 'ns-takeover',
  title: {
    en: 'NS takeover through a lame delegation to a DNS provider',
    ja: 'DNS 事業者へのレイムデリゲーションによる NS テイクオーバー',
  },
  narrative: {
    en: `The jp registry still delegates example.jp to a managed DNS provider (ns-99.example.net), but the
customer deleted the zone at the provider when it moved away. The provider's server answers REFUSED
for example.jp — a lame delegation — and resolvers return SERVFAIL. An attacker opens an account
at the same provider and creates example.jp there; the provider does not check who the domain is
delegated to. Every name under example.jp now answers what the attacker wants.
Fixed variant: the customer removes the delegation at the registrar when leaving the provider,
so the attacker's zone at the provider is never asked.
Provider-verifies variant: the delegation stays lame, but the provider checks ownership before it
creates a zone that the registry already delegates to its servers (it asks for a TXT token to be
published through the current registrant, which the attacker cannot do) and refuses the attacker's
request. The name keeps failing (SERVFAIL) until the customer cleans up, but it is never taken over.`,
    ja: `.jp レジストリは example.jp を今も DNS 事業者 (ns-99.example.net) に委任しているが、顧客は移転時に
事業者側のゾーンを削除した。事業者のサーバーは example.jp について REFUSED を返し (レイムデリゲーション)、
リゾルバーは SERVFAIL を返す。攻撃者が同じ事業者にアカウントを作り example.jp のゾーンを作成すると、
事業者は委任元を確認しないため、example.jp 配下のすべての名前が攻撃者の思いのままになる。
修正版: 顧客が事業者から移る際にレジストラで委任 (NS) を削除するので、攻撃者が作ったゾーンは参照されない。
事業者確認版: 委任はレイムのままだが、事業者はレジストリが既に自社サーバーへ委任しているゾーンを作成する前に
所有者を確認し (現在の登録者経由で TXT トークンの公開を求める。攻撃者にはできない)、攻撃者の申請を拒否する。
顧客が整理するまで名前は SERVFAIL のままだが、乗っ取られることはない。`,
  },
  references: [
    'docs/incidents.md: "NS takeover" (S0)',
    'JPRS: 登録情報の不備によるドメイン名の乗っ取り (lame delegation) (https://jprs.jp/tech/notice/2020-07-07-lame-delegation.html)',
    'RFC 1912 §2.8 (lame delegations)',
    'docs/incidents.md: "NS takeover" fixed: "provider refuses to host a zone already delegated to it without proof"',
  ],
  start: '2026-06-01T00:00:00Z',

  topology: {
    servers: {
      'tld-jp': { host: 'a.dns.jp', addresses: ['192.0.2.201'] },
      'ns-provider': { host: 'ns-99.example.net', addresses: ['198.51.100.99'] },
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
    },
    registries: [
      {
        tld: 'jp',
        registrars: ['reg-a'],
        nsTtl: 3600,
        domains: [{ name: 'example.jp', registrar: 'reg-a', registrant: 'example-corp', authCode: 'k3y', ns: ['ns-99.example.net'] }],
      },
    ],
    resolvers: { resolver: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { alice: { addresses: ['10.0.0.10'], resolver: 'resolver' } },
  },

  steps: [
    { at: '+0s', client: 'alice', query: 'www.example.jp A', note: 'lame: the provider no longer has the zone', expect: { rcode: 'SERVFAIL' } },
    {
      at: '+0s',
      client: 'alice',
      query: 'www.example.jp A',
      to: 'ns-provider',
      note: 'ask the provider directly',
      expect: { rcode: 'REFUSED', flags: { aa: false } },
    },
    { at: '+0s', watch: { name: 'www', client: 'alice', query: 'www.example.jp A', every: '15m', until: '+4h' } },
    {
      at: '+1h',
      only: ['fixed'],
      operator: 'example-corp',
      note: 'removes the stale delegation at the registrar',
      action: { do: 'change-ns', registrar: 'reg-a', registrant: 'example-corp', domain: 'example.jp', ns: [] },
    },
    {
      at: '+1h30m',
      only: ['vulnerable', 'provider-verifies'],
      audit: { client: 'alice', delegations: ['example.jp'] },
      note: 'dnslab audit sees the lame delegation the attacker will use',
      expect: { findings: ['lame-delegation'] },
    },
    { at: '+1h30m', only: ['fixed'], audit: { client: 'alice', delegations: ['example.jp'] }, note: 'nothing left to take over', expect: { findings: [] } },
    {
      at: '+2h',
      only: ['vulnerable', 'fixed'],
      attacker: 'mallory',
      note: 'opens an account at the provider and creates example.jp',
      action: {
        do: 'serve-zone',
        zone: 'example.jp',
        servers: ['ns-provider'],
        text: `
$TTL 300
@    IN SOA ns-99.example.net. hostmaster.example.net. 1 3600 900 604800 300
@    IN NS  ns-99.example.net.
www  IN A   203.0.113.66
*    IN A   203.0.113.66
`,
      },
    },
    {
      at: '+2h',
      only: ['provider-verifies'],
      wait: true,
      note: 'mallory asks the provider to create example.jp; example.jp is delegated to the provider, so it asks for a TXT token published through the registrant first — mallory cannot, and no zone is created',
    },
    {
      at: '+2h20m',
      only: ['provider-verifies'],
      client: 'alice',
      query: 'mail.example.jp A',
      note: 'still lame, but not the attacker’s',
      expect: { rcode: 'SERVFAIL', answer: [] },
    },
    {
      at: '+2h20m',
      only: ['provider-verifies'],
      client: 'alice',
      query: 'www.example.jp A',
      to: 'ns-provider',
      note: 'the provider still has no zone for example.jp',
      expect: { rcode: 'REFUSED', flags: { aa: false } },
    },
    {
      at: '+2h20m',
      only: ['vulnerable'],
      client: 'alice',
      query: 'mail.example.jp A',
      expect: { rcode: 'NOERROR', answer: ['mail.example.jp. A 203.0.113.66'] },
    },
    { at: '+2h20m', only: ['fixed'], client: 'alice', query: 'mail.example.jp A', expect: { rcode: 'NXDOMAIN' } },
    {
      at: '+4h',
      only: ['vulnerable'],
      expectTimeline: {
        watch: 'www',
        throughout: { from: '+0s', to: '+1h45m', rcode: 'SERVFAIL' },
        never: { from: '+0s', to: '+1h59m', answerContains: '203.0.113.66' },
      },
    },
    { at: '+4h', only: ['vulnerable'], expectTimeline: { watch: 'www', throughout: { from: '+2h30m', to: '+4h', answerContains: '203.0.113.66' } } },
    { at: '+4h', only: ['fixed'], expectTimeline: { watch: 'www', never: { from: '+0s', to: '+4h', answerContains: '203.0.113.66' } } },
    {
      at: '+4h',
      only: ['provider-verifies'],
      expectTimeline: {
        watch: 'www',
        throughout: { from: '+0s', to: '+4h', rcode: 'SERVFAIL' },
        never: { from: '+0s', to: '+4h', answerContains: '203.0.113.66' },
      },
      note: 'lame the whole time (the customer still has to remove the delegation), never hijacked',
    },
    {
      at: '+4h',
      only: ['fixed'],
      expectQueries: { server: 'ns-provider', since: '+2h', none: true },
      note: 'after the delegation is gone nobody asks the provider',
    },
  ],

  variants: {
    vulnerable: { description: { en: 'the stale delegation stays in the jp zone', ja: '古い委任が jp ゾーンに残ったまま' } },
    fixed: { description: { en: 'the customer removes the delegation when leaving the provider', ja: '事業者から移る際に顧客が委任を削除する' } },
    'provider-verifies': {
      description: {
        en: 'the delegation stays lame, but the provider verifies ownership before creating a delegated zone and refuses the attacker',
        ja: '委任はレイムのままだが、事業者が委任済みゾーンの作成前に所有者を確認し、攻撃者を拒否する',
      },
    },
  },
});
