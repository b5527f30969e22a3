// RRsets (RFC 2181 §5): records sharing owner, class and type. An RRset has
// one TTL; records in it are unique by RDATA.

import { canonicalName } from './name.ts';
import type { Name, RR, RRClassName, RRTypeName } from './types.ts';

export interface RRset {
  name: Name;
  type: RRTypeName;
  class: RRClassName;
  ttl: number;
  records: RR[];
}

/** Key for grouping: canonical owner, class and type. */
export function rrsetKey(name: Name, type: RRTypeName, cls: RRClassName = 'IN'): string {
  return `${canonicalName(name)}|${cls}|${type}`;
}

/**
 * Group records into RRsets, keeping first-seen order. When TTLs differ inside
 * a set, the lowest wins (RFC 2181 §5.2 says they must not differ; resolvers
 * treat a mixed set as having the lowest).
 */
export function groupRRsets(records: readonly RR[]): RRset[] {
  const byKey = new Map<string, RRset>();
  for (const rr of records) {
    const key = rrsetKey(rr.name, rr.type, rr.class);
    const existing = byKey.get(key);
    if (existing) {
      existing.records.push(rr);
      existing.ttl = Math.min(existing.ttl, rr.ttl);
    } else {
      byKey.set(key, { name: rr.name, type: rr.type, class: rr.class, ttl: rr.ttl, records: [rr] });
    }
  }
  return [...byKey.values()];
}
