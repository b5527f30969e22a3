// Writing a master file (RFC 1035 §5) that our parser, BIND and Knot read
// back to the same records: `$ORIGIN`, then one record per line with absolute
// names in dig/BIND presentation form, SOA first, then canonical order.

import { canonicalCompare, nameEquals, normalizeName, toFqdn } from '../name.ts';
import type { Name, RR } from '../types.ts';
import { formatRecord } from './rdata-format.ts';
import { Zone } from './zone.ts';

export function writeMasterFile(zone: Zone | Iterable<RR>, origin?: Name): string {
  const apex = origin !== undefined ? normalizeName(origin) : zone instanceof Zone ? zone.origin : undefined;
  const records = zone instanceof Zone ? [...zone.records()] : [...zone];
  const lines: string[] = [];
  if (apex !== undefined) lines.push(`$ORIGIN ${toFqdn(apex)}`);
  // The SOA opens the zone (RFC 1035 §5.2); a stable order otherwise, so
  // files diff cleanly: canonical owner order, records of one owner as given.
  const indexed = records.map((rr, i) => ({ rr, i }));
  indexed.sort((a, b) => {
    const sa = a.rr.type === 'SOA' && (apex === undefined || nameEquals(a.rr.name, apex)) ? 0 : 1;
    const sb = b.rr.type === 'SOA' && (apex === undefined || nameEquals(b.rr.name, apex)) ? 0 : 1;
    if (sa !== sb) return sa - sb;
    return canonicalCompare(a.rr.name, b.rr.name) || a.i - b.i;
  });
  for (const { rr } of indexed) lines.push(formatRecord(rr));
  return lines.join('\n') + '\n';
}
