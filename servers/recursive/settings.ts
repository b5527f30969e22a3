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
  /** EDNS0 UDP payload size advertised upstream (RFC 6891 §6.2.5; DNS Flag Day 2020: 1232). */
  ednsBufferSize: number;
  /**
   * After a UDP query with EDNS times out, ask the same server again at once advertising this smaller
   * size, in case the answer was lost to IP fragmentation (RFC 6891 §6.2.5); 0 = no such retry. Applies
   * only when `ednsBufferSize` is larger (a retry at the same size is an ordinary retransmission here).
   */
  ednsFragmentFallbackSize: number;
  /**
   * After a UDP query with EDNS times out, ask the same server again advertising the largest UDP response
   * it has sent us so far, when that is smaller than what was advertised (BIND's ADB "udpsize" hint).
   */
  ednsTimeoutLargestSeen: boolean;
  /** After this many UDP timeouts of one question to one server, ask it over TCP (0 = never). */
  tcpAfterUdpTimeouts: number;
  /** Ask over TCP from the start when the server's retransmission timeout is above this, ms (0 = never). */
  tcpWhenTimeoutOverMs: number;
  /**
   * After a timeout, do not ask that server the same question again for this many seconds (or 5 queries,
   * whichever ends first); 0 = retransmit as usual. PowerDNS throttles (server, qname, qtype) this way.
   */
  timeoutThrottleS: number;
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
  /** Lower/upper bounds on the retransmission timeout, ms. */
  minRtoMs: number;
  maxRtoMs: number;
  /** Servers whose smoothed RTT is within this band of the best are chosen at random (Unbound RTT_BAND 400 ms). */
  rttBandMs: number;
  /** Probability of picking any usable server instead of a fast one, to keep RTT estimates fresh. */
  exploreProbability: number;
  /** How long a server that was lame/REFUSED/SERVFAIL for a zone is avoided, seconds (Unbound infra-host-ttl). */
  lameTtl: number;
  /** Require glue to be inside the delegating zone's authority (Unbound harden-glue). */
  hardenGlue: boolean;
  /** Ask for AAAA of nameservers too (off: lab networks are mostly IPv4). */
  queryAaaaForNs: boolean;
}
