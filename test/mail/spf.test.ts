// RFC 7208 check_host() against zone data: lookups are answered from a Zone
// parsed from master-file text (the same data a lab server would serve), so
// every rule is checked on real records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHost, inNetwork, type SpfLookup } from '../../servers/mail/spf.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { Name, RRTypeName } from '../../dns/types.ts';
import { isSubdomain } from '../../dns/name.ts';

function lookupFrom(text: string, origin = 'example.jp', failing: Name[] = []): SpfLookup & { count: () => number } {
  const zone = parseZoneText(text, origin, 'test zone');
  let n = 0;
  const f = async (qname: Name, qtype: RRTypeName) => {
    n++;
    if (failing.includes(qname)) return { rcode: 'SERVFAIL', answer: [] };
    if (!isSubdomain(qname, origin)) return { rcode: 'NXDOMAIN', answer: [] };
    const set = zone.get(qname, qtype);
    if (set) return { rcode: 'NOERROR', answer: set.records };
    const exists = zone.sortedNames().some((name) => isSubdomain(name, qname));
    return { rcode: exists ? 'NOERROR' : 'NXDOMAIN', answer: [] };
  };
  return Object.assign(f, { count: () => n });
}

const base = `
$TTL 300
@        IN SOA ns.example.jp. h.example.jp. 1 3600 900 604800 300
@        IN NS  ns.example.jp.
@        IN MX  10 mx1
mx1      IN A   192.0.2.25
mx1      IN AAAA 2001:db8::25
web      IN A   192.0.2.80
`;

test('§4.5: two v=spf1 records are a permerror (docomo 2021); one merged record passes', async () => {
  const two = lookupFrom(
    `${base}@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n@ IN TXT "v=spf1 include:spf.example.jp -all"\n@ IN TXT "google-site-verification=x"\n`,
  );
  const r = await checkHost({ ip: '192.0.2.10', sender: 'user@example.jp' }, two);
  assert.equal(r.result, 'permerror');
  assert.match(r.reason, /2 "v=spf1" records/);
  const one = lookupFrom(`${base}@ IN TXT "v=spf1 ip4:192.0.2.0/24 include:spf.example.jp -all"\nspf IN TXT "v=spf1 ip4:198.51.100.0/24 -all"\n`);
  assert.equal((await checkHost({ ip: '192.0.2.10', sender: 'user@example.jp' }, one)).result, 'pass');
  assert.equal((await checkHost({ ip: '198.51.100.7', sender: 'user@example.jp' }, one)).result, 'pass');
  assert.equal((await checkHost({ ip: '203.0.113.9', sender: 'user@example.jp' }, one)).result, 'fail');
});

test('§4.5: "v=spf10" and text not starting with v=spf1 are not SPF records; none without one', async () => {
  const l = lookupFrom(`${base}@ IN TXT "v=spf10 -all"\n@ IN TXT "hello v=spf1 -all"\n`);
  assert.equal((await checkHost({ ip: '192.0.2.10', sender: 'a@example.jp' }, l)).result, 'none');
});

test('§3.3: a record in several strings is concatenated without spaces', async () => {
  const l = lookupFrom(`${base}@ IN TXT "v=spf1 ip4:192.0.2.0" "/24 -all"\n`);
  assert.equal((await checkHost({ ip: '192.0.2.200', sender: 'a@example.jp' }, l)).result, 'pass');
});

test('§5: a, mx (with CIDR and IPv6), qualifiers, default neutral', async () => {
  const l = lookupFrom(`${base}@ IN TXT "v=spf1 mx a:web.example.jp/30 ~all"\n`);
  assert.equal((await checkHost({ ip: '192.0.2.25', sender: 'a@example.jp' }, l)).result, 'pass');
  assert.equal((await checkHost({ ip: '2001:db8::25', sender: 'a@example.jp' }, l)).result, 'pass');
  assert.equal((await checkHost({ ip: '192.0.2.82', sender: 'a@example.jp' }, l)).result, 'pass');
  assert.equal((await checkHost({ ip: '192.0.2.84', sender: 'a@example.jp' }, l)).result, 'softfail');
  const n = lookupFrom(`${base}@ IN TXT "v=spf1 ?ip6:2001:db8::/32"\n`);
  assert.equal((await checkHost({ ip: '2001:db8:1::1', sender: 'a@example.jp' }, n)).result, 'neutral');
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, n)).result, 'neutral');
});

test('§5.2: include of a domain without SPF is a permerror; temperror propagates', async () => {
  const l = lookupFrom(`${base}@ IN TXT "v=spf1 include:nothing.example.jp -all"\nnothing IN A 192.0.2.1\n`);
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, l)).result, 'permerror');
  const t = lookupFrom(`${base}@ IN TXT "v=spf1 include:spf.example.jp -all"\nspf IN TXT "v=spf1 -all"\n`, 'example.jp', ['spf.example.jp']);
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, t)).result, 'temperror');
});

test('§4.6.4: the 11th DNS-querying term is a permerror; ip4/all do not count', async () => {
  const chain = Array.from({ length: 11 }, (_, i) => `i${i} IN TXT "v=spf1 ${i < 10 ? `include:i${i + 1}.example.jp ` : ''}-all"`).join('\n');
  const l = lookupFrom(`${base}@ IN TXT "v=spf1 ip4:198.51.100.1 include:i0.example.jp -all"\n${chain}\n`);
  const r = await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, l);
  assert.equal(r.result, 'permerror');
  assert.match(r.reason, /more than 10 DNS-querying terms/);
  assert.equal(r.dnsTerms, 11);
  // Nine includes deep is fine: 10 terms.
  const ok = Array.from({ length: 10 }, (_, i) => `i${i} IN TXT "v=spf1 ${i < 9 ? `include:i${i + 1}.example.jp ` : ''}ip4:192.0.2.1"`).join('\n');
  const l2 = lookupFrom(`${base}@ IN TXT "v=spf1 include:i0.example.jp -all"\n${ok}\n`);
  const r2 = await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, l2);
  assert.equal(r2.result, 'pass', r2.reason);
  assert.equal(r2.dnsTerms, 10);
});

test('§4.6.4: a third void lookup is a permerror', async () => {
  const l = lookupFrom(`${base}@ IN TXT "v=spf1 a:v1.example.jp a:v2.example.jp a:v3.example.jp -all"\n`);
  const r = await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, l);
  assert.equal(r.result, 'permerror');
  assert.match(r.reason, /void lookups/);
});

test('§6.1 redirect, §7 macros, exists', async () => {
  const l = lookupFrom(
    `${base}@ IN TXT "v=spf1 redirect=_spf.example.jp"\n_spf IN TXT "v=spf1 exists:%{ir}.%{l}._ok.%{d} -all"\n1.2.0.192.user._ok._spf IN A 127.0.0.2\n`,
  );
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'user@example.jp' }, l)).result, 'pass');
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'other@example.jp' }, l)).result, 'fail');
  const bad = lookupFrom(`${base}@ IN TXT "v=spf1 redirect=none.example.jp"\n`);
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, bad)).result, 'permerror');
});

test('§4.6.1: syntax errors anywhere in the record are a permerror, even after a match', async () => {
  const l = lookupFrom(`${base}@ IN TXT "v=spf1 ip4:192.0.2.1 ip4:300.1.1.1/8 -all"\n`);
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, l)).result, 'permerror');
  const m = lookupFrom(`${base}@ IN TXT "v=spf1 ip4:192.0.2.1 frobnicate -all"\n`);
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, m)).result, 'permerror');
});

test('DNS errors at the top are temperror; nonexistent domain is none', async () => {
  const l = lookupFrom(base, 'example.jp', ['example.jp']);
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'a@example.jp' }, l)).result, 'temperror');
  assert.equal((await checkHost({ ip: '192.0.2.1', sender: 'a@nope.example' }, lookupFrom(base))).result, 'none');
});

test('inNetwork: prefixes, families, v4-mapped', () => {
  assert.ok(inNetwork('192.0.2.130', '192.0.2.128', 25));
  assert.ok(!inNetwork('192.0.2.127', '192.0.2.128', 25));
  assert.ok(inNetwork('::ffff:192.0.2.1', '192.0.2.0', 24));
  assert.ok(!inNetwork('2001:db8::1', '192.0.2.0', 0));
  assert.ok(inNetwork('2001:db8:0:1::1', '2001:db8::', 32));
  assert.ok(!inNetwork('2001:db9::1', '2001:db8::', 32));
});
