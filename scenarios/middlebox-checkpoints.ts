// Incident "Middlebox checkpoints" (docs/incidents.md, S4 — DNSSEC Japan technical WG
// checkpoints for equipment on the DNS path): the same large signed answer
// through three kinds of box. A 512-octet cap with TCP/53 blocked makes it
// SERVFAIL (TC=1 and no way to retry); a large EDNS buffer through a firewall
// that drops IP fragments makes the resolver wait for an answer that never
// arrives (the 2020 DNS Flag Day case); EDNS 1232 with TCP/53 open keeps the
// answer out of fragments and lets TC=1 fall back to TCP: it validates. A
// load balancer with a 3-entry UDP session table (checkpoint 5) drops the
// resolver's new flows once full: the big query never reaches the server.
import { defineScenario } from '../lab/scenario/types.ts';

/** About 700 octets of TXT signed: over 512, under 1232 — only a 512-octet box truncates it. */
const midTxt = Array.from({ length: 3 }, (_, i) => `"ver-${String(i)}=${'m'.repeat(170)}"`).join(' ');
/** About 2.2 KB of TXT: larger than one 1500-octet Ethernet frame, so a 4096-octet EDNS answer is fragmented. */
const bigTxt = Array.from({ length: 12 }, (_, i) => `"key-${String(i).padStart(2, '0')}=${'v'.repeat(170)}"`).join(' ');

/** What a box that drops fragments costs the products that do not fall back in time, exactly as the run names the claims. */
const FRAGMENT_DROP_CLAIMS = [
  'step 5 rcode',
  'step 5 answer section',
  'step 9 queries big.example.jp TXT from isp to ns-example over UDP',
  'step 10 no query under example.jp from isp to ns-example over TCP',
];

export default defineScenario({
  id: 'middlebox-checkpoints',
  title: {
    en: 'DNSSEC Japan checkpoints: a large signed answer through a 512-octet box, a fragment-dropping firewall, a fixed path, and a load balancer with a small UDP session table',
    ja: 'DNSSEC ジャパンのチェック項目: 512 オクテット制限の機器、フラグメントを落とすファイアウォール、修正後の経路、UDP セッションテーブルの小さなロードバランサーを通る大きな署名付き応答',
  },
  narrative: {
    en: `example.jp is signed; big.example.jp holds a TXT set of about 2.2 KB (think SPF/DKIM/site
verification strings), so its signed answer is larger than one Ethernet frame. www.example.jp is small.
An ISP's validating resolver reaches the example.jp server through one box, different per variant —
the equipment the DNSSEC Japan technical working group tells operators to check (large UDP, IP
fragments, TC=1 → TCP fallback, TCP/53, EDNS0, number of UDP sessions):
vulnerable — the box caps UDP DNS answers at 512 octets (TC=1) and blocks TCP/53; the server is 120 ms
  away (round trip) on this path. mid.example.jp
  (about 700 octets signed) is truncated by the box, big.example.jp already by the server (1232); either
  way the resolver retries over TCP, is refused, and answers SERVFAIL. Small answers still work.
fragment-drop — the resolver advertises an EDNS buffer of 4096 octets, so the server sends the answer
  in one 2.3 KB UDP datagram, which the 1500-octet path splits into IP fragments; the firewall drops
  fragments (the server here still uses the pre-2020 default of 4096). Nothing arrives, the resolver times out and answers SERVFAIL — the "works for small
  names, times out for big ones" symptom DNS Flag Day 2020 was about. This resolver keeps advertising
  4096 after the timeout (PowerDNS Recursor 4.8 does); Unbound, BIND and Knot Resolver retry with a
  smaller size or over TCP and get the answer.
fixed — the same fragment-dropping firewall, but the resolver uses EDNS 1232 (DNS Flag Day 2020) and
  TCP/53 is open: the server answers TC=1 in a datagram that needs no fragmentation, the resolver
  retries over TCP and the answer validates (AD=1).
lb-session-table — checkpoint 5, the number of UDP sessions: a load balancer owns the server's address
  (192.0.2.53) and keeps a UDP session table of only 3 entries (30 s idle timeout, new flows dropped
  when full). The resolver (PowerDNS Recursor here, which asks exactly these questions) picks a new random source port for every query, so each query is a new flow:
  www (A and the example.jp DNSKEY) and mid fill the table within seconds; the queries for big.example.jp
  (each retry again a new port) are all dropped before they reach the server, and the resolver answers
  SERVFAIL. Once the old sessions idle out, the same question gets through and validates.`,
    ja: `example.jp は署名済み。big.example.jp には約 2.2 KB の TXT (SPF/DKIM/サイト認証の文字列など) があり、
署名付き応答はイーサネットの 1 フレームより大きい。www.example.jp の応答は小さい。
ISP の検証リゾルバーは、版ごとに異なる機器を通って example.jp のサーバーに届く。DNSSEC ジャパン技術検証 WG が
経路上の機器について確認を求める項目 (大きな UDP、IP フラグメント、TC=1 → TCP フォールバック、TCP/53、EDNS0、UDP セッション数) である:
vulnerable — 機器が UDP の DNS 応答を 512 オクテットに制限し (TC=1)、TCP/53 を遮断する。この経路ではサーバーまで往復 120 ミリ秒。mid.example.jp (署名付きで約 700
  オクテット) は機器が、big.example.jp はサーバー自身 (1232) が切り詰める。どちらもリゾルバーは TCP で再問い合わせするが
  拒否され、SERVFAIL を返す。小さな応答は動き続ける。
fragment-drop — リゾルバーが EDNS バッファ 4096 オクテットを広告するため、サーバーは 2.3 KB の UDP データグラム 1 つで
  応答し、1500 オクテットの経路で IP フラグメントに分割される。ファイアウォールはフラグメントを破棄する。
  何も届かずリゾルバーはタイムアウトして SERVFAIL を返す (DNS Flag Day 2020 が扱った「小さな名前は引けるが大きな名前は
  タイムアウトする」症状)。このリゾルバーはタイムアウト後も 4096 を広告し続ける (PowerDNS Recursor 4.8 がそう)。Unbound、BIND、
  Knot Resolver はより小さいサイズか TCP で再試行し、応答を得る。
fixed — 同じくフラグメントを落とすファイアウォールだが、リゾルバーは EDNS 1232 (DNS Flag Day 2020) を使い TCP/53 は
  開いている。サーバーはフラグメント不要な TC=1 応答を返し、リゾルバーは TCP で再問い合わせし、検証に成功する (AD=1)。
lb-session-table — チェック項目 5「UDP セッション数」: ロードバランサーがサーバーのアドレス (192.0.2.53) を持ち、UDP
  セッションテーブルは 3 エントリしかない (アイドル 30 秒、満杯なら新しいフローを破棄)。リゾルバー (ここではちょうどこれらの問い合わせだけを送る PowerDNS Recursor) は問い合わせごとに新しい
  ランダムな送信元ポートを使うため、問い合わせのたびに新しいフローになる。www (A と example.jp の DNSKEY) と mid で
  数秒のうちにテーブルが埋まり、big.example.jp への問い合わせ (再送もそれぞれ新しいポート) はすべてサーバーに届く前に
  破棄され、リゾルバーは SERVFAIL を返す。古いセッションがアイドルで消えると、同じ問い合わせは届き、検証に成功する。`,
  },
  references: [
    'docs/incidents.md: "Middlebox checkpoints" (S4, DNSSEC Japan technical WG: network equipment checks)',
    'RFC 7766 §5 (TCP is mandatory; TC=1 fallback)',
    'RFC 6891 §6.2.5, §7 (EDNS0 payload size and fragmentation)',
    'RFC 8900 (IP fragmentation considered fragile)',
    'DNS Flag Day 2020 (1232-octet EDNS buffer, TCP required)',
  ],
  start: '2026-03-01T00:00:00Z',
  // Against real products: while a box drops their queries, the products retry on their own timers. With a rate
  // the shim runs every product's timers on lab time and each lab jump moves the monotonic clock too (at rate 1
  // kresd's and named's timers ran in host time and the cells varied from run to run). 2, not the outage
  // scenarios' 20: the lab's own latency is stretched by the rate, and at 20 and at 5 (three cells at once on
  // 2 cores) kresd answered www SERVFAIL at T+0 in one of three runs (servers/real/README.md, "Middleboxes").
  realClockRate: 2,

  topology: {
    servers: {
      'ns-example': { host: 'ns1.example.jp', addresses: ['192.0.2.53'] },
    },
    zones: {
      'example.jp': {
        servers: ['ns-example'],
        signed: true,
        text: `
$TTL 300
@    IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns1.example.jp.
ns1  IN A   192.0.2.53
www  IN A   192.0.2.10
mid  IN TXT ${midTxt}
big  IN TXT ${bigTxt}
`,
      },
    },
    resolvers: { isp: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { alice: { addresses: ['10.0.0.10'], resolver: 'isp' } },
    // The box differs per variant (variants below); each variant declares its own.
  },

  steps: [
    {
      at: '+0s',
      client: 'alice',
      query: 'www.example.jp A',
      dnssec: true,
      note: 'a small signed answer passes every box',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answerIncludes: ['www.example.jp. 300 IN A 192.0.2.10'] },
    },
    {
      at: '+30s',
      only: ['vulnerable'],
      client: 'alice',
      query: 'mid.example.jp TXT',
      dnssec: true,
      note: 'over 512 octets: the box truncates it (TC=1), TCP is refused',
      expect: { rcode: 'SERVFAIL', answer: [] },
    },
    {
      at: '+30s',
      only: ['fragment-drop', 'fixed'],
      client: 'alice',
      query: 'mid.example.jp TXT',
      dnssec: true,
      note: 'over 512 but one unfragmented datagram: passes',
      expect: { rcode: 'NOERROR', flags: { ad: true } },
    },
    {
      at: '+1m',
      only: ['vulnerable'],
      client: 'alice',
      query: 'big.example.jp TXT',
      dnssec: true,
      note: 'TC=1 from the box, then TCP/53 is refused',
      expect: { rcode: 'SERVFAIL', answer: [] },
    },
    {
      at: '+1m',
      only: ['fragment-drop'],
      client: 'alice',
      query: 'big.example.jp TXT',
      dnssec: true,
      note: 'the fragments of the 2.3 KB answer are dropped',
      expect: { rcode: 'SERVFAIL', answer: [] },
    },
    {
      at: '+1m',
      only: ['fixed'],
      client: 'alice',
      query: 'big.example.jp TXT',
      dnssec: true,
      note: 'TC=1 in one unfragmented datagram, then the full answer over TCP',
      expect: { rcode: 'NOERROR', flags: { ad: true } },
    },
    {
      at: '+2m',
      only: ['vulnerable', 'fragment-drop', 'fixed'],
      expectQueries: { client: 'isp', server: 'ns-example', qname: 'big.example.jp', qtype: 'TXT', transport: 'udp', min: 1 },
      note: 'the resolver did ask over UDP',
    },
    {
      at: '+2m',
      only: ['vulnerable'],
      expectQueries: { client: 'isp', server: 'ns-example', zone: 'example.jp', transport: 'tcp', none: true },
      note: 'the TCP retries never got through the box (RST to each SYN)',
    },
    {
      at: '+2m',
      only: ['fragment-drop'],
      expectQueries: { client: 'isp', server: 'ns-example', qname: 'big.example.jp', qtype: 'TXT', transport: 'udp', count: 1 },
      note: 'one try: after its timeout PowerDNS throttles the question at that server (10 s) and gives up',
    },
    {
      at: '+2m',
      only: ['fragment-drop'],
      expectQueries: { client: 'isp', server: 'ns-example', zone: 'example.jp', transport: 'tcp', none: true },
      note: 'no TC=1 ever arrived, so no TCP retry',
    },
    {
      at: '+2m',
      only: ['fixed'],
      expectQueries: { client: 'isp', server: 'ns-example', qname: 'big.example.jp', qtype: 'TXT', transport: 'tcp', count: 1 },
      note: 'TC=1 (the server caps UDP at the 1232 the resolver offers), then one TCP query',
    },
    // lb-session-table: www used two of the three slots (www A, example.jp DNSKEY), each a fresh resolver source port.
    // timeout 20s: a real run waits at most 10 s of host time per query, 20 s of lab time at realClockRate 2; with the
    // same wait here, a resolver that never answers mid (Unbound: discard-timeout) asks big at T+25s in both runs.
    {
      at: '+5s',
      only: ['lb-session-table'],
      client: 'alice',
      query: 'mid.example.jp TXT',
      dnssec: true,
      timeout: '20s',
      note: 'a third flow: it takes the last slot in the session table (alice waits up to 20 s)',
      expect: { rcode: 'NOERROR', flags: { ad: true } },
    },
    {
      at: '+10s',
      only: ['lb-session-table'],
      client: 'alice',
      query: 'big.example.jp TXT',
      dnssec: true,
      note: 'the table is full: every try (a new source port each) is dropped by the load balancer',
      expect: { rcode: 'SERVFAIL', answer: [] },
    },
    {
      at: '+2m',
      only: ['lb-session-table'],
      expectQueries: { client: 'isp', server: 'ns-example', qname: 'big.example.jp', none: true },
      note: 'no query for big.example.jp ever reached the server',
    },
    {
      at: '+2m30s',
      only: ['lb-session-table'],
      client: 'alice',
      query: 'big.example.jp TXT',
      dnssec: true,
      note: 'the old sessions idled out (30 s): the same question now gets through and validates',
      expect: { rcode: 'NOERROR', flags: { ad: true } },
    },
  ],

  variants: {
    vulnerable: {
      description: {
        en: 'UDP answers capped at 512 octets, TCP/53 refused, 120 ms round trip to the server',
        ja: 'UDP 応答は 512 オクテットまで、TCP/53 は拒否、サーバーまで往復 120 ミリ秒',
      },
      // latencyMs: 60 ms each way (120 ms round trip, a server in another region): the srtt a resolver measures is
      // this configured path, in the virtual lab and on the real sockets alike (the box delays on the lab clock),
      // not this host's few milliseconds, which left Knot Resolver's choice for big.example.jp to chance (its
      // timeout is srtt-based, servers/real/README.md "Middleboxes on the real path").
      topology: {
        middleboxes: {
          box: { kind: 'firewall', between: ['isp', 'ns-example'], options: { maxUdp: 512, oversize: 'truncate', tcp: 'reject', latencyMs: 60 } },
        },
      },
      products: {
        knot: {
          failingClaims: ['step 7 queries big.example.jp TXT from isp to ns-example over UDP'],
          because:
            'Knot Resolver asks big.example.jp over TCP only (refused again: still SERVFAIL), never over UDP: its refused TCP connects for mid.example.jp count as timeouts (lib/selection.c error → server_timeout) and it asks the one address again until it is dead (KR_NS_TIMEOUT_ROW_DEAD 4 in a row, the last wait at least KR_NS_TIMEOUT_MIN_DEAD_TIMEOUT 800 ms), each wait (srtt + max(4·variance, 20)) << timeouts (calc_timeout); over the 120 ms path that base is over 125 ms, so the count that makes it dead leaves a wait over TCP_RTT_THRESHOLD 2000 ms for big.example.jp, and select_transport picks TCP from the start (measured: waits 253, 506, 1012, 2024 ms, then 4048 for big; profile switches rttStateTimeouts, deadAfterTimeouts, retryTimedOutServer, tcpWhenTimeoutOverMs: 2000)',
        },
      },
    },
    'fragment-drop': {
      description: {
        en: 'EDNS 4096 through a firewall that drops IP fragments (MTU 1500)',
        ja: 'EDNS 4096 でフラグメントを落とすファイアウォール (MTU 1500) を通る',
      },
      topology: {
        servers: { 'ns-example': { udpPayloadSize: 4096 } },
        // A resolver that keeps its 4096 after a timeout: PowerDNS Recursor 4.8 (measured). Unbound (the other
        // variants' profile) retries at once at 1472 and gets the answer over TCP — see products below.
        resolvers: { isp: { profile: 'powerdns', settings: { ednsBufferSize: 4096 } } },
        middleboxes: { box: { kind: 'firewall', between: ['isp', 'ns-example'], options: { mtu: 1500, fragments: 'drop', tcp: 'allow' } } },
      },
      // Measured with --resolver unbound,bind,knot,powerdns (servers/real/README.md): three products survive the
      // fragment-dropping firewall, each its own way, and get the validated answer over TCP (a second UDP try, then TCP).
      products: {
        unbound: {
          failingClaims: FRAGMENT_DROP_CLAIMS,
          because:
            'Unbound 1.17 resends a timed-out EDNS query at once advertising 1472 (services/outside_network.c serviced_udp_callback → serviced_query_UDP_EDNS_FRAG, EDNS_FRAG_SIZE_IP4); the server answers TC=1 and Unbound gets the answer over TCP (profile switch ednsFragmentFallbackSize: 1472)',
        },
        bind: {
          failingClaims: FRAGMENT_DROP_CLAIMS,
          because:
            'BIND 9.18 resends after its first timeout advertising the largest UDP answer it has seen from that server (resolver.c resquery_send: hint = dns_adb_getudpsize), here ~950 octets: the server answers TC=1 and BIND gets the answer over TCP (profile switch ednsTimeoutLargestSeen)',
        },
        knot: {
          failingClaims: FRAGMENT_DROP_CLAIMS,
          because:
            'Knot Resolver 5.6 asks over TCP once a question has timed out twice over UDP at a server (lib/selection.c select_transport, TCP_TIMEOUT_THRESHOLD 2): two UDP tries at 4096, then TCP, and the answer validates (profile switch tcpAfterUdpTimeouts: 2)',
        },
      },
    },
    fixed: {
      description: {
        en: 'EDNS 1232 and TCP/53 open, through the same fragment-dropping firewall',
        ja: 'EDNS 1232 と TCP/53 開放、同じフラグメントを落とすファイアウォールを通る',
      },
      topology: {
        servers: { 'ns-example': { udpPayloadSize: 4096 } },
        resolvers: { isp: { settings: { ednsBufferSize: 1232 } } },
        middleboxes: { box: { kind: 'firewall', between: ['isp', 'ns-example'], options: { mtu: 1500, fragments: 'drop', tcp: 'allow' } } },
      },
    },
    'lb-session-table': {
      description: {
        en: 'a load balancer in front of the server with a 3-entry UDP session table (30 s idle timeout, new flows dropped when full)',
        ja: 'サーバーの前に UDP セッションテーブル 3 エントリ (アイドル 30 秒、満杯なら新しいフローを破棄) のロードバランサー',
      },
      topology: {
        // A resolver whose www, DNSKEY and mid queries are exactly three flows: PowerDNS Recursor 4.8 (measured).
        // Unbound sends mid.example.jp A before the TXT query, BIND asks ns1.example.jp AAAA: see products below.
        resolvers: { isp: { profile: 'powerdns' } },
        middleboxes: { lb: { kind: 'load-balancer', between: ['isp', 'ns-example'], options: { udpSessions: 3, sessionIdleMs: 30000, onFull: 'drop' } } },
      },
      // Measured: the session table is filled by whatever each product sends, and the products send more than the story's three flows.
      // Knot Resolver sends the three flows too, except when its ε-greedy exploration (lib/selection.c select_transport,
      // 13/512 a selection, about 1 run in 20) resolves ns1.example.jp AAAA first: step 12 then fails (lab/runner/varying.ts).
      // Unbound's steps 13–15 vary with the lab's RTT (lab/runner/varying.ts): only step 12 is declared.
      products: {
        unbound: {
          failingClaims: ['step 12 rcode', 'step 12 flags'],
          because:
            "Unbound sends mid.example.jp A before mid.example.jp TXT (QNAME minimisation keeps QTYPE A for the step that reaches the full name, iterator.c processQueryTargets; profile switch qnameMinimisationTypeAProbe), which takes the third slot, so every TXT query is dropped. Unbound picks the one server 5 times (outbound-msg-retry, iter_utils.c iter_server_selection; maxTriesPerServer), sends each pick twice at the same timeout (outside_network.c serviced_udp_callback; ednsFragmentFallbackAnySize) and its SERVFAIL comes after discard-timeout 1900 ms, so the client gets no reply at all (services/mesh.c, from the CVE-2024-33655 fix in Debian 1.17.1-2+deb12u3; clientReplyDiscardMs): mid and big time out (steps 12 and 13). big is asked at T+25s, when the server's timeout has backed off to about 10 s; the retry that timeout brings at about T+35.5s comes after the mid.example.jp A session idled out (T+35s) and reaches the server (step 14); big is answered from then on. In most runs: when the lab's RTT to ns-example is stretched, that timeout is past PROBE_MAXRTO 12 s when big is asked and Unbound answers SERVFAIL at once (servers/real/README.md, open)",
        },
        bind: {
          failingClaims: ['step 12 rcode', 'step 12 flags'],
          because:
            'BIND asks ns-example for ns1.example.jp AAAA (its ADB looks up the address family it has no data for: lib/dns/adb.c dns_adb_createfind → fetch_name; bind profile switch nsAaaaFetchAfterFirstTry) right after the DNSKEY, which takes the third slot, so the mid.example.jp query finds the table full',
        },
      },
    },
  },
});
