// The zones one authoritative server holds, and which of them answers a
// query. A server may hold a parent and its child (e.g. "example" and
// "sub.example"): the deepest zone answers, except that a DS query for a
// child apex belongs to the parent side of the cut (RFC 4035 §3.1.4.1).

import { canonicalName, isSubdomain, labelCount, nameEquals, normalizeName } from '../../dns/name.ts';
import type { Message, Name, RRTypeName } from '../../dns/types.ts';
import type { Zone } from '../../dns/zone/zone.ts';

/**
 * Online signing hook: when set on a zone entry and the query has
 * DO=1, the server builds the UNSIGNED answer (no RRSIG/NSEC/NSEC3 taken from
 * the zone) and hands it to `signAnswer`, which returns the signed response
 * (RRSIGs, denial proofs, or a deliberately broken variant for a quirk).
 */
export interface OnlineSigningHook {
  signAnswer(response: Message, query: Message, zone: Zone): Message;
}

export interface ZoneEntry {
  zone: Zone;
  onlineSigner?: OnlineSigningHook;
}

export class ZoneSet {
  private readonly entries = new Map<string, ZoneEntry>();
  /** Bumped when zones are added or removed (zone edits bump `Zone.version`). */
  private structureVersion = 0;

  constructor(zones: Iterable<Zone> = []) {
    for (const z of zones) this.add(z);
  }

  /** Add (or replace) the zone for its origin. */
  add(zone: Zone, options: { onlineSigner?: OnlineSigningHook } = {}): ZoneEntry {
    const entry: ZoneEntry = { zone };
    if (options.onlineSigner) entry.onlineSigner = options.onlineSigner;
    this.entries.set(canonicalName(zone.origin), entry);
    this.structureVersion++;
    return entry;
  }

  remove(origin: Name): boolean {
    const removed = this.entries.delete(canonicalName(origin));
    if (removed) this.structureVersion++;
    return removed;
  }

  get(origin: Name): Zone | undefined {
    return this.entries.get(canonicalName(origin))?.zone;
  }

  entry(origin: Name): ZoneEntry | undefined {
    return this.entries.get(canonicalName(origin));
  }

  /** Attach or clear the online signer of a zone already in the set. */
  setOnlineSigner(origin: Name, signer: OnlineSigningHook | undefined): void {
    const e = this.entries.get(canonicalName(origin));
    if (!e) throw new Error(`no zone ${normalizeName(origin)} on this server; add it before attaching a signer`);
    if (signer) e.onlineSigner = signer;
    else delete e.onlineSigner;
    this.structureVersion++;
  }

  /** True when some zone is signed on the fly (its answers depend on the clock, so they are not cached). */
  get hasOnlineSigner(): boolean {
    for (const e of this.entries.values()) if (e.onlineSigner) return true;
    return false;
  }

  zones(): Zone[] {
    return [...this.entries.values()].map((e) => e.zone);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Changes whenever any zone's data or the set itself changes (cache key).
   * A tuple, not a sum: removing a zone and adding a re-signed copy must never
   * produce a key seen before (a sum could, and stale answers were served).
   */
  get version(): string {
    let v = String(this.structureVersion);
    for (const e of this.entries.values()) v += `.${e.zone.version}`;
    return v;
  }

  /** The zone with the longest origin that is `name` or an ancestor of it. */
  findZone(name: Name): ZoneEntry | undefined {
    let best: ZoneEntry | undefined;
    let bestLabels = -1;
    for (const e of this.entries.values()) {
      if (!isSubdomain(name, e.zone.origin)) continue;
      const n = labelCount(e.zone.origin);
      if (n > bestLabels) {
        best = e;
        bestLabels = n;
      }
    }
    return best;
  }

  /**
   * The zone that answers (qname, qtype): the deepest one, but for DS at a
   * child apex the parent zone when this server also holds it
   * (RFC 4035 §3.1.4.1: DS lives on the parent side of the cut).
   */
  findForQuery(qname: Name, qtype: RRTypeName): ZoneEntry | undefined {
    const best = this.findZone(qname);
    if (!best || qtype !== 'DS' || !nameEquals(best.zone.origin, qname)) return best;
    let parent: ZoneEntry | undefined;
    let parentLabels = -1;
    for (const e of this.entries.values()) {
      if (e === best || !isSubdomain(qname, e.zone.origin)) continue;
      const n = labelCount(e.zone.origin);
      if (n < labelCount(qname) && n > parentLabels) {
        parent = e;
        parentLabels = n;
      }
    }
    return parent ?? best;
  }
}
