// Resolver profiles: the switches of ResolverSettings set the way real
// products ship them. Where a default comes from is written next to it; the
// installed Debian 12 versions were checked directly:
//   Unbound 1.17.1   — `man 5 unbound.conf`
//   BIND 9.18.49     — `named -C` (built-in default configuration)
//   PowerDNS Rec 4.8.8 — `pdns_recursor --config=default`
//   Knot Resolver 5.6.0 — /usr/share/doc/knot-resolver/changelog.gz and its docs
//   Google Public DNS — public statements (see README.md for the links)
// Internal limits that the products hard-code (not configurable) are marked
// "source constant" with the product's name for it.

import type { ResolverSettings } from './settings.ts';

export type ProfileName = 'unbound' | 'bind' | 'knot-resolver' | 'powerdns' | 'google-public-dns';

export const PROFILE_NAMES: readonly ProfileName[] = ['unbound', 'bind', 'knot-resolver', 'powerdns', 'google-public-dns'];

/** Shared starting point: RFC-recommended values; each profile overrides what its product does differently. */
const BASE: ResolverSettings = {
  qnameMinimisation: true,
  maxMinimiseCount: 10, // RFC 9156 §2.3 MAX_MINIMISE_COUNT
  minimiseOneLabel: 4, // RFC 9156 §2.3 MINIMISE_ONE_LAB
  qnameMinimisationTypeAProbe: false, // RFC 9156 sends the question itself at the last step
  qnameMinimisationQtype: 'A', // RFC 9156 §3
  aggressiveNsec: true,
  aggressiveNsec3: true,
  aggressiveNsecExactNodata: true, // RFC 8198 §5.2
  aggressiveNsecMinimalRanges: true, // RFC 8198 says nothing against them
  serveStale: false,
  staleAnswerTtl: 30, // RFC 8767 §4 recommends 30 s
  maxStaleTtl: 86400, // RFC 8767 §5 suggests 1–3 days
  staleClientTimeoutMs: 1800, // RFC 8767 §5 client response timer, 1.8 s recommended
  staleTimerAtStepsOnly: false, // RFC 8767 §5: a timer of its own
  staleRefreshIntervalS: 30, // RFC 8767 §5: refresh failing servers no more often than every 30 s
  validate: true,
  bogusServfailOnlyWhenRequested: false,
  ede: true,
  edeBogusOnly: false, // RFC 8914: an EDE wherever one explains the answer (§4.4 Stale Answer, §4.23 No Reachable Authority)
  ednsBufferSize: 1232, // DNS Flag Day 2020
  ednsFragmentFallbackSize: 0, // RFC 6891 asks for none; a profile sets it where its product's code does it
  ednsFragmentFallbackBelowRtoMs: 0,
  ednsFragmentFallbackAnySize: false,
  ednsOffAfterTimeouts: true, // RFC 6891 §6.2.2
  ednsTimeoutLargestSeen: false,
  tcpAfterUdpTimeouts: 0, // RFC 7766 asks for TCP after TC=1 only
  tcpWhenTimeoutOverMs: 0,
  resolutionTimeLimitMs: 0, // no time limit of its own: the query and retry limits end a resolution
  clientReplyDiscardMs: 0, // every client query gets its answer, however late
  resolutionTimeLimitAtStepOnly: false,
  maxTimeoutsPerClientQuery: 0,
  tcpWaitsForResolutionLimit: false,
  joinClientQueries: true,
  timeoutThrottleS: 0, // retransmit to a server that timed out (RFC 1035 §7.2)
  fixedUpstreamTimeoutMs: 0, // RTT-based retransmission timeout (RFC 6298)
  servfailCacheS: 0, // every query resolves again (RFC 2308 §7.1 allows caching a SERVFAIL for at most 5 minutes; not required)
  maxUdpResponse: 1232,
  maxTtl: 86400,
  minTtl: 0,
  maxNegativeTtl: 3600,
  minNegativeTtl: 0,
  bogusTtl: 60,
  maxTriesPerServer: 3, // three rounds over the delegation's servers (RFC 1035 §7.2 leaves the number open)
  maxSentPerDelegation: 32,
  maxQueriesPerClientQuery: 128,
  maxRestarts: 11,
  maxDepth: 5,
  maxReferrals: 130,
  initialRtoMs: 376,
  rttFirstAnswerAveraged: false, // RFC 6298 §2.2: the first measurement sets SRTT and RTTVAR
  minRtoMs: 50,
  maxRtoMs: 12000,
  fetchRetryIntervalMs: 0, // the server's RTT-based RTO (RFC 6298)
  fetchNonBackoffTries: 0,
  infraHostTtlS: 0, // a profile sets it where its product forgets what it learnt about a server
  infraBlacklistRtoMs: 0,
  infraProbeDelayRtoMs: 0,
  rttStateTimeouts: false, // RFC 6298 §2 and §5.5
  rttStateMinAdditionMs: 0,
  rttStateMaxBackoff: 0,
  deadAfterTimeouts: 0, // a profile sets it where its product gives up on a server for a while
  deadMinTimeoutMs: 0,
  deadRetryIntervalMs: 0,
  retryTimedOutServer: false, // try the other servers first (RFC 1035 §7.2)
  tcpAfterTruncationSticks: false, // RFC 7766 §5: TCP for the truncated query
  rttBandMs: 400,
  exploreProbability: 0.02,
  exploreResolvesNsNames: false, // exploring picks among the addresses only
  lameTtl: 900,
  hardenGlue: true,
  queryAaaaForNs: false,
  nsAaaaFetchAfterFirstTry: false,
  nsAaaaAfterTimeoutFromParent: false,
  ttlZeroIsExpired: false, // a TTL with 0 s left is still used (Unbound rrset_cache_lookup: expired when timenow > ttl)
  nsFromAnswerAuthority: false, // referral NS only (Unbound, BIND as modelled)
  authNsTtlNotExtended: false,
  nsReplaceOnlyWhenExpiring: false,
  referralNoDsOverridesCachedDs: false, // a cached DS lives by its TTL (RFC 4035 §4.5)
  parentNsFallback: false,
  nsAddressLoopServfail: false,
};

export const PROFILES: Readonly<Record<ProfileName, ResolverSettings>> = {
  unbound: {
    ...BASE,
    qnameMinimisation: true, // qname-minimisation: yes (relaxed; qname-minimisation-strict: no)
    // iterator.c processQueryTargets: minimisation stops only when labdiff < 1 (or < 2 for QTYPE A and DS), so the
    // step reaching the full name goes out as "NAME A" before "NAME TXT"/"NAME AAAA". Measured: real 1.17.1 sends
    // mid.example.jp A before mid.example.jp TXT (middlebox-checkpoints), app.example.com A while resolving AAAA (slack-nsec-bitmap).
    qnameMinimisationTypeAProbe: true,
    aggressiveNsec: true, // aggressive-nsec: yes — default changed to yes in 1.15.0 (changelog, 2 Feb 2022); "no" from its introduction in 1.7.0
    aggressiveNsec3: false, // Unbound's aggressive-nsec works from NSEC only (val_neg.c keeps NSEC3 for the negative cache of one name)
    aggressiveNsecExactNodata: true, // val_neg.c answers NODATA from an NSEC at the qname; measured: real 1.17.1 answers app.example.com A NODATA in slack-nsec-bitmap
    aggressiveNsecMinimalRanges: true, // measured as above: the NSEC used there is the minimal app → \000.app
    serveStale: false, // serve-expired: no
    staleAnswerTtl: 30, // serve-expired-reply-ttl: 30
    maxStaleTtl: 0, // serve-expired-ttl: 0 (no limit) — only used when serveStale is on
    staleRefreshIntervalS: 0, // no such option in 1.17: each expired answer triggers a prefetch (the infra cache holds back from dead servers)
    staleClientTimeoutMs: 0, // serve-expired-client-timeout: 0 — expired data is served at once, refreshed in the background ("1800 recommended per RFC 8767", man 5 unbound.conf 1.17.1)
    ede: false, // ede: no (1.17.1 man page)
    ednsBufferSize: 1232, // edns-buffer-size: 1232
    // services/outside_network.c serviced_udp_callback: the first timeout of an EDNS query (last_rtt < 5000)
    // resends it at once as serviced_query_UDP_EDNS_FRAG, advertising EDNS_FRAG_SIZE_IP4 1472 (IPv6: 1232,
    // outside_network.h) when that is smaller. Measured (middlebox-checkpoints fragment-drop, EDNS 4096 through
    // a fragment-dropping firewall): real 1.17.1 resends 96 ms later, gets TC=1 and the answer over TCP.
    ednsFragmentFallbackSize: 1472,
    ednsFragmentFallbackBelowRtoMs: 5000, // serviced_udp_callback: sq->last_rtt < 5000
    // serviced_udp_callback resends as serviced_query_UDP_EDNS_FRAG at any size (1232 stays 1232) and backs the
    // timeout off only after that resend. Measured (middlebox-checkpoints lb-session-table, verbosity 4): each lost
    // query under 5 s went out twice at the same timeout ("try edns1xx0"), then the timeout doubled.
    ednsFragmentFallbackAnySize: true,
    // serviced_udp_callback (release-1.17.1) falls back without EDNS only on FORMERR/NOTIMP/malformed OPT; a timeout is
    // reported to the iterator (OUTBOUND_UDP_RETRY 1: no retry). Measured: real 1.17.1 probes a dead server with one query
    // per infra-host-ttl in facebook-query-storm, where this fallback would make it two.
    ednsOffAfterTimeouts: false,
    maxUdpResponse: 1232,
    // discard-timeout: 1900 — in the installed 1.17.1-2+deb12u4 (Debian's backport of the CVE-2024-33655 fix from 1.20.0;
    // `unbound-checkconf -o discard-timeout`): services/mesh.c mesh_send_reply drops a reply older than that.
    clientReplyDiscardMs: 1900,
    maxTtl: 86400, // cache-max-ttl: 86400
    minTtl: 0, // cache-min-ttl: 0
    maxNegativeTtl: 3600, // cache-max-negative-ttl: 3600
    bogusTtl: 60, // val-bogus-ttl: 60
    // outbound-msg-retry: 5 (iter_utils.c iter_server_selection). Measured (middlebox-checkpoints lb-session-table,
    // verbosity 4): mid.example.jp TXT went to the one server 5 times (timeouts 173, 346, 692, 1384, 2768 ms, each sent
    // twice) before "No more query targets, attempting last resort".
    maxTriesPerServer: 5,
    maxSentPerDelegation: 32, // max-sent-count: 32 (resets on referral and restart)
    maxQueriesPerClientQuery: 128, // Unbound ≥1.19 max-global-quota 128 (not in 1.17: we keep a global bound anyway)
    maxRestarts: 11, // max-query-restarts: 11
    maxDepth: 5, // target-fetch-policy "3 2 1 0 0": five dependency levels
    maxReferrals: 130, // source constant MAX_REFERRAL_COUNT
    initialRtoMs: 376, // unknown-server-time-limit: 376
    rttFirstAnswerAveraged: true, // util/rtt.c rtt_init + rtt_update; measured: servselect rtt 376, 284, 216, 164 to a 2 ms server
    minRtoMs: 50, // infra-cache-min-rtt: 50
    maxRtoMs: 120000, // infra-cache-max-rtt: 120000
    // services/cache/infra.c (release-1.17.1) data_entry_init: an entry lives infra-host-ttl from when it was made;
    // infra_host renews an expired one. Measured (auth-unreachable, facebook-query-storm at rate 20): two dead servers
    // are probed about every 7 minutes, and recovery after the routes return comes at T+2h1m–T+2h9m.
    infraHostTtlS: 900, // infra-host-ttl: 900
    infraBlacklistRtoMs: 120000, // source constant USEFUL_SERVER_TOP_TIMEOUT (iterator/iter_utils.h); infra.c infra_get_lame_rtt
    infraProbeDelayRtoMs: 12000, // source constant PROBE_MAXRTO (services/cache/infra.h); infra.c infra_host probedelay
    rttBandMs: 400, // source constant RTT_BAND
    exploreProbability: 0, // Unbound picks at random inside the RTT band; it has no separate exploration
    lameTtl: 900, // infra-host-ttl: 900
    hardenGlue: true, // harden-glue: yes
    parentNsFallback: true, // iterator.c processLastResort "try to grab parent NS" + services/cache/rrset.c need_to_update_rrset; measured: real 1.17.1 asks tld-jp again at the first failure in registrar-transfer-dnssec uncooperative-long-ns and recovers at T+2h5m, not T+4h
  },
  bind: {
    ...BASE,
    ttlZeroIsExpired: true, // measured: real 9.18.49 walks down again at exactly T+TTL (registrar-hijack signed variants: the jp NS of TTL 3600 cached at T+1h is gone at the T+2h sample)
    qnameMinimisation: true, // qname-minimization relaxed;
    aggressiveNsec: true, // synth-from-dnssec yes; (NSEC only)
    aggressiveNsec3: false, // BIND synthesises from NSEC only, not NSEC3
    aggressiveNsecExactNodata: false, // rbtdb.c cache_find calls find_coveringnsec() only on DNS_R_PARTIALMATCH (no node at the qname); measured: real 9.18.49 asks app.example.com A in slack-nsec-bitmap
    aggressiveNsecMinimalRanges: true, // not established for BIND (left at the RFC default); moot for the Slack NODATA, see aggressiveNsecExactNodata
    serveStale: false, // stale-answer-enable false; stale-cache-enable false;
    staleAnswerTtl: 30, // stale-answer-ttl 30;
    maxStaleTtl: 86400, // max-stale-ttl 86400;
    staleRefreshIntervalS: 30, // stale-refresh-time 30;
    staleClientTimeoutMs: 'off', // stale-answer-client-timeout off; (named -C, 9.18.49: stale data only after resolution failed)
    ede: false, // 9.18 sends EDE for stale/filtered answers, not for validation failures
    ednsBufferSize: 1232, // edns-udp-size 1232;
    // resolver.c resquery_send: after the first timeout of an EDNS query to an address in a fetch (triededns count 1)
    // the size is the ADB's hint, dns_adb_getudpsize() — the largest UDP answer seen from that server (the second
    // timeout would go to 512, not modelled). Measured (middlebox-checkpoints fragment-drop): real 9.18.49 resends
    // after ~800 ms, gets TC=1 and the answer over TCP.
    ednsTimeoutLargestSeen: true,
    // resolver.c sets DNS_FETCHOPT_NOEDNS0 only after a FORMERR or an answer that does not parse (rctx_parse,
    // rctx_badserver), never after timeouts. Measured (facebook-query-storm, real 9.18.49): every query to the dead
    // servers in the outage hour carried EDNS (the same 56-octet query with a cookie).
    ednsOffAfterTimeouts: false,
    // resolver-query-timeout 10; (named -C 9.18.49): lib/dns/resolver.c fctx_expired → SERVFAIL. Measured (middlebox-checkpoints
    // lb-session-table): real 9.18.49 answers big.example.jp SERVFAIL at T+10s while the load balancer drops every try.
    resolutionTimeLimitMs: 10000,
    maxUdpResponse: 1232, // max-udp-size 1232;
    maxTtl: 604800, // max-cache-ttl 604800;
    minTtl: 0, // min-cache-ttl 0;
    maxNegativeTtl: 10800, // max-ncache-ttl 10800;
    minNegativeTtl: 0, // min-ncache-ttl 0;
    bogusTtl: 1, // servfail-ttl 1;
    maxSentPerDelegation: 50,
    maxQueriesPerClientQuery: 50, // max-recursion-queries 50;
    maxRestarts: 16, // source constant: a CNAME chain longer than 16 links is abandoned (query.c)
    maxDepth: 7, // max-recursion-depth 7;
    initialRtoMs: 800, // ranks a server with no RTT yet; resolver-retry-interval 800; (named -C)
    // resolver-retry-interval 800; resolver-nonbackoff-tries 3; (named -C 9.18.49) and resolver.c fctx_setretryinterval:
    // each query of a fetch waits 800 ms, doubled from its 4th address gathering on, capped at MAX_SINGLE_QUERY_TIMEOUT.
    // Measured (facebook-query-storm, real 9.18.49): both dead servers asked every 0.8 s, each outage fetch in turn.
    fetchRetryIntervalMs: 800,
    fetchNonBackoffTries: 3,
    maxRtoMs: 9000, // source constant MAX_SINGLE_QUERY_TIMEOUT 9000 (resolver.c)
    maxTriesPerServer: 100, // resolver.c fctx_try starts over, a new address gathering each time; fctx_getaddresses: "too many restarts" past 100; resolver-query-timeout ends a fetch first
    exploreProbability: 0.03, // BIND decays SRTT of unused servers so they get tried again; modelled as a small exploration rate
    lameTtl: 0, // lame-ttl 0; (lame cache disabled in 9.18)
    parentNsFallback: false, // measured: real 9.18.49 keeps the cached NS of registrar-transfer-dnssec uncooperative-long-ns until it expires (T+4h)
    // resolver.c fctx_getaddresses (AVOIDFETCHES only while restarts == 1) + findname (STARTATZONE) + adb.c fetch_name
    // (root hints, no cache); measured: real 9.18.49 asks root and tld-com a.ns.example.com AAAA in facebook-query-storm
    nsAaaaFetchAfterFirstTry: true,
    nsAddressLoopServfail: true, // lib/dns/resolver.c findname: "loop detected resolving 'ns1.example.jp/A'" (named -d 3), measured in subdomain-takeover at T+1h30m
  },
  'knot-resolver': {
    ...BASE,
    qnameMinimisation: true, // on unless NO_MINIMIZE is set
    qnameMinimisationQtype: 'NS', // lib/resolve.c: minimised queries ask for NS (Deckard iter_minim_a, real 5.6 passes)
    aggressiveNsec: true, // "aggressive caching of validated records (RFC 8198) for NSEC zones" since 2.0.0
    aggressiveNsec3: true, // "aggressive caching for NSEC3 zones (!600)" since 2.4.0; off on minimal ranges (black lies) since 4.1.0
    aggressiveNsecMinimalRanges: false, // "aggressive caching is disabled on minimal NSEC* ranges (!826)" (4.1.0 changelog); measured: real 5.6.0 asks app.example.com A in slack-nsec-bitmap (NSEC app → \000.app)
    serveStale: false, // serve_stale is a module, not loaded by default
    staleRefreshIntervalS: 0, // serve_stale.lua has no recheck window (modelled)
    // serve_stale.lua M.timeout 3*sec (the adapter sets it as serve_stale.timeout), looked at only at the query's
    // next step, or once no NS is left (NO_NS_FOUND); at most one day stale. Measured (facebook-query-storm
    // [serve-stale], log_level('debug') of real 5.6.0): no stale answer while NS AAAA sub-queries are current.
    staleClientTimeoutMs: 3000,
    staleTimerAtStepsOnly: true,
    staleAnswerTtl: 1, // serve_stale.lua callback returns 1; lib/cache/api.c get_new_ttl uses it as the TTL ("new TTL 1" in the debug log)
    // daemon/worker.c qr_task_step: KR_RESOLVE_TIME_LIMIT 10000 ms after the request's creation, checked at each step,
    // and KR_TIMEOUT_LIMIT 10 timeouts (lib/defines.h); measured: "internal timeout for resolving the request has
    // expired" / "cancelling query due to exceeded timeout retries limit of 10" in facebook-query-storm's outage
    resolutionTimeLimitMs: 10000,
    resolutionTimeLimitAtStepOnly: true,
    maxTimeoutsPerClientQuery: 10,
    tcpWaitsForResolutionLimit: true, // worker.c on_connect: only the MAX_TCP_INACTIVITY watchdog; io.c finalizes expired requests
    joinClientQueries: false, // daemon/worker.c: a qr_task (own rplan, own selection state) per request
    ede: true, // EDE is emitted by the validator since 5.3
    ednsBufferSize: 1232, // "lower default EDNS buffer size to 1232 bytes" (5.2.0 changelog)
    // lib/selection.c select_transport (5.6.0): TCP when errors[KR_SELECTION_QUERY_TIMEOUT] >= TCP_TIMEOUT_THRESHOLD (2)
    // or the expected timeout > TCP_RTT_THRESHOLD (2000 ms; TCP connect failures count as timeouts, server_timeout()).
    // Measured (middlebox-checkpoints): two UDP tries, then TCP (fragment-drop); big.example.jp over TCP only after
    // mid's TCP retries were refused (vulnerable).
    tcpAfterUdpTimeouts: 2,
    tcpWhenTimeoutOverMs: 2000,
    maxUdpResponse: 1232,
    maxTtl: 518400, // cache.max_ttl() default 6 days
    minTtl: 5, // cache.min_ttl() default 5 s
    maxNegativeTtl: 3600,
    maxSentPerDelegation: 32,
    maxQueriesPerClientQuery: 100, // approximation of Knot's iteration limit (KR_ITER_LIMIT), not checked against 5.6 source
    initialRtoMs: 400, // lib/selection.c DEFAULT_TIMEOUT 400 (default_rtt_state: variance DEFAULT_TIMEOUT / 4)
    // lib/selection.c / selection.h (5.6.0): per-address rtt_state. Wait = (srtt + max(4·variance, 20)) << consecutive
    // timeouts (MINIMAL_TIMEOUT_ADDITION 20, MAX_BACKOFF 8, MAX_TIMEOUT 10000), any answer resets the count; dead after
    // KR_NS_TIMEOUT_ROW_DEAD 4 timeouts in a row once the wait was >= KR_NS_TIMEOUT_MIN_DEAD_TIMEOUT 800, for
    // KR_NS_TIMEOUT_RETRY_INTERVAL 1000; a timed-out address stays a choice until then (selection_iter.c
    // get_valid_addresses). Measured (middlebox-checkpoints [vulnerable], log_level('debug') of real 5.6.0): after
    // mid.example.jp's TC=1, TCP connects refused at 44, 88, 176, … ms until dead; big then waits 44 << 6 > 2000: TCP.
    rttStateTimeouts: true,
    rttStateMinAdditionMs: 20,
    rttStateMaxBackoff: 8,
    maxRtoMs: 10000,
    deadAfterTimeouts: 4,
    deadMinTimeoutMs: 800,
    deadRetryIntervalMs: 1000,
    retryTimedOutServer: true,
    tcpAfterTruncationSticks: true, // selection_iter.c iter_choose_transport: tcp = qry->flags.TCP || local_state->truncated
    // Zone cuts and DS, measured against real kresd 5.6.0 in the resolver matrix (servers/real/README.md):
    nsFromAnswerAuthority: true, // iterate.c process_answer → pick_authority; zonecut.c kr_zonecut_find_cached uses the child's apex NS (registrar-transfer-dnssec, registrar-hijack, dnssec-rollback traces)
    nsReplaceOnlyWhenExpiring: true, // cache/entry_list.c entry_h_splice: "not overwriting" unless SECURE, higher rank or is_expiring() (insecure-first: bob's resolver re-walks at T+3h15m)
    // selection.c select_transport ("Don't try the same server again…") + resolve.c zone_cut_check (start from the
    // parent's cut); measured: real 5.6.0 asks tld-com example.com NS in facebook-query-storm's outage hour
    nsAaaaAfterTimeoutFromParent: true,
    // lib/selection.c select_transport: ε = EPSILON_NOMIN / EPSILON_DENOM = 1/20 per choice (kr_rand_coin draws one
    // random byte, so 13/256 ≈ 0.051; 0.05 kept, the seeded draws are tuned to it), uniform over the addresses
    // and the nameserver names still to resolve (measured: facebook-query-storm [retrying-clients] outage, the 11
    // requests after the first that asked tld-com drew a.ns/b.ns AAAA so, 10 on their first choice).
    exploreProbability: 0.05,
    exploreResolvesNsNames: true,
    referralNoDsOverridesCachedDs: true, // validate.c update_delegation ranks the referral NS INSECURE; zonecut.c skips the cached DS (dnssec-rollback: recovery at T+2h30m)
  },
  powerdns: {
    ...BASE,
    qnameMinimisation: true, // qname-minimization=yes
    aggressiveNsec: true, // aggressive-nsec-cache-size=100000 (>0 enables it) — NSEC and NSEC3
    aggressiveNsec3: true,
    aggressiveNsecMinimalRanges: false, // aggressive_nsec.cc insertNSEC: "not accepting minimally covering answers" (isMinimallyCoveringNSEC: next = \000.owner); measured: real 4.8.8 asks app.example.com A in slack-nsec-bitmap
    serveStale: false, // serve-stale-extensions=0
    staleAnswerTtl: 30, // each extension is 30 s
    staleRefreshIntervalS: 30, // each serve-stale extension is 30 s before the next refresh attempt
    staleClientTimeoutMs: 'off', // PowerDNS serves stale records when refreshing them fails
    bogusServfailOnlyWhenRequested: true, // dnssec=process: SERVFAIL on bogus only for DO/AD clients
    ede: false, // extended-resolution-errors=no (4.8)
    // pdns_recursor.cc startDoResolve (rec-4.8.8): with extended-resolution-errors=yes, an EDE only for bogus
    // answers. Measured (facebook-query-storm serve-stale, extended-resolution-errors=yes): the stale answer at
    // T+1h30m carried no EDE.
    edeBogusOnly: true,
    ednsBufferSize: 1232, // edns-outgoing-bufsize=1232
    // syncres.cc SyncRes::doResolveAtThisIP (rec-4.8.8): a timeout throttles (server, qname, qtype) with
    // doThrottle(..., 10, 5) — "timeout, 10 seconds or 5 queries" — so the resolution moves on to other servers and
    // never resends there. Measured (middlebox-checkpoints fragment-drop): one UDP query, then SERVFAIL.
    timeoutThrottleS: 10,
    // packetcache-servfail-ttl=60 (pdns_recursor.cc startDoResolve caps a SERVFAIL packet's cache TTL at
    // s_packetcacheservfailttl). Measured (facebook-query-storm retrying-clients, rate 20): after the SERVFAIL at
    // T+1h1m3s the client's 5 retries and the next minute's 6 queries got SERVFAIL with no upstream query; the
    // minute after went upstream again: 2 upstream queries every 2 minutes, 61 in the outage hour.
    servfailCacheS: 60,
    maxUdpResponse: 1232, // udp-truncation-threshold=1232
    maxTtl: 86400, // max-cache-ttl=86400
    minTtl: 1, // minimum-ttl-override=1
    maxNegativeTtl: 3600, // max-negative-ttl=3600
    bogusTtl: 3600, // max-cache-bogus-ttl=3600
    maxSentPerDelegation: 60,
    maxQueriesPerClientQuery: 60, // max-qperq=60
    maxDepth: 40, // max-recursion-depth=40
    initialRtoMs: 1500, // network-timeout=1500
    // network-timeout=1500 is the wait for every query, not a start value (pdns_recursor.cc asyncresolve). Measured
    // (facebook-query-storm retrying-clients, rate 20): each outage resolution asked ns-a and ns-b once, 1.5 s apart,
    // and answered SERVFAIL about 3 s after the client's query, inside its 5 s timeout.
    fixedUpstreamTimeoutMs: 1500,
    // syncres.cc asyncresolveWrapper: no EDNS fallback after a timeout (same run: one query per server per resolution).
    ednsOffAfterTimeouts: false,
    lameTtl: 60, // server-down-throttle-time=60
    // The three below are why real 4.8.8 has no outage in dnssec-rollback (trace=yes): the child's apex NS
    // (TTL 3600) from the answers' authority section replaces the referral's NS (TTL 86400), is not extended
    // by later answers, so every hour PowerDNS asks the .com server again; that referral's NSEC proves "no DS"
    // and the zone is insecure at once, cached DS or not.
    nsFromAnswerAuthority: true, // syncres.cc sanitizeRecords/updateCacheFromRecords; recursor_cache.cc shouldReplace (unauth → auth)
    ttlZeroIsExpired: true, // recursor_cache.cc: an entry is usable while entry->d_ttd > now
    authNsTtlNotExtended: true, // recursor_cache.cc MemRecursorCache::replace: "refuse any attempt to *raise* the TTL of auth NS records"
    referralNoDsOverridesCachedDs: true, // syncres.cc processRecords "got negative indication of DS record"; doCacheCheck asks g_negCache first
  },
  'google-public-dns': {
    ...BASE,
    qnameMinimisation: false, // observed off for 8.8.8.8 (third-party test, ultimatenetworkwarrior.com "Qname Minimization", 2025-08)
    aggressiveNsec: true, // RFC 8198 aggressive NSEC — the behaviour behind the 2021 Slack outage
    aggressiveNsec3: false,
    aggressiveNsecExactNodata: true, // the Slack 2021 outage: Google answered A NODATA from the NSEC Route 53 returned for AAAA
    aggressiveNsecMinimalRanges: true, // …and that NSEC was a minimal (black lies) one
    serveStale: true, // Google serves stale data when authoritatives are unreachable
    staleRefreshIntervalS: 30, // modelled: RFC 8767's 30 s
    staleClientTimeoutMs: 1800, // modelled: RFC 8767's recommended timer (Google does not publish its value)
    ede: true, // Google Public DNS returns EDE
    ednsBufferSize: 1400, // "we evaluated 1232 and 1400 and selected the latter" (dns-operations, 2021-10-11)
    maxUdpResponse: 1400,
    maxTtl: 21600, // Google caps cached TTLs at 6 hours (public statements; not verified here)
    maxNegativeTtl: 3600,
  },
};

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** Settings for a profile with overrides applied (unknown override keys are ignored by the type). */
export function settingsFor(profile: ProfileName = 'unbound', overrides: Partial<ResolverSettings> = {}): ResolverSettings {
  return { ...PROFILES[profile], ...overrides };
}
