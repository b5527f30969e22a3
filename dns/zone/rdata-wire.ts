// RDATA wire octets <-> structured data, just enough for master files:
// RFC 3597 §5 lets `\# len hex` stand for the RDATA of ANY type, so the
// parser must turn those octets into the same structured shape the
// presentation form gives (and a structured record under a generic type
// name must be printable as `\#`). Names are uncompressed (RFC 3597 §4).
// The message codec proper lives in dns/wire/.

import { fromLabels, labelFromOctets, labelOctets, labels } from '../name.ts';
import type {
  CaaData,
  DnskeyData,
  DsData,
  HinfoData,
  MxData,
  Name,
  NaptrData,
  Nsec3Data,
  Nsec3ParamData,
  NsecData,
  RData,
  RR,
  RRTypeName,
  RrsigData,
  SoaData,
  SrvData,
  SshfpData,
  SvcbData,
  SvcParam,
  TlsaData,
  UriData,
} from '../types.ts';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6, typeFromNumber, typeToNumber } from './text-util.ts';

export class Reader {
  pos = 0;
  constructor(readonly b: Buffer) {}
  need(n: number, what: string): void {
    if (this.pos + n > this.b.length) throw new Error(`RDATA ends inside ${what} (needs ${n} more octets at offset ${this.pos})`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.b[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const v = Buffer.from(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return v;
  }
  rest(): Buffer {
    const v = Buffer.from(this.b.subarray(this.pos));
    this.pos = this.b.length;
    return v;
  }
  left(): number {
    return this.b.length - this.pos;
  }
  name(what: string): Name {
    const parts: string[] = [];
    let total = 1;
    for (;;) {
      const len = this.u8(what);
      if (len === 0) break;
      if (len > 63) throw new Error(`${what}: label length ${len} (compression pointers are not allowed here, RFC 3597 §4)`);
      total += len + 1;
      if (total > 255) throw new Error(`${what}: name longer than 255 octets`);
      parts.push(labelFromOctets(this.bytes(len, what)));
    }
    return fromLabels(parts);
  }
  charString(what: string): Buffer {
    const len = this.u8(what);
    return this.bytes(len, what);
  }
  typeBitmap(): RRTypeName[] {
    const types: RRTypeName[] = [];
    let lastWindow = -1;
    while (this.left() > 0) {
      const window = this.u8('type bitmap window');
      const len = this.u8('type bitmap length');
      if (window <= lastWindow) throw new Error('type bitmap windows out of order (RFC 4034 §4.1.2)');
      if (len < 1 || len > 32) throw new Error(`type bitmap length ${len} outside 1..32`);
      lastWindow = window;
      const bits = this.bytes(len, 'type bitmap');
      for (let i = 0; i < len; i++) for (let bit = 0; bit < 8; bit++) if (bits[i]! & (0x80 >> bit)) types.push(typeFromNumber(window * 256 + i * 8 + bit));
    }
    return types;
  }
}

export function nameWire(name: Name): Buffer {
  const parts: Buffer[] = [];
  for (const l of labels(name)) {
    const o = labelOctets(l);
    parts.push(Buffer.from([o.length]), o);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}
function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v & 0xffff);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}
function cs(s: string | Uint8Array): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s);
  return Buffer.concat([u8(b.length), b]);
}

export function typeBitmapWire(types: readonly RRTypeName[]): Buffer {
  const nums = [...new Set(types.map(typeToNumber))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let i = 0;
  while (i < nums.length) {
    const window = nums[i]! >> 8;
    const bits = Buffer.alloc(32);
    let maxByte = 0;
    while (i < nums.length && nums[i]! >> 8 === window) {
      const low = nums[i]! & 0xff;
      bits[low >> 3]! |= 0x80 >> (low & 7);
      maxByte = Math.max(maxByte, low >> 3);
      i++;
    }
    out.push(Buffer.from([window, maxByte + 1]), bits.subarray(0, maxByte + 1));
  }
  return Buffer.concat(out);
}

/** Structured RDATA from wire octets; raw Buffer for types we do not model. Throws Error on malformed data. */
export function decodeRdataWire(type: RRTypeName, bytes: Uint8Array): RData {
  const r = new Reader(Buffer.from(bytes));
  const done = <T>(v: T): T => {
    if (r.left() !== 0) throw new Error(`${r.left()} octets left over after the ${type} RDATA`);
    return v;
  };
  switch (type) {
    case 'A':
      if (r.left() !== 4) throw new Error(`A RDATA must be 4 octets, got ${r.left()}`);
      return formatIpv4(r.rest());
    case 'AAAA':
      if (r.left() !== 16) throw new Error(`AAAA RDATA must be 16 octets, got ${r.left()}`);
      return formatIpv6(r.rest());
    case 'NS':
    case 'CNAME':
    case 'DNAME':
    case 'PTR':
      return done(r.name('name'));
    case 'SOA':
      return done({
        mname: r.name('MNAME'),
        rname: r.name('RNAME'),
        serial: r.u32('serial'),
        refresh: r.u32('refresh'),
        retry: r.u32('retry'),
        expire: r.u32('expire'),
        minimum: r.u32('minimum'),
      } satisfies SoaData);
    case 'MX':
      return done({ preference: r.u16('preference'), exchange: r.name('exchange') } satisfies MxData);
    case 'TXT': {
      const out: Buffer[] = [];
      if (r.left() === 0) throw new Error('TXT RDATA needs at least one character-string');
      while (r.left() > 0) out.push(r.charString('character-string'));
      return out;
    }
    case 'SRV':
      return done({ priority: r.u16('priority'), weight: r.u16('weight'), port: r.u16('port'), target: r.name('target') } satisfies SrvData);
    case 'NAPTR':
      return done({
        order: r.u16('order'),
        preference: r.u16('preference'),
        flags: r.charString('flags').toString('latin1'),
        services: r.charString('services').toString('latin1'),
        regexp: r.charString('regexp').toString('latin1'),
        replacement: r.name('replacement'),
      } satisfies NaptrData);
    case 'HINFO':
      return done({ cpu: r.charString('cpu').toString('latin1'), os: r.charString('os').toString('latin1') } satisfies HinfoData);
    case 'CAA': {
      const flags = r.u8('flags');
      const tag = r.charString('tag').toString('latin1');
      if (tag.length === 0) throw new Error('CAA tag is empty');
      return { flags, tag, value: r.rest().toString('latin1') } satisfies CaaData;
    }
    case 'DS':
    case 'CDS':
      return { keyTag: r.u16('key tag'), algorithm: r.u8('algorithm'), digestType: r.u8('digest type'), digest: r.rest() } satisfies DsData;
    case 'DNSKEY':
    case 'CDNSKEY':
      return { flags: r.u16('flags'), protocol: r.u8('protocol'), algorithm: r.u8('algorithm'), key: r.rest() } satisfies DnskeyData;
    case 'RRSIG':
      return {
        typeCovered: typeFromNumber(r.u16('type covered')),
        algorithm: r.u8('algorithm'),
        labels: r.u8('labels'),
        originalTTL: r.u32('original TTL'),
        expiration: r.u32('expiration'),
        inception: r.u32('inception'),
        keyTag: r.u16('key tag'),
        signersName: r.name("signer's name"),
        signature: r.rest(),
      } satisfies RrsigData;
    case 'NSEC':
      return { nextDomain: r.name('next domain'), types: r.typeBitmap() } satisfies NsecData;
    case 'NSEC3': {
      const hashAlgorithm = r.u8('hash algorithm');
      const flags = r.u8('flags');
      const iterations = r.u16('iterations');
      const salt = r.charString('salt');
      const hashLen = r.u8('hash length');
      if (hashLen === 0) throw new Error('NSEC3 next hashed owner is empty');
      const nextHashedOwner = r.bytes(hashLen, 'next hashed owner');
      return { hashAlgorithm, flags, iterations, salt, nextHashedOwner, types: r.typeBitmap() } satisfies Nsec3Data;
    }
    case 'NSEC3PARAM':
      return done({ hashAlgorithm: r.u8('hash algorithm'), flags: r.u8('flags'), iterations: r.u16('iterations'), salt: r.charString('salt') } satisfies Nsec3ParamData);
    case 'TLSA':
      return { usage: r.u8('usage'), selector: r.u8('selector'), matchingType: r.u8('matching type'), certificate: r.rest() } satisfies TlsaData;
    case 'SSHFP':
      return { algorithm: r.u8('algorithm'), hash: r.u8('fingerprint type'), fingerprint: r.rest() } satisfies SshfpData;
    case 'URI':
      return { priority: r.u16('priority'), weight: r.u16('weight'), target: r.rest().toString('latin1') } satisfies UriData;
    case 'SVCB':
    case 'HTTPS': {
      const priority = r.u16('SvcPriority');
      const target = r.name('TargetName');
      const params: SvcParam[] = [];
      let last = -1;
      while (r.left() > 0) {
        const key = r.u16('SvcParamKey');
        if (key <= last) throw new Error('SvcParamKeys not in strictly increasing order (RFC 9460 §2.2)');
        last = key;
        const len = r.u16('SvcParam length');
        params.push({ key, value: r.bytes(len, 'SvcParamValue') });
      }
      return { priority, target, params } satisfies SvcbData;
    }
    default:
      return r.rest();
  }
}

/** Wire octets of a record's RDATA (uncompressed names, RFC 3597 §4). */
export function encodeRdataWire(rr: RR): Buffer {
  const d = rr.data as unknown;
  if (Buffer.isBuffer(d) || d instanceof Uint8Array) return Buffer.from(d);
  switch (rr.type) {
    case 'A': {
      const b = parseIpv4(d as string);
      if (!b) throw new Error(`bad IPv4 address '${String(d)}'`);
      return b;
    }
    case 'AAAA': {
      const b = parseIpv6(d as string);
      if (!b) throw new Error(`bad IPv6 address '${String(d)}'`);
      return b;
    }
    case 'NS':
    case 'CNAME':
    case 'DNAME':
    case 'PTR':
      return nameWire(d as Name);
    case 'SOA': {
      const s = d as SoaData;
      return Buffer.concat([nameWire(s.mname), nameWire(s.rname), u32(s.serial), u32(s.refresh), u32(s.retry), u32(s.expire), u32(s.minimum)]);
    }
    case 'MX': {
      const m = d as MxData;
      return Buffer.concat([u16(m.preference), nameWire(m.exchange)]);
    }
    case 'TXT':
      return Buffer.concat((d as Uint8Array[]).map((s) => cs(s)));
    case 'SRV': {
      const s = d as SrvData;
      return Buffer.concat([u16(s.priority), u16(s.weight), u16(s.port), nameWire(s.target)]);
    }
    case 'NAPTR': {
      const n = d as NaptrData;
      return Buffer.concat([u16(n.order), u16(n.preference), cs(n.flags), cs(n.services), cs(n.regexp), nameWire(n.replacement)]);
    }
    case 'HINFO': {
      const h = d as HinfoData;
      return Buffer.concat([cs(h.cpu), cs(h.os)]);
    }
    case 'CAA': {
      const c = d as CaaData;
      return Buffer.concat([u8(c.flags), cs(c.tag), Buffer.from(c.value, 'latin1')]);
    }
    case 'DS':
    case 'CDS': {
      const s = d as DsData;
      return Buffer.concat([u16(s.keyTag), u8(s.algorithm), u8(s.digestType), Buffer.from(s.digest)]);
    }
    case 'DNSKEY':
    case 'CDNSKEY': {
      const k = d as DnskeyData;
      return Buffer.concat([u16(k.flags), u8(k.protocol), u8(k.algorithm), Buffer.from(k.key)]);
    }
    case 'RRSIG': {
      const s = d as RrsigData;
      return Buffer.concat([
        u16(typeToNumber(s.typeCovered)),
        u8(s.algorithm),
        u8(s.labels),
        u32(s.originalTTL),
        u32(s.expiration),
        u32(s.inception),
        u16(s.keyTag),
        nameWire(s.signersName),
        Buffer.from(s.signature),
      ]);
    }
    case 'NSEC': {
      const n = d as NsecData;
      return Buffer.concat([nameWire(n.nextDomain), typeBitmapWire(n.types)]);
    }
    case 'NSEC3': {
      const n = d as Nsec3Data;
      return Buffer.concat([u8(n.hashAlgorithm), u8(n.flags), u16(n.iterations), cs(n.salt), cs(n.nextHashedOwner), typeBitmapWire(n.types)]);
    }
    case 'NSEC3PARAM': {
      const n = d as Nsec3ParamData;
      return Buffer.concat([u8(n.hashAlgorithm), u8(n.flags), u16(n.iterations), cs(n.salt)]);
    }
    case 'TLSA': {
      const t = d as TlsaData;
      return Buffer.concat([u8(t.usage), u8(t.selector), u8(t.matchingType), Buffer.from(t.certificate)]);
    }
    case 'SSHFP': {
      const s = d as SshfpData;
      return Buffer.concat([u8(s.algorithm), u8(s.hash), Buffer.from(s.fingerprint)]);
    }
    case 'URI': {
      const u = d as UriData;
      return Buffer.concat([u16(u.priority), u16(u.weight), Buffer.from(u.target, 'latin1')]);
    }
    case 'SVCB':
    case 'HTTPS': {
      const s = d as SvcbData;
      const params = [...s.params].sort((a, b) => a.key - b.key);
      return Buffer.concat([u16(s.priority), nameWire(s.target), ...params.flatMap((p) => [u16(p.key), u16(p.value.length), Buffer.from(p.value)])]);
    }
    default:
      throw new Error(`cannot encode structured RDATA for ${rr.type}`);
  }
}
