// The plain-ASCII fast paths added to dns/name.ts (canonicalName,
// isSubdomain, canonicalCompare) must agree with the label/octet definitions
// of RFC 4034 §6.1-6.2 on every input. Reference versions are written here
// from the RFC, independently of name.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalCompare, canonicalName, isSubdomain, labelOctets, labels } from '../../dns/name.ts';

const lowerOctets = (b: Buffer): Buffer => Buffer.from(b.map((x) => (x >= 0x41 && x <= 0x5a ? x + 0x20 : x)));
const refLabels = (n: string): Buffer[] => labels(n).map((l) => lowerOctets(labelOctets(l)));

function refCompare(a: string, b: string): number {
  const la = refLabels(a);
  const lb = refLabels(b);
  for (let i = 1; i <= Math.min(la.length, lb.length); i++) {
    const c = Buffer.compare(la[la.length - i]!, lb[lb.length - i]!);
    if (c !== 0) return c;
  }
  return la.length - lb.length;
}

function refIsSubdomain(s: string, a: string): boolean {
  const ls = refLabels(s);
  const la = refLabels(a);
  if (la.length > ls.length) return false;
  return la.every((l, i) => l.equals(ls[ls.length - la.length + i]!));
}

test('fast paths agree with the RFC 4034 definitions on 3000 seeded name pairs', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const pieces = ['a', 'A', 'b', 'B', 'z', 'Z', '-', '_', '*', '0', '9', 'ab', 'aB', '\\065', '\\.', 'x\\032y', '~', '\\255'];
  const label = (): string => Array.from({ length: 1 + rnd(3) }, () => pieces[rnd(pieces.length)]!).join('');
  const name = (): string => {
    const n = rnd(5);
    return n === 0 ? '.' : Array.from({ length: n }, label).join('.');
  };
  const names = Array.from({ length: 200 }, name);
  for (let i = 0; i < 3000; i++) {
    const a = names[rnd(names.length)]!;
    const b = rnd(3) === 0 ? `${label()}.${a}` : names[rnd(names.length)]!;
    assert.equal(Math.sign(canonicalCompare(a, b)), Math.sign(refCompare(a, b)), `compare ${a} ${b}`);
    assert.equal(isSubdomain(b, a), refIsSubdomain(b, a), `isSubdomain ${b} ${a}`);
    assert.equal(canonicalName(a) === canonicalName(b), refCompare(a, b) === 0, `equality ${a} ${b}`);
  }
  assert.equal(canonicalName('WwW.ExAmPlE.JP'), 'www.example.jp');
  assert.ok(isSubdomain('WWW.example.jp', 'Example.JP'));
  assert.ok(!isSubdomain('wwwexample.jp', 'example.jp'));
});
