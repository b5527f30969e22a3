// The octets an RRSIG signs (RFC 4034 §3.1.8.1), built once for the signer
// and the validator: the RRSIG RDATA without its Signature, then every RR of
// the RRset in canonical form (§6.2) and order (§6.3), duplicates dropped,
// with the Original TTL, and the owner rebuilt as "*.<labels>" when the
// RRset was synthesised from a wildcard (RFC 4035 §5.3.2).

import { ancestorWithLabels, isWildcard, joinName, labelCount } from '../name.ts';
import type { RRset } from '../rrset.ts';
import type { Name, RrsigData } from '../types.ts';
import { canonicalRdata } from '../wire/canonical.ts';
import { classToNumber, typeToNumber } from '../wire/types-map.ts';
import { canonicalNameWire } from './nsec3-hash.ts';

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

const NAME_WIRE = new Map<string, Buffer>();
/** canonicalNameWire with a small bounded memo: owners and signers repeat across RRsets. */
function nameWire(name: Name): Buffer {
  let w = NAME_WIRE.get(name);
  if (!w) {
    if (NAME_WIRE.size >= 4096) NAME_WIRE.clear();
    w = canonicalNameWire(name);
    NAME_WIRE.set(name, w);
  }
  return w;
}

/** Time in Unix seconds reduced to the 32-bit serial number space of RRSIG times (RFC 4034 §3.1.5). */
export function rrsigTime(t: number): number {
  return ((Math.floor(t) % 0x100000000) + 0x100000000) % 0x100000000;
}

/** Labels field value for an owner (RFC 4034 §3.1.3): root and a leading "*" are not counted. */
export function rrsigLabels(owner: Name): number {
  return labelCount(owner) - (isWildcard(owner) ? 1 : 0);
}

/** The owner the signature covers: `name`, or the wildcard it was expanded from when `labels` is smaller (RFC 4035 §5.3.2). */
export function signedOwner(name: Name, labels: number): Name {
  return labels < rrsigLabels(name) ? joinName('*', ancestorWithLabels(name, labels)) : name;
}

/** RRSIG RDATA without the Signature field, canonical (signer name lowercase, uncompressed). */
export function rrsigRdataPrefix(d: Omit<RrsigData, 'signature'>): Buffer {
  return Buffer.concat([
    u16(typeToNumber(d.typeCovered)),
    Buffer.from([d.algorithm & 0xff, d.labels & 0xff]),
    u32(d.originalTTL),
    u32(rrsigTime(d.expiration)),
    u32(rrsigTime(d.inception)),
    u16(d.keyTag),
    nameWire(d.signersName),
  ]);
}

/** The octets that are signed for `rrset` under `rrsig` (RFC 4034 §3.1.8.1). */
export function signatureInput(rrset: RRset, rrsig: Omit<RrsigData, 'signature'>): Buffer {
  const owner = signedOwner(rrset.name, rrsig.labels);
  const head = Buffer.concat([nameWire(owner), u16(typeToNumber(rrset.type)), u16(classToNumber(rrset.class)), u32(rrsig.originalTTL)]);
  const rdatas = rrset.records.map((rr) => canonicalRdata(rr)).sort(Buffer.compare);
  const parts: Buffer[] = [rrsigRdataPrefix(rrsig)];
  let previous: Buffer | undefined;
  for (const rd of rdatas) {
    if (previous && previous.equals(rd)) continue;
    parts.push(head, u16(rd.length), rd);
    previous = rd;
  }
  return Buffer.concat(parts);
}
