// Domain names: splitting into labels, comparison and canonical order.
//
// A `Name` is presentation form without the trailing dot (root is "."), see
// dns/types.ts. Inside a label, presentation escapes are honoured (RFC 1035
// §5.1): `\.` is a literal dot, `\\` a backslash, `\DDD` an octet in decimal.
// Comparison is case-insensitive for ASCII only (RFC 4343).

import { DnslabError, type Name } from './types.ts';

export const ROOT: Name = '.';
/** A name whose labels need no escapes and have no trailing dot (fast paths below). */
const PLAIN_NAME = /^[A-Za-z0-9_*-]+(?:\.[A-Za-z0-9_*-]+)*$/;
/** RFC 1035 §2.3.4 */
export const MAX_LABEL_OCTETS = 63;
export const MAX_NAME_OCTETS = 255;

export class NameError extends DnslabError {
  constructor(message: string) {
    super('BAD_NAME', message);
    this.name = 'NameError';
  }
}

/** Strip a trailing unescaped dot and map "" / "." to the root. */
export function normalizeName(name: string): Name {
  if (name === '' || name === '.') return ROOT;
  if (name.endsWith('.') && !isEscapedAt(name, name.length - 1)) return name.slice(0, -1);
  return name;
}

function isEscapedAt(s: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && s[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** Labels in presentation form (escapes kept), leftmost first. The root has none. */
export function labels(name: Name): string[] {
  const n = normalizeName(name);
  if (n === ROOT) return [];
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < n.length; i++) {
    const ch = n[i]!;
    if (ch === '\\') {
      current += ch + (n[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '.') {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}

/** Decode one presentation-form label to its octets. Throws NameError on a bad escape. */
export function labelOctets(label: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < label.length; i++) {
    const ch = label.charCodeAt(i);
    if (ch === 0x5c /* \ */) {
      const next = label.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(next)) {
        const v = Number(next);
        if (v > 255) throw new NameError(`escape \\${next} is above 255 in label "${label}"`);
        bytes.push(v);
        i += 3;
      } else if (i + 1 < label.length) {
        bytes.push(label.charCodeAt(i + 1) & 0xff);
        i += 1;
      } else {
        throw new NameError(`label "${label}" ends with a lone backslash`);
      }
    } else if (ch > 0xff) {
      // Non-Latin-1 input: encode as UTF-8 octets (IDNs should be A-labels).
      for (const b of Buffer.from(String.fromCharCode(ch), 'utf8')) bytes.push(b);
    } else {
      bytes.push(ch);
    }
  }
  return Buffer.from(bytes);
}

/** Presentation form of label octets, escaping what RFC 1035 §5.1 / RFC 4343 require. */
export function labelFromOctets(octets: Uint8Array): string {
  let s = '';
  for (const b of octets) {
    if (b === 0x2e || b === 0x5c || b === 0x22 || b === 0x28 || b === 0x29 || b === 0x3b || b === 0x40 || b === 0x24) {
      s += '\\' + String.fromCharCode(b);
    } else if (b <= 0x20 || b >= 0x7f) {
      s += '\\' + b.toString().padStart(3, '0');
    } else {
      s += String.fromCharCode(b);
    }
  }
  return s;
}

/** Name from presentation labels (leftmost first). */
export function fromLabels(parts: readonly string[]): Name {
  return parts.length === 0 ? ROOT : parts.join('.');
}

/** Octets of the uncompressed wire form (RFC 1035 §3.1), including the root label. */
export function wireLength(name: Name): number {
  return labels(name).reduce((n, l) => n + 1 + labelOctets(l).length, 1);
}

/** Check RFC 1035 length limits; returns a reason, or undefined if the name is valid. */
export function nameProblem(name: Name): string | undefined {
  const ls = labels(name);
  for (const l of ls) {
    const len = labelOctets(l).length;
    if (len === 0) return `empty label in "${name}"`;
    if (len > MAX_LABEL_OCTETS) return `label "${l}" is ${len} octets, more than ${MAX_LABEL_OCTETS}`;
  }
  const total = wireLength(name);
  if (total > MAX_NAME_OCTETS) return `name is ${total} octets on the wire, more than ${MAX_NAME_OCTETS}`;
  return undefined;
}

/** Canonical (RFC 4034 §6.2) textual form: lowercase, escapes normalized. */
export function canonicalName(name: Name): Name {
  // Fast path (hot in zone loading and lookups): letters, digits, '-', '_', '*'
  // need no escapes, so lowercasing the text is the canonical form.
  if (PLAIN_NAME.test(name)) return name.toLowerCase();
  return fromLabels(labels(name).map((l) => labelFromOctets(lowerOctets(labelOctets(l)))));
}

function lowerOctets(o: Buffer): Buffer {
  const out = Buffer.from(o);
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0x41 && out[i]! <= 0x5a) out[i] = out[i]! + 0x20;
  return out;
}

export function nameEquals(a: Name, b: Name): boolean {
  return canonicalName(a) === canonicalName(b);
}

export function labelCount(name: Name): number {
  return labels(name).length;
}

/** The name with its leftmost label removed; the root's parent is the root. */
export function parentName(name: Name): Name {
  return fromLabels(labels(name).slice(1));
}

/** `sub` equals `ancestor` or lies below it. */
export function isSubdomain(sub: Name, ancestor: Name): boolean {
  if (ancestor === ROOT || ancestor === '') return true;
  if (PLAIN_NAME.test(sub) && PLAIN_NAME.test(ancestor)) {
    const s = sub.toLowerCase();
    const a = ancestor.toLowerCase();
    return s === a || (s.length > a.length && s.endsWith(a) && s[s.length - a.length - 1] === '.');
  }
  const s = labels(canonicalName(sub));
  const a = labels(canonicalName(ancestor));
  if (a.length > s.length) return false;
  for (let i = 1; i <= a.length; i++) if (s[s.length - i] !== a[a.length - i]) return false;
  return true;
}

/** `child.parent` style concatenation. */
export function joinName(left: string, right: Name): Name {
  const r = normalizeName(right);
  if (left === '' || left === '@') return r;
  return r === ROOT ? normalizeName(left) : `${normalizeName(left)}.${r}`;
}

/** The ancestor of `name` with `count` labels (count ≤ labelCount(name)). */
export function ancestorWithLabels(name: Name, count: number): Name {
  const ls = labels(name);
  return fromLabels(ls.slice(ls.length - count));
}

/** Presentation with the trailing dot, as dig and zone files show absolute names. */
export function toFqdn(name: Name): string {
  const n = normalizeName(name);
  return n === ROOT ? '.' : `${n}.`;
}

/**
 * Canonical DNS name order, RFC 4034 §6.1: compare label by label from the
 * right, each label as lowercase octets, shorter label first on a common prefix.
 */
export function canonicalCompare(a: Name, b: Name): number {
  if (PLAIN_NAME.test(a) && PLAIN_NAME.test(b)) {
    // Plain ASCII labels: comparing lowercased strings compares their octets.
    const la = a.toLowerCase().split('.');
    const lb = b.toLowerCase().split('.');
    for (let i = 1; i <= Math.min(la.length, lb.length); i++) {
      const x = la[la.length - i]!;
      const y = lb[lb.length - i]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return la.length - lb.length;
  }
  const la = labels(a).map((l) => lowerOctets(labelOctets(l)));
  const lb = labels(b).map((l) => lowerOctets(labelOctets(l)));
  for (let i = 1; i <= Math.min(la.length, lb.length); i++) {
    const c = Buffer.compare(la[la.length - i]!, lb[lb.length - i]!);
    if (c !== 0) return c;
  }
  return la.length - lb.length;
}

/** Is `name` a wildcard owner (leftmost label exactly "*", RFC 4592 §2.1.1)? */
export function isWildcard(name: Name): boolean {
  return labels(name)[0] === '*';
}
