// The switches a recursive resolver has, in one flat record. Profiles
// (profiles.ts) fill them with the defaults of real products; callers may
// override any field. Each field says which RFC or product knob it models.

export interface ResolverSettings {
  /** RFC 9156 QNAME minimisation (relaxed: fall back to the full QNAME on errors). */
  qnameMinimisation: boolean;
  /** RFC 9156 §2.3: MAX_MINIMISE_COUNT — after this many minimised steps the full QNAME is sent. */
  maxMinimiseCount: number;
  /** RFC 9156 §2.3: MINIMISE_ONE_LAB — the first steps add one label each, later steps add more. */
  minimiseOneLabel: number;
  /**
   * With QNAME minimisation, the step that reaches the full name is sent with QTYPE A first (unless the
   * qtype is A or DS), then the question itself — Unbound's iterator does this; RFC 9156 does not ask for it.
   */
  qnameMinimisationTypeAProbe: boolean;
  /**
   * QTYPE of the intermediate (shorter-name) queries: A as RFC 9156 §3 suggests (Unbound), or NS (Knot Resolver
   * 5.x, lib/resolve.c: a minimised query asks for the zone cut's NS). Measured with Deckard iter_minim_a: the
   * script answers only "com. NS" at the root; real kresd 5.6 passes it, real Unbound 1.17 sends "com. A".
   */
  qnameMinimisationQtype: 'A' | 'NS';
  /** RFC 8198 aggressive use of DNSSEC-validated cache from NSEC records. */
  aggressiveNsec: boolean;
  /** RFC 8198 from NSEC3 records (never from opt-out spans). */
  aggressiveNsec3: boolean;
  /**
   * RFC 8198 §5.2 NODATA from a cached NSEC whose owner IS the qname (the
   * qtype is missing from its type bitmap). Off: such an NSEC is never used;
   * only names with nothing cached at them are synthesised (NXDOMAIN, wildcard
   * answers and wildcard NODATA) — BIND 9.18, whose cache lookup looks for a
   * covering NSEC only when the qname has no node in the cache (rbtdb.c
   * cache_find: find_coveringnsec() on DNS_R_PARTIALMATCH only).
   */
  aggressiveNsecExactNodata: boolean;
  /**
   * Use minimally covering NSEC records — next name = \000.owner, the form
   * on-line signers emit (RFC 4470 §3, "black lies") — for RFC 8198 synthesis.
   * Off: they are ignored for synthesis since they deny one name only
   * (PowerDNS Recursor aggressive_nsec.cc isMinimallyCoveringNSEC, Knot
   * Resolver ≥4.1.0 "aggressive caching is disabled on minimal NSEC* ranges").
   */
  aggressiveNsecMinimalRanges: boolean;
  /** RFC 8767 serve-stale: answer from expired data when resolution fails. */
  serveStale: boolean;
  /** RFC 8767 §5: TTL put on stale answers (seconds). */
  staleAnswerTtl: number;
  /** RFC 8767 §5: how long after expiry data may still be served (seconds; 0 = no limit, like Unbound serve-expired-ttl 0). */
  maxStaleTtl: number;
  /**
   * RFC 8767 §5 client response timer: how long a client waits for a fresh
   * answer before stale data is sent (1800 ms recommended) while resolution
   * goes on in the background and refreshes the cache. 0 = answer stale data
   * at once and refresh in the background (Unbound serve-expired with
   * serve-expired-client-timeout 0); 'off' = stale data only after the
   * resolution has failed (BIND stale-answer-client-timeout off, PowerDNS).
   * Only used when serveStale is on.
   */
  staleClientTimeoutMs: number | 'off';
  /**
   * The client response timer (`staleClientTimeoutMs`) is no timer: it is looked at only when the resolution of
   * the client's own question takes its next step — an answer or a timeout of its query handled, or a sub-query
   * for a nameserver address finished — and stale data is used at the first such step later than the timer, or
   * when no server is left. A long retransmission wait, or sub-queries (whose steps are their own), delay it.
   * A resolution that ends at a limit (`maxTimeoutsPerClientQuery`, `resolutionTimeLimitMs`) gets SERVFAIL, not
   * stale data. Knot Resolver 5.6 modules/serve_stale/serve_stale.lua: the layer's produce() sets the query's
   * stale_cb when kr_now() > creation_time_mono + M.timeout (3 s) or NO_NS_FOUND, for req:current() only;
   * lib/cache/api.c get_new_ttl then gives the callback's TTL (1 s) and EDE 3; daemon/worker.c qr_task_step
   * finalizes KR_STATE_FAIL at the limits before any layer runs. Only used when serveStale is on.
   */
  staleTimerAtStepsOnly: boolean;
  /**
   * RFC 8767 §5 failure recheck timer: after a refresh of a name failed,
   * clients get stale data at once, with no new upstream attempt, for this
   * many seconds (30 recommended; BIND stale-refresh-time). 0 = every client
   * query tries again. Only used when serveStale is on.
   */
  staleRefreshIntervalS: number;
  /** Validate with the configured trust anchors (RFC 4035 §5). */
  validate: boolean;
  /**
   * PowerDNS "dnssec=process": validate, but SERVFAIL bogus answers only for
   * clients that asked for DNSSEC (DO=1 or AD=1); others get the data, AD=0.
   */
  bogusServfailOnlyWhenRequested: boolean;
  /** RFC 8914 Extended DNS Errors in responses. */
  ede: boolean;
  /**
   * With `ede` on, only answers that failed validation carry an EDE (no Stale Answer, no No Reachable Authority).
   * PowerDNS Recursor 4.8 adds a resolution EDE only when g_addExtendedResolutionDNSErrors and
   * vStateIsBogus(state) (pdns_recursor.cc startDoResolve; policy hits aside), so its stale answers carry none.
   */
  edeBogusOnly: boolean;
  /** EDNS0 UDP payload size advertised upstream (RFC 6891 §6.2.5; DNS Flag Day 2020: 1232). */
  ednsBufferSize: number;
  /**
   * After a UDP query with EDNS times out, ask the same server again at once advertising this smaller
   * size, in case the answer was lost to IP fragmentation (RFC 6891 §6.2.5); 0 = no such retry. Applies
   * only when `ednsBufferSize` is larger (a retry at the same size is an ordinary retransmission here).
   */
  ednsFragmentFallbackSize: number;
  /**
   * The `ednsFragmentFallbackSize` retry is made only when the timeout that ran out was below this, ms;
   * 0: whatever the timeout. Unbound 1.17.1 services/outside_network.c serviced_udp_callback: "last_rtt <
   * 5000" — a server already backed off past 5 s gets one query per timeout, not two.
   */
  ednsFragmentFallbackBelowRtoMs: number;
  /**
   * The `ednsFragmentFallbackSize` retry is made also when the advertised size is already at or below that size
   * (the retry then asks again at the same size), and in every case with the same timeout as the query that ran
   * out: the timeout is backed off once, after the retry has timed out too. Unbound 1.17.1
   * services/outside_network.c serviced_udp_callback: the first timeout of a serviced_query_UDP_EDNS query with
   * last_rtt < 5000 moves it to serviced_query_UDP_EDNS_FRAG and resends, whatever the size (serviced_encode only
   * lowers a size above EDNS_FRAG_SIZE_IP4); infra_rtt_update (rtt_lost, util/rtt.c) runs only when that resend
   * times out. Measured (middlebox-checkpoints lb-session-table, verbosity 4): every lost query to a server with a
   * timeout under 5 s went out twice, "try edns1xx0" at the same "UDP timeout=" before the backoff.
   */
  ednsFragmentFallbackAnySize: boolean;
  /**
   * After a timeout of an EDNS query to a server never seen answering EDNS (two timeouts in a row), ask it
   * once without EDNS (RFC 6891 §6.2.2). Unbound 1.17.1 does not: serviced_udp_callback drops EDNS only on
   * FORMERR/NOTIMP or a malformed OPT, and on a timeout retries nothing (OUTBOUND_UDP_RETRY 1). PowerDNS
   * Recursor 4.8 does not either: syncres.cc asyncresolveWrapper leaves a timeout alone ("timeout, not doing
   * anything with it now") and drops EDNS only after a FORMERR.
   */
  ednsOffAfterTimeouts: boolean;
  /**
   * After a UDP query with EDNS times out, the next query of the same question to that server in this
   * resolution advertises the largest UDP response the server has sent us so far, when that is smaller
   * than what is configured (BIND's ADB "udpsize" hint); queries after a second timeout use the configured
   * size again. Not an extra query: the hint rides on the server's next turn (resolver.c resquery_send,
   * triededns count 1; with one server, the next address gathering, 800 ms later).
   */
  ednsTimeoutLargestSeen: boolean;
  /**
   * Give up (SERVFAIL) once this many ms have passed since the client's query
   * arrived: no further query is sent and no retransmission wait runs past it
   * (0 = no limit; the query and retry limits still apply). BIND 9.18
   * resolver-query-timeout (default 10 s, `named -C`): lib/dns/resolver.c
   * fctx_create sets the fetch's expiry, fctx_expired → fctx_done(ISC_R_TIMEDOUT).
   * Modelled per client query, not per fetch (BIND's DNSKEY/DS fetches have
   * their own expiry).
   */
  resolutionTimeLimitMs: number;
  /**
   * A client query whose answer (or SERVFAIL) is ready more than this many ms after the query arrived gets no
   * reply at all; the resolution itself still finishes and fills the cache (0 = always reply). Unbound
   * `discard-timeout: 1900` (added in 1.20.0 against the DNSBomb attack, CVE-2024-33655; Debian backported it to
   * 1.17.1-2+deb12u3, the version measured: `unbound-checkconf -o discard-timeout` prints 1900): services/mesh.c
   * mesh_send_reply "drop reply, it is older than discard-timeout". Measured (middlebox-checkpoints lb-session-table,
   * verbosity 4): real 1.17.1-2+deb12u4 logged that line and sent no SERVFAIL for big.example.jp 13 s after the query.
   */
  clientReplyDiscardMs: number;
  /**
   * `resolutionTimeLimitMs` is checked only when the resolution takes a step (before the next query is sent); a
   * retransmission wait already running is not cut short. Knot Resolver 5.6 daemon/worker.c qr_task_step:
   * kr_now() - worker_task_creation_time(task) >= KR_RESOLVE_TIME_LIMIT (lib/defines.h, 10000 ms) →
   * qr_task_finalize(KR_STATE_FAIL), "internal timeout for resolving the request has expired" in its debug log.
   * Off: the last wait ends when the time is up (BIND's fctx expiry timer).
   */
  resolutionTimeLimitAtStepOnly: boolean;
  /**
   * Give up (SERVFAIL) once this many upstream queries for one client query, its sub-queries included, have
   * timed out (0 = no limit). Knot Resolver 5.6 daemon/worker.c qr_task_step: task->timeouts >= KR_TIMEOUT_LIMIT
   * (lib/defines.h, 10), "cancelling query due to exceeded timeout retries limit of 10" (measured,
   * facebook-query-storm, the outage's first minute).
   */
  maxTimeoutsPerClientQuery: number;
  /**
   * A query over TCP has no retransmission timeout of its own: it waits on the connection until the client
   * query's `resolutionTimeLimitMs` runs out (or an answer or error comes). Knot Resolver 5.6: once connected,
   * only the session's watchdog runs (daemon/worker.c on_connect: tcp_timeout_trigger every MAX_TCP_INACTIVITY,
   * KR_RESOLVE_TIME_LIMIT + KR_CONN_RTT_MAX), which finalizes the requests that have expired (daemon/io.c
   * session_tasklist_finalize_expired). Measured (facebook-query-storm [serve-stale], real 5.6.0 at T+1h30m):
   * "querying … proto: 'tcp'" chosen "with timeout 9728 ms", no step until the request's 10 s had passed, then
   * "internal timeout for resolving the request has expired". Off: a TCP query waits the server's timeout
   * (at least 2 s).
   */
  tcpWaitsForResolutionLimit: boolean;
  /**
   * A client query whose question is already being resolved joins that resolution (Unbound's mesh, BIND's fetch
   * sharing). Off: every client query runs a resolution of its own, with its own limits and its own choices of
   * servers and nameserver names — Knot Resolver 5.6: each request is a qr_task with its own resolution plan
   * (daemon/worker.c), only identical upstream queries in flight are shared (not modelled). Measured
   * (facebook-query-storm [retrying-clients], real 5.6.0): a client's retries ran as separate requests, those
   * arriving while both servers were held dead each resolved the nameservers' AAAA (tld-com asked 65 times).
   */
  joinClientQueries: boolean;
  /** After this many UDP timeouts of one question to one server, ask it over TCP (0 = never). */
  tcpAfterUdpTimeouts: number;
  /** Ask over TCP from the start when the server's retransmission timeout is above this, ms (0 = never). */
  tcpWhenTimeoutOverMs: number;
  /**
   * After a timeout, do not ask that server the same question again for this many seconds (or 5 queries,
   * whichever ends first); 0 = retransmit as usual. PowerDNS throttles (server, qname, qtype) this way.
   */
  timeoutThrottleS: number;
  /**
   * Answer a question whose last resolution ended in SERVFAIL with that SERVFAIL again, with no upstream query, for
   * this many seconds (0 = every query resolves again). PowerDNS keeps SERVFAIL responses in its packet cache for
   * packetcache-servfail-ttl (default 60 s; pdns_recursor.cc startDoResolve: minTTL = min(minTTL,
   * s_packetcacheservfailttl)). Keyed by the question and its RD/CD/DO flags, as the packet cache hashes the query.
   */
  servfailCacheS: number;
  /**
   * Wait this long for every upstream answer, UDP or TCP, ms; 0 = the server's retransmission timeout from its
   * RTT history (RFC 6298). PowerDNS waits network-timeout (1500 ms) for each query (pdns_recursor.cc asyncresolve:
   * MT->waitEvent(..., g_networkTimeoutMsec)); its server speeds only rank servers.
   */
  fixedUpstreamTimeoutMs: number;
  /** Largest UDP response sent to clients (truncate above, RFC 6891 §7). */
  maxUdpResponse: number;
  /** TTL cap and floor for positive data (seconds). */
  maxTtl: number;
  minTtl: number;
  /** TTL cap and floor for negative data, RFC 2308 §5 (seconds). */
  maxNegativeTtl: number;
  minNegativeTtl: number;
  /** How long bogus data is kept (Unbound val-bogus-ttl), seconds. */
  bogusTtl: number;
  /**
   * How many times one server of a delegation is picked for a question before the resolver gives up on that
   * delegation (each server once per round; minimisation steps that were answered do not count). Unbound 1.17.1
   * outbound-msg-retry: 5 (iterator/iter_utils.c iter_server_selection: `++a->attempts < outbound_msg_retry`, then
   * the address leaves the delegation point's result list; iterator.c processQueryTargets iter_dec_attempts(dp, 1)
   * gives one back per minimisation step). Measured (middlebox-checkpoints lb-session-table, verbosity 4): real
   * Unbound sent mid.example.jp TXT to the one server 5 times (each twice, ednsFragmentFallbackAnySize) before "No
   * more query targets". BIND 9.18 starts over whenever a fetch has tried every address (resolver.c fctx_try "We
   * have no more addresses. Start over.", a new address gathering each time) up to its failsafe of 100
   * (fctx_getaddresses "too many restarts"): in practice `resolutionTimeLimitMs` or the query limits end the fetch
   * first. 3: the generic retransmission (three rounds).
   */
  maxTriesPerServer: number;
  /** Queries sent to the servers of one delegation before giving up on it (Unbound max-sent-count). */
  maxSentPerDelegation: number;
  /** Queries sent upstream for one client query, including glue and DNSSEC fetches (BIND max-recursion-queries, PowerDNS max-qperq). */
  maxQueriesPerClientQuery: number;
  /** CNAME/DNAME restarts (Unbound max-query-restarts). */
  maxRestarts: number;
  /** Nesting of dependent lookups: NS address fetches inside NS address fetches (BIND max-recursion-depth). */
  maxDepth: number;
  /** Referrals followed for one name (Unbound MAX_REFERRAL_COUNT). */
  maxReferrals: number;
  /** Retransmission timeout for a server with no RTT history, ms (Unbound unknown-server-time-limit 376). */
  initialRtoMs: number;
  /**
   * A server's first answer is averaged into a starting estimate of SRTT 0 and RTTVAR initialRtoMs/4 like every
   * later one (gains 1/8 and 1/4, whole milliseconds), instead of RFC 6298 §2.2's SRTT = R, RTTVAR = R/2. The
   * timeout then comes down from initialRtoMs over several answers: with a 2 ms server 376 → 284 → 216 → 164 ms,
   * where RFC 6298 drops to the minRtoMs floor at the first answer. Unbound 1.17.1 util/rtt.c rtt_init (srtt 0,
   * rttvar UNKNOWN_SERVER_NICENESS/4) and rtt_update. Measured (middlebox-checkpoints lb-session-table, verbosity
   * 4): real 1.17.1 selected ns-example with rtt 376, 284, 216, 164 for its first four queries.
   */
  rttFirstAnswerAveraged: boolean;
  /** Lower/upper bounds on the retransmission timeout, ms. */
  minRtoMs: number;
  maxRtoMs: number;
  /**
   * Wait for each query from a fetch's retry interval instead of the server's backed-off RTO, ms; 0: the
   * server's RTO (RFC 6298 §5.5 doubling, kept across resolutions). BIND 9.18 `resolver-retry-interval` (800,
   * `named -C`), lib/dns/resolver.c fctx_setretryinterval: the wait is this interval, doubled for each
   * address gathering of the fetch past `fetchNonBackoffTries` (fctx->restarts; at most 6 doublings), at least
   * the server's smoothed RTT plus 50/100/200 ms (below 50 ms / below 100 ms / above; TCP: one more second,
   * fctx_query), at most `maxRtoMs` (MAX_SINGLE_QUERY_TIMEOUT 9 s) and the fetch's time left
   * (`resolutionTimeLimitMs`). A timeout does not grow the next fetch's waits. Measured (facebook-query-storm,
   * real 9.18.49): one query per dead server and gathering, 0.8 s apart, all through the outage hour.
   * Known simplification: BIND also raises a timed-out server's srtt by a random amount (fctx_cancelquery,
   * up to 1 s at first, 8–32 ms once above 400 ms), which matters only once it passes 600 ms.
   */
  fetchRetryIntervalMs: number;
  /** Address gatherings of a fetch before `fetchRetryIntervalMs` doubles (BIND `resolver-nonbackoff-tries` 3). */
  fetchNonBackoffTries: number;
  /**
   * Life of a server's entry in the infrastructure cache, seconds; 0: entries never expire. The entry's
   * life is set when it is made and not renewed by answers or timeouts; when it has run out, the next
   * query finds a fresh entry (RTT, timeouts and EDNS forgotten; lameness kept). Unbound 1.17.1
   * `infra-host-ttl: 900`, services/cache/infra.c data_entry_init / infra_host.
   */
  infraHostTtlS: number;
  /**
   * A server whose retransmission timeout reached this, ms, is not asked at all until its infra entry
   * expires (`infraHostTtlS`); the expired entry then gets one probe with that timeout, and lives
   * another `infraHostTtlS`. 0: no such limit, a timed-out server is only ranked last. Unbound 1.17.1
   * USEFUL_SERVER_TOP_TIMEOUT 120000 (iterator/iter_utils.h), infra.c infra_get_lame_rtt and infra_host,
   * iter_utils.c iter_server_selection ("chase to blacklisted lame server" → no target). With
   * `parentNsFallback`, a delegation whose every server is skipped so asks its parent again, once while
   * the parent's NS RRset lasts (iterator.c processLastResort, iter_store_parentside_NS).
   */
  infraBlacklistRtoMs: number;
  /**
   * A server whose retransmission timeout is at least this, ms, gets one query at a time: the next waits
   * until the timeout (rounded up to seconds) plus 1 s has passed, and after 3 timeouts in a row the server
   * is skipped meanwhile. 0: off. Unbound 1.17.1 PROBE_MAXRTO 12000 and TIMEOUT_COUNT_MAX 3
   * (services/cache/infra.h), infra.c infra_host ("this is the probe query") and infra_get_lame_rtt.
   */
  infraProbeDelayRtoMs: number;
  /**
   * Knot Resolver's per-address rtt_state instead of RFC 6298's RTO (lib/selection.c and selection.h, 5.6.0).
   * The wait for the next query to a server is (srtt + max(4·variance, `rttStateMinAdditionMs`)) << its
   * consecutive timeouts (at most `rttStateMaxBackoff` doublings, capped at `maxRtoMs`: calc_timeout,
   * back_off_timeout); an address with no answer yet has srtt 0 and variance `initialRtoMs` / 4
   * (default_rtt_state). Answers update srtt and variance in integer arithmetic (calc_rtt_state: the first
   * answer sets srtt = rtt, variance = rtt / 2) and reset the count of timeouts; each timeout, or refused TCP
   * connect (error → server_timeout), adds one. No lower bound (`minRtoMs` is not used). false: RFC 6298
   * (SRTT + 4·RTTVAR, doubled per timeout, clamped to `minRtoMs`..`maxRtoMs`).
   */
  rttStateTimeouts: boolean;
  /** `rttStateTimeouts`: the least added to srtt, ms (selection.c MINIMAL_TIMEOUT_ADDITION 20). */
  rttStateMinAdditionMs: number;
  /** `rttStateTimeouts`: the most doublings of the wait for consecutive timeouts (selection.c MAX_BACKOFF 8). */
  rttStateMaxBackoff: number;
  /**
   * A server becomes dead after this many timeouts in a row, once the wait that ran out was at least
   * `deadMinTimeoutMs`; a dead server is not asked, by any resolution, for `deadRetryIntervalMs`, and then
   * one more timeout makes it dead again (its count of timeouts stays until it answers). 0: off. Knot
   * Resolver 5.6.0 lib/selection.h KR_NS_TIMEOUT_ROW_DEAD 4, KR_NS_TIMEOUT_MIN_DEAD_TIMEOUT 800,
   * KR_NS_TIMEOUT_RETRY_INTERVAL 1000 (cache_rtt_tout_retry_interval); selection.c server_timeout sets
   * dead_since, invalidate_dead_upstream drops the address from the choices meanwhile.
   */
  deadAfterTimeouts: number;
  deadMinTimeoutMs: number;
  deadRetryIntervalMs: number;
  /**
   * A server that timed out stays a choice for the same question until it is dead (`deadAfterTimeouts`)
   * or the query limits end the resolution; false: it is set aside for this resolution until the others
   * have been tried. Knot Resolver 5.6.0 lib/selection_iter.c get_valid_addresses: only `broken`
   * addresses (bad rcode, FORMERR…) leave the choices, a timeout only counts in error_count.
   */
  retryTimedOutServer: boolean;
  /**
   * Once a question got TC=1 in this resolution, every later try of it goes over TCP from the start (to any
   * server); false: each try starts over UDP. Knot Resolver 5.6.0 lib/selection_iter.c iter_choose_transport:
   * tcp = qry->flags.TCP || local_state->truncated (selection.c error: KR_SELECTION_TRUNCATED sets truncated).
   */
  tcpAfterTruncationSticks: boolean;
  /** Servers whose smoothed RTT is within this band of the best are chosen at random (Unbound RTT_BAND 400 ms). */
  rttBandMs: number;
  /** Probability of picking any usable server instead of a fast one, to keep RTT estimates fresh. */
  exploreProbability: number;
  /**
   * The exploration draw (`exploreProbability`, once per choice of a server) picks uniformly among the cut's usable
   * addresses and its nameserver names with no AAAA known and not yet resolved in this query; a name drawn is
   * resolved as `nsAaaaAfterTimeoutFromParent` resolves it (from the parent's cut), even when every address is fine.
   * Knot Resolver 5.6.0 lib/selection.c select_transport: explore = kr_rand_coin(EPSILON_NOMIN 1, EPSILON_DENOM 20),
   * then index = random % (choices_len + unresolved_len), an index below unresolved_len resolves that name
   * ("choosing to resolve AAAA" in the debug log). Measured (facebook-query-storm [retrying-clients],
   * log_level('debug') of real 5.6.0, 2026-11-23): the 11 outage-hour requests that asked tld-com (after the
   * first) all did so on such a draw, 10 on their first choice, with one or both addresses choosable.
   * Off: exploring picks an address only (infra `select`). The names' A records are not drawn (the lab's
   * nameservers all have glue A).
   */
  exploreResolvesNsNames: boolean;
  /** How long a server that was lame/REFUSED/SERVFAIL for a zone is avoided, seconds (Unbound infra-host-ttl). */
  lameTtl: number;
  /**
   * Cache the zone's own NS RRset from the authority section of an
   * authoritative positive answer (RFC 2181 §5.4.1: "authority section of an
   * authoritative answer" ranks above the parent's referral), so it replaces
   * the referral's NS RRset and its TTL (the child's apex NS TTL) decides
   * when the resolver walks down from the parent again. PowerDNS Recursor
   * 4.8: syncres.cc SyncRes::sanitizeRecords keeps NS in AUTHORITY of
   * positive answers (drops them only from NXDOMAIN/NODATA),
   * updateCacheFromRecords stores them as auth data, recursor_cache.cc
   * CacheEntry::shouldReplace "Always allow upgrade unauth data to auth".
   * Knot Resolver 5.6: lib/layer/iterate.c process_answer() → pick_authority(),
   * lib/cache/api.c cache_stash() (stored with the answer's validation state,
   * lib/layer/validate.c validate_records), lib/zonecut.c
   * kr_zonecut_find_cached() → fetch_ns() reads the deepest cached NS.
   * Taken from final answers (and CNAME steps) only; a signed zone's NS that
   * does not verify is not kept. Whether later answers refresh it is
   * authNsTtlNotExtended / nsReplaceOnlyWhenExpiring.
   * Off: only referrals feed the NS cache (Unbound, BIND as modelled).
   */
  nsFromAnswerAuthority: boolean;
  /**
   * Ghost-domain protection: a fresh copy of a cached authoritative NS RRset
   * never gets a later expiry than the copy in the cache; the RRset expires
   * at its first TTL even though every answer carries it again, and the
   * resolver must go back to the parent (CVE-2012-1033 "ghost domain
   * names"). PowerDNS Recursor 4.8 recursor_cache.cc MemRecursorCache::replace:
   * "refuse any attempt to *raise* the TTL of auth NS records" (not for the
   * root). With nsFromAnswerAuthority this makes PowerDNS re-walk from the
   * parent once per child apex NS TTL (measured: every hour in
   * dnssec-rollback, `example.com A` to the .com server).
   */
  authNsTtlNotExtended: boolean;
  /**
   * A referral without DS whose NSEC/NSEC3 proof of "no DS" validates with
   * the parent's keys makes the child insecure at once, although a DS RRset
   * for it is still cached: the proof goes to the negative cache, which is
   * consulted before the record cache. PowerDNS Recursor 4.8 syncres.cc
   * SyncRes::processRecords ("got negative indication of DS record",
   * g_negCache->add) and SyncRes::doCacheCheck (g_negCache->get before
   * g_recCache->get). Knot Resolver 5.6 lib/layer/validate.c
   * update_delegation() ranks the referral's NS KR_RANK_INSECURE, and
   * lib/zonecut.c kr_zonecut_find_cached() never fetches the cached DS for a
   * cut whose NS is ranked insecure. Off: a cached DS keeps the zone signed
   * until the DS expires (RFC 4035 §4.5; Unbound, BIND).
   */
  referralNoDsOverridesCachedDs: boolean;
  /**
   * TTLs count whole seconds in every product; on the second a TTL runs out
   * (0 s left) the entry is already expired (PowerDNS Recursor 4.8
   * recursor_cache.cc: usable while `entry->d_ttd > now`) rather than still
   * usable (Unbound services/cache/rrset.c rrset_cache_lookup: expired only
   * when `timenow > data->ttl`; BIND and Knot Resolver modelled the same, not
   * checked). Decides whether a lookup at exactly T+TTL re-asks the servers.
   */
  ttlZeroIsExpired: boolean;
  /**
   * When every server of a cached delegation has answered lame (REFUSED,
   * SERVFAIL, an upward referral…), ask the parent zone's servers for the
   * delegation again and follow the NS they publish now; that NS RRset
   * replaces the cached one, keeping the cached expiry. Unbound 1.17
   * iterator.c processLastResort ("try to grab parent NS") and
   * services/cache/rrset.c need_to_update_rrset (an NS RRset of equal trust
   * but other data is stored with the old TTL). Off: the resolver fails
   * until the cached NS RRset expires (measured: BIND 9.18, Knot Resolver
   * 5.6, PowerDNS Recursor 4.8 in registrar-transfer-dnssec
   * uncooperative-long-ns). Servers that only timed out trigger it where
   * `infraBlacklistRtoMs` skips them all (measured: Unbound 1.17.1 asks
   * tld-com again in facebook-query-storm's outage hour).
   */
  parentNsFallback: boolean;
  /**
   * A query for the A/AAAA of a nameserver that is the only way into its own
   * zone, made when the resolver no longer has that address, fails with
   * SERVFAIL: BIND 9.18 fetches the address from the parent side in the
   * background (its ADB), but the client's fetch is what that ADB lookup
   * waits for, so it gives up with "loop detected" (lib/dns/resolver.c
   * findname → waiting_for). The background fetch still fills the cache, so
   * the next query is answered. Off: the parent's glue is fetched and the
   * query answered (Unbound iterator.c processLastResort, parent-side glue).
   */
  nsAddressLoopServfail: boolean;
  /** Require glue to be inside the delegating zone's authority (Unbound harden-glue). */
  hardenGlue: boolean;
  /** Ask for AAAA of nameservers too (off: lab networks are mostly IPv4). */
  queryAaaaForNs: boolean;
  /**
   * BIND 9.18's ADB: a fetch's first gathering of nameserver addresses does not start lookups for a
   * missing address family when the name already has an address (lib/dns/resolver.c fctx_getaddresses:
   * DNS_ADBFIND_AVOIDFETCHES only while fctx->restarts == 1). Every later gathering — after every server
   * timed out, or at a zone cut reached through a minimisation step, which does not reset the counter as a
   * followed referral does (rctx_referral: restarts = 0) — starts an AAAA lookup for each nameserver
   * inside the zone cut with no cached AAAA. Such a name is looked up from the root hints, not from
   * the cache's closest cut, without minimisation (resolver.c findname: DNS_ADBFIND_STARTATZONE;
   * adb.c fetch_name: dns_view_findzonecut(use_hints true, use_cache false)), and the resolution
   * does not wait for it. Measured (facebook-query-storm, real 9.18.49): root and the .com server asked
   * `a.ns.example.com AAAA` at T+0 and at each failed client query in the outage.
   * Known simplification: only nameservers inside the zone cut (the STARTATZONE case) are looked up.
   */
  nsAaaaFetchAfterFirstTry: boolean;
  /**
   * Knot Resolver 5.6: once every address of the zone cut has failed in this query (the address it would choose
   * has an error) and a nameserver name's AAAA is not known, resolve that AAAA instead of asking a failed server
   * again (lib/selection.c select_transport: "Don't try the same server again when there are other choices to be
   * explored"; lib/selection_iter.c get_resolvable_names), each name once per query; and while every address is
   * held dead (infra isSkipped), resolve such names before giving up (select_transport "EXPLORE" with no choices).
   * The sub-query for a nameserver inside the query's zone cut starts at the cut's parent (lib/resolve.c
   * zone_cut_check: "If at/subdomain of parent zone cut, start from its encloser … need glue from parent"), so
   * the parent's servers are asked. Measured (facebook-query-storm, real 5.6.0, rate 20): the .com server asked
   * `example.com NS` 4–8 times in the patient clients' outage hour, 65 times with retrying clients. Not modelled:
   * the ε = 1/20 exploration that does the same at random while every server answers (about 1 in 40 selections).
   */
  nsAaaaAfterTimeoutFromParent: boolean;
  /**
   * A cached NS RRset that has not expired and is not expiring (less than
   * 1 % of its TTL or 5 s left) is replaced only by a validated (secure) copy
   * or by one of strictly higher rank (security first, then RFC 2181
   * credibility); an equal-rank insecure copy does not refresh its TTL.
   * Knot Resolver 5.6 lib/cache/entry_list.c entry_h_splice() ("not
   * overwriting"), lib/cache/impl.h is_expiring(). Off: RFC 2181 §5.4.1
   * credibility only (equal credibility replaces).
   * Known simplification: kresd ranks an answer's NS without its AUTH bit
   * (debug log: referral NS "rank 002", or "rank 010" once no DS is proven;
   * answer NS "rank 040" secure, "rank 010" insecure), so an insecure answer
   * does not replace a live insecure referral NS either. Here the answer's NS
   * outranks any referral NS (credibility); the two differ only while a
   * referral NS of a proven-insecure delegation is live and its TTL differs
   * from the child's.
   */
  nsReplaceOnlyWhenExpiring: boolean;
}
