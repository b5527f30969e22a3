// Incident 3 (incidents.md): an attacker impersonates the registrant at the
// registrar and points the domain's NS at look-alike servers. The hijack
// spreads over one NS TTL as resolvers refetch the delegation. Registry lock
// stops it at the registry.
import { defineScenario } from '../lab/scenario/types.ts';

export default defineScenario({
  id: 'registrar-hijack',
  title: {
    en: 'Domain hijack through the registrar, and registry lock',
    ja: 'レジストラ経由のドメインハイジャックとレジストリロック',
  },
  narrative: {
    en: `example.jp is registered through registrar "reg-a"; the .jp registry publishes its NS in the jp zone
with a TTL of 86400. An attacker who can pass as the registrant at the registrar (stolen password,
social engineering) changes the NS to look-alike servers that answer www.example.jp with the
attacker's address. A resolver that fetches the delegation after the change (bob's) is hijacked at
once; a resolver that cached the old NS (alice's) keeps the right answer until that NS expires — the
hijack spreads over one NS TTL. Fixed variant: the domain has registry lock (serverUpdateProhibited
and friends); the registry refuses the change no matter what the registrar sends.`,
    ja: `example.jp はレジストラ reg-a 経由で登録され、.jp レジストリが jp ゾーンに NS (TTL 86400) を公開している。
登録者になりすました攻撃者 (パスワード窃取やソーシャルエンジニアリング) がレジストラで NS を
よく似た名前のサーバーに変更し、www.example.jp に攻撃者のアドレスを返させる。変更後に委任情報を
取得したリゾルバー (bob 側) は即座に乗っ取られ、古い NS をキャッシュしていたリゾルバー (alice 側) は
その TTL が切れるまで正しい応答を返す。ハイジャックは NS の TTL をかけて広がる。
修正版: レジストリロック (serverUpdateProhibited など) が設定されており、レジストラから何が送られても
レジストリが変更を拒否する。`,
  },
  references: [
    'incidents.md §3 (seeds 001, 002)',
    'JPRS: レジストリロックサービス (https://jprs.jp/registration/suspended/registry-lock/)',
    'RFC 5731 §2.3 (EPP domain status values)',
    'ICANN SSAC SAC040: Measures to Protect Domain Registration Services Against Exploitation or Misuse',
  ],
  start: '2026-05-01T00:00:00Z',

  topology: {
    servers: {
      'tld-jp': { host: 'a.dns.jp', addresses: ['192.0.2.201'] },
      'ns-legit': { host: 'ns1.example-dns.net', addresses: ['192.0.2.53'] },
      'ns-attacker': { host: 'ns-650.exampledns-017.net', addresses: ['203.0.113.53'] },
    },
    zones: {
      jp: {
        servers: ['tld-jp'],
        text: `
$TTL 86400
@    IN SOA a.dns.jp. hostmaster.jp. 1 3600 900 604800 900
@    IN NS  a.dns.jp.
a.dns IN A  192.0.2.201
`,
      },
      'example.jp': {
        servers: ['ns-legit'],
        text: `
$TTL 86400
@    IN SOA ns1.example-dns.net. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns1.example-dns.net.
www  300 IN A 192.0.2.10
`,
      },
    },
    registries: [
      {
        tld: 'jp',
        registrars: ['reg-a', 'reg-b'],
        nsTtl: 86400,
        domains: [{ name: 'example.jp', registrar: 'reg-a', registrant: 'example-corp', authCode: 'Xy7-secret', ns: ['ns1.example-dns.net'] }],
      },
    ],
    resolvers: {
      'resolver-a': { addresses: ['10.0.1.53'], profile: 'unbound' },
      'resolver-b': { addresses: ['10.0.2.53'], profile: 'unbound' },
    },
    clients: {
      alice: { addresses: ['10.0.1.10'], resolver: 'resolver-a' },
      bob: { addresses: ['10.0.2.10'], resolver: 'resolver-b' },
    },
  },

  steps: [
    { at: '+0s', client: 'alice', query: 'www.example.jp A', note: "alice's resolver caches the delegation", expect: { rcode: 'NOERROR', answer: ['www.example.jp. 300 IN A 192.0.2.10'] } },
    { at: '+0s', watch: { name: 'alice', client: 'alice', query: 'www.example.jp A', every: '30m', until: '+30h' } },

    {
      at: '+1h',
      only: ['fixed'],
      operator: 'registry',
      note: 'set earlier after a call-back to the registrant; shown here for the timeline',
      action: { do: 'registry-lock', domain: 'example.jp' },
    },
    {
      at: '+2h',
      only: ['vulnerable'],
      attacker: 'mallory',
      note: 'logs in at reg-a as the registrant',
      action: { do: 'change-ns', registrar: 'reg-a', registrant: 'example-corp', domain: 'example.jp', ns: ['ns-650.exampledns-017.net'] },
    },
    {
      at: '+2h',
      only: ['fixed'],
      attacker: 'mallory',
      note: 'logs in at reg-a as the registrant',
      action: { do: 'change-ns', registrar: 'reg-a', registrant: 'example-corp', domain: 'example.jp', ns: ['ns-650.exampledns-017.net'], expect: 'STATUS_PROHIBITS' },
    },
    {
      at: '+2h',
      attacker: 'mallory',
      note: 'the look-alike server answers for example.jp',
      action: {
        do: 'serve-zone',
        zone: 'example.jp',
        servers: ['ns-attacker'],
        text: `
$TTL 86400
@    IN SOA ns-650.exampledns-017.net. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns-650.exampledns-017.net.
www  300 IN A 203.0.113.66
`,
      },
    },
    {
      at: '+2h10m',
      only: ['vulnerable'],
      client: 'bob',
      query: 'www.example.jp A',
      note: "bob's resolver fetches the delegation now: hijacked at once",
      expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 203.0.113.66'] },
    },
    { at: '+2h10m', only: ['fixed'], client: 'bob', query: 'www.example.jp A', expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 192.0.2.10'] } },
    { at: '+2h10m', client: 'alice', query: 'www.example.jp A', note: 'alice still has the old NS cached', expect: { answer: ['www.example.jp. A 192.0.2.10'] } },
    { at: '+20h', expectQueries: { client: 'resolver-a', server: 'ns-attacker', none: true }, note: "alice's resolver has not asked the attacker yet" },
    {
      at: '+30h',
      only: ['vulnerable'],
      expectTimeline: {
        watch: 'alice',
        never: { from: '+0s', to: '+23h30m', answerContains: '203.0.113.66' },
        throughout: { from: '+24h30m', to: '+30h', answerContains: '203.0.113.66' },
      },
      note: 'the hijack reached alice when the cached NS (86400 s) expired',
    },
    { at: '+30h', only: ['fixed'], expectTimeline: { watch: 'alice', never: { from: '+0s', to: '+30h', answerContains: '203.0.113.66' } } },
    { at: '+30h', only: ['fixed'], expectQueries: { server: 'ns-attacker', none: true }, note: 'nobody ever asked the attacker' },
  ],

  variants: {
    vulnerable: { description: { en: 'no registry lock: the registry accepts the NS change', ja: 'レジストリロックなし: レジストリが NS 変更を受け付ける' } },
    fixed: { description: { en: 'registry lock: the registry refuses the NS change', ja: 'レジストリロックあり: レジストリが NS 変更を拒否する' } },
  },
});
