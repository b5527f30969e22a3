import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerQuery } from '../../servers/authoritative/answer.ts';
import { ZoneSet } from '../../servers/authoritative/zone-set.ts';
import type { Message, RR } from '../../dns/types.ts';
import { Zone } from '../../dns/zone/zone.ts';
import { exampleZone, query, rr, sectionKeys, SOA } from './helpers.ts';

function ask(zones: ZoneSet, m: Message): Message {
  return answerQuery(zones, m);
}
const zs = () => new ZoneSet([exampleZone()]);
const names = (rrs: RR[]) => sectionKeys(rrs);

describe('answerQuery: positive answers (RFC 1034 §4.3.2)', () => {
  it('answers A with AA, apex NS in authority and NS addresses in additional', () => {
    const r = ask(zs(), query('www.example', 'A', { id: 7 }));
    assert.equal(r.id, 7);
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.flags.aa, true);
    assert.equal(r.flags.qr, true);
    assert.deepEqual(names(r.answer), ['www.example A']);
    assert.deepEqual(names(r.authority), ['example NS', 'example NS']);
    assert.deepEqual(names(r.additional), ['ns1.example A', 'ns2.example A']);
    assert.equal(r.edns, undefined, 'no OPT without EDNS in the query');
  });
  it('is case-insensitive on qname and echoes the question as asked', () => {
    const r = ask(zs(), query('WwW.ExAmPlE', 'A'));
    assert.equal(r.question[0]!.qname, 'WwW.ExAmPlE');
    assert.equal(r.answer.length, 1);
  });
  it('NS at the apex: answer only, addresses in additional, no duplicate authority', () => {
    const r = ask(zs(), query('example', 'NS'));
    assert.deepEqual(names(r.answer), ['example NS', 'example NS']);
    assert.deepEqual(r.authority, []);
    assert.deepEqual(names(r.additional), ['ns1.example A', 'ns2.example A']);
  });
  it('MX: exchange address in additional', () => {
    const r = ask(zs(), query('example', 'MX'));
    assert.deepEqual(names(r.additional), ['mail.example A', 'ns1.example A', 'ns2.example A']);
  });
  it('ANY returns one RRset (RFC 8482 §4.1), the first at the node', () => {
    const r = ask(zs(), query('example', 'ANY'));
    assert.deepEqual(names(r.answer), ['example SOA']);
    assert.deepEqual(r.authority, []);
  });
});

describe('answerQuery: CNAME and DNAME', () => {
  it('chases an in-zone CNAME', () => {
    const r = ask(zs(), query('alias.example', 'A'));
    assert.deepEqual(names(r.answer), ['alias.example CNAME', 'www.example A']);
    assert.equal(r.flags.aa, true);
    assert.equal(r.authority.length, 2);
  });
  it('stops at an out-of-zone target, with an empty authority section', () => {
    const r = ask(zs(), query('ext.example', 'A'));
    assert.deepEqual(names(r.answer), ['ext.example CNAME']);
    assert.deepEqual(r.authority, []);
    assert.equal(r.rcode, 'NOERROR');
  });
  it('chases into another zone of the server only with chaseAcrossZones', () => {
    const other = new Zone('other.test', [rr('other.test', 'SOA', SOA), rr('www.other.test', 'A', '198.51.100.80')]);
    const set = new ZoneSet([exampleZone(), other]);
    assert.deepEqual(names(answerQuery(set, query('ext.example', 'A')).answer), ['ext.example CNAME']);
    const r = answerQuery(set, query('ext.example', 'A'), { chaseAcrossZones: true });
    assert.deepEqual(names(r.answer), ['ext.example CNAME', 'www.other.test A']);
    assert.equal(r.flags.aa, true);
  });
  it('qtype CNAME returns the CNAME itself without chasing', () => {
    const r = ask(zs(), query('alias.example', 'CNAME'));
    assert.deepEqual(names(r.answer), ['alias.example CNAME']);
  });
  it('terminates a CNAME loop', () => {
    const r = ask(zs(), query('loop1.example', 'A'));
    assert.deepEqual(names(r.answer), ['loop1.example CNAME', 'loop2.example CNAME']);
    assert.equal(r.rcode, 'NOERROR');
  });
  it('bounds a long chain by maxChain', () => {
    const z = new Zone('chain.test', [rr('chain.test', 'SOA', SOA)]);
    for (let i = 0; i < 20; i++) z.add(rr(`c${i}.chain.test`, 'CNAME', `c${i + 1}.chain.test`));
    const r = answerQuery(new ZoneSet([z]), query('c0.chain.test', 'A'), { maxChain: 5 });
    assert.equal(r.answer.length, 5);
  });
  it('NXDOMAIN at the end of a chain carries the rcode of the last name (RFC 6604)', () => {
    const z = exampleZone();
    z.add(rr('dangling.example', 'CNAME', 'gone.example'));
    const r = ask(new ZoneSet([z]), query('dangling.example', 'A'));
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.deepEqual(names(r.answer), ['dangling.example CNAME']);
    assert.deepEqual(names(r.authority), ['example SOA']);
  });
  it('DNAME synthesizes a CNAME with the DNAME TTL and chases it (RFC 6672 §3.1)', () => {
    const r = ask(zs(), query('a.dn.example', 'A'));
    assert.deepEqual(names(r.answer), ['a.dn.example CNAME', 'dn.example DNAME']);
    const cname = r.answer.find((x) => x.type === 'CNAME')!;
    assert.equal(cname.data, 'a.www.example');
    assert.equal(cname.ttl, 3600);
    assert.equal(r.rcode, 'NXDOMAIN');
  });
  it('DNAME to an existing name gives the data', () => {
    const z = exampleZone();
    z.add(rr('x.www.example', 'A', '192.0.2.99'));
    const r = ask(new ZoneSet([z]), query('x.dn.example', 'A'));
    assert.deepEqual(names(r.answer), ['dn.example DNAME', 'x.dn.example CNAME', 'x.www.example A']);
    assert.equal(r.rcode, 'NOERROR');
  });
  it('DNAME with qtype CNAME: the synthesized CNAME is the answer', () => {
    const r = ask(zs(), query('x.dn.example', 'CNAME'));
    assert.deepEqual(names(r.answer), ['dn.example DNAME', 'x.dn.example CNAME']);
    assert.deepEqual(r.authority, []);
  });
  it('DNAME owner itself is not redirected', () => {
    const r = ask(zs(), query('dn.example', 'A'));
    assert.equal(r.answer.length, 0);
    assert.equal(r.rcode, 'NOERROR');
  });
  it('YXDOMAIN when the substituted name is too long (RFC 6672 §2.2)', () => {
    const long = Array.from({ length: 4 }, () => 'x'.repeat(60)).join('.');
    const z = new Zone('d.test', [rr('d.test', 'SOA', SOA), rr('r.d.test', 'DNAME', long)]);
    const qname = `${'y'.repeat(50)}.${'y'.repeat(50)}.r.d.test`;
    const r = answerQuery(new ZoneSet([z]), query(qname, 'A'));
    assert.equal(r.rcode, 'YXDOMAIN');
  });
});

describe('answerQuery: wildcards (RFC 4592)', () => {
  it('synthesizes the answer with the qname as owner', () => {
    const r = ask(zs(), query('x.wild.example', 'TXT'));
    assert.deepEqual(names(r.answer), ['x.wild.example TXT']);
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.flags.aa, true);
  });
  it('matches more than one label down', () => {
    const r = ask(zs(), query('a.b.c.wild.example', 'A'));
    assert.deepEqual(names(r.answer), ['a.b.c.wild.example A']);
  });
  it('wildcard NODATA', () => {
    const r = ask(zs(), query('x.wild.example', 'AAAA'));
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.answer.length, 0);
    assert.deepEqual(names(r.authority), ['example SOA']);
  });
  it('an empty non-terminal gets NODATA and blocks the wildcard below it', () => {
    const ent = ask(zs(), query('deep.wild.example', 'A'));
    assert.equal(ent.rcode, 'NOERROR');
    assert.equal(ent.answer.length, 0);
    const below = ask(zs(), query('a.deep.wild.example', 'A'));
    assert.equal(below.rcode, 'NXDOMAIN');
  });
  it('the wildcard owner queried literally is an exact match', () => {
    const r = ask(zs(), query('*.wild.example', 'A'));
    assert.deepEqual(names(r.answer), ['*.wild.example A']);
  });
  it('MX from a wildcard gets the exchange address in additional', () => {
    const r = ask(zs(), query('m.wild.example', 'MX'));
    assert.ok(names(r.additional).includes('mail.example A'));
  });
});

describe('answerQuery: negative answers (RFC 2308)', () => {
  it('NXDOMAIN with the SOA, TTL = min(SOA TTL, MINIMUM)', () => {
    const r = ask(zs(), query('nx.example', 'A'));
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.equal(r.flags.aa, true);
    assert.deepEqual(names(r.authority), ['example SOA']);
    assert.equal(r.authority[0]!.ttl, 300);
  });
  it('negative TTL takes the SOA TTL when it is lower than MINIMUM', () => {
    const z = new Zone('t.test', [rr('t.test', 'SOA', { ...SOA, minimum: 900 }, 60)]);
    const r = answerQuery(new ZoneSet([z]), query('nx.t.test', 'A'));
    assert.equal(r.authority[0]!.ttl, 60);
  });
  it('NODATA with the SOA', () => {
    const r = ask(zs(), query('www.example', 'TXT'));
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.answer.length, 0);
    assert.deepEqual(names(r.authority), ['example SOA']);
  });
});

describe('answerQuery: delegations', () => {
  it('refers below a cut: AA=0, NS in authority, in-bailiwick glue only', () => {
    const r = ask(zs(), query('www.sub.example', 'A'));
    assert.equal(r.flags.aa, false);
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(r.answer, []);
    assert.deepEqual(names(r.authority), ['sub.example NS', 'sub.example NS']);
    assert.deepEqual(names(r.additional), ['ns.sub.example A']);
  });
  it('NS at the cut and glue names themselves are referrals too', () => {
    for (const [n, t] of [
      ['sub.example', 'NS'],
      ['ns.sub.example', 'A'],
      ['sub.example', 'A'],
    ] as const) {
      const r = ask(zs(), query(n, t));
      assert.equal(r.flags.aa, false, `${n} ${t}`);
      assert.deepEqual(names(r.authority), ['sub.example NS', 'sub.example NS']);
    }
  });
  it('DS at the cut is answered authoritatively from the parent (RFC 4035 §3.1.4.1)', () => {
    const r = ask(zs(), query('sub.example', 'DS'));
    assert.equal(r.flags.aa, true);
    assert.deepEqual(names(r.answer), ['sub.example DS']);
    assert.deepEqual(r.authority, []);
  });
  it('DS absent at a cut: NODATA with the parent SOA', () => {
    const r = ask(zs(), query('unsigned.example', 'DS'));
    assert.equal(r.flags.aa, true);
    assert.deepEqual(names(r.authority), ['example SOA']);
  });
  it('sibling glue in the zone is given for an out-of-domain NS name', () => {
    const r = ask(zs(), query('x.unsigned.example', 'A'));
    assert.deepEqual(names(r.additional), ['ns1.example A']);
  });
  it('a CNAME into a delegated name adds the referral after the CNAME, AA kept', () => {
    const z = exampleZone();
    z.add(rr('tosub.example', 'CNAME', 'www.sub.example'));
    const r = ask(new ZoneSet([z]), query('tosub.example', 'A'));
    assert.equal(r.flags.aa, true);
    assert.deepEqual(names(r.answer), ['tosub.example CNAME']);
    assert.deepEqual(names(r.authority), ['sub.example NS', 'sub.example NS']);
  });
});

describe('ZoneSet: parent and child zones on one server', () => {
  const child = () =>
    new Zone('sub.example', [
      rr('sub.example', 'SOA', { ...SOA, mname: 'ns.sub.example' }),
      rr('sub.example', 'NS', 'ns.sub.example'),
      rr('ns.sub.example', 'A', '192.0.2.40'),
      rr('www.sub.example', 'A', '192.0.2.41'),
    ]);
  const both = () => new ZoneSet([exampleZone(), child()]);
  it('answers from the deepest zone', () => {
    const r = ask(both(), query('www.sub.example', 'A'));
    assert.equal(r.flags.aa, true);
    assert.deepEqual(names(r.answer), ['www.sub.example A']);
  });
  it('answers NS of the child apex from the child', () => {
    const r = ask(both(), query('sub.example', 'NS'));
    assert.equal(r.flags.aa, true);
    assert.deepEqual(names(r.answer), ['sub.example NS']);
  });
  it('answers DS of the child apex from the parent', () => {
    const r = ask(both(), query('sub.example', 'DS'));
    assert.deepEqual(names(r.answer), ['sub.example DS']);
  });
  it('answers DS at a child apex from the child when the parent is not here', () => {
    const r = ask(new ZoneSet([child()]), query('sub.example', 'DS'));
    assert.equal(r.flags.aa, true);
    assert.deepEqual(names(r.authority), ['sub.example SOA']);
  });
  it('picks up a zone added or removed at run time', () => {
    const set = new ZoneSet([exampleZone()]);
    assert.equal(ask(set, query('www.sub.example', 'A')).flags.aa, false);
    set.add(child());
    assert.equal(ask(set, query('www.sub.example', 'A')).flags.aa, true);
    set.remove('SUB.example');
    assert.equal(ask(set, query('www.sub.example', 'A')).flags.aa, false);
  });
  it('sees zone edits immediately', () => {
    const z = exampleZone();
    const set = new ZoneSet([z]);
    z.replace('www.example', 'A', [rr('www.example', 'A', '198.51.100.7')]);
    assert.equal(ask(set, query('www.example', 'A')).answer[0]!.data, '198.51.100.7');
  });
});

describe('answerQuery: refusals and errors', () => {
  it('REFUSED for a name outside its zones, no AA, EDE 20 with EDNS', () => {
    const r = ask(zs(), query('www.other.test', 'A', { edns: true }));
    assert.equal(r.rcode, 'REFUSED');
    assert.equal(r.flags.aa, false);
    assert.deepEqual(r.edns!.options, [{ code: 15, data: Buffer.from([0, 20]) }]);
    const plain = ask(zs(), query('www.other.test', 'A'));
    assert.equal(plain.rcode, 'REFUSED');
    assert.equal(plain.edns, undefined);
  });
  it('REFUSED for class CH (EDE 21); class ANY is looked up as IN', () => {
    const ch = ask(zs(), query('www.example', 'A', { qclass: 'CH', edns: true }));
    assert.equal(ch.rcode, 'REFUSED');
    assert.deepEqual(ch.edns!.options, [{ code: 15, data: Buffer.from([0, 21]) }]);
    const anyClass = ask(zs(), query('www.example', 'A', { qclass: 'ANY' }));
    assert.equal(anyClass.answer.length, 1);
    assert.equal(anyClass.flags.aa, false, 'class ANY data is not authoritative (NSD)');
  });
  it('NOTIMP for other opcodes, bare header like NSD', () => {
    for (const opcode of ['STATUS', 'NOTIFY', 'UPDATE', 'IQUERY'] as const) {
      const r = ask(zs(), query('www.example', 'A', { opcode, edns: true }));
      assert.equal(r.rcode, 'NOTIMP');
      assert.deepEqual(r.question, []);
      assert.equal(r.edns, undefined);
    }
  });
  it('FORMERR for zero or two questions, with the query ID', () => {
    const none = query('www.example', 'A', { id: 99 });
    none.question = [];
    const r0 = ask(zs(), none);
    assert.equal(r0.rcode, 'FORMERR');
    assert.equal(r0.id, 99);
    const two = query('www.example', 'A', { id: 98 });
    two.question.push({ qname: 'mail.example', qtype: 'A', qclass: 'IN' });
    assert.equal(ask(zs(), two).rcode, 'FORMERR');
  });
  it('FORMERR for a query carrying answer or authority records (NSD)', () => {
    const m = query('www.example', 'A');
    m.answer.push({ name: 'www.example', type: 'A', class: 'IN', ttl: 1, data: '192.0.2.1' });
    assert.equal(ask(zs(), m).rcode, 'FORMERR');
    const n = query('www.example', 'A');
    n.authority.push({ name: 'example', type: 'NS', class: 'IN', ttl: 1, data: 'ns1.example' });
    assert.equal(ask(zs(), n).rcode, 'FORMERR');
  });
  it('FORMERR for a message with QR=1', () => {
    const m = query('www.example', 'A');
    m.flags.qr = true;
    assert.equal(ask(zs(), m).rcode, 'FORMERR');
  });
  it('REFUSED for AXFR/IXFR (EDE 20); an IXFR query may carry its SOA in authority (RFC 1995 §3)', () => {
    const axfr = ask(zs(), query('example', 'AXFR', { edns: true }));
    assert.equal(axfr.rcode, 'REFUSED');
    assert.deepEqual(axfr.edns!.options, [{ code: 15, data: Buffer.from([0, 20]) }]);
    const ixfr = query('example', 'IXFR', { edns: true });
    ixfr.authority.push(rr('example', 'SOA', SOA, 3600));
    const r = ask(zs(), ixfr);
    assert.equal(r.rcode, 'REFUSED');
    assert.deepEqual(r.edns!.options, [{ code: 15, data: Buffer.from([0, 20]) }]);
    assert.equal(ask(zs(), query('example', 'IXFR')).rcode, 'REFUSED');
  });
});

describe('answerQuery: EDNS (RFC 6891)', () => {
  it('echoes OPT with our payload size and the DO bit', () => {
    const r = ask(zs(), query('www.example', 'A', { size: 4096, do: true }));
    assert.equal(r.edns!.udpPayloadSize, 1232);
    assert.equal(r.edns!.do, true);
    assert.equal(r.edns!.version, 0);
    const custom = answerQuery(zs(), query('www.example', 'A', { size: 4096 }), { udpPayloadSize: 4000 });
    assert.equal(custom.edns!.udpPayloadSize, 4000);
  });
  it('BADVERS for version 1, with version 0 in our OPT', () => {
    const r = ask(zs(), query('www.example', 'A', { version: 1 }));
    assert.equal(r.rcode, 'BADVERS');
    assert.equal(r.edns!.version, 0);
    assert.equal(r.answer.length, 0);
    assert.equal(r.flags.aa, false);
  });
  it('ignores unknown options', () => {
    const m = query('www.example', 'A', { edns: true });
    m.edns!.options.push({ code: 65001, data: Buffer.from('abcd', 'hex') });
    const r = ask(zs(), m);
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(r.edns!.options, []);
  });
  it('copies RD and CD, never sets RA or AD', () => {
    const m = query('www.example', 'A');
    m.flags.rd = true;
    m.flags.cd = true;
    const r = ask(zs(), m);
    assert.equal(r.flags.rd, true);
    assert.equal(r.flags.cd, true);
    assert.equal(r.flags.ra, false);
    assert.equal(r.flags.ad, false);
  });
});
