// IPv4/IPv6 text <-> octets for A/AAAA RDATA and SVCB address hints. Our own
// because the codec must reject bad text with a WireError (dns-packet's
// ip-codec silently produces garbage for bad input) and AAAA output should be
// RFC 5952 canonical text.

import { WireError } from './errors.ts';

export function parseIPv4(text: string, offset = -1): Buffer {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const out = Buffer.alloc(4);
  if (m !== null) {
    let ok = true;
    for (let i = 0; i < 4; i++) {
      const v = Number(m[i + 1]);
      if (v > 255) ok = false;
      out[i] = v;
    }
    if (ok) return out;
  }
  throw new WireError('BAD_RDATA', `"${text}" is not an IPv4 address in dotted-quad form`, offset);
}

export function formatIPv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

export function parseIPv6(text: string, offset = -1): Buffer {
  const fail = (): never => {
    throw new WireError('BAD_RDATA', `"${text}" is not an IPv6 address`, offset);
  };
  let s = text;
  const tail: number[] = [];
  // Embedded IPv4 in the last 32 bits (RFC 4291 §2.2 form 3).
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    const v4 = parseIPv4(s.slice(lastColon + 1), offset);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    s = s.slice(0, lastColon + 1);
    // Keep a "::" that ends right before the IPv4 part; drop a single separator colon.
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const parseGroups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').map((g) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) fail();
      return parseInt(g, 16);
    });
  };
  let groups: number[];
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) fail();
    const left = parseGroups(s.slice(0, dbl));
    const right = parseGroups(s.slice(dbl + 2));
    const missing = 8 - tail.length - left.length - right.length;
    if (missing < 1) fail();
    groups = [...left, ...new Array<number>(missing).fill(0), ...right, ...tail];
  } else {
    groups = [...parseGroups(s), ...tail];
  }
  if (groups.length !== 8) fail();
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** RFC 5952 §4 text: lowercase, no leading zeros, longest (first) run of ≥2 zero groups as "::". */
export function formatIPv6(b: Uint8Array, at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(b, at + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
