// Identity and copying of RDATA without going through the wire codec: used by
// zones to drop duplicate records (RFC 2181 §5: an RRset holds no duplicate
// RRs) and to copy records safely. Names embedded in RDATA compare
// case-insensitively, as in canonical form (RFC 4034 §6.2).

import { canonicalName } from './name.ts';
import { rrTypeByName } from './rr-types.ts';
import type { RR, RRTypeName } from './types.ts';

/** RDATA fields that hold domain names (dns/rr-types.ts `nameFields`; [''] means the RDATA is one name). */
function nameFields(type: RRTypeName): readonly string[] | undefined {
  return rrTypeByName(type)?.nameFields;
}

function stable(value: unknown, nameFields: readonly string[] | undefined, key?: string): string {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return `[${value.map((v) => stable(v, undefined)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${k}:${stable((value as Record<string, unknown>)[k], nameFields, k)}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'string' && key !== undefined && nameFields?.includes(key)) return JSON.stringify(canonicalName(value));
  return JSON.stringify(value);
}

/** A string equal for two records iff their RDATA is equal. */
export function rdataKey(rr: RR): string {
  const fields = nameFields(rr.type);
  if (fields?.[0] === '' && typeof rr.data === 'string') return JSON.stringify(canonicalName(rr.data));
  if (rr.type === 'AAAA' && typeof rr.data === 'string') return rr.data.toLowerCase();
  return stable(rr.data, fields);
}

function deepCopy<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (value instanceof Uint8Array) return Buffer.from(value) as T;
  if (Array.isArray(value)) return value.map((v) => deepCopy(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as object)) out[k] = deepCopy(v);
    return out as T;
  }
  return value;
}

/** An independent copy of a record (Buffers copied, not shared). */
export function cloneRecord<T extends RR>(rr: T): T {
  return deepCopy(rr);
}
