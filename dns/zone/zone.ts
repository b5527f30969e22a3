// An in-memory zone: the authoritative data for one origin, indexed for the
// lookups RFC 1034 §4.3.2 needs (exact name, closest encloser, delegation
// points, wildcards, canonical order for NSEC chains). Scenarios edit zones
// while the lab runs, so every mutation is a method here.

import { canonicalCompare, canonicalName, isSubdomain, labels, fromLabels, nameEquals, normalizeName } from '../name.ts';
import { cloneRecord, rdataKey } from '../rdata-key.ts';
import type { RRset } from '../rrset.ts';
import { DnslabError, type Name, type RR, type RrsigData, type RRTypeName, type SoaData } from '../types.ts';

export class ZoneError extends DnslabError {
  constructor(message: string) {
    super('BAD_ZONE', message);
    this.name = 'ZoneError';
  }
}

interface Node {
  /** Owner as first added (case preserved). */
  name: Name;
  rrsets: Map<RRTypeName, RRset>;
}

export class Zone {
  readonly origin: Name;
  private readonly nodes = new Map<string, Node>();
  private sortedCache: Name[] | undefined;
  /** Bumped on every change so servers and signers can tell data moved. */
  version = 0;

  constructor(origin: Name, records: Iterable<RR> = []) {
    this.origin = normalizeName(origin);
    for (const rr of records) this.add(rr);
  }

  /**
   * Add one record; a duplicate RDATA is ignored. The RRset TTL becomes the
   * latest record's TTL (for RRSIGs: of the signatures over the same type;
   * the RRSIG set's `ttl` is the minimum over all of them).
   */
  add(rr: RR): void {
    if (!isSubdomain(rr.name, this.origin)) {
      throw new ZoneError(`${normalizeName(rr.name)} is outside zone ${this.origin}`);
    }
    const key = canonicalName(rr.name);
    let node = this.nodes.get(key);
    if (!node) {
      node = { name: normalizeName(rr.name), rrsets: new Map() };
      this.nodes.set(key, node);
      this.sortedCache = undefined;
    }
    const set = node.rrsets.get(rr.type);
    if (!set) {
      node.rrsets.set(rr.type, { name: node.name, type: rr.type, class: rr.class, ttl: rr.ttl, records: [{ ...rr, name: node.name }] });
    } else {
      const k = rdataKey(rr);
      const existing = set.records.findIndex((r) => rdataKey(r) === k);
      if (rr.type === 'RRSIG') {
        // RRSIGs at one owner cover different RRsets, each with its own TTL
        // (RFC 4035 §2.2): only the signatures over the same type share one,
        // which the latest record sets (as for any other RRset).
        if (existing < 0) set.records.push({ ...rr, name: node.name });
        const covered = (rr.data as RrsigData).typeCovered;
        for (const r of set.records) if ((r.data as RrsigData).typeCovered === covered) r.ttl = rr.ttl;
        set.ttl = Math.min(...set.records.map((r) => r.ttl));
      } else {
        if (existing < 0) set.records.push({ ...rr, name: node.name });
        set.ttl = rr.ttl;
        for (const r of set.records) r.ttl = rr.ttl;
      }
    }
    this.version++;
  }

  /** Remove matching records: the whole RRset when `rdataOf` is omitted; the whole node when `type` is omitted too. */
  remove(name: Name, type?: RRTypeName, rdataOf?: RR): number {
    const key = canonicalName(name);
    const node = this.nodes.get(key);
    if (!node) return 0;
    let removed = 0;
    if (type === undefined) {
      for (const s of node.rrsets.values()) removed += s.records.length;
      node.rrsets.clear();
    } else if (rdataOf === undefined) {
      removed = node.rrsets.get(type)?.records.length ?? 0;
      node.rrsets.delete(type);
    } else {
      const set = node.rrsets.get(type);
      if (set) {
        const k = rdataKey(rdataOf);
        const before = set.records.length;
        set.records = set.records.filter((r) => rdataKey(r) !== k);
        removed = before - set.records.length;
        if (set.records.length === 0) node.rrsets.delete(type);
      }
    }
    if (node.rrsets.size === 0) {
      this.nodes.delete(key);
      this.sortedCache = undefined;
    }
    if (removed > 0) this.version++;
    return removed;
  }

  /** Replace an RRset wholesale (empty `records` deletes it). */
  replace(name: Name, type: RRTypeName, records: readonly RR[]): void {
    this.remove(name, type);
    for (const r of records) this.add(r);
  }

  get(name: Name, type: RRTypeName): RRset | undefined {
    return this.nodes.get(canonicalName(name))?.rrsets.get(type);
  }

  /** All RRsets at a name (empty for an empty non-terminal or a non-existent name). */
  rrsetsAt(name: Name): RRset[] {
    return [...(this.nodes.get(canonicalName(name))?.rrsets.values() ?? [])];
  }

  /** A name "exists" if it owns data or is an empty non-terminal (RFC 4592 §2.2.2). */
  nameExists(name: Name): boolean {
    if (this.nodes.has(canonicalName(name))) return true;
    return this.hasDescendants(name);
  }

  /** Owns at least one RRset. */
  hasData(name: Name): boolean {
    return this.nodes.has(canonicalName(name));
  }

  /** Some owner lies strictly below `name` (so `name` is at least an empty non-terminal). */
  hasDescendants(name: Name): boolean {
    const sorted = this.sortedNames();
    // In canonical order all descendants of `name` follow it contiguously.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (canonicalCompare(sorted[mid]!, name) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const next = sorted[lo];
    return next !== undefined && isSubdomain(next, name) && !nameEquals(next, name);
  }

  get soa(): SoaData | undefined {
    return this.get(this.origin, 'SOA')?.records[0]?.data as SoaData | undefined;
  }

  /** The SOA RRset at the apex, for negative answers. */
  soaRRset(): RRset | undefined {
    return this.get(this.origin, 'SOA');
  }

  /**
   * The highest delegation point (NS RRset not at the apex) at or above `name`
   * within this zone — where authority ends (RFC 1034 §4.3.2 step 3b).
   */
  findDelegation(name: Name): RRset | undefined {
    const qLabels = labels(name);
    const originCount = labels(this.origin).length;
    for (let count = originCount + 1; count <= qLabels.length; count++) {
      const candidate = fromLabels(qLabels.slice(qLabels.length - count));
      const ns = this.get(candidate, 'NS');
      if (ns) return ns;
    }
    return undefined;
  }

  /** Owners whose data is glue or occluded: at or below a delegation point (excluding the cut's own NS/DS). */
  isBelowCut(name: Name): boolean {
    const cut = this.findDelegation(name);
    return cut !== undefined && !nameEquals(cut.name, name);
  }

  /**
   * Closest encloser (RFC 4592 §3.3.1 / RFC 5155 §7.2.1): the longest existing
   * ancestor of `name` (possibly `name` itself).
   */
  closestEncloser(name: Name): Name {
    const qLabels = labels(name);
    const originCount = labels(this.origin).length;
    for (let count = qLabels.length; count > originCount; count--) {
      const candidate = fromLabels(qLabels.slice(qLabels.length - count));
      if (this.nameExists(candidate)) return candidate;
    }
    return this.origin;
  }

  /** All owner names in canonical order (RFC 4034 §6.1). Empty non-terminals are not included. */
  sortedNames(): Name[] {
    if (!this.sortedCache) this.sortedCache = [...this.nodes.values()].map((n) => n.name).sort(canonicalCompare);
    return this.sortedCache;
  }

  /** Every record, in canonical owner order then type order of insertion. */
  *records(): IterableIterator<RR> {
    for (const name of this.sortedNames()) {
      for (const set of this.nodes.get(canonicalName(name))!.rrsets.values()) yield* set.records;
    }
  }

  *rrsets(): IterableIterator<RRset> {
    for (const name of this.sortedNames()) yield* this.nodes.get(canonicalName(name))!.rrsets.values();
  }

  get size(): number {
    let n = 0;
    for (const node of this.nodes.values()) for (const s of node.rrsets.values()) n += s.records.length;
    return n;
  }

  clone(): Zone {
    const z = new Zone(this.origin);
    for (const rr of this.records()) z.add(cloneRecord(rr));
    return z;
  }
}
