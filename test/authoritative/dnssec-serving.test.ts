import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32hex } from '../../dns/base32hex.ts';
import { nsec3Hash } from '../../dns/dnssec/nsec3-hash.ts';
import { canonicalName, labels } from '../../dns/name.ts';
import type { Message, Nsec3Data, NsecData, RR } from '../../dns/types.ts';
import { answerQuery } from '../../servers/authoritative/answer.ts';
import { ZoneSet } from '../../servers/authoritative/zone-set.ts';
import { exampleZone, fakeSignNsec, fakeSignNsec3, query, sectionKeys } from './helpers.ts';

const nsecZone = () => new ZoneSet([fakeSignNsec(exampleZone())]);
const nsec3Zone = (optOut = false) => new ZoneSet([fakeSignNsec3(exampleZone(), { optOut })]);
const keys = (rrs: RR[]) => sectionKeys(rrs);
const ofType = (rrs: RR[], t: string) => rrs.filter((r) => r.type === t);

/** True if NSEC `rr` covers (strictly) or matches `name`, canonical order (RFC 4034 §6.1). */
function nsecSpans(rr: RR, name: string): boolean {
  const { nextDomain } = rr.data as NsecData;
  const ls = (n: string) => labels(canonicalName(n)).reverse().join('\u0000');
  const [o, n, q] = [ls(rr.name), ls(nextDomain), ls(name)];
  return o < n ? o <= q && q < n : o <= q || q < n;
}
function nsec3Hex(name: string): string {
  return base32hex(nsec3Hash(name, Buffer.from('abcd', 'hex'), 0)).toLowerCase();
}
function nsec3Covers(rr: RR, name: string): boolean {
  const owner = labels(rr.name)[0]!.toLowerCase();
  const next = base32hex((rr.data as Nsec3Data).nextHashedOwner).toLowerCase();
  const h = nsec3Hex(name);
  return owner < next ? owner < h && h < next : owner < h || h < next;
}
const nsec3Matches = (rr: RR, name: string) => labels(rr.name)[0]!.toLowerCase() === nsec3Hex(name);

function ask(set: ZoneSet, m: Message) {
  return answerQuery(set, m);
}

describe('DNSSEC serving, NSEC (RFC 4035 §3.1)', () => {
  it('DO=0: no RRSIG or NSEC anywhere', () => {
    for (const [n, t] of [
      ['www.example', 'A'],
      ['nx.example', 'A'],
      ['www.example', 'TXT'],
      ['www.sub.example', 'A'],
    ] as const) {
      const r = ask(nsecZone(), query(n, t, { edns: true }));
      const all = [...r.answer, ...r.authority, ...r.additional];
      assert.equal(all.filter((x) => x.type === 'RRSIG' || x.type === 'NSEC').length, 0, `${n} ${t}`);
    }
  });
  it('DO=1 positive: RRSIG for the answer and the authority NS', () => {
    const r = ask(nsecZone(), query('www.example', 'A', { do: true }));
    assert.deepEqual(keys(r.answer), ['www.example A', 'www.example RRSIG/A']);
    assert.deepEqual(keys(r.authority), ['example NS', 'example NS', 'example RRSIG/NS']);
    assert.ok(keys(r.additional).includes('ns1.example RRSIG/A'));
  });
  it('NXDOMAIN: NSEC covering qname and NSEC covering the wildcard, each signed', () => {
    const r = ask(nsecZone(), query('nx.example', 'A', { do: true }));
    assert.equal(r.rcode, 'NXDOMAIN');
    const nsecs = ofType(r.authority, 'NSEC');
    assert.ok(
      nsecs.some((n) => nsecSpans(n, 'nx.example')),
      'qname covered',
    );
    assert.ok(
      nsecs.some((n) => nsecSpans(n, '*.example')),
      'wildcard covered',
    );
    assert.equal(ofType(r.authority, 'RRSIG').length, 1 + nsecs.length, 'SOA and each NSEC signed');
  });
  it('NODATA: the NSEC at qname, whose bitmap lacks qtype', () => {
    const r = ask(nsecZone(), query('www.example', 'TXT', { do: true }));
    const nsecs = ofType(r.authority, 'NSEC');
    assert.equal(nsecs.length, 1);
    assert.equal(canonicalName(nsecs[0]!.name), 'www.example');
    assert.ok(!(nsecs[0]!.data as NsecData).types.includes('TXT'));
  });
  it('NODATA at an empty non-terminal: the NSEC spanning it', () => {
    const r = ask(nsecZone(), query('deep.wild.example', 'A', { do: true }));
    const nsecs = ofType(r.authority, 'NSEC');
    assert.equal(nsecs.length, 1);
    assert.ok(nsecSpans(nsecs[0]!, 'deep.wild.example'));
  });
  it('wildcard answer: RRSIG renamed to qname plus NSEC proving qname does not exist', () => {
    const r = ask(nsecZone(), query('x.wild.example', 'A', { do: true }));
    assert.deepEqual(keys(r.answer), ['x.wild.example A', 'x.wild.example RRSIG/A']);
    const sig = ofType(r.answer, 'RRSIG')[0]!;
    assert.equal((sig.data as { labels: number }).labels, 2, 'labels field shows the expansion');
    const nsecs = ofType(r.authority, 'NSEC');
    assert.equal(nsecs.length, 1);
    assert.ok(nsecSpans(nsecs[0]!, 'x.wild.example'));
  });
  it('wildcard NODATA: NSEC covering qname and the NSEC at the wildcard', () => {
    const r = ask(nsecZone(), query('x.wild.example', 'AAAA', { do: true }));
    const nsecs = ofType(r.authority, 'NSEC').map((n) => canonicalName(n.name));
    assert.ok(nsecs.includes('*.wild.example'));
    assert.equal(nsecs.length, 2);
  });
  it('referral to a signed child: DS and its RRSIG, unsigned NS', () => {
    const r = ask(nsecZone(), query('www.sub.example', 'A', { do: true }));
    assert.deepEqual(keys(r.authority), ['sub.example DS', 'sub.example NS', 'sub.example NS', 'sub.example RRSIG/DS']);
  });
  it('referral to an unsigned child: the NSEC at the cut proves no DS', () => {
    const r = ask(nsecZone(), query('www.unsigned.example', 'A', { do: true }));
    const nsec = ofType(r.authority, 'NSEC');
    assert.equal(nsec.length, 1);
    assert.equal(canonicalName(nsec[0]!.name), 'unsigned.example');
    assert.ok(!(nsec[0]!.data as NsecData).types.includes('DS'));
    assert.ok(keys(r.authority).includes('unsigned.example RRSIG/NSEC'));
  });
  it('DS query at an unsigned cut: NODATA from the parent with the NSEC at the cut', () => {
    const r = ask(nsecZone(), query('unsigned.example', 'DS', { do: true }));
    assert.equal(r.flags.aa, true);
    assert.ok(keys(r.authority).includes('unsigned.example NSEC'));
  });
  it('CNAME answer: each RRset of the chain signed', () => {
    const r = ask(nsecZone(), query('alias.example', 'A', { do: true }));
    assert.deepEqual(keys(r.answer), ['alias.example CNAME', 'alias.example RRSIG/CNAME', 'www.example A', 'www.example RRSIG/A']);
  });
  it('DNAME answer: DNAME signed, synthesized CNAME unsigned', () => {
    const r = ask(nsecZone(), query('a.dn.example', 'A', { do: true }));
    assert.ok(keys(r.answer).includes('dn.example RRSIG/DNAME'));
    assert.ok(!keys(r.answer).includes('a.dn.example RRSIG/CNAME'));
  });
});

describe('DNSSEC serving, NSEC3 (RFC 5155 §7.2)', () => {
  it('NXDOMAIN: closest encloser proof plus wildcard cover (3 NSEC3)', () => {
    const r = ask(nsec3Zone(), query('a.b.nx.example', 'A', { do: true }));
    assert.equal(r.rcode, 'NXDOMAIN');
    const n3 = ofType(r.authority, 'NSEC3');
    assert.ok(
      n3.some((x) => nsec3Matches(x, 'example')),
      'closest encloser matched',
    );
    assert.ok(
      n3.some((x) => nsec3Covers(x, 'nx.example')),
      'next closer covered',
    );
    assert.ok(
      n3.some((x) => nsec3Covers(x, '*.example')),
      'wildcard covered',
    );
    assert.ok(n3.length >= 2 && n3.length <= 3);
    assert.equal(ofType(r.authority, 'RRSIG').length, 1 + n3.length);
  });
  it('NODATA: the matching NSEC3', () => {
    const r = ask(nsec3Zone(), query('www.example', 'TXT', { do: true }));
    const n3 = ofType(r.authority, 'NSEC3');
    assert.equal(n3.length, 1);
    assert.ok(nsec3Matches(n3[0]!, 'www.example'));
  });
  it('NODATA at an empty non-terminal: its own NSEC3 (ENTs are hashed)', () => {
    const r = ask(nsec3Zone(), query('deep.wild.example', 'A', { do: true }));
    const n3 = ofType(r.authority, 'NSEC3');
    assert.equal(n3.length, 1);
    assert.ok(nsec3Matches(n3[0]!, 'deep.wild.example'));
  });
  it('wildcard answer: NSEC3 covering the next closer name', () => {
    const r = ask(nsec3Zone(), query('a.b.wild.example', 'A', { do: true }));
    const n3 = ofType(r.authority, 'NSEC3');
    assert.equal(n3.length, 1);
    assert.ok(nsec3Covers(n3[0]!, 'b.wild.example'));
  });
  it('wildcard NODATA: closest encloser, next closer cover and wildcard match', () => {
    const r = ask(nsec3Zone(), query('x.wild.example', 'AAAA', { do: true }));
    const n3 = ofType(r.authority, 'NSEC3');
    assert.ok(n3.some((x) => nsec3Matches(x, 'wild.example')));
    assert.ok(n3.some((x) => nsec3Covers(x, 'x.wild.example')));
    assert.ok(n3.some((x) => nsec3Matches(x, '*.wild.example')));
  });
  it('insecure referral without opt-out: the NSEC3 matching the cut', () => {
    const r = ask(nsec3Zone(), query('www.unsigned.example', 'A', { do: true }));
    const n3 = ofType(r.authority, 'NSEC3');
    assert.equal(n3.length, 1);
    assert.ok(nsec3Matches(n3[0]!, 'unsigned.example'));
  });
  it('insecure referral with opt-out: closest provable encloser + opt-out cover of the cut', () => {
    const r = ask(nsec3Zone(true), query('www.unsigned.example', 'A', { do: true }));
    const n3 = ofType(r.authority, 'NSEC3');
    assert.ok(n3.some((x) => nsec3Matches(x, 'example')));
    const cover = n3.find((x) => nsec3Covers(x, 'unsigned.example'));
    assert.ok(cover, 'next closer (the cut) covered');
    assert.equal((cover.data as Nsec3Data).flags & 1, 1, 'opt-out flag');
  });
  it('signed referral: DS + RRSIG, no NSEC3', () => {
    const r = ask(nsec3Zone(true), query('www.sub.example', 'A', { do: true }));
    assert.equal(ofType(r.authority, 'NSEC3').length, 0);
    assert.ok(keys(r.authority).includes('sub.example RRSIG/DS'));
  });
});

describe('online signer hook', () => {
  it('gets the unsigned answer when DO=1 and its result is returned', () => {
    const set = new ZoneSet();
    const seen: Message[] = [];
    set.add(fakeSignNsec(exampleZone()), {
      onlineSigner: {
        signAnswer(response) {
          seen.push(structuredClone(response));
          return { ...response, answer: [...response.answer, { name: 'www.example', type: 'TXT', class: 'IN', ttl: 1, data: [Buffer.from('signed')] }] };
        },
      },
    });
    const r = answerQuery(set, query('www.example', 'A', { do: true }));
    assert.equal(seen.length, 1);
    assert.ok(![...seen[0]!.answer, ...seen[0]!.authority].some((x) => x.type === 'RRSIG'), 'stored RRSIGs not used');
    assert.deepEqual(keys(r.answer), ['www.example A', 'www.example TXT']);
    answerQuery(set, query('www.example', 'A', { edns: true }));
    assert.equal(seen.length, 1, 'not called for DO=0');
  });
});
