// Who may use the resolver (docs/ARCHITECTURE.md, "Safe by default": emulated resolvers answer
// only lab clients). Default: loopback, private and documentation ranges —
// the addresses lab topologies are built from. Anything else gets REFUSED,
// like Unbound's default `access-control` (refuse for non-local clients).

import { isIP } from 'node:net';
import { DnslabError } from '../../dns/types.ts';

export const DEFAULT_ACL: readonly string[] = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  '2001:db8::/32',
];

interface Prefix {
  bits: bigint;
  length: number;
  width: number;
}

function toBigInt(address: string): { value: bigint; width: number } | undefined {
  const family = isIP(address);
  if (family === 4) {
    const parts = address.split('.').map(Number);
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), width: 32 };
  }
  if (family === 6) {
    let a = address;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    if (v4) {
      const p = v4[1]!.split('.').map(Number);
      a = a.slice(0, -v4[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
    }
    const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
    const h = head ? head.split(':').filter((x) => x !== '') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
  }
  return undefined;
}

export class AclError extends DnslabError {
  constructor(message: string) {
    super('BAD_ACL', message);
    this.name = 'AclError';
  }
}

function parsePrefix(cidr: string): Prefix {
  const [addr, lenText] = cidr.split('/');
  const v = addr ? toBigInt(addr) : undefined;
  if (!v) throw new AclError(`ACL entry "${cidr}": expected ADDRESS/LENGTH, e.g. 127.0.0.0/8`);
  const length = lenText === undefined ? v.width : Number(lenText);
  if (!Number.isInteger(length) || length < 0 || length > v.width) throw new AclError(`ACL entry "${cidr}": prefix length must be 0..${v.width}`);
  return { bits: v.value >> BigInt(v.width - length), length, width: v.width };
}

export class Acl {
  private readonly prefixes: Prefix[];
  constructor(cidrs: readonly string[]) {
    this.prefixes = cidrs.map(parsePrefix);
  }
  /** Verdicts already reached: a server checks the same few clients on every query. */
  private readonly seen = new Map<string, boolean>();

  allows(address: string): boolean {
    const known = this.seen.get(address);
    if (known !== undefined) return known;
    const v = toBigInt(address);
    const verdict = v !== undefined && this.prefixes.some((p) => p.width === v.width && v.value >> BigInt(p.width - p.length) === p.bits);
    if (this.seen.size >= 4096) this.seen.clear();
    this.seen.set(address, verdict);
    return verdict;
  }
}
