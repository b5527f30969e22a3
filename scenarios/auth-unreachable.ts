// Incident "Facebook 2021" (docs/incidents.md): every authoritative server of a domain becomes
// unreachable (routes withdrawn). Resolvers answer SERVFAIL once cached data
// expires, and clients retrying make resolvers hammer the dead servers and the
// TLD.
import { defineScenario } from '../lab/scenario/types.ts';

export default defineScenario({
  id: 'auth-unreachable',
  title: {
    en: 'All authoritative servers unreachable: SERVFAIL, timeouts and a retry storm',
    ja: '全権威サーバーへの到達不能: SERVFAIL、タイムアウト、再試行の嵐',
  },
  narrative: {
    en: `A maintenance error withdraws the routes to both authoritative servers of example.com (as at
Facebook on 2021-10-04). Nothing answers any more. Once the cached www.example.com (TTL 300) expires,
resolvers return SERVFAIL — or nothing at all, as their retransmission timers back off past the
stub's patience — and every client query now makes the resolver send several queries into the void
(retries to each server) instead of none: the query volume towards the dead servers multiplies
while clients keep asking. When the routes come back, answers return at the resolver's next probe:
Unbound sends a server whose timeout has backed off to 120 s one probe per infra-host-ttl (15 minutes).`,
    ja: `保守作業の誤りで example.com の 2 台の権威サーバーへの経路が消える (2021-10-04 の Facebook と同様)。
何も応答しなくなり、キャッシュされた www.example.com (TTL 300) が失効するとリゾルバーは SERVFAIL を返す
(再送タイマーが伸びるとスタブの待ち時間を超え、応答自体が返らなくなる)。クライアントの問い合わせのたびに
リゾルバーは応答のないサーバーへ複数回 (各サーバーへの再送) 問い合わせ、クライアントも問い合わせを続けるため、
停止したサーバーへの問い合わせ量が何倍にもなる。経路が戻ると、リゾルバーの次の試行で応答が回復する: Unbound は再送タイマーが 120 秒まで伸びたサーバーには
infra-host-ttl (15 分) ごとに 1 回しか問い合わせない。`,
  },
  references: [
    'docs/incidents.md: "Facebook 2021" (S3; Facebook, 2021-10-04)',
    'Cloudflare: "Understanding how Facebook disappeared from the Internet" (2021-10-04)',
    'RFC 8767 (serving stale data to improve DNS resiliency)',
  ],
  start: '2026-10-04T15:00:00Z',
  // Against a real resolver, every sample in the outage waits for the product's retransmission timers and the
  // client's timeout: run lab time and the product's clocks 20× faster (servers/real/README.md, "Time").
  realClockRate: 20,

  topology: {
    servers: {
      'ns-a': { host: 'a.ns.example.com', addresses: ['192.0.2.35'] },
      'ns-b': { host: 'b.ns.example.com', addresses: ['192.0.2.36'] },
    },
    zones: {
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
    { at: '+0s', client: 'app', query: 'www.example.com A', expect: { rcode: 'NOERROR', answer: ['www.example.com. 300 IN A 192.0.2.80'] } },
    { at: '+0s', watch: { name: 'www', client: 'app', query: 'www.example.com A', every: '1m', until: '+3h' } },
    {
      at: '+1h',
      expectQueries: { zone: 'example.com', client: 'resolver', since: '+0s', until: '+59m59s', max: 20 },
      note: 'normal hour: one refresh per TTL',
    },
    {
      at: '+1h',
      operator: 'network team',
      note: 'a maintenance error withdraws the routes',
      action: { do: 'set-quirks', server: 'ns-a', quirks: [{ kind: 'drop' }] },
    },
    { at: '+1h', operator: 'network team', action: { do: 'set-quirks', server: 'ns-b', quirks: [{ kind: 'drop' }] } },
    { at: '+2h', operator: 'network team', note: 'routes restored', action: { do: 'set-quirks', server: 'ns-a', quirks: [] } },
    { at: '+2h', operator: 'network team', action: { do: 'set-quirks', server: 'ns-b', quirks: [] } },

    {
      at: '+2h',
      expectQueries: { zone: 'example.com', client: 'resolver', since: '+1h', until: '+1h59m59s', min: 33 },
      note: 'outage hour: at least 3× the normal hour, as client queries turn into retries to both dead servers',
    },
    {
      at: '+3h',
      expectTimeline: {
        watch: 'www',
        never: { from: '+1h10m', to: '+1h59m', rcode: 'NOERROR' },
        // Unbound probes a server whose retransmission timeout reached 120 s only when its infra cache entry expires
        // (infra-host-ttl 900 s; services/cache/infra.c infra_get_lame_rtt, infra_host): answers come back within one
        // infra-host-ttl of the routes, plus the minute to the next sample (measured T+2h1m–T+2h9m, real 1.17.1).
        outage: { min: '50m', max: '1h16m' },
        recovery: { from: '+2h', to: '+2h16m' },
      },
      note: 'SERVFAIL or no answer for the whole outage, back within one infra-host-ttl (15 min) of the routes',
    },
  ],
});
