// Incident "Subdomain takeover" (docs/incidents.md): a dangling CNAME to a cancelled CDN endpoint is
// claimed by an attacker; the dangling-a variant is the same story with an A
// record to a released cloud address. Read top to bottom: the world, then
// what happens.
import { defineScenario } from '../lab/scenario/types.ts';

export default defineScenario({
  id: 'subdomain-takeover',
  title: {
    en: 'Subdomain takeover through a dangling CNAME',
    ja: '放置された CNAME によるサブドメインテイクオーバー',
  },
  narrative: {
    en: `example.jp ran a campaign site at campaign.example.jp, a CNAME to an endpoint at a CDN
(cdn.example.net). When the campaign ended the customer cancelled the CDN service, and the
provider deleted the endpoint — but nobody removed the CNAME from example.jp. Clients now get
NXDOMAIN: a "dangling record". An attacker signs up at the same provider and claims the same
endpoint name. Without touching example.jp, the attacker now decides what campaign.example.jp
shows: phishing pages, certificates, cookies for example.jp.
Fixed variant: the customer removes the CNAME when cancelling the service, so the attacker's
claim changes nothing for example.jp.
Dangling-A variant: campaign.example.jp is an A record to a cloud VM's public address
(192.0.2.80, listed in the provider's zone as vm-campaign.example.net). The customer deletes the VM
and the address goes back to the provider's pool, but the A record stays. DNS answers never change —
nothing in DNS looks wrong — until the provider allocates 192.0.2.80 to the attacker's new VM, which
then receives everything sent to campaign.example.jp. Only an audit that knows which addresses were
released finds it.`,
    ja: `example.jp はキャンペーンサイト campaign.example.jp を CDN のエンドポイント (cdn.example.net) への
CNAME で運用していた。キャンペーン終了時に顧客は CDN サービスを解約し、事業者はエンドポイントを削除したが、
example.jp の CNAME は誰も削除しなかった。クライアントには NXDOMAIN が返る (ダングリングレコード)。
攻撃者が同じ事業者に登録して同じエンドポイント名を取得すると、example.jp に一切触れずに
campaign.example.jp の内容 (フィッシングページ、証明書、Cookie) を支配できる。
修正版: 顧客が解約と同時に CNAME を削除するので、攻撃者が名前を取得しても example.jp には影響しない。
ダングリング A 版: campaign.example.jp はクラウド VM の公開アドレス (192.0.2.80、事業者のゾーンでは
vm-campaign.example.net) への A レコードである。顧客が VM を削除するとアドレスは事業者のプールに戻るが、
A レコードは残る。DNS の応答は変わらず、DNS 上は何も異常に見えない。事業者が 192.0.2.80 を攻撃者の新しい VM に
割り当てると、campaign.example.jp 宛ての通信はすべて攻撃者に届く。解放したアドレスを把握した監査だけが発見できる。`,
  },
  references: [
    'docs/incidents.md: "Subdomain takeover" (S0, 2-b: DNS misconfiguration × domain no longer used)',
    'JPRS: サブドメインテイクオーバー (https://jprs.jp/tech/security/2020-03-25-subdomain-takeover.html)',
    'Microsoft: Prevent dangling DNS entries and avoid subdomain takeover (https://learn.microsoft.com/azure/security/fundamentals/subdomain-takeover)',
    'RFC 1034 §3.6.2 (CNAME)',
    'AWS: Elastic IP addresses are returned to the pool when released (dangling A records)',
  ],
  start: '2026-04-01T09:00:00Z',

  topology: {
    servers: {
      'ns-customer': { host: 'ns1.example.jp', addresses: ['192.0.2.53'] },
      'ns-provider': { host: 'ns1.example.net', addresses: ['198.51.100.53'] },
    },
    zones: {
      'example.jp': {
        servers: ['ns-customer'],
        text: `
$TTL 300
@         IN SOA ns1.example.jp. hostmaster.example.jp. 2026040101 3600 900 604800 300
@         IN NS  ns1.example.jp.
ns1       IN A   192.0.2.53
www       IN A   192.0.2.10
campaign  IN CNAME cdn.example.net.
`,
      },
      'example.net': {
        servers: ['ns-provider'],
        text: `
$TTL 300
@         IN SOA ns1.example.net. hostmaster.example.net. 1 3600 900 604800 300
@         IN NS  ns1.example.net.
ns1       IN A   198.51.100.53
cdn       IN A   192.0.2.80     ; the customer's campaign site
`,
      },
    },
    resolvers: {
      resolver: { addresses: ['10.0.0.53'], profile: 'unbound' },
    },
    clients: {
      alice: { addresses: ['10.0.0.10'], resolver: 'resolver' },
    },
  },

  steps: [
    {
      at: '+0s',
      client: 'alice',
      query: 'campaign.example.jp A',
      only: ['vulnerable', 'fixed'],
      note: 'the campaign is live',
      expect: {
        rcode: 'NOERROR',
        answer: ['campaign.example.jp. 300 IN CNAME cdn.example.net.', 'cdn.example.net. 300 IN A 192.0.2.80'],
      },
    },
    {
      at: '+0s',
      only: ['dangling-a'],
      client: 'alice',
      query: 'campaign.example.jp A',
      note: "the campaign is live on the customer's VM",
      expect: { rcode: 'NOERROR', answer: ['campaign.example.jp. 300 IN A 192.0.2.80'] },
    },
    {
      at: '+0s',
      only: ['dangling-a'],
      client: 'alice',
      query: 'vm-campaign.example.net A',
      note: "the provider's name for the customer's VM",
      expect: { answer: ['vm-campaign.example.net. A 192.0.2.80'] },
    },
    { at: '+0s', watch: { name: 'campaign', client: 'alice', query: 'campaign.example.jp A', every: '10m', until: '+3h' } },

    {
      at: '+30m',
      only: ['vulnerable', 'fixed'],
      audit: { client: 'alice', zones: ['example.jp'], providerSuffixes: ['example.net'] },
      note: 'early warning: the CNAME points into a provider where endpoint names can be claimed',
      expect: { findings: ['cname-to-claimable-provider'] },
    },

    // The campaign ends.
    {
      at: '+1h',
      only: ['dangling-a'],
      operator: 'provider',
      note: 'the customer deletes the VM; 192.0.2.80 goes back to the provider’s address pool, the A record in example.jp stays',
      action: { do: 'remove-records', zone: 'example.net', records: ['vm-campaign A'] },
    },
    {
      at: '+1h10m',
      only: ['dangling-a'],
      client: 'alice',
      query: 'campaign.example.jp A',
      note: 'DNS shows nothing wrong: the same answer, pointing at an address nobody at example.jp holds any more',
      expect: { rcode: 'NOERROR', answer: ['campaign.example.jp. A 192.0.2.80'] },
    },
    {
      at: '+1h10m',
      only: ['dangling-a'],
      client: 'alice',
      query: 'vm-campaign.example.net A',
      note: 'the VM is gone from the provider',
      expect: { rcode: 'NXDOMAIN' },
    },
    {
      at: '+1h30m',
      only: ['dangling-a'],
      audit: { client: 'alice', zones: ['example.jp'] },
      note: 'an audit that does not know what was released cannot tell a dangling A from a live one',
      expect: { findings: [] },
    },
    {
      at: '+1h30m',
      only: ['dangling-a'],
      audit: { client: 'alice', zones: ['example.jp'], released: ['192.0.2.80'] },
      note: 'with the released addresses it finds the record the attacker will use',
      expect: { findings: ['released-address'] },
    },
    {
      at: '+2h',
      only: ['dangling-a'],
      attacker: 'mallory',
      note: 'creates VMs at the provider until one is allocated 192.0.2.80',
      action: { do: 'add-records', zone: 'example.net', records: ['vm-mallory 300 IN A 192.0.2.80'] },
    },
    {
      at: '+2h10m',
      only: ['dangling-a'],
      client: 'alice',
      query: 'vm-mallory.example.net A',
      note: "the attacker's VM holds the address example.jp still points at",
      expect: { rcode: 'NOERROR', answer: ['vm-mallory.example.net. A 192.0.2.80'] },
    },
    {
      at: '+2h10m',
      only: ['dangling-a'],
      client: 'alice',
      query: 'campaign.example.jp A',
      note: "so campaign.example.jp now leads to the attacker's machine — with no change to any DNS answer",
      expect: { rcode: 'NOERROR', answer: ['campaign.example.jp. A 192.0.2.80'] },
    },
    {
      at: '+1h',
      only: ['fixed'],
      operator: 'customer',
      note: 'the customer removes the CNAME before cancelling',
      action: { do: 'remove-records', zone: 'example.jp', records: ['campaign CNAME'] },
    },
    {
      at: '+1h',
      only: ['vulnerable', 'fixed'],
      operator: 'provider',
      note: 'the CDN service is cancelled; the provider deletes the endpoint',
      action: { do: 'remove-records', zone: 'example.net', records: ['cdn A'] },
    },
    {
      at: '+1h10m',
      only: ['vulnerable', 'fixed'],
      client: 'alice',
      query: 'campaign.example.jp A',
      note: 'dangling (vulnerable) or gone (fixed)',
      expect: { rcode: 'NXDOMAIN' },
    },
    {
      at: '+1h30m',
      only: ['vulnerable'],
      audit: { client: 'alice', zones: ['example.jp'] },
      note: 'dnslab audit finds what the attacker looks for',
      expect: { findings: ['dangling-cname'] },
    },
    { at: '+1h30m', only: ['fixed'], audit: { client: 'alice', zones: ['example.jp'] }, expect: { findings: [] } },

    // The attacker claims the same endpoint name at the provider.
    {
      at: '+2h',
      only: ['vulnerable', 'fixed'],
      attacker: 'mallory',
      note: 'signs up at the CDN and claims the endpoint name "cdn"',
      action: { do: 'add-records', zone: 'example.net', records: ['cdn 300 IN A 203.0.113.66'] },
    },
    {
      at: '+2h10m',
      only: ['vulnerable'],
      client: 'alice',
      query: 'campaign.example.jp A',
      note: "example.jp's name now points at the attacker",
      expect: {
        rcode: 'NOERROR',
        answer: ['campaign.example.jp. CNAME cdn.example.net.', 'cdn.example.net. A 203.0.113.66'],
      },
    },
    {
      at: '+2h10m',
      only: ['fixed'],
      client: 'alice',
      query: 'campaign.example.jp A',
      expect: { rcode: 'NXDOMAIN', answer: [] },
    },
    {
      at: '+3h',
      expectQueries: { server: 'ns-customer', qname: 'campaign.example.jp', since: '+2h', min: 1 },
      note: 'resolvers still ask example.jp — the attack needed no access to it',
    },
    {
      at: '+3h',
      only: ['vulnerable'],
      expectTimeline: {
        watch: 'campaign',
        never: { from: '+0s', to: '+1h59m', answerContains: '203.0.113.66' },
        throughout: { from: '+2h10m', to: '+3h', answerContains: '203.0.113.66' },
      },
    },
    {
      at: '+3h',
      only: ['fixed'],
      expectTimeline: { watch: 'campaign', never: { from: '+0s', to: '+3h', answerContains: '203.0.113.66' } },
    },
    {
      at: '+3h',
      only: ['dangling-a'],
      expectTimeline: { watch: 'campaign', throughout: { from: '+0s', to: '+3h', answerContains: '192.0.2.80' } },
      note: 'clients saw the same answer before, during and after the takeover: DNS monitoring cannot catch it',
    },
  ],

  variants: {
    vulnerable: {
      description: { en: 'the CNAME is left behind when the service is cancelled', ja: '解約時に CNAME を残したまま' },
    },
    fixed: {
      description: { en: 'the customer removes the CNAME before cancelling the service', ja: '解約前に顧客が CNAME を削除する' },
    },
    'dangling-a': {
      description: {
        en: 'an A record to a released cloud address that the attacker is later allocated',
        ja: '解放されたクラウドのアドレスへの A レコードが残り、後に攻撃者に割り当てられる',
      },
      topology: {
        zones: {
          'example.jp': {
            text: `
$TTL 300
@         IN SOA ns1.example.jp. hostmaster.example.jp. 2026040101 3600 900 604800 300
@         IN NS  ns1.example.jp.
ns1       IN A   192.0.2.53
www       IN A   192.0.2.10
campaign  IN A   192.0.2.80     ; the customer's cloud VM
`,
          },
          'example.net': {
            text: `
$TTL 300
@            IN SOA ns1.example.net. hostmaster.example.net. 1 3600 900 604800 300
@            IN NS  ns1.example.net.
ns1          IN A   198.51.100.53
vm-campaign  IN A   192.0.2.80  ; the customer's VM, as the provider names it
`,
          },
        },
      },
    },
  },

  exercise: {
    task: {
      en: `You run example.jp. The campaign at campaign.example.jp ended an hour ago and the CDN service was cancelled,
but clients asking for campaign.example.jp now reach an address that is not yours (203.0.113.66).
Find out why and fix example.jp so that nobody can take over its names at the provider.`,
      ja: `あなたは example.jp の運用者である。campaign.example.jp のキャンペーンは 1 時間前に終わり CDN サービスも解約したが、
campaign.example.jp を問い合わせたクライアントが自分のものではないアドレス (203.0.113.66) に到達している。
原因を調べ、事業者側で名前を乗っ取られないよう example.jp を修正せよ。`,
    },
    hints: [
      {
        en: 'Ask the resolver for campaign.example.jp A and read the whole answer: which name does example.jp point at?',
        ja: 'リゾルバーに campaign.example.jp A を問い合わせ、応答全体を読む。example.jp はどの名前を指しているか。',
      },
      {
        en: 'campaign is a CNAME into cdn.example.net, a name anyone can claim at the provider. Remove the record from zones/example.jp.zone and save.',
        ja: 'campaign は事業者側で誰でも取得できる cdn.example.net への CNAME である。zones/example.jp.zone からそのレコードを削除して保存する。',
      },
      {
        en: 'Resolvers keep the old CNAME until its TTL (300 s) has passed: "wait 6m", then check again.',
        ja: 'リゾルバーは古い CNAME を TTL (300 秒) が過ぎるまで保持する。"wait 6m" の後にもう一度 check する。',
      },
    ],
    broken: 'vulnerable',
    start: '+2h',
    fixed: 'fixed',
    checkFrom: '+1h10m',
    zones: ['example.jp'],
  },
});
