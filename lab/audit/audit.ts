// The dangling-record finder an operator runs on their own zones: what an
// attacker scanning for takeovers would find (docs/incidents.md: "Subdomain takeover"; "NS takeover"; "Drop-catch of a nameserver's domain").
//
//   dangling-cname               CNAME whose target does not exist (NXDOMAIN): claim the target, own the name
//   cname-to-claimable-provider  CNAME into a provider where endpoint names can be claimed by anyone
//   lame-delegation              an NS that does not answer the child's SOA authoritatively (REFUSED/SERVFAIL/
//                                no answer/AA=0/NXDOMAIN or NODATA from a zone above it)
//   ns-name-unresolvable         an NS host name that does not resolve
//   ns-domain-unregistered       an NS host under a domain that no longer exists: register it, own the zone
//   released-address             A/AAAA pointing at an address the operator says was released
//
// DNS goes through two functions handed in — a recursive lookup and a direct
// question to one server — so the same audit runs in a scenario (lab network)
// and from the CLI (real sockets).

import { isIP } from 'node:net';
import { getDomain } from 'tldts';
import { canonicalName, isSubdomain, labels, nameEquals, normalizeName, parentName } from '../../dns/name.ts';
import type { Message, Name, RR, RRTypeName } from '../../dns/types.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { inNetwork } from '../../servers/mail/spf.ts';
import { BUILTIN_PROVIDER_SUFFIXES, type ProviderSuffix } from './providers.ts';

export type FindingKind =
  'dangling-cname' | 'cname-to-claimable-provider' | 'lame-delegation' | 'ns-name-unresolvable' | 'ns-domain-unregistered' | 'released-address';
export const FINDING_KINDS: readonly FindingKind[] = [
  'dangling-cname',
  'cname-to-claimable-provider',
  'lame-delegation',
  'ns-name-unresolvable',
  'ns-domain-unregistered',
  'released-address',
];

export interface AuditFinding {
  kind: FindingKind;
  severity: 'high' | 'medium';
  /** The record's owner (for delegations: the delegated name). */
  owner: Name;
  type: RRTypeName;
  /** What it points at: CNAME target, NS host, address. */
  target: string;
  detail: string;
}

export interface AuditDns {
  /** Recursive lookup (RD=1) through a resolver; rcode 'TIMEOUT' when nothing came back. */
  resolve(qname: Name, qtype: RRTypeName): Promise<{ rcode: string; answer: readonly RR[]; /** RA in the reply, when known. */ ra?: boolean }>;
  /** One question straight to one server (RD=0); undefined when it did not answer. */
  ask(address: string, qname: Name, qtype: RRTypeName): Promise<Message | undefined>;
  /** Let `ms` pass (lab time in a scenario, real time from the CLI) before asking again. */
  pause(ms: number): Promise<void>;
}

/**
 * How long the audit waits before asking again after a SERVFAIL or no answer: longer than BIND's
 * servfail-ttl (1 s by default, `named -C`), during which BIND repeats a SERVFAIL from its cache.
 * A resolver that caches failures longer (RFC 2308 §7.1 allows up to 5 minutes) still repeats it;
 * the finding then stands and its detail names the rcode.
 */
export const RETRY_PAUSE_MS = 2000;

export interface AuditOptions {
  providerSuffixes?: readonly ProviderSuffix[];
  /** Addresses or prefixes ('192.0.2.0/24') the operator released back to a provider. */
  released?: readonly string[];
  /** Also check the delegation the parent publishes for each zone apex (default true). */
  checkParent?: boolean;
}

/**
 * The domain someone would have to register to control `host`: the public suffix list's ICANN section via
 * tldts (private entries such as github.io are provider namespaces, not registries). A TLD the list does
 * not know (.test, .example) counts as one label, the list's default "*" rule.
 */
export function registrableDomain(host: Name): Name | undefined {
  const name = canonicalName(host).replace(/\.$/, '');
  if (labels(canonicalName(host)).length < 2) return undefined;
  return getDomain(name, { allowPrivateDomains: false, extractHostname: false, validateHostname: false }) ?? undefined;
}

export function providerFor(target: Name, suffixes: readonly ProviderSuffix[]): ProviderSuffix | undefined {
  return suffixes.find((p) => isSubdomain(target, p.suffix));
}

function released(address: string, list: readonly string[]): string | undefined {
  for (const entry of list) {
    const [net, len] = entry.split('/');
    if (!net || isIP(net) === 0) continue;
    const prefix = len === undefined ? (isIP(net) === 4 ? 32 : 128) : Number(len);
    if (inNetwork(address, net, prefix)) return entry;
  }
  return undefined;
}

/**
 * Why the resolver cannot serve the audit (one line), or undefined: every finding rests on its answers,
 * so one that does not answer — or will not resolve the root NS for us (REFUSED, SERVFAIL) — is a setup
 * fault, not a finding about the zones. `. NS` is what any working resolver answers (RFC 8109 §3).
 */
export async function resolverFault(dns: AuditDns): Promise<string | undefined> {
  const r = await dns.resolve('.', 'NS');
  if (r.rcode === 'TIMEOUT') return 'does not answer (no reply to ". NS")';
  if (r.ra === false) return `is not a resolver (". NS" answered ${r.rcode} with RA=0: an authoritative server)`;
  if (r.rcode !== 'NOERROR' || !r.answer.some((rr) => rr.type === 'NS'))
    return `does not resolve for us (". NS" answered ${r.rcode}${r.rcode === 'NOERROR' ? ' without NS records' : ''})`;
  return undefined;
}

/** Audit the zones; findings in zone order, then record order. */
export async function auditZones(zones: readonly Zone[], dns: AuditDns, options: AuditOptions = {}): Promise<AuditFinding[]> {
  const out: AuditFinding[] = [];
  for (const zone of zones) out.push(...(await auditZone(zone, dns, options)));
  return out;
}

export async function auditZone(zone: Zone, dns: AuditDns, options: AuditOptions = {}): Promise<AuditFinding[]> {
  const suffixes = options.providerSuffixes ?? BUILTIN_PROVIDER_SUFFIXES;
  const releasedList = options.released ?? [];
  const findings: AuditFinding[] = [];
  const delegations = new Map<string, { owner: Name; hosts: Set<string> }>();
  const addDelegation = (owner: Name, host: Name) => {
    const key = canonicalName(owner);
    const d = delegations.get(key) ?? { owner, hosts: new Set<string>() };
    d.hosts.add(canonicalName(host));
    delegations.set(key, d);
  };

  for (const rr of zone.records()) {
    if (rr.type === 'CNAME') {
      const target = normalizeName(rr.data as Name);
      const r = await dns.resolve(target, 'A');
      const provider = providerFor(target, suffixes);
      if (r.rcode === 'NXDOMAIN') {
        findings.push({
          kind: 'dangling-cname',
          severity: 'high',
          owner: rr.name,
          type: 'CNAME',
          target,
          detail: `target does not exist (NXDOMAIN)${provider ? ` at ${provider.provider}, where anyone can claim it` : ''}: whoever creates ${target} controls ${rr.name}`,
        });
      } else if (provider) {
        findings.push({
          kind: 'cname-to-claimable-provider',
          severity: 'medium',
          owner: rr.name,
          type: 'CNAME',
          target,
          detail: `points into ${provider.provider} (${provider.suffix}); remove this CNAME before the resource there is released (source: ${provider.source})`,
        });
      }
    } else if ((rr.type === 'A' || rr.type === 'AAAA') && releasedList.length) {
      const hit = released(rr.data as string, releasedList);
      if (hit)
        findings.push({
          kind: 'released-address',
          severity: 'high',
          owner: rr.name,
          type: rr.type,
          target: rr.data as string,
          detail: `address was released (${hit}); whoever gets it next receives this name's traffic`,
        });
    } else if (rr.type === 'NS') {
      addDelegation(rr.name, rr.data as Name);
    }
  }

  // The delegation as the parent publishes it: that is what resolvers — and attackers — follow.
  if (options.checkParent !== false && !nameEquals(zone.origin, '.')) {
    for (const host of await parentDelegation(zone.origin, dns)) addDelegation(zone.origin, host);
  }

  findings.push(...(await checkDelegations([...delegations.values()], dns)));
  return findings;
}

/** Audit only the delegation the parent publishes for each domain (no zone data needed, e.g. a zone already deleted). */
export async function auditDelegations(domains: readonly Name[], dns: AuditDns): Promise<AuditFinding[]> {
  const list: { owner: Name; hosts: Set<string> }[] = [];
  for (const d of domains) list.push({ owner: normalizeName(d), hosts: new Set((await parentDelegation(normalizeName(d), dns)).map(canonicalName)) });
  return checkDelegations(list, dns);
}

async function checkDelegations(delegations: readonly { owner: Name; hosts: Set<string> }[], dns: AuditDns): Promise<AuditFinding[]> {
  const findings: AuditFinding[] = [];
  const hostCache = new Map<string, ReturnType<typeof hostAddresses>>();
  for (const { owner, hosts } of delegations) {
    for (const host of hosts) {
      let pending = hostCache.get(host);
      if (!pending) {
        pending = hostAddresses(host, dns);
        hostCache.set(host, pending);
      }
      const addresses = await pending;
      if (!Array.isArray(addresses)) {
        if (addresses.kind === 'ns-domain-unregistered') {
          const reg = registrableDomain(host);
          findings.push({
            kind: 'ns-domain-unregistered',
            severity: 'high',
            owner,
            type: 'NS',
            target: host,
            detail: `${reg} does not exist: whoever registers it can answer for ${owner}`,
          });
        } else {
          findings.push({
            kind: 'ns-name-unresolvable',
            severity: 'medium',
            owner,
            type: 'NS',
            target: host,
            detail: `${host} has no address (${addresses.rcodes})`,
          });
        }
        continue;
      }
      const problems: string[] = [];
      for (const address of addresses) {
        const m = await dns.ask(address, owner, 'SOA');
        const problem = m ? servesZone(m, owner) : 'no answer';
        if (problem) problems.push(`${address}: ${problem}`);
      }
      if (problems.length) {
        findings.push({
          kind: 'lame-delegation',
          severity: problems.length === addresses.length ? 'high' : 'medium',
          owner,
          type: 'NS',
          target: host,
          detail: `does not serve ${owner} (${problems.join('; ')}); if that provider lets anyone create ${owner}, they take it over`,
        });
      }
    }
  }
  return findings;
}

/**
 * Why a reply to `OWNER SOA` shows the server does not serve `owner`, or undefined when it does. Only an
 * authoritative answer (AA=1, RFC 1035 §4.1.1) holding the SOA owned by the delegated name itself proves
 * the zone is loaded there: an NXDOMAIN or NODATA with AA=1 comes from a zone *above* it (the server
 * holds the parent, not the child — RFC 1034 §4.3.2 step 3c), which is exactly a lame delegation.
 */
export function servesZone(m: Message, owner: Name): string | undefined {
  if (m.rcode !== 'NOERROR') {
    const from = m.authority.find((r) => r.type === 'SOA');
    return m.rcode === 'NXDOMAIN' && from ? `NXDOMAIN from zone ${normalizeName(from.name)} (AA=${m.flags.aa ? 1 : 0})` : m.rcode;
  }
  if (!m.flags.aa) return 'not authoritative (AA=0)';
  if (m.answer.some((r) => r.type === 'SOA' && nameEquals(r.name, owner))) return undefined;
  const from = m.authority.find((r) => r.type === 'SOA');
  return `no SOA for ${owner} in the answer (NODATA${from ? ` from zone ${normalizeName(from.name)}` : ''})`;
}

/** The host's addresses, or why it has none: the finding kind and the rcodes of the last A and AAAA lookups. */
async function hostAddresses(host: Name, dns: AuditDns): Promise<string[] | { kind: 'ns-name-unresolvable' | 'ns-domain-unregistered'; rcodes: string }> {
  const addresses: string[] = [];
  let nx = false;
  // A SERVFAIL or no answer says nothing about the name, and it can be transient: BIND 9.18 answers
  // SERVFAIL once for the address of an in-zone nameserver it is refetching from the parent ("loop
  // detected", lib/dns/resolver.c findname) and answers the same question once its servfail-ttl has
  // passed. Such lookups are asked once more, RETRY_PAUSE_MS later, before the host counts as having no address.
  const failed = (rcode: string) => rcode === 'SERVFAIL' || rcode === 'TIMEOUT';
  const results = new Map<'A' | 'AAAA', { rcode: string; answer: readonly RR[] }>();
  for (const qtype of ['A', 'AAAA'] as const) results.set(qtype, await dns.resolve(host, qtype));
  if ([...results.values()].some((r) => failed(r.rcode))) {
    await dns.pause(RETRY_PAUSE_MS);
    for (const qtype of ['A', 'AAAA'] as const) if (failed(results.get(qtype)!.rcode)) results.set(qtype, await dns.resolve(host, qtype));
  }
  for (const [qtype, r] of results) {
    if (r.rcode === 'NXDOMAIN') nx = true;
    for (const rr of r.answer) if (rr.type === qtype) addresses.push(rr.data as string);
  }
  if (addresses.length) return addresses;
  const why = [...results].map(([qtype, r]) => `${qtype} ${r.rcode}`).join(', ');
  const reg = registrableDomain(host);
  if (nx && reg) {
    const r = await dns.resolve(reg, 'NS');
    if (r.rcode === 'NXDOMAIN') return { kind: 'ns-domain-unregistered', rcodes: why };
  }
  return { kind: 'ns-name-unresolvable', rcodes: why };
}

/** NS hosts the parent zone's servers give out for `domain` (a referral, RD=0). */
export async function parentDelegation(domain: Name, dns: AuditDns): Promise<Name[]> {
  const parent = parentName(domain);
  const ns = await dns.resolve(parent, 'NS');
  const hosts: Name[] = [];
  for (const rr of ns.answer) {
    if (rr.type !== 'NS') continue;
    const a = await dns.resolve(rr.data as Name, 'A');
    for (const addr of a.answer) {
      if (addr.type !== 'A') continue;
      const m = await dns.ask(addr.data as string, domain, 'NS');
      if (!m) continue;
      for (const r of [...m.authority, ...m.answer]) if (r.type === 'NS' && nameEquals(r.name, domain)) hosts.push(normalizeName(r.data as Name));
      if (hosts.length) return [...new Set(hosts)];
    }
  }
  return [];
}

/** One line per finding, for terminals and scenario reports. */
export function formatFinding(f: AuditFinding): string {
  return `${f.severity.toUpperCase().padEnd(6)} ${f.kind.padEnd(28)} ${f.owner} ${f.type} ${f.target}: ${f.detail}`;
}
