// Low-level octet reader and writer used by the codec, including domain names
// (RFC 1035 §3.1, §4.1.4). Names are handled here rather than by dns-packet
// because dns-packet decodes labels as UTF-8 strings and splits on '.', so a
// label holding a dot or a non-UTF-8 octet cannot round-trip; it also never
// compresses and never checks lengths. We keep every label's octets exact by
// going through the presentation escapes of dns/name.ts (labelOctets /
// labelFromOctets).

import { labelFromOctets, labelOctets, labels, MAX_LABEL_OCTETS, MAX_NAME_OCTETS, ROOT } from '../name.ts';
import type { Name } from '../types.ts';
import { WireError, type WireErrorCode } from './errors.ts';

/** Largest offset a compression pointer can hold (14 bits). */
const MAX_POINTER_TARGET = 0x3fff;

// ---------------------------------------------------------------------------
// Name <-> label octets

interface EncodedName {
  /** Label octets, leftmost first, root label excluded. */
  parts: Buffer[];
  /** keys[i] identifies the suffix starting at label i (compression table key). */
  keys: string[] | undefined;
}

const nameCache = new Map<string, EncodedName>();
const NAME_CACHE_LIMIT = 4096;

function encodedName(name: Name, unsafe: boolean, offset: number): EncodedName {
  if (!unsafe) {
    const cached = nameCache.get(name);
    if (cached !== undefined) return cached;
  }
  let parts: Buffer[];
  try {
    parts = name === ROOT || name === '' ? [] : labels(name).map((l) => labelOctets(l));
  } catch (e) {
    throw new WireError('BAD_NAME', `cannot encode name "${name}": ${(e as Error).message}`, offset);
  }
  let total = 1;
  for (const p of parts) {
    if (p.length > 255)
      throw new WireError(
        'BAD_NAME',
        `label of ${p.length} octets in "${name}" cannot be encoded even in unsafe mode (the length octet holds at most 255)`,
        offset,
      );
    total += p.length + 1;
    if (unsafe) continue;
    if (p.length === 0) throw new WireError('BAD_NAME', `empty label in "${name}" (RFC 1035 §3.1); use { unsafe: true } to send it anyway`, offset);
    if (p.length > MAX_LABEL_OCTETS) {
      throw new WireError(
        'BAD_NAME',
        `label of ${p.length} octets in "${name}" exceeds ${MAX_LABEL_OCTETS} (RFC 1035 §2.3.4); use { unsafe: true } to send it anyway`,
        offset,
      );
    }
  }
  if (!unsafe && total > MAX_NAME_OCTETS) {
    throw new WireError(
      'BAD_NAME',
      `name "${name.slice(0, 40)}…" is ${total} octets on the wire, more than ${MAX_NAME_OCTETS} (RFC 1035 §2.3.4); use { unsafe: true } to send it anyway`,
      offset,
    );
  }
  const entry: EncodedName = { parts, keys: undefined };
  if (!unsafe) {
    if (nameCache.size >= NAME_CACHE_LIMIT) nameCache.clear();
    nameCache.set(name, entry);
  }
  return entry;
}

function suffixKeys(entry: EncodedName): string[] {
  if (entry.keys !== undefined) return entry.keys;
  const parts = entry.parts;
  const keys: string[] = new Array(parts.length);
  let key = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    key = String.fromCharCode(p.length) + p.toString('latin1') + key;
    keys[i] = key;
  }
  entry.keys = keys;
  return keys;
}

function lowerCopy(o: Buffer): Buffer {
  let needs = false;
  for (let i = 0; i < o.length; i++) if (o[i]! >= 0x41 && o[i]! <= 0x5a) needs = true;
  if (!needs) return o;
  const out = Buffer.from(o);
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0x41 && out[i]! <= 0x5a) out[i] = out[i]! + 0x20;
  return out;
}

// Octets that labelFromOctets prints as themselves (no escape needed).
const PLAIN = new Uint8Array(256);
for (let b = 0x21; b < 0x7f; b++) PLAIN[b] = 1;
for (const c of '.\\"();@$') PLAIN[c.charCodeAt(0)] = 0;

function labelText(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (PLAIN[b] === 0) return labelFromOctets(buf.subarray(start, end));
    s += String.fromCharCode(b);
  }
  return s;
}

// ---------------------------------------------------------------------------
// Writer

export interface WriterMark {
  pos: number;
  journal: number;
}

export class Writer {
  buf: Buffer;
  pos = 0;
  /** Compression table: suffix octets (as latin1 string) -> offset. Undefined = no compression. */
  private readonly table: Map<string, number> | undefined;
  private readonly journal: string[] = [];

  constructor(
    readonly unsafe: boolean,
    compress: boolean,
    size = 512,
  ) {
    this.buf = Buffer.allocUnsafe(size);
    this.table = compress ? new Map() : undefined;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number, field = 'field'): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new WireError('BAD_RDATA', `${field} ${v} is not an integer in 0..255`, this.pos);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number, field = 'field'): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new WireError('BAD_RDATA', `${field} ${v} is not an integer in 0..65535`, this.pos);
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }
  u32(v: number, field = 'field'): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WireError('BAD_RDATA', `${field} ${v} is not an integer in 0..4294967295`, this.pos);
    this.ensure(4);
    const b = this.buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n < 32) {
      const buf = this.buf;
      let at = this.pos;
      for (let k = 0; k < n; k++) buf[at++] = b[k]!;
    } else {
      this.buf.set(b, this.pos);
    }
    this.pos += n;
  }
  /** Overwrite a 16-bit value at an earlier position (RDLENGTH, counts). */
  patch16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  /**
   * Write a domain name. `compressible`: this position may use and offer
   * compression pointers (owner names, question, RDATA of NS/CNAME/SOA/PTR/MX
   * only: RFC 3597 §4). Pointers are only made to an earlier occurrence with
   * the exact same octets (case-sensitive), so decode(encode(m)) keeps the
   * case of every name (0x20 answers stay intact). `lower`: write ASCII
   * letters lowercased (canonical form, RFC 4034 §6.2).
   */
  name(name: Name, compressible: boolean, lower = false): void {
    const entry = encodedName(name, this.unsafe, this.pos);
    const parts = lower ? entry.parts.map(lowerCopy) : entry.parts;
    const table = compressible ? this.table : undefined;
    const keys = table !== undefined ? suffixKeys(entry) : undefined;
    for (let i = 0; i < parts.length; i++) {
      if (table !== undefined) {
        const target = table.get(keys![i]!);
        if (target !== undefined) {
          this.ensure(2);
          this.buf[this.pos++] = 0xc0 | (target >> 8);
          this.buf[this.pos++] = target & 0xff;
          return;
        }
        if (this.pos <= MAX_POINTER_TARGET) {
          table.set(keys![i]!, this.pos);
          this.journal.push(keys![i]!);
        }
      }
      const p = parts[i]!;
      const n = p.length;
      this.ensure(n + 1);
      const buf = this.buf;
      let at = this.pos;
      buf[at++] = n;
      for (let k = 0; k < n; k++) buf[at++] = p[k]!;
      this.pos = at;
    }
    this.ensure(1);
    this.buf[this.pos++] = 0;
  }

  mark(): WriterMark {
    return { pos: this.pos, journal: this.journal.length };
  }
  /** Undo everything written since `m`, including compression targets it offered. */
  rollback(m: WriterMark): void {
    this.pos = m.pos;
    while (this.journal.length > m.journal) this.table?.delete(this.journal.pop()!);
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

// ---------------------------------------------------------------------------
// Reader

export class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    public end: number,
    /** Code to raise when a read runs past `end`. */
    public overrun: WireErrorCode = 'TRUNCATED',
    /** Compression pointers must point at or after this offset (12 in a message: never into the header). */
    readonly minPointer: number = 12,
  ) {}

  need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      const why = this.overrun === 'BAD_RDLENGTH' ? 'runs past the end of its RDATA (RDLENGTH too small?)' : 'runs past the end of the message';
      throw new WireError(this.overrun, `${what} ${why}`, this.pos);
    }
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    const v = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    this.pos += 4;
    return v;
  }
  /** A copy (never a view) so callers may keep it after the input buffer is reused. */
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
  rest(what: string): Buffer {
    return this.bytes(this.end - this.pos, what);
  }
  remaining(): number {
    return this.end - this.pos;
  }

  /**
   * Read a domain name. Pointers (RFC 1035 §4.1.4) are accepted only when
   * `allowPointers`, and only to offsets strictly before where the current
   * run of labels started, so every jump goes backwards and loops are
   * impossible. Label types 0x40 and 0x80 are rejected (RFC 6891 §5 retired
   * extended labels), as are names longer than 255 octets.
   */
  name(allowPointers: boolean, what = 'name'): Name {
    const buf = this.buf;
    let pos = this.pos;
    let end = this.end;
    let limit = pos;
    let jumped = false;
    let wireLen = 1;
    const parts: string[] = [];
    for (;;) {
      if (pos >= end) {
        throw new WireError(
          jumped ? 'BAD_POINTER' : this.overrun,
          `${what} runs past the end of ${jumped ? 'the message after a compression pointer' : this.overrun === 'BAD_RDLENGTH' ? 'its RDATA' : 'the message'}`,
          pos,
        );
      }
      const len = buf[pos]!;
      if (len === 0) {
        pos++;
        break;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (!allowPointers) {
          throw new WireError(
            'BAD_POINTER',
            `${what} uses a compression pointer where none is allowed (RFC 3597 §4: only names in RFC 1035 types may be compressed)`,
            pos,
          );
        }
        if (pos + 2 > end) throw new WireError(jumped ? 'BAD_POINTER' : this.overrun, `${what}: compression pointer cut off`, pos);
        const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
        if (target >= limit) {
          throw new WireError('BAD_POINTER', `${what}: compression pointer to offset ${target} does not point backwards (loop or forward pointer)`, pos);
        }
        if (target < this.minPointer) throw new WireError('BAD_POINTER', `${what}: compression pointer to offset ${target} points into the header`, pos);
        if (!jumped) this.pos = pos + 2;
        jumped = true;
        limit = target;
        pos = target;
        end = buf.length;
        continue;
      }
      if (kind !== 0) {
        throw new WireError(
          'BAD_NAME',
          `${what}: label type 0x${kind.toString(16)} (length octet ${len}) is not a normal label; labels are at most 63 octets`,
          pos,
        );
      }
      if (pos + 1 + len > end) {
        throw new WireError(
          jumped ? 'BAD_POINTER' : this.overrun,
          `${what}: label of ${len} octets runs past the end of ${this.overrun === 'BAD_RDLENGTH' && !jumped ? 'its RDATA' : 'the message'}`,
          pos,
        );
      }
      wireLen += len + 1;
      if (wireLen > MAX_NAME_OCTETS) throw new WireError('BAD_NAME', `${what} is longer than ${MAX_NAME_OCTETS} octets (RFC 1035 §2.3.4)`, pos);
      parts.push(labelText(buf, pos + 1, pos + 1 + len));
      pos += 1 + len;
    }
    if (!jumped) this.pos = pos;
    return parts.length === 0 ? ROOT : parts.join('.');
  }
}
