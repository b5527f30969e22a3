// A registry for one TLD and the registrars that sell its names (docs/incidents.md:
// "Registrar / registry hijack", "DNSSEC during an operator transfer", "Drop-catch
// of a nameserver's domain"): the registry holds each domain's NS and DS and
// publishes them into the TLD zone that the TLD's authoritative servers serve.
// Operations follow EPP's domain commands (RFC 5731: create, update, transfer,
// renew, delete; status values in §2.3) closely enough that a scenario reads
// like an operator's runbook, without being a protocol implementation.
//
// Refused operations are results, not exceptions: a scenario asserts on "the
// registry refused the NS change because the domain is locked" exactly as it
// asserts on a DNS answer. Every operation — accepted or refused — is logged
// with lab time.

import { canonicalName, isSubdomain, nameEquals, nameProblem, normalizeName, parentName } from '../../dns/name.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import type { DsData, Name, RR, SoaData } from '../../dns/types.ts';

/** RFC 5731 §2.3 status values the lab models. `server*` are set by the registry only; the three together are "registry lock". */
export type StatusCode =
  | 'clientTransferProhibited'
  | 'clientUpdateProhibited'
  | 'clientDeleteProhibited'
  | 'serverUpdateProhibited'
  | 'serverTransferProhibited'
  | 'serverDeleteProhibited';

export const CLIENT_STATUSES: readonly StatusCode[] = ['clientTransferProhibited', 'clientUpdateProhibited', 'clientDeleteProhibited'];
/** Registry lock (JP since 2015): the registry itself refuses change, transfer and delete. */
export const REGISTRY_LOCK: readonly StatusCode[] = ['serverUpdateProhibited', 'serverTransferProhibited', 'serverDeleteProhibited'];
/** Registrar lock: the sponsoring registrar refuses change and transfer until the registrant asks to unlock. */
export const REGISTRAR_LOCK: readonly StatusCode[] = ['clientUpdateProhibited', 'clientTransferProhibited'];

export type Operation = 'create' | 'update-ns' | 'update-ds' | 'transfer' | 'set-status' | 'lock' | 'unlock' | 'renew' | 'expire' | 'delete';

/** Why an operation was refused; stable codes a scenario may assert on. */
export type RefusalReason =
  | 'UNKNOWN_REGISTRAR'
  | 'NOT_IN_TLD'
  | 'BAD_NAME'
  | 'OBJECT_EXISTS'
  | 'OBJECT_NOT_FOUND'
  | 'NOT_SPONSORING_REGISTRAR'
  | 'NOT_REGISTRANT'
  | 'WRONG_AUTH_CODE'
  | 'STATUS_PROHIBITS'
  | 'NOT_AUTHORIZED'
  | 'NOT_EXPIRED'
  | 'ALREADY_SPONSOR'
  | 'MISSING_GLUE';

/** In-bailiwick nameservers (under the domain itself or elsewhere in this TLD) need addresses: glue. */
export interface HostGlue {
  name: Name;
  addresses: string[];
}

export interface DomainState {
  readonly name: Name;
  registrar: string;
  registrant: string;
  authCode: string;
  status: Set<StatusCode>;
  ns: Name[];
  glue: HostGlue[];
  ds: DsData[];
  /** Lab time (ms since epoch). */
  createdAt: number;
  expiresAt: number;
  updatedAt: number;
}

/** A read-only copy handed out to callers (so the registry's state cannot be edited behind its back). */
export type DomainInfo = Readonly<Omit<DomainState, 'status'>> & { status: StatusCode[] };

export interface LogEntry {
  /** Lab time, ms since epoch. */
  time: number;
  op: Operation;
  /** Registrar name, 'registry', or a registrant acting through a registrar ("registrar/registrant"). */
  actor: string;
  domain: Name;
  ok: boolean;
  reason?: RefusalReason;
  /** One line saying what happened, for timelines. */
  message: string;
}

export type OpResult =
  | { ok: true; op: Operation; domain: Name; message: string; info: DomainInfo | undefined }
  | { ok: false; op: Operation; domain: Name; reason: RefusalReason; message: string };

export interface RegistryOptions {
  /** The TLD, e.g. "jp". */
  tld: Name;
  /** The TLD zone this registry publishes into (served by the TLD's authoritatives). */
  zone: Zone;
  /** Lab time source; a `Clock` from net fits. */
  clock: { now(): number };
  registrars?: readonly string[];
  /** TTLs the TLD publishes delegation data with. JP and com use 86400 for NS and DS. */
  nsTtl?: number;
  dsTtl?: number;
  glueTtl?: number;
  /** Default registration period in years. */
  defaultYears?: number;
}

export interface CreateRequest {
  name: Name;
  registrant: string;
  authCode: string;
  ns?: Name[];
  glue?: HostGlue[];
  ds?: DsData[];
  years?: number;
}

const YEAR_MS = 365 * 86400_000;

function ok(op: Operation, domain: Name, message: string, info: DomainInfo | undefined): OpResult {
  return { ok: true, op, domain, message, info };
}
function refused(op: Operation, domain: Name, reason: RefusalReason, message: string): OpResult {
  return { ok: false, op, domain, reason, message };
}

export class Registry {
  readonly tld: Name;
  readonly zone: Zone;
  readonly nsTtl: number;
  readonly dsTtl: number;
  readonly glueTtl: number;
  private readonly clock: { now(): number };
  private readonly registrars = new Set<string>();
  private readonly domains = new Map<string, DomainState>();
  private readonly defaultYears: number;
  private readonly logEntries: LogEntry[] = [];
  private readonly listeners: ((e: LogEntry) => void)[] = [];

  constructor(options: RegistryOptions) {
    this.tld = normalizeName(options.tld);
    this.zone = options.zone;
    if (!nameEquals(this.zone.origin, this.tld)) {
      throw new Error(`registry for "${this.tld}" was given zone "${this.zone.origin}"; pass the TLD's own zone`);
    }
    this.clock = options.clock;
    this.nsTtl = options.nsTtl ?? 86400;
    this.dsTtl = options.dsTtl ?? 86400;
    this.glueTtl = options.glueTtl ?? this.nsTtl;
    this.defaultYears = options.defaultYears ?? 1;
    for (const r of options.registrars ?? []) this.registrars.add(r);
  }

  addRegistrar(name: string): void {
    this.registrars.add(name);
  }

  hasRegistrar(name: string): boolean {
    return this.registrars.has(name);
  }

  /** Called for each log entry as it is written (the runner puts them on the timeline). */
  onLog(listener: (e: LogEntry) => void): void {
    this.listeners.push(listener);
  }

  get log(): readonly LogEntry[] {
    return this.logEntries;
  }

  info(name: Name): DomainInfo | undefined {
    const d = this.domains.get(canonicalName(name));
    return d ? snapshot(d) : undefined;
  }

  domainNames(): Name[] {
    return [...this.domains.values()].map((d) => d.name);
  }

  // -------------------------------------------------------------------------
  // EPP-like commands. `registrar` is the client of the registry (RFC 5730 §2).

  create(registrar: string, request: CreateRequest): OpResult {
    const name = normalizeName(request.name);
    const pre = this.checkRegistrar('create', registrar, name);
    if (pre) return this.record(pre, registrar);
    if (!nameEquals(parentName(name), this.tld)) {
      return this.record(refused('create', name, 'NOT_IN_TLD', `${name} is not directly under .${this.tld}`), registrar);
    }
    const problem = nameProblem(name);
    if (problem) return this.record(refused('create', name, 'BAD_NAME', problem), registrar);
    if (this.domains.has(canonicalName(name))) {
      return this.record(refused('create', name, 'OBJECT_EXISTS', `${name} is already registered`), registrar);
    }
    const glueProblem = this.glueProblem(name, request.ns ?? [], request.glue ?? []);
    if (glueProblem) return this.record(refused('create', name, 'MISSING_GLUE', glueProblem), registrar);
    const now = this.clock.now();
    const d: DomainState = {
      name,
      registrar,
      registrant: request.registrant,
      authCode: request.authCode,
      status: new Set(),
      ns: (request.ns ?? []).map(normalizeName),
      glue: (request.glue ?? []).map((g) => ({ name: normalizeName(g.name), addresses: [...g.addresses] })),
      ds: (request.ds ?? []).map(copyDs),
      createdAt: now,
      expiresAt: now + (request.years ?? this.defaultYears) * YEAR_MS,
      updatedAt: now,
    };
    this.domains.set(canonicalName(name), d);
    this.publish(d);
    return this.record(ok('create', name, `${name} registered by ${request.registrant} via ${registrar}, NS ${listOrNone(d.ns)}`, snapshot(d)), registrar);
  }

  /** Replace the NS set (and glue for in-bailiwick hosts). */
  updateNs(registrar: string, name: Name, ns: Name[], glue: HostGlue[] = []): OpResult {
    const found = this.sponsored('update-ns', registrar, name);
    if (!('state' in found)) return this.record(found, registrar);
    const d = found.state;
    const blocked = this.updateBlocked('update-ns', d);
    if (blocked) return this.record(blocked, registrar);
    const glueProblem = this.glueProblem(d.name, ns, glue);
    if (glueProblem) return this.record(refused('update-ns', d.name, 'MISSING_GLUE', glueProblem), registrar);
    const before = d.ns;
    this.withdraw(d);
    d.ns = ns.map(normalizeName);
    d.glue = glue.map((g) => ({ name: normalizeName(g.name), addresses: [...g.addresses] }));
    d.updatedAt = this.clock.now();
    this.publish(d);
    return this.record(ok('update-ns', d.name, `NS of ${d.name}: ${listOrNone(before)} → ${listOrNone(d.ns)}`, snapshot(d)), registrar);
  }

  /** Replace the DS set (RFC 5910 carries DS over EPP; an empty list removes DNSSEC delegation). */
  updateDs(registrar: string, name: Name, ds: DsData[]): OpResult {
    const found = this.sponsored('update-ds', registrar, name);
    if (!('state' in found)) return this.record(found, registrar);
    const d = found.state;
    const blocked = this.updateBlocked('update-ds', d);
    if (blocked) return this.record(blocked, registrar);
    const before = d.ds.length;
    this.withdraw(d);
    d.ds = ds.map(copyDs);
    d.updatedAt = this.clock.now();
    this.publish(d);
    const tags = d.ds.map((x) => x.keyTag).join(', ');
    return this.record(
      ok('update-ds', d.name, `DS of ${d.name}: ${before} record(s) → ${d.ds.length}${tags ? ` (key tag ${tags})` : ''}`, snapshot(d)),
      registrar,
    );
  }

  /**
   * Transfer to `gainingRegistrar`, authorised by the auth code (RFC 5731
   * §3.2.4 authInfo). Completed at once: the lab does not model the 5-day
   * pending window, which is a policy choice the scenarios don't depend on.
   */
  transfer(gainingRegistrar: string, name: Name, authCode: string): OpResult {
    const pre = this.checkRegistrar('transfer', gainingRegistrar, name);
    if (pre) return this.record(pre, gainingRegistrar);
    const d = this.domains.get(canonicalName(name));
    if (!d) return this.record(refused('transfer', normalizeName(name), 'OBJECT_NOT_FOUND', `${normalizeName(name)} is not registered`), gainingRegistrar);
    if (d.registrar === gainingRegistrar) {
      return this.record(refused('transfer', d.name, 'ALREADY_SPONSOR', `${gainingRegistrar} already sponsors ${d.name}`), gainingRegistrar);
    }
    for (const s of ['serverTransferProhibited', 'clientTransferProhibited'] as const) {
      if (d.status.has(s)) return this.record(refused('transfer', d.name, 'STATUS_PROHIBITS', `${d.name} has status ${s}`), gainingRegistrar);
    }
    if (authCode !== d.authCode) {
      return this.record(refused('transfer', d.name, 'WRONG_AUTH_CODE', `auth code does not match the one held for ${d.name}`), gainingRegistrar);
    }
    const losing = d.registrar;
    d.registrar = gainingRegistrar;
    d.updatedAt = this.clock.now();
    return this.record(ok('transfer', d.name, `${d.name} transferred ${losing} → ${gainingRegistrar}`, snapshot(d)), gainingRegistrar);
  }

  /**
   * Add/remove status codes. The sponsoring registrar may set `client*`
   * values only; the registry (`actor === 'registry'`) sets `server*` ones
   * (RFC 5731 §2.3: server statuses "can only be set by the server").
   */
  setStatus(actor: string, name: Name, change: { add?: StatusCode[]; remove?: StatusCode[] }): OpResult {
    const isRegistry = actor === 'registry';
    const d = this.domains.get(canonicalName(name));
    const domain = d?.name ?? normalizeName(name);
    if (!isRegistry) {
      const found = this.sponsored('set-status', actor, name);
      if (!('state' in found)) return this.record(found, actor);
    }
    if (!d) return this.record(refused('set-status', domain, 'OBJECT_NOT_FOUND', `${domain} is not registered`), actor);
    const touched = [...(change.add ?? []), ...(change.remove ?? [])];
    const forbidden = touched.find((s) => (isRegistry ? !s.startsWith('server') : !s.startsWith('client')));
    if (forbidden) {
      return this.record(
        refused(
          'set-status',
          d.name,
          'NOT_AUTHORIZED',
          `${actor} may not change ${forbidden}: ${isRegistry ? 'client*' : 'server*'} statuses belong to the ${isRegistry ? 'registrar' : 'registry'}`,
        ),
        actor,
      );
    }
    // serverUpdateProhibited freezes the registrar's status changes too (RFC 5731 §2.3).
    if (!isRegistry && d.status.has('serverUpdateProhibited')) {
      return this.record(refused('set-status', d.name, 'STATUS_PROHIBITS', `${d.name} has status serverUpdateProhibited`), actor);
    }
    for (const s of change.add ?? []) d.status.add(s);
    for (const s of change.remove ?? []) d.status.delete(s);
    d.updatedAt = this.clock.now();
    const parts = [...(change.add ?? []).map((s) => `+${s}`), ...(change.remove ?? []).map((s) => `-${s}`)];
    return this.record(ok('set-status', d.name, `status of ${d.name}: ${parts.join(' ')}`, snapshot(d)), actor);
  }

  /** Registry lock: serverUpdate/Transfer/DeleteProhibited, set by the registry after out-of-band verification. */
  lock(name: Name): OpResult {
    return this.relabel(this.setStatus('registry', name, { add: [...REGISTRY_LOCK] }), 'lock', 'registry lock on');
  }

  unlock(name: Name): OpResult {
    return this.relabel(this.setStatus('registry', name, { remove: [...REGISTRY_LOCK] }), 'unlock', 'registry lock off');
  }

  renew(registrar: string, name: Name, years = 1): OpResult {
    const found = this.sponsored('renew', registrar, name);
    if (!('state' in found)) return this.record(found, registrar);
    const d = found.state;
    d.expiresAt += years * YEAR_MS;
    d.updatedAt = this.clock.now();
    return this.record(ok('renew', d.name, `${d.name} renewed for ${years} year(s), expires ${new Date(d.expiresAt).toISOString()}`, snapshot(d)), registrar);
  }

  /**
   * The registry acts on an expired registration: the delegation leaves the
   * TLD zone and the name becomes available (the lab folds the redemption and
   * pending-delete periods into one step; drop-catching is then just `create`).
   * `force` expires it regardless of date — a scenario's "the registrant did not renew".
   */
  expire(name: Name, options: { force?: boolean } = {}): OpResult {
    const d = this.domains.get(canonicalName(name));
    if (!d) return this.record(refused('expire', normalizeName(name), 'OBJECT_NOT_FOUND', `${normalizeName(name)} is not registered`), 'registry');
    if (!options.force && this.clock.now() < d.expiresAt) {
      return this.record(refused('expire', d.name, 'NOT_EXPIRED', `${d.name} is paid until ${new Date(d.expiresAt).toISOString()}`), 'registry');
    }
    this.withdraw(d);
    this.domains.delete(canonicalName(d.name));
    return this.record(ok('expire', d.name, `${d.name} expired and was released; delegation removed from ${this.tld}`, undefined), 'registry');
  }

  /** Expire every registration whose time is up (the runner calls this as lab time passes). */
  processExpirations(): OpResult[] {
    const now = this.clock.now();
    return [...this.domains.values()].filter((d) => d.expiresAt <= now).map((d) => this.expire(d.name));
  }

  delete(registrar: string, name: Name): OpResult {
    const found = this.sponsored('delete', registrar, name);
    if (!('state' in found)) return this.record(found, registrar);
    const d = found.state;
    for (const s of ['serverDeleteProhibited', 'clientDeleteProhibited'] as const) {
      if (d.status.has(s)) return this.record(refused('delete', d.name, 'STATUS_PROHIBITS', `${d.name} has status ${s}`), registrar);
    }
    this.withdraw(d);
    this.domains.delete(canonicalName(d.name));
    return this.record(ok('delete', d.name, `${d.name} deleted by ${registrar}; delegation removed from ${this.tld}`, undefined), registrar);
  }

  // -------------------------------------------------------------------------

  private checkRegistrar(op: Operation, registrar: string, name: Name): OpResult | undefined {
    if (!this.registrars.has(registrar)) {
      return refused(
        op,
        normalizeName(name),
        'UNKNOWN_REGISTRAR',
        `"${registrar}" is not accredited at the .${this.tld} registry (known: ${[...this.registrars].join(', ') || 'none'})`,
      );
    }
    return undefined;
  }

  private sponsored(op: Operation, registrar: string, name: Name): OpResult | { state: DomainState } {
    const pre = this.checkRegistrar(op, registrar, name);
    if (pre) return pre;
    const d = this.domains.get(canonicalName(name));
    if (!d) return refused(op, normalizeName(name), 'OBJECT_NOT_FOUND', `${normalizeName(name)} is not registered`);
    if (d.registrar !== registrar) {
      return refused(op, d.name, 'NOT_SPONSORING_REGISTRAR', `${d.name} is sponsored by ${d.registrar}, not ${registrar}`);
    }
    return { state: d };
  }

  private updateBlocked(op: Operation, d: DomainState): OpResult | undefined {
    for (const s of ['serverUpdateProhibited', 'clientUpdateProhibited'] as const) {
      if (d.status.has(s)) return refused(op, d.name, 'STATUS_PROHIBITS', `${d.name} has status ${s}`);
    }
    return undefined;
  }

  /** A nameserver inside this TLD's zone needs glue, or resolvers cannot reach it (RFC 1034 §4.2.1). */
  private glueProblem(domain: Name, ns: readonly Name[], glue: readonly HostGlue[]): string | undefined {
    for (const host of ns) {
      if (isSubdomain(host, domain) && !glue.some((g) => nameEquals(g.name, host) && g.addresses.length > 0)) {
        return `nameserver ${normalizeName(host)} is inside ${domain} and needs glue addresses`;
      }
    }
    return undefined;
  }

  private publish(d: DomainState): void {
    const add = (rr: RR) => this.zone.add(rr);
    for (const host of d.ns) add({ name: d.name, type: 'NS', class: 'IN', ttl: this.nsTtl, data: host });
    for (const ds of d.ds) add({ name: d.name, type: 'DS', class: 'IN', ttl: this.dsTtl, data: copyDs(ds) });
    if (d.ns.length > 0) {
      for (const g of d.glue) {
        for (const address of g.addresses) {
          if (address.includes(':')) add({ name: g.name, type: 'AAAA', class: 'IN', ttl: this.glueTtl, data: address });
          else add({ name: g.name, type: 'A', class: 'IN', ttl: this.glueTtl, data: address });
        }
      }
    }
    this.bumpSerial();
  }

  private withdraw(d: DomainState): void {
    this.zone.remove(d.name, 'NS');
    this.zone.remove(d.name, 'DS');
    for (const g of d.glue) {
      this.zone.remove(g.name, 'A');
      this.zone.remove(g.name, 'AAAA');
    }
    this.bumpSerial();
  }

  /** Secondaries and caches notice changes by serial (RFC 1982 arithmetic; a plain +1 is enough here). */
  private bumpSerial(): void {
    const soa = this.zone.soaRRset();
    const rr = soa?.records[0];
    if (!rr || rr.type !== 'SOA') return;
    const data = rr.data as SoaData;
    this.zone.replace(this.zone.origin, 'SOA', [{ ...rr, data: { ...data, serial: (data.serial + 1) >>> 0 } }]);
  }

  private relabel(result: OpResult, op: Operation, what: string): OpResult {
    // The entry setStatus logged is rewritten in place so the log shows "lock", not a bare status change.
    const last = this.logEntries[this.logEntries.length - 1];
    const message = result.ok ? `${what} for ${result.domain}` : result.message;
    if (last) {
      last.op = op;
      last.message = message;
    }
    return { ...result, op, message };
  }

  /** Log a result decided outside the registry (a registrar refusing its own customer) on the same timeline. */
  logResult(result: OpResult, actor: string): OpResult {
    return this.record(result, actor);
  }

  private record(result: OpResult, actor: string): OpResult {
    const entry: LogEntry = {
      time: this.clock.now(),
      op: result.op,
      actor,
      domain: result.domain,
      ok: result.ok,
      message: result.message,
      ...(result.ok ? {} : { reason: result.reason }),
    };
    this.logEntries.push(entry);
    for (const l of this.listeners) l(entry);
    return result;
  }
}

/**
 * A registrar as the registrant meets it: it authenticates the registrant
 * (here: by name) before passing the command to the registry, and owns the
 * client* locks. An attacker who impersonates the registrant (docs/incidents.md:
 * "Registrar / registry hijack", attack point 1) simply calls these with the registrant's name.
 */
export class Registrar {
  constructor(
    readonly name: string,
    private readonly registry: Registry,
  ) {
    registry.addRegistrar(name);
  }

  private owns(op: Operation, registrant: string, domain: Name): OpResult | undefined {
    const info = this.registry.info(domain);
    if (info && info.registrar === this.name && info.registrant !== registrant) {
      return this.registry.logResult(
        refused(op, info.name, 'NOT_REGISTRANT', `${registrant} is not the registrant of ${info.name} at ${this.name}`),
        `${this.name}/${registrant}`,
      );
    }
    return undefined;
  }

  register(request: CreateRequest): OpResult {
    return this.registry.create(this.name, request);
  }

  changeNs(registrant: string, domain: Name, ns: Name[], glue: HostGlue[] = []): OpResult {
    return this.owns('update-ns', registrant, domain) ?? this.registry.updateNs(this.name, domain, ns, glue);
  }

  changeDs(registrant: string, domain: Name, ds: DsData[]): OpResult {
    return this.owns('update-ds', registrant, domain) ?? this.registry.updateDs(this.name, domain, ds);
  }

  lock(registrant: string, domain: Name): OpResult {
    return this.owns('set-status', registrant, domain) ?? this.registry.setStatus(this.name, domain, { add: [...REGISTRAR_LOCK] });
  }

  unlock(registrant: string, domain: Name): OpResult {
    return this.owns('set-status', registrant, domain) ?? this.registry.setStatus(this.name, domain, { remove: [...REGISTRAR_LOCK] });
  }

  /** The gaining registrar requests the transfer with the auth code the registrant gave it. */
  transferIn(domain: Name, authCode: string): OpResult {
    return this.registry.transfer(this.name, domain, authCode);
  }

  renew(domain: Name, years = 1): OpResult {
    return this.registry.renew(this.name, domain, years);
  }

  delete(registrant: string, domain: Name): OpResult {
    return this.owns('delete', registrant, domain) ?? this.registry.delete(this.name, domain);
  }
}

function copyDs(ds: DsData): DsData {
  return { keyTag: ds.keyTag, algorithm: ds.algorithm, digestType: ds.digestType, digest: Buffer.from(ds.digest) };
}

function snapshot(d: DomainState): DomainInfo {
  return {
    name: d.name,
    registrar: d.registrar,
    registrant: d.registrant,
    authCode: d.authCode,
    status: [...d.status].sort(),
    ns: [...d.ns],
    glue: d.glue.map((g) => ({ name: g.name, addresses: [...g.addresses] })),
    ds: d.ds.map(copyDs),
    createdAt: d.createdAt,
    expiresAt: d.expiresAt,
    updatedAt: d.updatedAt,
  };
}

function listOrNone(names: readonly Name[]): string {
  return names.length === 0 ? '(none)' : names.join(' ');
}
