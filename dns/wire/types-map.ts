// Mnemonic <-> number maps for RR types, classes, RCODEs and opcodes. Unknown
// numbers use the RFC 3597 §5 generic forms (TYPE12345, CLASS12345) and our
// RCODE1234 / OPCODE12 analogues, so nothing ever maps to 0 silently (the
// dns-packet gap where 'SVCB' became TYPE 0).

import { Opcode, Rcode, RRClass, RRType } from '../types.ts';
import type { OpcodeName, RcodeName, RRClassName, RRTypeName } from '../types.ts';
import { WireError } from './errors.ts';

function invert(table: Record<string, number>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) if (!m.has(v)) m.set(v, k);
  return m;
}

const TYPE_BY_NUMBER = invert(RRType);
const CLASS_BY_NUMBER = invert(RRClass);
const RCODE_BY_NUMBER = invert(Rcode);
const OPCODE_BY_NUMBER = invert(Opcode);

function parseGeneric(name: string, prefix: string, table: Record<string, number>, max: number, what: string): number {
  const known = table[name];
  if (known !== undefined) return known;
  const upper = name.toUpperCase();
  const knownUpper = table[upper];
  if (knownUpper !== undefined) return knownUpper;
  if (upper.startsWith(prefix)) {
    const digits = upper.slice(prefix.length);
    if (/^[0-9]{1,10}$/.test(digits)) {
      const n = Number(digits);
      if (n <= max) return n;
    }
  }
  throw new WireError('BAD_MNEMONIC', `unknown ${what} "${name}": use a known mnemonic or ${prefix}<0-${max}>`);
}

function checkRange(n: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > max) throw new WireError('BAD_MNEMONIC', `${what} ${n} is not an integer in 0..${max}`);
}

export function typeToNumber(name: RRTypeName): number {
  return parseGeneric(name, 'TYPE', RRType, 0xffff, 'RR type');
}
export function typeFromNumber(n: number): RRTypeName {
  checkRange(n, 0xffff, 'RR type');
  return (TYPE_BY_NUMBER.get(n) ?? `TYPE${n}`) as RRTypeName;
}
/** Canonical mnemonic for any spelling ('TYPE1' -> 'A', 'a' -> 'A'). */
export function normalizeType(name: RRTypeName): RRTypeName {
  return typeFromNumber(typeToNumber(name));
}

export function classToNumber(name: RRClassName): number {
  return parseGeneric(name, 'CLASS', RRClass, 0xffff, 'class');
}
export function classFromNumber(n: number): RRClassName {
  checkRange(n, 0xffff, 'class');
  return (CLASS_BY_NUMBER.get(n) ?? `CLASS${n}`) as RRClassName;
}

/** Full 12-bit RCODE (RFC 6891 §6.1.3: 4 header bits + 8 OPT bits). */
export function rcodeToNumber(name: RcodeName): number {
  return parseGeneric(name, 'RCODE', Rcode, 0xfff, 'rcode');
}
export function rcodeFromNumber(n: number): RcodeName {
  checkRange(n, 0xfff, 'rcode');
  return (RCODE_BY_NUMBER.get(n) ?? `RCODE${n}`) as RcodeName;
}

export function opcodeToNumber(name: OpcodeName): number {
  return parseGeneric(name, 'OPCODE', Opcode, 15, 'opcode');
}
export function opcodeFromNumber(n: number): OpcodeName {
  checkRange(n, 15, 'opcode');
  return (OPCODE_BY_NUMBER.get(n) ?? `OPCODE${n}`) as OpcodeName;
}
