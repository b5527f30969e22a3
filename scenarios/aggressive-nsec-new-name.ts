// Incident "Aggressive NSEC and new names" (docs/incidents.md, RFC 8198 §6): a validating resolver that uses
// cached NSEC records aggressively keeps answering NXDOMAIN for a name the
// operator has just added, until the NSEC that "proved" it absent expires.
// The variants are resolver behaviours, not a vulnerable/fixed pair.
import { defineScenario } from '../lab/scenario/types.ts';

export default defineScenario({
  id: 'aggressive-nsec-new-name',
  title: {
    en: 'Aggressive NSEC caching hides a newly added name',
    ja: 'NSEC の積極的キャッシュで新しく追加した名前が見えない',
  },
  narrative: {
    en: `example.jp is signed with NSEC. A client asks for c.example.jp, which does not exist; the NXDOMAIN
carries the NSEC record "a.example.jp → d.example.jp": nothing exists between a and d. The operator
then adds b.example.jp. A resolver that synthesises answers from cached NSEC records (RFC 8198)
answers NXDOMAIN for b.example.jp from that NSEC, without asking, until the NSEC expires (its TTL
is the SOA minimum, 3600 s here). A resolver that does not asks the server and sees b at once.
Operators adding names to a signed zone should expect this delay — or lower the SOA minimum.`,
    ja: `example.jp は NSEC で署名されている。クライアントが存在しない c.example.jp を問い合わせると、NXDOMAIN と
ともに NSEC レコード「a.example.jp → d.example.jp」(a と d の間には何もない) が返る。その後、運用者が
b.example.jp を追加する。キャッシュした NSEC から応答を合成するリゾルバー (RFC 8198) は、その NSEC が
失効するまで (ここでは SOA minimum の 3600 秒) b.example.jp についても問い合わせずに NXDOMAIN を返す。
合成しないリゾルバーはサーバーに問い合わせ、b をすぐに見つける。署名済みゾーンに名前を追加する運用者は
この遅れを想定するか、SOA minimum を小さくしておく必要がある。`,
  },
  references: [
    'docs/incidents.md: "Aggressive NSEC and new names"',
    'RFC 8198 §6 (aggressive use of DNSSEC-validated cache: consequences)',
    'RFC 9077 (NSEC TTL)',
  ],
  start: '2026-07-01T00:00:00Z',

  topology: {
    servers: {
      'ns-example': { host: 'ns1.example.jp', addresses: ['192.0.2.53'] },
    },
    zones: {
      'example.jp': {
        servers: ['ns-example'],
        signed: true,
        text: `
$TTL 3600
@    IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 3600
@    IN NS  ns1.example.jp.
ns1  IN A   192.0.2.53
a    IN A   192.0.2.1
d    IN A   192.0.2.4
`,
      },
    },
    resolvers: {
      resolver: { addresses: ['10.0.0.53'], profile: 'unbound', settings: { aggressiveNsec: true } },
    },
    clients: { alice: { addresses: ['10.0.0.10'], resolver: 'resolver' } },
  },

  steps: [
    {
      at: '+0s',
      client: 'alice',
      query: 'c.example.jp A',
      note: 'NXDOMAIN with NSEC a → d, now in the cache',
      expect: { rcode: 'NXDOMAIN', flags: { ad: true } },
    },
    { at: '+5m', operator: 'dns team', action: { do: 'add-records', zone: 'example.jp', records: ['b 300 IN A 192.0.2.2'] } },
    { at: '+5m', watch: { name: 'b', client: 'alice', query: 'b.example.jp A', every: '5m', until: '+2h' } },
    {
      at: '+10m',
      client: 'alice',
      query: 'b.example.jp A',
      to: 'ns-example',
      note: 'the server has it',
      expect: { rcode: 'NOERROR', flags: { aa: true }, answer: ['b.example.jp. 300 IN A 192.0.2.2'] },
    },
    {
      at: '+30m',
      only: ['aggressive'],
      expectQueries: { client: 'resolver', qname: 'b.example.jp', none: true },
      note: 'the resolver never asked: it synthesised NXDOMAIN from the cached NSEC',
    },
    {
      at: '+2h',
      only: ['aggressive'],
      expectTimeline: {
        watch: 'b',
        throughout: { from: '+5m', to: '+55m', rcode: 'NXDOMAIN' },
        bad: ['NXDOMAIN'],
        recovery: { from: '+1h', to: '+1h10m' },
      },
      note: 'b appears once the NSEC (TTL 3600, cached at T+0) has expired',
    },
    { at: '+2h', only: ['non-aggressive'], expectTimeline: { watch: 'b', never: { from: '+5m', to: '+2h', rcode: 'NXDOMAIN' } } },
  ],

  variants: {
    aggressive: { description: { en: 'the resolver uses cached NSEC aggressively (RFC 8198)', ja: 'リゾルバーが NSEC を積極的に利用する (RFC 8198)' } },
    'non-aggressive': {
      description: { en: 'the resolver only uses the cache for the exact name', ja: 'リゾルバーは同じ名前に対してのみキャッシュを使う' },
      topology: { resolvers: { resolver: { settings: { aggressiveNsec: false } } } },
      products: {
        knot: {
          failingClaims: ['step 7 watch b: from T+5m to T+2h clients never got NXDOMAIN'],
          because:
            'Knot Resolver 5.6 has no option to turn RFC 8198 aggressive use off (always on for NSEC since 2.0.0), so it still hides b.example.jp until the NSEC expires',
        },
      },
    },
  },
});
