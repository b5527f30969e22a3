// The shape of a scenario file. A scenario is DATA: a world (zones as
// master-file text, who serves them, registries, resolvers, clients) and
// steps read top to bottom like a runbook. Everything here is plain values —
// strings for names, zone-file lines for records, '+1h' for lab time — so an
// operator can write one without knowing TypeScript. The machinery that
// turns it into a running lab is in lab/runner/.

import type { ResponseExpectation } from '../../assertions/response.ts';
import type { RRTypeName, RcodeName } from '../../dns/types.ts';
import type { Quirk } from '../../servers/authoritative/quirks.ts';
import type { OnlineSigningQuirk } from '../../dns/dnssec/online.ts';
import type { SpfResult } from '../../servers/mail/spf.ts';
import type { FindingKind } from '../audit/audit.ts';

/** Text in English and Japanese. */
export interface Bilingual {
  en: string;
  ja: string;
}

/** A duration or offset: '0s', '90s', '15m', '1h30m', '2d', '86400' (seconds). Offsets may start with '+'. */
export type Duration = string;

export interface ScenarioServer {
  /** The server's host name (used for NS records and glue), e.g. 'ns1.example.jp'. */
  host: string;
  /** IPv4/IPv6 addresses on the lab network. */
  addresses: string[];
  /** Quirks the authoritative server shows, as data: [{ kind: 'lame', rcode: 'REFUSED' }] (servers/authoritative/quirks.ts). */
  quirks?: Quirk[];
  /**
   * The largest UDP answer the server sends (its EDNS payload size, RFC 6891 §6.2.5). Default 1232, like
   * NSD and BIND since DNS Flag Day 2020; 4096 is the pre-2020 default that sends fragmented answers.
   */
  udpPayloadSize?: number;
}

export interface ScenarioZone {
  /** Master-file text (RFC 1035 §5); $ORIGIN defaults to the zone name, $TTL as written. */
  text: string;
  /** Names of servers (keys of `servers`) that serve this zone. */
  servers: string[];
  /**
   * Sign the zone before the scenario starts (Ed25519 keys derived from the seed, NSEC; re-signed after
   * every edit). Its DS goes to the parent (a registry domain says ds: 'from-zone'). When any zone is
   * signed, the synthesised root and TLDs are signed too and resolvers get the root's trust anchor.
   */
  signed?: boolean;
  /**
   * Sign answers on the fly, like a managed DNS service (minimally covering NSEC, RFC 4470), instead of
   * signing the zone; implies signed. Signer quirks as data, e.g. [{ kind: 'nsec-bitmap-omits-wildcard-types' }]
   * (dns/dnssec/online.ts).
   */
  online?: { quirks?: OnlineSigningQuirk[] };
  /**
   * The zone's name when the key in topology.zones is only a label — a second copy of the same zone run by
   * another operator with its own keys, e.g. key 'example.jp@gaining', origin 'example.jp'. Copies are never
   * delegated automatically (a registry or the scenario does it).
   */
  origin?: string;
  /** Also publish the ZSKs of these zones (keys of topology.zones) in this zone's DNSKEY set (RFC 8901 model 2). */
  publishKeysOf?: string[];
  /** TTL of the zone's DNSKEY RRset when signed (default 3600; online: the SOA TTL). */
  dnskeyTtl?: number;
}

export interface RegistryDomain {
  name: string;
  registrar: string;
  registrant: string;
  authCode: string;
  ns: string[];
  /** Glue for nameservers inside the TLD: host name → addresses. */
  glue?: Record<string, string[]>;
  /** DS records as zone-file lines, or 'from-zone' to take the DS of the signed child zone. */
  ds?: string[] | 'from-zone';
  /** Statuses set at the start, e.g. ['serverUpdateProhibited', …] for a registry lock. */
  status?: string[];
}

export interface ScenarioRegistry {
  /** The TLD this registry runs; its zone must be in `zones`. */
  tld: string;
  registrars: string[];
  domains: RegistryDomain[];
  nsTtl?: number;
  dsTtl?: number;
}

export interface ScenarioResolver {
  addresses: string[];
  /** A resolver profile: 'unbound', 'bind', 'knot-resolver', 'powerdns', 'google-public-dns'. */
  profile: string;
  /** Individual settings over the profile (e.g. { aggressiveNsec: false }). */
  settings?: Record<string, boolean | number>;
}

export interface ScenarioClient {
  addresses: string[];
  /** The resolver (key of `resolvers`) this client uses by default. */
  resolver?: string;
}

/**
 * A middlebox on the path between two machines (servers/middlebox/attach.ts):
 * `kind` is middlebox | firewall | home-router | path-faults, `options` are
 * `MiddleboxSettings` names (e.g. `{ maxUdp: 1232, oversize: 'truncate' }`,
 * `{ tcp: 'reject' }`, `{ strip: 'rrsig' }`, `{ loss: 0.1 }`). Or `kind` is
 * load-balancer: its VIPs are the addresses of the server `between[1]` (also
 * its one backend) and `options` are only `udpSessions` (required),
 * `sessionIdleMs`, `onFull` ('drop' | 'evict').
 */
export interface ScenarioMiddlebox {
  kind: string;
  /** The two machines whose traffic passes through it. */
  between: [string, string];
  options?: Record<string, string | number | boolean>;
}

export interface Topology {
  servers: Record<string, ScenarioServer>;
  zones: Record<string, ScenarioZone>;
  registries?: ScenarioRegistry[];
  resolvers?: Record<string, ScenarioResolver>;
  clients: Record<string, ScenarioClient>;
  middleboxes?: Record<string, ScenarioMiddlebox>;
}

// ---------------------------------------------------------------------------
// Steps. Every step has `at`, an offset from the scenario start (T+0); steps
// run in file order and `at` never goes back. `only` limits a step to some
// variants. `note` is printed on the timeline.

interface StepBase {
  at: Duration;
  note?: string;
  /** Run this step only in these variants. */
  only?: string[];
}

/** A client asks a question, through its resolver or straight to a server. */
export interface QueryStep extends StepBase {
  client: string;
  /** 'qname qtype', e.g. 'campaign.example.jp A'. */
  query: string;
  /** A resolver or a server (key of `resolvers` / `servers`); default: the client's resolver. */
  to?: string;
  /** Set the DO bit (RFC 3225). */
  dnssec?: boolean;
  /**
   * How long the client waits for the answer (default 30s; a real run also waits at most 10 s of host time,
   * lab/runner/real.ts REAL_CLIENT_WAIT_MS, so 20 s of lab time at realClockRate 2). The next step starts
   * when this one is answered or has timed out.
   */
  timeout?: Duration;
  expect?: ResponseExpectation;
}

/** Sample a query at a fixed interval to build a timeline (what clients saw over time). */
export interface WatchStep extends StepBase {
  watch: {
    /** Name the timeline is referred to by in expectations. */
    name: string;
    client: string;
    query: string;
    to?: string;
    dnssec?: boolean;
    every: Duration;
    until: Duration;
    /**
     * Client retry behaviour: after a failed answer (SERVFAIL or none), ask again at once up to this many
     * times, like an app retrying (default 0). Each retry is a sample too.
     */
    retries?: number;
    /** How long the client waits for each answer (default 30s); a stub like glibc waits 5s (resolv.conf timeout:5). */
    timeout?: Duration;
  };
}

/** Who acts: the legitimate side, or an attacker. Shown on the timeline. */
type Actor = { operator: string; attacker?: never } | { attacker: string; operator?: never };

export type Action =
  /** Add records (zone-file lines) to a zone. */
  | { do: 'add-records'; zone: string; records: string[] }
  /** Remove records: a full line removes that record; 'owner TYPE' removes the RRset; 'owner' the whole name. */
  | { do: 'remove-records'; zone: string; records: string[] }
  /** Replace the RRsets named by the lines with exactly these records. */
  | { do: 'set-records'; zone: string; records: string[] }
  /** Start serving a zone (new master-file text) on servers, e.g. an attacker claiming it at a provider. */
  | { do: 'serve-zone'; zone: string; text: string; servers: string[] }
  /** Stop serving a zone on servers (cancelling a hosting/DNS service). */
  | { do: 'drop-zone'; zone: string; servers: string[] }
  /** Sign a zone with fresh keys (Ed25519, NSEC) / unsign it (DNSKEY, RRSIG, NSEC removed). The DS at the parent is a separate change-ds. */
  | { do: 'sign-zone'; zone: string }
  | { do: 'unsign-zone'; zone: string }
  /** Registrar operations on behalf of a registrant (or someone claiming to be them). */
  | { do: 'change-ns'; registrar: string; registrant: string; domain: string; ns: string[]; glue?: Record<string, string[]>; expect?: RegistryExpectation }
  | {
      do: 'change-ds';
      registrar: string;
      registrant: string;
      domain: string;
      ds: string[] | 'from-zone' | { fromZones: string[] };
      expect?: RegistryExpectation;
    }
  | { do: 'registrar-lock' | 'registrar-unlock'; registrar: string; registrant: string; domain: string; expect?: RegistryExpectation }
  | { do: 'transfer'; domain: string; to: string; authCode: string; expect?: RegistryExpectation }
  | {
      do: 'register';
      registrar: string;
      domain: string;
      registrant: string;
      authCode: string;
      ns: string[];
      glue?: Record<string, string[]>;
      expect?: RegistryExpectation;
    }
  | { do: 'delete-domain'; registrar: string; registrant: string; domain: string; expect?: RegistryExpectation }
  | { do: 'renew'; registrar: string; domain: string; years?: number; expect?: RegistryExpectation }
  /** The registry acts: lock/unlock (serverUpdate/Transfer/DeleteProhibited), expire a registration. */
  | { do: 'registry-lock' | 'registry-unlock'; domain: string; expect?: RegistryExpectation }
  | { do: 'expire-domain'; domain: string; expect?: RegistryExpectation }
  /** Change a server's quirks, e.g. [{ kind: 'drop' }] = unreachable (routes withdrawn); [] = healthy again. */
  | { do: 'set-quirks'; server: string; quirks: Quirk[] }
  /** A zone's DNSKEY set also publishes the ZSKs of these zones (keys of topology.zones); [] withdraws them. */
  | { do: 'publish-keys-of'; zone: string; of: string[] }
  /** Empty a resolver's cache (all of it, or one name and below). */
  | { do: 'flush-cache'; resolver: string; name?: string };

/** 'accepted', or the RefusalReason the registry must give (e.g. 'STATUS_PROHIBITS'). */
export type RegistryExpectation = 'accepted' | string;

export type ActionStep = StepBase & Actor & { action: Action };

/** Claims about the packets that crossed the lab network so far. */
export interface TraceExpectation {
  /** Receiving machine (server or resolver name). */
  server?: string;
  client?: string;
  qname?: string;
  qtype?: RRTypeName;
  /** Count queries for names at or below this zone. */
  zone?: string;
  /** Only queries over 'udp' or 'tcp' (e.g. the TCP retry after TC=1 reached the server, or never did). */
  transport?: 'udp' | 'tcp';
  /** Only queries at or after this offset (default: T+0). */
  since?: Duration;
  /** Only queries at or before this offset (default: up to this step). */
  until?: Duration;
  count?: number;
  min?: number;
  max?: number;
  /** true: no such query at all. */
  none?: boolean;
}

export interface TraceStep extends StepBase {
  expectQueries: TraceExpectation;
}

export interface TimelineExpectation {
  /** The watch (WatchStep name). */
  watch: string;
  /** Every sample in [from, to] had this outcome. */
  throughout?: { from: Duration; to: Duration; rcode?: RcodeName | 'TIMEOUT'; answerContains?: string };
  /** No sample in [from, to] had this outcome. */
  never?: { from: Duration; to: Duration; rcode?: RcodeName | 'TIMEOUT'; answerContains?: string };
  /** What counts as "down" for outage/recovery: these rcodes. Default: SERVFAIL and TIMEOUT (no answer). */
  bad?: (RcodeName | 'TIMEOUT')[];
  /** Total time clients saw a bad outcome, within [min, max]. */
  outage?: { min?: Duration; max?: Duration };
  /** The first good sample after the last bad one lies in [from, to]. */
  recovery?: { from: Duration; to: Duration };
}

export interface TimelineStep extends StepBase {
  expectTimeline: TimelineExpectation;
}

/** Just let time pass (to `at`), with a note on the timeline. */
export interface WaitStep extends StepBase {
  wait: true;
}

/**
 * A mail receiver (a client) checks SPF for one message (RFC 7208 check_host), every DNS query going
 * through the client's resolver — what a receiving MTA does.
 */
export interface SpfStep extends StepBase {
  spf: { client: string; /** Connecting SMTP client address. */ ip: string; /** MAIL FROM, e.g. 'info@example.jp'. */ sender: string; helo?: string };
  expect?: { result: SpfResult; reasonContains?: string };
}

/**
 * The operator's dangling-record audit (\`dnslab audit\`, lab/audit) run from a client through its
 * resolver: CNAMEs to missing or claimable targets, lame delegations, NS names under unregistered
 * domains, A/AAAA to released addresses.
 */
export interface AuditStep extends StepBase {
  audit: {
    client: string;
    /** Zones (keys of topology.zones) whose data the operator audits; their delegations from the parent are checked too. */
    zones?: string[];
    /** Domains whose parent delegation is checked without zone data (a zone already deleted at a provider). */
    delegations?: string[];
    /** Addresses or prefixes the operator released. */
    released?: string[];
    /** Extra provider suffixes where endpoint names can be claimed (the built-in list is always used). */
    providerSuffixes?: string[];
  };
  /** The kinds of finding the audit reports, as a set ([] = a clean audit). */
  expect?: { findings: FindingKind[] };
}

export type Step = QueryStep | WatchStep | ActionStep | TraceStep | TimelineStep | WaitStep | SpfStep | AuditStep;

export interface Variant {
  description: Bilingual;
  /** Topology overrides, merged over the base (objects merge key by key; arrays and strings replace). */
  topology?: DeepPartial<Topology>;
  /**
   * Where a real resolver product really behaves differently (dnslab run --resolver …): product
   * ('unbound', 'bind', 'knot', 'powerdns') → the claims it fails, each whole as "step N <claim>" (e.g.
   * 'step 7 watch b: from T+5m to T+2h clients never got NXDOMAIN'; lab/runner/matrix.ts claimKey), and why,
   * naming the product option.
   */
  products?: Record<string, { failingClaims: string[]; because: string }>;
}

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * A hands-on training exercise on a scenario (`dnslab exercise`, lab/exercise/): the trainee starts in the
 * world of the `broken` variant as of `start`, live on loopback sockets, edits the `zones` as files and acts at
 * the registrar as `registrant`; `dnslab exercise check` judges the live world by the claims of the `fixed`
 * variant's steps at or after `checkFrom`, and gives the next hint while some fail.
 */
export interface Exercise {
  /** What the trainee is asked to do. */
  task: Bilingual;
  /** Shown one at a time, in order, after each check that fails. */
  hints: Bilingual[];
  /** The variant whose world the trainee starts in (usually the vulnerable one). */
  broken: string;
  /** The broken variant's steps up to this offset are replayed first (actions, queries, watch samples); default '+0s'. */
  start?: Duration;
  /** The variant whose claims `check` runs (usually 'fixed'). */
  fixed: string;
  /** Only the claims of fixed-variant steps at or after this offset: the state after the fix; default '+0s'. */
  checkFrom?: Duration;
  /** Zones (keys of topology.zones) written to the working folder for the trainee to edit. */
  zones: string[];
  /** Whom the trainee acts as at the registrar (set NS, set or remove DS, lock, unlock); absent: no registrar actions. */
  registrant?: string;
}

export interface Scenario {
  id: string;
  title: Bilingual;
  narrative: Bilingual;
  /** RFCs, postmortems, seeds: 'RFC 8198 §6', 'https://…'. */
  references: string[];
  /** Lab wall-clock time of T+0 (ISO 8601); default 2026-01-01T00:00:00Z. */
  start?: string;
  topology: Topology;
  steps: Step[];
  /** Named variants, e.g. { vulnerable: …, fixed: … }. Absent: one variant, 'default'. */
  variants?: Record<string, Variant>;
  /**
   * Against a real resolver only (lab/runner/real.ts): lab time and the product's clocks — wall clock,
   * monotonic clock and every timed wait — run this many times faster than the host's
   * (servers/real/timeshift.c). For scenarios whose samples wait, while servers stay silent, for the
   * product's own retransmission timers and the clients' timeouts. An integer from 1 (default) to 50;
   * the emulated lab ignores it (its clock is virtual).
   */
  realClockRate?: number;
  /** A training exercise on this scenario (`dnslab exercise ID`). */
  exercise?: Exercise;
}

/** Identity helper so scenario files get type checking and editor completion. */
export function defineScenario(s: Scenario): Scenario {
  return s;
}
