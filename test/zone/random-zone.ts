// Seeded random master files for differential tests against BIND and Knot:
// owners with escapes and mixed case, TTL/class in either order, units, blank
// owners, parentheses, comments, $ORIGIN/$TTL switches, generic RDATA, and
// random RDATA for most types. Every zone loads in named-checkzone.

class Rand {
  constructor(private seed: number) {}
  next(n: number): number {
    this.seed = (Math.imul(this.seed ^ (this.seed >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return this.seed % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.next(xs.length)]!;
  }
  hex(octets: number): string {
    return Array.from({ length: octets }, () => this.next(256).toString(16).padStart(2, '0')).join('');
  }
  b64(octets: number): string {
    return Buffer.from(Array.from({ length: octets }, () => this.next(256))).toString('base64');
  }
}

function label(r: Rand): string {
  const parts = ['www', 'Mail', 'a', 'x-1', '_tcp', '_sip', 'Host', 'sub', 'b2', '*'];
  let l = r.pick(parts);
  if (l === '*') return r.next(3) === 0 ? '*' : 'w';
  if (r.next(8) === 0) l += r.pick(['\\.', '\\032', '\\065', '\\\\', '\\(', '\\"', '\\;']);
  return l;
}

function relName(r: Rand): string {
  return Array.from({ length: 1 + r.next(3) }, () => label(r)).join('.');
}

function target(r: Rand): string {
  return r.pick([relName(r), `${relName(r)}.example.net.`, '@', '.']);
}

function charString(r: Rand): string {
  const words = ['hello', 'a b', 'semi;colon', 'q\\"q', 'back\\\\slash', '\\255\\000', '(paren)', ''];
  return `"${r.pick(words)}"`;
}

function rdata(r: Rand): [string, string] {
  const ip4 = `192.0.2.${r.next(256)}`;
  switch (r.next(26)) {
    case 18:
      return [
        'NSEC3',
        `1 ${r.next(2)} ${r.next(50)} ${r.pick(['-', r.hex(1 + r.next(8))])} ${r.pick(['B28L52288HIU3A1O3KGCKRMCD173USM4', '3uh40gac72vhfnlmpih9s058i8eemj6m'])} ${r.pick(['A RRSIG', 'NS DS RRSIG', '', 'TYPE65534'])}`,
      ];
    case 19:
      return ['URI', `${r.next(65536)} ${r.next(65536)} ${charString(r)}`];
    case 20:
      return [r.pick(['SPF', 'TYPE99']), r.pick(['"v=spf1 -all"', '\\# 4 03616263'])];
    case 21:
      return r.pick([
        ['RP', `${target(r)} ${target(r)}`],
        ['AFSDB', `${r.next(3)} ${target(r)}`],
        ['KX', `${r.next(100)} ${target(r)}`],
      ] as [string, string][]);
    case 22:
      return [
        'HTTPS',
        `1 . mandatory=${r.pick(['alpn', 'port', 'alpn,port'])} alpn=h2 port=443${r.next(2) ? ' no-default-alpn' : ''}${r.next(2) ? ' ech=AEn+DQBF' : ''}${r.next(2) ? ' key65333="x y"' : ''}`,
      ];
    case 23:
      return ['TYPE16', `\\# ${1 + 3} 03${r.hex(3)}`];
    case 24:
      return ['EUI48', `${r.hex(1)}-${r.hex(1)}-${r.hex(1)}-${r.hex(1)}-${r.hex(1)}-${r.hex(1)}`];
    case 25:
      return ['RRSIG', `A 8 3 60 ${r.pick(['20300101000000', '20261231235959'])} ${r.pick(['20260101000000', '1767225600'])} 1 example.jp. ${r.b64(6)}`];
    case 0:
      return ['A', ip4];
    case 1:
      return ['AAAA', r.pick(['2001:db8::1', '2001:DB8:0:0:1:0:0:1', '::', '::ffff:192.0.2.1', '2001:db8:1:2:3:4:5:6'])];
    case 2:
      return ['MX', `${r.next(65536)} ${target(r)}`];
    case 3:
      return ['TXT', Array.from({ length: 1 + r.next(3) }, () => charString(r)).join(' ')];
    case 4:
      return ['SRV', `${r.next(65536)} ${r.next(65536)} ${r.next(65536)} ${target(r)}`];
    case 5:
      return ['CAA', `${r.pick([0, 128])} ${r.pick(['issue', 'issuewild', 'iodef', 'tbs'])} ${charString(r)}`];
    case 6:
      return ['DS', `${r.next(65536)} ${r.pick([8, 13, 15])} 2 ( ${r.hex(16)}\n  ${r.hex(16)} )`];
    case 7:
      return ['DNSKEY', `${r.pick([256, 257])} 3 ${r.pick([8, 13])} ${r.b64(1 + r.next(40))}`];
    case 8:
      return ['TLSA', `${r.next(4)} ${r.next(2)} ${r.next(3)} ${r.hex(1 + r.next(40))}`];
    case 9:
      return ['SSHFP', `${r.next(5)} 2 ${r.hex(32)}`];
    case 10:
      return [
        'NSEC',
        `${target(r)} ${Array.from({ length: 1 + r.next(5) }, () => r.pick(['A', 'NS', 'MX', 'TXT', 'AAAA', 'RRSIG', 'NSEC', 'TYPE1234', 'CAA', 'TYPE65534'])).join(' ')}`,
      ];
    case 11:
      return ['NSEC3PARAM', `1 0 ${r.next(20)} ${r.pick(['-', r.hex(1 + r.next(8))])}`];
    case 12:
      return ['HINFO', `${charString(r)} ${charString(r)}`];
    case 13:
      return ['NAPTR', `${r.next(100)} ${r.next(100)} "S" "SIP+D2U" "" ${target(r)}`];
    case 14:
      return ['SVCB', `${1 + r.next(10)} ${target(r)} alpn=${r.pick(['h2', 'h3,h2', '"h2,h3"'])} port=${r.next(65536)}${r.next(2) ? ` ipv4hint=${ip4}` : ''}`];
    case 15:
      return [`TYPE${65280 + r.next(200)}`, `\\# 3 ${r.hex(3)}`];
    case 16:
      return ['A', `\\# 4 ${r.hex(4)}`];
    default:
      return [
        'RRSIG',
        `${r.pick(['A', 'TXT', 'TYPE65534'])} 13 2 300 ${1700000000 + r.next(100000000)} 20261101000000 ${r.next(65536)} example.jp. ${r.b64(3 * (1 + r.next(20)))}`,
      ];
  }
}

/**
 * `knot: true` leaves out what Knot 3.2 refuses to load although BIND loads
 * it: the CLASS1 mnemonic, and more than one NSEC3PARAM at the apex.
 */
export function randomZone(seed: number, records: number, options: { knot?: boolean } = {}): string {
  const r = new Rand(seed);
  const out = ['$ORIGIN example.jp.', '$TTL 1h', '@ IN SOA ns1 hostmaster ( 1 2h 1h 2w 300 )', '  IN NS ns1', 'ns1 A 192.0.2.1'];
  let hasOwner = true;
  for (let i = 0; i < records; i++) {
    if (r.next(40) === 0) {
      out.push(`$ORIGIN ${r.pick(['sub.example.jp.', 'example.jp.', 'Deep.Sub.example.jp.'])}`);
      hasOwner = false;
    }
    if (r.next(50) === 0) out.push(`$TTL ${r.pick(['300', '1d', '2h30m', '1W'])}`);
    const [type, data] = rdata(r);
    // BIND refuses DS at the apex; keep generated zones loadable.
    // NSEC3 owners must be hashed names right below the apex (BIND refuses others, RFC 5155 §3).
    const owner =
      type === 'NSEC3'
        ? `${r.pick(['b28l52288hiu3a1o3kgckrmcd173usm4', '3UH40GAC72VHFNLMPIH9S058I8EEMJ6M'])}.example.jp.`
        : hasOwner && r.next(4) === 0 && type !== 'DS' && type !== 'NSEC3PARAM'
          ? ''
          : r.pick([type === 'DS' || (options.knot && type === 'NSEC3PARAM') ? 'ds' : '@', relName(r), `${relName(r)}.example.jp.`]);
    hasOwner = true;
    const ttl = r.pick(['', '', `${r.next(100000)}`, '5m', '1h2m3s']);
    const cls = r.pick(options.knot ? ['', 'IN', 'in'] : ['', 'IN', 'in', 'CLASS1']);
    const head = r.next(2) ? [ttl, cls] : [cls, ttl];
    const comment = r.next(6) === 0 ? ' ; a comment' : '';
    out.push(`${owner === '' ? '\t' : owner}\t${head.filter(Boolean).join(' ')}\t${type}\t${data}${comment}`);
  }
  return out.join('\n') + '\n';
}
