// Canonical form and order for DNSSEC (RFC 4034 §6.2–6.3 as amended by
// RFC 6840 §5.1). No compression anywhere; owner names lowercased; embedded
// names lowercased only for the types RFC 4034 §6.2 item 3 lists minus NSEC
// (RFC 6840 §5.1) — see CANONICAL_LOWERCASE_TYPES.

import type { RR } from '../types.ts';
import { Writer } from './buffer.ts';
import { WireError } from './errors.ts';
import { writeRdata } from './rdata.ts';
import { classToNumber, typeToNumber } from './types-map.ts';

/** Canonical RDATA octets of `rr` (no RDLENGTH). */
export function canonicalRdata(rr: RR): Buffer {
  const w = new Writer(false, false, 128);
  writeRdata(w, rr.type, rr.data, { compress: false, lower: true });
  return w.finish();
}

/**
 * Canonical wire form of one RR: owner | type | class | TTL | RDLENGTH | RDATA
 * (RFC 4034 §6.2), with `ttl` replacing the record's TTL when given (the
 * RRSIG Original TTL, RFC 4035 §5.3.2). Wildcard owner reconstruction is the
 * signer's/validator's job: pass the owner you want in `rr.name`.
 */
export function canonicalRecord(rr: RR, ttl?: number): Buffer {
  const w = new Writer(false, false, 128);
  w.name(rr.name, false, true);
  w.u16(typeToNumber(rr.type), 'type');
  w.u16(classToNumber(rr.class), 'class');
  w.u32(ttl ?? rr.ttl, 'TTL');
  const lenAt = w.pos;
  w.u16(0);
  writeRdata(w, rr.type, rr.data, { compress: false, lower: true });
  const len = w.pos - lenAt - 2;
  if (len > 0xffff) throw new WireError('BAD_RDATA', `RDATA of ${rr.name} ${rr.type} is ${len} octets, more than 65535`);
  w.patch16(lenAt, len);
  return w.finish();
}

/**
 * Records of one RRset in canonical order (RFC 4034 §6.3): by canonical RDATA
 * as left-justified unsigned octet strings, a missing octet sorting before
 * 0x00. Duplicates (equal canonical RDATA) are kept once, as §6.3 requires of
 * an implementation that tolerates them.
 */
export function sortCanonical(records: readonly RR[]): RR[] {
  const keyed = records.map((rr) => ({ rr, key: canonicalRdata(rr) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const out: RR[] = [];
  let prev: Buffer | undefined;
  for (const k of keyed) {
    if (prev !== undefined && prev.equals(k.key)) continue;
    out.push(k.rr);
    prev = k.key;
  }
  return out;
}
