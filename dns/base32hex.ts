// base32hex (RFC 4648 §7) without padding: NSEC3 owner labels and the Next
// Hashed Owner field in presentation (RFC 5155 §3.3). One encoder and decoder
// for the signer, the validator, the servers and the zone-file reader.

import { DnslabError } from './types.ts';

export class Base32HexError extends DnslabError {
  constructor(message: string) {
    super('BAD_BASE32HEX', message);
    this.name = 'Base32HexError';
  }
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/** base32hex (RFC 4648 §7), lowercase, no padding. */
export function base32hex(buf: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decode base32hex (either case, padding optional). Throws Base32HexError on bad input. */
export function fromBase32hex(s: string): Buffer {
  const text = s.replace(/=+$/, '').toLowerCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const v = ALPHABET.indexOf(text[i]!);
    if (v < 0) throw new Base32HexError(`"${s}" is not base32hex: character "${text[i]}" at ${i} is outside 0-9a-v`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  // RFC 4648 §3.5: leftover pad bits must be zero, and a whole 5-bit group left over is impossible.
  if (bits >= 5 || value !== 0) throw new Base32HexError(`"${s}" is not canonical base32hex (length ${text.length} leaves non-zero or excess bits)`);
  return Buffer.from(out);
}
