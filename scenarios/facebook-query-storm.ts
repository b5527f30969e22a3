// Incident "Facebook 2021" (docs/incidents.md, S3): the query storm around an outage of
// every authoritative server (Facebook, 2021-10-04). auth-unreachable shows
// the SERVFAIL window and the resolver's retries; this scenario measures the
// volume at each hop — client → resolver, resolver → authoritatives,
// resolver → TLD — in a normal hour and in the outage hour, with the
// clients' retry behaviour (stub timeout, retries) as the variable.
import { defineScenario } from '../lab/scenario/types.ts';

// What real BIND 9.18.49 and Knot Resolver 5.6.0 do differently from the story (measured at clock rate 20,
// servers/real/README.md "Outage scenarios at a clock rate"; modelled by the bind and knot-resolver profiles).
const TLD_NORMAL = 'step 7 queries from resolver to tld-com from T+0s to T+59m59s';
const TLD_OUTAGE = 'step 19 queries from resolver to tld-com from T+1h to T+1h59m59s';
const BIND_NS_AAAA =
  'BIND looks up the AAAA of a.ns/b.ns.example.com (glue A only) from the root hints, so the .com server is asked: at the cold start, whose cut is reached through a minimisation step, and at failed fetches in the outage, each of which gathers addresses again 1.6 s in (resolver.c fctx_getaddresses: DNS_ADBFIND_AVOIDFETCHES only while restarts == 1; findname: STARTATZONE; adb.c fetch_name: dns_view_findzonecut from hints; fctx_setretryinterval: 800 ms per query; profile switches nsAaaaFetchAfterFirstTry, fetchRetryIntervalMs)';
const KNOT_NS_AAAA =
  "Knot Resolver resolves a nameserver's unknown AAAA when the address it would choose has failed, and starts that sub-query at the parent's cut, so the .com server is asked; it also picks a name to resolve on its random exploration (ε = 1/20 per choice of a server, uniform over the addresses and the names still to resolve), and with retrying clients every retry is a request of its own, so the draws add up with the client volume: 16 queries to tld-com in a traced outage hour with retrying clients (lib/selection.c select_transport, lib/resolve.c zone_cut_check; profile switches nsAaaaAfterTimeoutFromParent, exploreResolvesNsNames, joinClientQueries)";
const BIND_NO_HOLD_BACK =
  "BIND keeps no server-down state and caps a query's retransmission timeout (resolver.c MAX_SINGLE_QUERY_TIMEOUT 9 s), so every client retry starts a fetch that asks both dead servers again";
const KNOT_NO_HOLD_BACK =
  'Knot Resolver holds a server dead for only 1 s after 4 timeouts in a row (lib/selection.h KR_NS_TIMEOUT_ROW_DEAD, KR_NS_TIMEOUT_RETRY_INTERVAL 1000 ms) and caps timeouts at 10 s (selection.c MAX_TIMEOUT), so client retries reach the dead servers';

export default defineScenario({
  id: 'facebook-query-storm',
  title: {
    en: 'Retrying clients turn an authoritative outage into a query storm (Facebook 2021)',
    ja: '再試行するクライアントが権威サーバー障害を問い合わせの嵐に変える (Facebook 2021 年)',
  },
  narrative: {
    en: `Both authoritative servers of example.com become unreachable for an hour (as Facebook's on
2021-10-04, when BGP routes to them were withdrawn). An app asks for www.example.com once a minute.
While things work, the resolver answers almost everything from its cache (TTL 300): about a dozen
upstream queries per hour. When the servers vanish, client queries turn into retransmissions to both
dead servers (about 4–5 times the normal upstream volume), and stub resolvers get no answer within
their 5-second timeout. Apps do not wait politely: on a failure they retry at once. With five retries
per failure the volume reaching the resolver grows six-fold; apps that give up after 2 seconds and
retry up to 29 times a minute make it 30-fold — what Cloudflare's 1.1.1.1 saw for Facebook names. Upstream, the resolver's
infrastructure cache — servers it knows are dead are probed sparingly — keeps the extra client
retries from multiplying further: Unbound, once a server's retransmission timeout has backed off to
120 s, sends it nothing but one probe per infra-host-ttl (15 minutes), so answers return within 15
minutes of the routes, not at once. The TLD sees no surge: the delegation stays cached for its
86400-second TTL, and a resolver that finds every server down asks it again only a handful of times
(the com/net surge Verisign reported came from resolvers whose copies expired).
Serve-stale variant: the resolver keeps expired data (RFC 8767) and, when the dead servers have not
answered within 1.8 s, gives clients the last good answer with TTL 30 and EDE 3 "Stale Answer" while
it keeps trying in the background — clients see no outage at all.`,
    ja: `example.com の 2 台の権威サーバーが 1 時間到達不能になる (2021-10-04、BGP 経路が消えた Facebook と同様)。
アプリは 1 分ごとに www.example.com を問い合わせる。正常時、リゾルバーはほとんどをキャッシュ (TTL 300) から
答え、上流への問い合わせは 1 時間に十数回である。サーバーが消えると、クライアントの問い合わせは応答しない 2 台への
再送に変わり (上流への量は通常の約 4〜5 倍)、スタブリゾルバーは 5 秒のタイムアウト内に応答を得られない。
アプリは行儀よく待たず、失敗するとすぐに再試行する。失敗ごとに 5 回再試行すると、リゾルバーに届く量は 6 倍になり、
2 秒で諦めて 1 分に最大 29 回再試行するアプリでは 30 倍になる (Cloudflare の 1.1.1.1 が Facebook 関連の名前で
観測した規模)。上流側では、リゾルバーのインフラキャッシュ (停止と分かったサーバーには控えめにしか問い合わせない) が
クライアントの再試行による増幅を抑える (Unbound は再送タイマーが 120 秒まで伸びたサーバーには infra-host-ttl (15 分) ごとに 1 回しか
問い合わせないため、経路が戻ってから応答が戻るまで最大 15 分かかる)。TLD への急増は起きない: 委任情報は TTL 86400 秒の間キャッシュされ、
全サーバーの停止を知ったリゾルバーが問い合わせ直すのは数回だけである
(Verisign が報告した com/net の急増は、キャッシュが失効したリゾルバーによるもの)。
serve-stale 版: リゾルバーは失効したデータを保持し (RFC 8767)、停止したサーバーが 1.8 秒以内に応答しなければ、
最後に得た正しい応答を TTL 30、EDE 3 "Stale Answer" 付きで返し、裏で問い合わせを続ける。クライアントには障害が見えない。`,
  },
  references: [
    'docs/incidents.md: "Facebook 2021" (S3; Facebook, 2021-10-04)',
    'Cloudflare: "Understanding how Facebook disappeared from the Internet" (2021-10-04)',
    'Verisign: "Verisign\'s perspective on the Facebook outage" (2021-10, com/net query surge)',
    'RFC 1536 §2 (fast retransmissions)',
    'RFC 8767 §5 (serve-stale client response timer, 1.8 s)',
    'RFC 8914 §4.4 (EDE 3 Stale Answer)',
  ],
  start: '2026-10-04T15:00:00Z',
  // Against a real resolver, every sample in the outage waits for the product's retransmission timers and the
  // client's timeout: run lab time and the product's clocks 20× faster (servers/real/README.md, "Time").
  realClockRate: 20,

  topology: {
    servers: {
      'tld-com': { host: 'a.gtld-servers.example', addresses: ['192.0.2.230'] },
      'ns-a': { host: 'a.ns.example.com', addresses: ['192.0.2.35'] },
      'ns-b': { host: 'b.ns.example.com', addresses: ['192.0.2.36'] },
    },
    zones: {
      com: {
        servers: ['tld-com'],
        text: `
$TTL 86400
@    IN SOA a.gtld-servers.example. hostmaster.com. 1 1800 900 604800 900
@    IN NS  a.gtld-servers.example.
`,
      },
      'example.com': {
        servers: ['ns-a', 'ns-b'],
        text: `
$TTL 3600
@     IN SOA a.ns.example.com. dns.example.com. 1 3600 900 604800 300
@     IN NS  a.ns.example.com.
@     IN NS  b.ns.example.com.
a.ns  IN A   192.0.2.35
b.ns  IN A   192.0.2.36
www   300 IN A 192.0.2.80
`,
      },
    },
    resolvers: { resolver: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { app: { addresses: ['10.0.0.10'], resolver: 'resolver' } },
  },

  steps: [
    { at: '+0s', only: ['patient-clients'], watch: { name: 'patient', client: 'app', query: 'www.example.com A', every: '1m', until: '+3h', timeout: '5s' } },
    {
      at: '+0s',
      only: ['aggressive-apps'],
      watch: { name: 'storm', client: 'app', query: 'www.example.com A', every: '1m', until: '+3h', timeout: '2s', retries: 29 },
    },
    {
      at: '+0s',
      only: ['retrying-clients'],
      watch: { name: 'retrying', client: 'app', query: 'www.example.com A', every: '1m', until: '+3h', timeout: '5s', retries: 5 },
    },
    { at: '+0s', only: ['serve-stale'], watch: { name: 'stale', client: 'app', query: 'www.example.com A', every: '1m', until: '+3h', timeout: '5s' } },

    // A normal hour.
    { at: '+1h', expectQueries: { client: 'app', server: 'resolver', since: '+0s', until: '+59m59s', count: 60 }, note: 'normal: one client query a minute' },
    {
      at: '+1h',
      expectQueries: { client: 'resolver', zone: 'example.com', since: '+0s', until: '+59m59s', max: 20 },
      note: 'normal: the cache answers; a refresh per TTL',
    },
    {
      at: '+1h',
      expectQueries: { client: 'resolver', server: 'tld-com', since: '+0s', until: '+59m59s', max: 2 },
      note: 'normal: the delegation is cached for a day',
    },

    {
      at: '+1h',
      operator: 'network team',
      note: 'a maintenance error withdraws the routes',
      action: { do: 'set-quirks', server: 'ns-a', quirks: [{ kind: 'drop' }] },
    },
    { at: '+1h', operator: 'network team', action: { do: 'set-quirks', server: 'ns-b', quirks: [{ kind: 'drop' }] } },
    {
      at: '+1h30m',
      only: ['serve-stale'],
      client: 'app',
      query: 'www.example.com A',
      note: 'half an hour into the outage: the last good answer, marked stale',
      expect: { rcode: 'NOERROR', answer: ['www.example.com. 30 IN A 192.0.2.80'], ede: [3] },
    },
    { at: '+2h', operator: 'network team', note: 'routes restored', action: { do: 'set-quirks', server: 'ns-a', quirks: [] } },
    { at: '+2h', operator: 'network team', action: { do: 'set-quirks', server: 'ns-b', quirks: [] } },

    // The outage hour.
    {
      at: '+2h',
      only: ['patient-clients'],
      expectQueries: { client: 'app', server: 'resolver', since: '+1h', until: '+1h59m59s', max: 60 },
      note: 'patient clients: the same 60 questions',
    },
    {
      at: '+2h',
      only: ['retrying-clients'],
      expectQueries: { client: 'app', server: 'resolver', since: '+1h', until: '+1h59m59s', min: 300 },
      note: 'retrying clients: ≥ 5× the normal volume reaches the resolver',
    },
    {
      at: '+2h',
      only: ['aggressive-apps'],
      expectQueries: { client: 'app', server: 'resolver', since: '+1h', until: '+1h59m59s', min: 1500 },
      note: 'apps retrying every 2 s: ≈ 30× the normal volume at the resolver (what 1.1.1.1 saw)',
    },
    {
      at: '+2h',
      only: ['aggressive-apps'],
      expectQueries: { client: 'resolver', zone: 'example.com', since: '+1h', until: '+1h59m59s', max: 200 },
      note: 'upstream still held back by the dead-server backoff',
    },
    // What an outage hour costs upstream depends on the resolver's backoff. Unbound backs a dead server's timeout off
    // from 376 ms to 120 s (about nine timeouts each) and then only probes it once per infra-host-ttl (services/cache/
    // infra.c); measured 35–45 queries (real 1.17.1, rate 20), 25–33 in the emulated unbound profile. Guaranteed:
    // the backoff to both servers, about twice the normal hour.
    {
      at: '+2h',
      expectQueries: { client: 'resolver', zone: 'example.com', since: '+1h', until: '+1h59m59s', min: 20 },
      note: 'upstream: misses turn into retransmissions to both dead servers until their timeouts are backed off (≥ 2× the normal hour)',
    },
    {
      at: '+2h',
      only: ['retrying-clients'],
      expectQueries: { client: 'resolver', zone: 'example.com', since: '+1h', until: '+1h59m59s', max: 100 },
      note: "but client retries do not multiply it: the resolver's infrastructure cache holds back from servers it knows are dead",
    },
    // Unbound asks the parent again once every server is skipped as down (iterator.c processLastResort: "try to grab
    // parent NS", then the nameservers' addresses from the parent side): measured 3–6 queries to tld-com in the outage
    // hour (real 1.17.1, rate 20). A handful, not one per client query.
    {
      at: '+2h',
      expectQueries: { client: 'resolver', server: 'tld-com', since: '+1h', until: '+1h59m59s', max: 10 },
      note: 'the TLD: the delegation is still cached; a resolver that finds every server down asks again a handful of times, no surge',
    },
    // Recovery: within one infra-host-ttl (900 s) of the routes, plus the minute to the next sample. Unbound probes a
    // server whose timeout reached 120 s only when its infra cache entry expires (infra.c infra_get_lame_rtt,
    // infra_host), so the minute depends on where the two servers' 15-minute cycles stand (measured T+2h1m–T+2h9m).
    {
      at: '+3h',
      only: ['patient-clients'],
      expectTimeline: { watch: 'patient', never: { from: '+1h10m', to: '+1h59m', rcode: 'NOERROR' }, recovery: { from: '+2h', to: '+2h16m' } },
    },
    {
      at: '+3h',
      only: ['aggressive-apps'],
      expectTimeline: { watch: 'storm', never: { from: '+1h10m', to: '+1h59m', rcode: 'NOERROR' }, recovery: { from: '+2h', to: '+2h16m' } },
    },
    {
      at: '+3h',
      only: ['retrying-clients'],
      expectTimeline: { watch: 'retrying', never: { from: '+1h10m', to: '+1h59m', rcode: 'NOERROR' }, recovery: { from: '+2h', to: '+2h16m' } },
    },
    {
      at: '+3h',
      only: ['serve-stale'],
      expectTimeline: {
        watch: 'stale',
        throughout: { from: '+0s', to: '+3h', answerContains: '192.0.2.80' },
        never: { from: '+0s', to: '+3h', rcode: 'TIMEOUT' },
      },
      note: 'every client query within its 5 s stub timeout got the address, outage or not',
    },
  ],

  variants: {
    'patient-clients': {
      description: { en: 'clients ask once a minute (5 s stub timeout) and accept a failure', ja: 'クライアントは 1 分に 1 回問い合わせ、失敗を受け入れる' },
      // Knot Resolver asks tld-com in this variant's outage too, but a handful of times (measured 4–8 at rate 20): each
      // request ends after 10 timeouts or 10 s (KR_TIMEOUT_LIMIT, KR_RESOLVE_TIME_LIMIT), and once its timeouts
      // have backed off, a request has no time left for the NS AAAA sub-query.
      products: { bind: { failingClaims: [TLD_NORMAL, TLD_OUTAGE], because: BIND_NS_AAAA } },
    },
    'retrying-clients': {
      description: { en: 'clients retry 5 times at once after every failure', ja: 'クライアントは失敗のたびに即座に 5 回再試行する' },
      products: {
        bind: {
          failingClaims: [TLD_NORMAL, 'step 18 queries under example.com from resolver from T+1h to T+1h59m59s', TLD_OUTAGE],
          because: `${BIND_NS_AAAA}; ${BIND_NO_HOLD_BACK}`,
        },
        knot: {
          failingClaims: ['step 18 queries under example.com from resolver from T+1h to T+1h59m59s'],
          because: `${KNOT_NO_HOLD_BACK} (its .com queries in the outage hour, step 19, vary from run to run: lab/runner/varying.ts)`,
        },
      },
    },
    'aggressive-apps': {
      description: { en: 'apps with a 2 s timeout retrying up to 29 times a minute', ja: 'タイムアウト 2 秒で 1 分に最大 29 回再試行するアプリ' },
      products: {
        bind: {
          failingClaims: [TLD_NORMAL, 'step 16 queries under example.com from resolver from T+1h to T+1h59m59s', TLD_OUTAGE],
          because: `${BIND_NS_AAAA}; ${BIND_NO_HOLD_BACK}`,
        },
        knot: {
          failingClaims: ['step 16 queries under example.com from resolver from T+1h to T+1h59m59s', TLD_OUTAGE],
          because: `${KNOT_NS_AAAA}; ${KNOT_NO_HOLD_BACK}`,
        },
      },
    },
    'serve-stale': {
      description: {
        en: 'the resolver serves stale data (Unbound serve-expired: yes, serve-expired-client-timeout: 1800, ede: yes)',
        ja: 'リゾルバーが失効データを返す (Unbound serve-expired: yes、serve-expired-client-timeout: 1800、ede: yes)',
      },
      topology: { resolvers: { resolver: { settings: { serveStale: true, staleClientTimeoutMs: 1800, ede: true } } } },
      // BIND gets staleClientTimeoutMs as stale-answer-client-timeout 1800 and serves stale throughout (measured).
      products: {
        bind: { failingClaims: [TLD_NORMAL, TLD_OUTAGE], because: BIND_NS_AAAA },
        // Knot Resolver: steps 10 and 23 hold in some runs and fail in others (lab/runner/varying.ts), so nothing is declared.
        powerdns: {
          failingClaims: ['step 10 EDE'],
          because:
            'PowerDNS Recursor 4.8 (extended-resolution-errors=yes) adds a resolution EDE only to answers that failed validation (pdns_recursor.cc startDoResolve: g_addExtendedResolutionDNSErrors && vStateIsBogus), so its stale answer carries no EDE 3 (profile switch edeBogusOnly: true)',
        },
      },
    },
  },
});
