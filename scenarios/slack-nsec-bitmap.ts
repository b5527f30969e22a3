// Incident "Slack 2021: NSEC bitmap" (docs/incidents.md, S3): an online signer's NODATA NSEC for a
// wildcard-synthesised name lists only RRSIG NSEC (the Route 53 bug of
// 2021-09-30); a resolver that uses validated NSEC aggressively (RFC 8198)
// then answers the following A query with NODATA from its cache, without
// asking. The variants are resolver behaviours plus the signer fix.
import { defineScenario } from '../lab/scenario/types.ts';

const zone = `
$TTL 300
@    3600 IN SOA ns1.dns-provider.example. hostmaster.example.com. 1 3600 900 604800 300
@    3600 IN NS  ns1.dns-provider.example.
www       IN A   192.0.2.10
*         IN A   192.0.2.80     ; app.example.com exists only through this wildcard
`;

/**
 * BIND, Knot Resolver and PowerDNS do not reproduce the outage: they ask the
 * server for app A instead of answering NODATA from the broken NSEC (servers/real/README.md).
 */
/** The claims a product that asks the server (no NODATA synthesis at the qname) fails, exactly as the run names them. */
const ASKS_THE_SERVER = [
  'step 5 answer section',
  'step 7 no query app.example.com A from resolver from T+1m1s to now',
  'step 11 watch a: from T+5m to T+1h clients never got answer containing 192.0.2.80',
];

const productsThatAsk = {
  bind: {
    failingClaims: ASKS_THE_SERVER,
    because:
      'BIND 9.18 (synth-from-dnssec yes) never answers NODATA from the NSEC at the qname itself: its cache looks for a covering NSEC only when nothing is cached at the name (rbtdb.c cache_find → find_coveringnsec on a partial match), so it asks the server (profile switch aggressiveNsecExactNodata: false)',
  },
  knot: {
    failingClaims: ASKS_THE_SERVER,
    because:
      'Knot Resolver ≥4.1.0 does not synthesise from minimally covering NSEC ranges (changelog: "aggressive caching is disabled on minimal NSEC* ranges"); this signer\'s NSEC is app → \\000.app, so it asks the server (profile switch aggressiveNsecMinimalRanges: false)',
  },
  powerdns: {
    failingClaims: ASKS_THE_SERVER,
    because:
      'PowerDNS Recursor 4.8 does not store minimally covering NSECs (next = \\000.owner) in its aggressive NSEC cache (aggressive_nsec.cc isMinimallyCoveringNSEC), so it asks the server (profile switch aggressiveNsecMinimalRanges: false)',
  },
};

export default defineScenario({
  id: 'slack-nsec-bitmap',
  title: {
    en: 'A wrong NSEC type bitmap + aggressive NSEC caching: the A record disappears (Slack 2021)',
    ja: 'NSEC タイプビットマップの誤り + NSEC の積極的キャッシュで A レコードが消える (Slack 2021 年)',
  },
  narrative: {
    en: `example.com is hosted at a managed DNS service that signs answers on the fly. app.example.com exists
only through the wildcard *.example.com A; there is no AAAA anywhere. An IPv6-first client asks
app.example.com AAAA first. The answer is NODATA with a minimally covering NSEC at app.example.com —
but the service's signer (like Route 53 on 2021-09-30, when Slack enabled DNSSEC) puts only "RRSIG NSEC"
into its type bitmap, leaving out the A that the wildcard provides. The answer validates. A resolver
that uses validated NSEC records aggressively (RFC 8198; Google Public DNS did) now "knows" that
app.example.com has no A record, and answers the client's next question, app.example.com A, with
NODATA straight from its cache — the authoritative server is never asked. Resolvers that do not
synthesise from NSEC ask the server and get the A record. Fixed variant: the signer lists the types
the wildcard provides (A RRSIG NSEC), and the aggressive resolver answers A correctly.`,
    ja: `example.com は応答をその場で署名するマネージド DNS サービスでホストされている。app.example.com は
ワイルドカード *.example.com A によってのみ存在し、AAAA はどこにもない。IPv6 優先のクライアントはまず
app.example.com AAAA を問い合わせる。応答は app.example.com を所有者とする最小被覆 NSEC を含む NODATA だが、
このサービスの署名器は (2021-09-30 に Slack が DNSSEC を有効にしたときの Route 53 と同様に) タイプビットマップに
「RRSIG NSEC」しか入れず、ワイルドカードが提供する A を落としている。この応答は検証に成功する。検証済み NSEC を
積極的に使うリゾルバー (RFC 8198、Google Public DNS が該当) は app.example.com に A がないと「知った」ことになり、
続く app.example.com A の問い合わせにキャッシュから NODATA を返す。権威サーバーには問い合わせない。NSEC から
応答を合成しないリゾルバーはサーバーに問い合わせ、A を得る。修正版: 署名器がワイルドカードの提供するタイプ
(A RRSIG NSEC) をビットマップに入れ、積極的なリゾルバーでも A が正しく返る。`,
  },
  references: [
    'docs/incidents.md: "Slack 2021: NSEC bitmap" (S3; Slack, 2021-09-30)',
    'Slack Engineering: "What happened during Slack\'s DNSSEC rollout" (2021-12)',
    'RFC 8198 §5 (aggressive use of DNSSEC-validated cache)',
    'RFC 4470 (minimally covering NSEC records and DNSSEC on-line signing)',
    'RFC 4035 §3.1.3.4 (wildcard NODATA), RFC 4034 §4.1.2 (type bit maps)',
  ],
  start: '2026-09-30T12:00:00Z',

  topology: {
    servers: {
      'ns-provider': { host: 'ns1.dns-provider.example', addresses: ['192.0.2.53'] },
    },
    zones: {
      'example.com': {
        servers: ['ns-provider'],
        online: { quirks: [{ kind: 'nsec-bitmap-omits-wildcard-types' }] },
        text: zone,
      },
    },
    resolvers: { resolver: { addresses: ['10.0.0.53'], profile: 'google-public-dns' } },
    clients: { phone: { addresses: ['10.0.0.10'], resolver: 'resolver' } },
  },

  steps: [
    {
      at: '+0s',
      client: 'phone',
      query: 'www.example.com A',
      note: 'signed and validated',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: ['www.example.com. 300 IN A 192.0.2.10'] },
    },
    {
      at: '+1m',
      client: 'phone',
      query: 'app.example.com AAAA',
      note: 'IPv6 first: NODATA with the NSEC at app.example.com, validated',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: [] },
    },
    {
      at: '+1m',
      client: 'phone',
      query: 'app.example.com AAAA',
      to: 'ns-provider',
      dnssec: true,
      only: ['vulnerable'],
      note: "the signer's NSEC bitmap, asked directly",
      expect: { rcode: 'NOERROR', authorityIncludes: ['app.example.com. 300 IN NSEC \\000.app.example.com. RRSIG NSEC'] },
    },
    {
      at: '+1m',
      client: 'phone',
      query: 'app.example.com AAAA',
      to: 'ns-provider',
      dnssec: true,
      only: ['fixed'],
      expect: { rcode: 'NOERROR', authorityIncludes: ['app.example.com. 300 IN NSEC \\000.app.example.com. A RRSIG NSEC'] },
    },
    {
      at: '+1m1s',
      only: ['vulnerable', 'vulnerable-unbound'],
      client: 'phone',
      query: 'app.example.com A',
      note: 'answered from the cached NSEC: "no A here"',
      expect: { rcode: 'NOERROR', answer: [] },
    },
    {
      at: '+1m1s',
      only: ['non-aggressive', 'fixed'],
      client: 'phone',
      query: 'app.example.com A',
      expect: { rcode: 'NOERROR', answer: ['app.example.com. A 192.0.2.80'] },
    },
    {
      at: '+2m',
      only: ['vulnerable', 'vulnerable-unbound'],
      // From +1m1s, when the phone asks for A: Unbound's QNAME minimisation already sends
      // "app.example.com A" while resolving the AAAA at +1m (iterator.c keeps QTYPE A for the
      // step that reaches the full name unless the qtype is A or DS); that probe is not the A lookup.
      expectQueries: { client: 'resolver', qname: 'app.example.com', qtype: 'A', none: true, since: '+1m1s' },
      note: 'the resolver never asked anyone for app.example.com A',
    },
    {
      at: '+2m',
      only: ['non-aggressive'],
      expectQueries: { client: 'resolver', server: 'ns-provider', qname: 'app.example.com', qtype: 'A', min: 1 },
      note: 'this resolver asked the server',
    },

    // The app keeps trying, IPv6 first, every two minutes: the outage lasts as long as the bug.
    { at: '+5m', watch: { name: 'aaaa', client: 'phone', query: 'app.example.com AAAA', every: '2m', until: '+1h' } },
    { at: '+5m', watch: { name: 'a', client: 'phone', query: 'app.example.com A', every: '2m', until: '+1h' } },
    {
      at: '+1h',
      only: ['vulnerable', 'vulnerable-unbound'],
      expectTimeline: { watch: 'a', never: { from: '+5m', to: '+1h', answerContains: '192.0.2.80' } },
      note: 'every A query after an AAAA query is NODATA: app.example.com is down for these users',
    },
    { at: '+1h', only: ['non-aggressive', 'fixed'], expectTimeline: { watch: 'a', throughout: { from: '+5m', to: '+1h', answerContains: '192.0.2.80' } } },
  ],

  variants: {
    vulnerable: {
      description: {
        en: 'buggy bitmap; a resolver with aggressive NSEC (Google Public DNS profile)',
        ja: 'ビットマップの誤り; NSEC を積極的に使うリゾルバー (Google Public DNS プロファイル)',
      },
      products: productsThatAsk,
    },
    'vulnerable-unbound': {
      description: {
        en: 'buggy bitmap; Unbound (aggressive-nsec is its default since 1.15)',
        ja: 'ビットマップの誤り; Unbound (1.15 以降 aggressive-nsec が既定)',
      },
      topology: { resolvers: { resolver: { profile: 'unbound' } } },
      products: productsThatAsk,
    },
    'non-aggressive': {
      description: { en: 'buggy bitmap; the resolver does not synthesise from NSEC', ja: 'ビットマップの誤り; NSEC から応答を合成しないリゾルバー' },
      topology: { resolvers: { resolver: { settings: { aggressiveNsec: false } } } },
    },
    fixed: {
      description: { en: "the signer lists the wildcard's types (A RRSIG NSEC)", ja: '署名器がワイルドカードのタイプ (A RRSIG NSEC) を列挙する' },
      topology: { zones: { 'example.com': { online: { quirks: [] } } } },
    },
  },
});
