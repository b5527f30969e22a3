// Incident 1 (incidents.md): a dangling CNAME to a cancelled CDN endpoint is
// claimed by an attacker. Read top to bottom: the world, then what happens.
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
claim changes nothing for example.jp.`,
    ja: `example.jp はキャンペーンサイト campaign.example.jp を CDN のエンドポイント (cdn.example.net) への
CNAME で運用していた。キャンペーン終了時に顧客は CDN サービスを解約し、事業者はエンドポイントを削除したが、
example.jp の CNAME は誰も削除しなかった。クライアントには NXDOMAIN が返る (ダングリングレコード)。
攻撃者が同じ事業者に登録して同じエンドポイント名を取得すると、example.jp に一切触れずに
campaign.example.jp の内容 (フィッシングページ、証明書、Cookie) を支配できる。
修正版: 顧客が解約と同時に CNAME を削除するので、攻撃者が名前を取得しても example.jp には影響しない。`,
  },
  references: [
    'incidents.md §1 (seed 000, 2-b: DNS misconfiguration × domain no longer used)',
    'JPRS: サブドメインテイクオーバー (https://jprs.jp/tech/security/2020-03-25-subdomain-takeover.html)',
    'Microsoft: Prevent dangling DNS entries and avoid subdomain takeover (https://learn.microsoft.com/azure/security/fundamentals/subdomain-takeover)',
    'RFC 1034 §3.6.2 (CNAME)',
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
      note: 'the campaign is live',
      expect: {
        rcode: 'NOERROR',
        answer: ['campaign.example.jp. 300 IN CNAME cdn.example.net.', 'cdn.example.net. 300 IN A 192.0.2.80'],
      },
    },
    { at: '+0s', watch: { name: 'campaign', client: 'alice', query: 'campaign.example.jp A', every: '10m', until: '+3h' } },

    {
      at: '+30m',
      audit: { client: 'alice', zones: ['example.jp'], providerSuffixes: ['example.net'] },
      note: 'early warning: the CNAME points into a provider where endpoint names can be claimed',
      expect: { findings: ['cname-to-claimable-provider'] },
    },

    // The campaign ends.
    {
      at: '+1h',
      only: ['fixed'],
      operator: 'customer',
      note: 'the customer removes the CNAME before cancelling',
      action: { do: 'remove-records', zone: 'example.jp', records: ['campaign CNAME'] },
    },
    {
      at: '+1h',
      operator: 'provider',
      note: 'the CDN service is cancelled; the provider deletes the endpoint',
      action: { do: 'remove-records', zone: 'example.net', records: ['cdn A'] },
    },
    { at: '+1h10m', client: 'alice', query: 'campaign.example.jp A', note: 'dangling (vulnerable) or gone (fixed)', expect: { rcode: 'NXDOMAIN' } },
    { at: '+1h30m', only: ['vulnerable'], audit: { client: 'alice', zones: ['example.jp'] }, note: 'dnslab audit finds what the attacker looks for', expect: { findings: ['dangling-cname'] } },
    { at: '+1h30m', only: ['fixed'], audit: { client: 'alice', zones: ['example.jp'] }, expect: { findings: [] } },

    // The attacker claims the same endpoint name at the provider.
    {
      at: '+2h',
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
  ],

  variants: {
    vulnerable: {
      description: { en: 'the CNAME is left behind when the service is cancelled', ja: '解約時に CNAME を残したまま' },
    },
    fixed: {
      description: { en: 'the customer removes the CNAME before cancelling the service', ja: '解約前に顧客が CNAME を削除する' },
    },
  },
});
