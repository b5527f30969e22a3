// Rewrite the TTL of every resource record in an encoded message, leaving
// every other octet as it was (names, compression, RDATA, RRSIG fields): the
// message a server built, with its TTLs counted in another clock's seconds.
// Validators take the TTL from the wire capped by the RRSIG's Original TTL
// (RFC 4035 §5.3.3), so lowering a TTL never breaks a signature.
// The OPT pseudo-RR's TTL field is the extended RCODE and flags (RFC 6891
// §6.1.3): never touched.

import type { Name } from '../types.ts';
import { Reader } from './buffer.ts';

const OPT = 41;

/**
 * A copy of `bytes` with each RR's TTL replaced by `f(ttl, owner, type)`, or undefined when the message does not
 * parse as far as its last record (then the caller sends it unchanged).
 */
export function rewriteTtls(bytes: Uint8Array, f: (ttl: number, owner: Name, type: number) => number): Buffer | undefined {
  if (bytes.length < 12) return undefined;
  const out = Buffer.from(bytes);
  const r = new Reader(out, 0, out.length);
  try {
    r.pos = 4;
    const qd = r.u16('QDCOUNT');
    const rrs = r.u16('ANCOUNT') + r.u16('NSCOUNT') + r.u16('ARCOUNT');
    for (let i = 0; i < qd; i++) {
      r.name(true, 'QNAME');
      r.need(4, 'QTYPE/QCLASS');
      r.pos += 4;
    }
    for (let i = 0; i < rrs; i++) {
      const owner = r.name(true, 'owner name');
      const type = r.u16('TYPE');
      r.u16('CLASS');
      const at = r.pos;
      const ttl = r.u32('TTL');
      const rdlength = r.u16('RDLENGTH');
      r.need(rdlength, 'RDATA');
      r.pos += rdlength;
      if (type !== OPT) out.writeUInt32BE(Math.max(0, Math.min(0x7fffffff, Math.round(f(ttl, owner, type)))), at);
    }
  } catch {
    return undefined;
  }
  return out;
}
