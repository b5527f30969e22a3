// Cross-check with BIND's delv: zones signed by dnssec-signzone are served by
// a real NSD on 127.0.6.10; for each query, delv's verdict ("fully
// validated" / "unsigned answer" / "resolution failed") must match what our
// validator concludes from the very same response (fetched with dig).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EdeCode } from '../../dns/wire/edns.ts';
import { verifyDenial } from '../../dns/dnssec/denial.ts';
import { verifyDnskeys, verifyRRset, verifyRRsets, type SecurityStatus, type Verdict } from '../../dns/dnssec/validate.ts';
import { makeQuery } from '../../dns/message.ts';
import { groupRRsets } from '../../dns/rrset.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import type { DsData, RR, RrsigData } from '../../dns/types.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import { startNsd, stopChild } from '../authoritative/lib/dns-client.ts';
import { flipByte, parentZoneText, requireBindTools, requireTool, signWithBind, withData, type SignedZone } from './validate-fixtures.ts';

const ADDRESS = '127.0.6.10';
const PORT = 5306;

interface DigResponse {
  rcode: string;
  answer: RR[];
  authority: RR[];
}

function dig(qname: string, qtype: string): DigResponse {
  const out = execFileSync('dig', ['+dnssec', '+norec', '+nosplit', '+time=2', '+tries=1', `@${ADDRESS}`, '-p', String(PORT), qname, qtype], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  const rcode = /status: (\w+)/.exec(out)?.[1] ?? 'NONE';
  const res: DigResponse = { rcode, answer: [], authority: [] };
  let section: 'answer' | 'authority' | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith(';; ANSWER SECTION')) section = 'answer';
    else if (line.startsWith(';; AUTHORITY SECTION')) section = 'authority';
    else if (line.startsWith(';; ')) section = undefined;
    else if (section && line.trim() !== '' && !line.startsWith(';')) res[section].push(parseRecord(line));
  }
  return res;
}

/** The same question over TCP, encoded and decoded by dnslab's own wire codec (no dig text in between). */
async function wireQuery(qname: string, qtype: RR['type']): Promise<DigResponse> {
  const query = makeQuery(qname, qtype, { rd: false, do: true, id: 4242 });
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const sock = connect({ host: ADDRESS, port: PORT });
    const reader = new TcpFrameReader();
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no TCP answer for ${qname} ${qtype}`));
    }, 5000);
    sock.on('connect', () => sock.write(frameTcp(encodeMessage(query))));
    sock.on('data', (chunk: Buffer) => {
      const frames = reader.push(chunk);
      if (frames.length > 0) {
        clearTimeout(timer);
        sock.end();
        resolve(frames[0]!);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  const msg = decodeMessage(bytes);
  return { rcode: msg.rcode, answer: msg.answer, authority: msg.authority };
}

type Kind = SecurityStatus;

function delv(zone: string, anchorFile: string, qname: string, qtype: string): { status: Kind; text: string } {
  const r = spawnSync('delv', [`@${ADDRESS}`, '-p', String(PORT), '-a', anchorFile, `+root=${zone}`, qname, qtype], { encoding: 'utf8', timeout: 20_000 });
  const text = `${r.stdout}${r.stderr}`;
  if (/fully validated/.test(text)) return { status: 'secure', text };
  if (/unsigned answer/.test(text)) return { status: 'insecure', text };
  if (/resolution failed/.test(text)) return { status: 'bogus', text };
  return { status: 'indeterminate', text };
}

const ORDER: Record<Kind, number> = { secure: 0, insecure: 1, indeterminate: 2, bogus: 3 };
function worst(vs: Verdict[]): Verdict {
  return vs.reduce((a, b) => (ORDER[b.status] > ORDER[a.status] ? b : a));
}

/** Our validator over one dig response, the way a resolver would use it. */
function ours(zone: string, ds: RR, qname: string, qtype: RR['type'], now: number): Verdict {
  return judge(zone, ds, qname, qtype, now, dig(zone, 'DNSKEY'), dig(qname, qtype));
}

function judge(zone: string, ds: RR, qname: string, qtype: RR['type'], now: number, k: DigResponse, res: DigResponse): Verdict {
  const keySet = groupRRsets(k.answer.filter((r) => r.type === 'DNSKEY'))[0];
  if (!keySet) return { status: 'bogus', reason: 'no DNSKEY', ede: EdeCode.DNSKEY_MISSING };
  const kv = verifyDnskeys(keySet, k.answer, [ds], now);
  if (kv.status !== 'secure') return kv;
  const keys = keySet.records;
  const verdicts: Verdict[] = [];
  let wildcard: string | undefined;
  for (const set of groupRRsets(res.answer.filter((r) => r.type !== 'RRSIG'))) {
    const v = verifyRRset(set, res.answer, keys, zone, now);
    verdicts.push(v);
    // Whether the answer came from a wildcard is read here from the RRSIG Labels field (RFC 4035 §5.3.4), not
    // taken from the validator, so a validator that misses the expansion cannot skip the proof it requires.
    const sig = res.answer.find((r) => r.type === 'RRSIG' && r.name.toLowerCase() === set.name.toLowerCase() && (r.data as RrsigData).typeCovered === set.type);
    const owner = set.name.replace(/\.$/, '').split('.');
    const labelsField = sig ? (sig.data as RrsigData).labels : owner.length;
    const expanded = labelsField < owner.length ? ['*', ...owner.slice(owner.length - labelsField)].join('.') : undefined;
    if (v.status === 'secure' && (v.wildcard?.replace(/\.$/, '').toLowerCase() ?? undefined) !== expanded?.toLowerCase()) {
      verdicts.push({
        status: 'bogus',
        reason: `${set.name} ${set.type}: RRSIG Labels ${labelsField} says wildcard ${expanded ?? '(none)'}, the validator said ${v.wildcard ?? '(none)'}`,
      });
    }
    if (expanded) wildcard = expanded;
  }
  const q = { qname, qtype, zone };
  if (res.rcode === 'NXDOMAIN' || (res.rcode === 'NOERROR' && res.answer.length === 0) || wildcard) {
    const checked = verifyRRsets(res.authority, keys, zone, now);
    verdicts.push(checked);
    const proof = checked.secure;
    if (res.rcode === 'NXDOMAIN') verdicts.push(verifyDenial('nxdomain', q, proof));
    else if (wildcard) verdicts.push(verifyDenial('wildcard-answer', q, proof, { wildcard }));
    else verdicts.push(verifyDenial('nodata', q, proof));
  }
  if (verdicts.length === 0) return { status: 'bogus', reason: `empty ${res.rcode} response` };
  return worst(verdicts);
}

describe('validator agrees with delv on responses from a real NSD', () => {
  let dir: string;
  let nsd: ChildProcess | undefined;
  let nsdDir = '';
  const zones = new Map<string, { signed: SignedZone; anchor: string }>();
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    requireBindTools();
    requireTool('nsd', 'nsd');
    requireTool('delv', 'bind9-dnsutils');
    requireTool('dig', 'bind9-dnsutils');
    dir = mkdtempSync(join(tmpdir(), 'dnslab-validate-delv-'));
    const live = { inception: 'now-3600', expiration: 'now+2592000' };
    const sign = (origin: string, o: Partial<Parameters<typeof signWithBind>[0]> & { algorithm: 8 | 13 | 15 }) => {
      const signed = signWithBind({ dir, origin, zoneText: parentZoneText(), ...live, ...o });
      const ds = signed.ds(2).data as DsData;
      const anchor = join(dir, `${origin}.anchor`);
      writeFileSync(anchor, `trust-anchors { ${origin}. static-ds ${ds.keyTag} ${ds.algorithm} 2 "${ds.digest.toString('hex')}"; };\n`);
      zones.set(origin, { signed, anchor });
    };
    sign('nsec.lab', { algorithm: 13 });
    sign('nsec3.lab', { algorithm: 8, nsec3: { salt: 'beef', iterations: 2, optOut: false } });
    sign('optout.lab', { algorithm: 15, nsec3: { salt: '-', iterations: 0, optOut: true } });
    sign('expired.lab', { algorithm: 13, inception: '20200101000000', expiration: '20200201000000', noVerify: true });
    sign('tampered.lab', { algorithm: 13 });
    // Flip one byte of the RRSIG over www.tampered.lab A and serve that.
    const t = zones.get('tampered.lab')!.signed;
    const mutated = t.records.map((r) =>
      r.type === 'RRSIG' && r.name === 'www.tampered.lab' && (r.data as RrsigData).typeCovered === 'A'
        ? withData(r, { signature: flipByte((r.data as RrsigData).signature) })
        : r,
    );
    writeFileSync(t.signedPath, writeMasterFile(mutated, 'tampered.lab'));

    // NSD's config is the authoritative tests' (test/authoritative/lib/dns-client.ts startNsd); it logs to nsd.log there.
    const started = startNsd(
      ADDRESS,
      PORT,
      [...zones].map(([origin, z]) => ({ origin, file: z.signed.signedPath })),
    );
    nsd = started.child;
    nsdDir = started.dir;
    // Bounded by time: on a loaded CI machine nsd may need a few seconds to load five zones.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const r = spawnSync('dig', ['+short', '+time=1', '+tries=1', `@${ADDRESS}`, '-p', String(PORT), 'nsec.lab', 'SOA'], { encoding: 'utf8' });
      // `dig +short` prints ";; communications error" on stdout too: wait for a real SOA.
      if (/hostmaster/.test(r.stdout)) return;
      if (nsd.exitCode !== null) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const log = join(nsdDir, 'nsd.log');
    assert.fail(`nsd did not answer on ${ADDRESS}:${PORT}: ${existsSync(log) ? readFileSync(log, 'utf8') : '(no nsd.log)'}`);
  });

  after(async () => {
    await stopChild(nsd);
    for (const d of [dir, nsdDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const agree: [string, string, RR['type'], Kind][] = [
    ['nsec.lab', 'www.nsec.lab', 'A', 'secure'],
    ['nsec.lab', 'nope.nsec.lab', 'A', 'secure'],
    ['nsec.lab', 'www.nsec.lab', 'TXT', 'secure'],
    ['nsec.lab', 'b.deep.nsec.lab', 'A', 'secure'],
    ['nsec.lab', 'host.wild.nsec.lab', 'A', 'secure'],
    ['nsec.lab', 'host.wild.nsec.lab', 'MX', 'secure'],
    ['nsec.lab', 'unsigned.nsec.lab', 'DS', 'secure'],
    ['nsec3.lab', 'www.nsec3.lab', 'AAAA', 'secure'],
    ['nsec3.lab', 'nope.nsec3.lab', 'A', 'secure'],
    ['nsec3.lab', 'x.y.nope.nsec3.lab', 'A', 'secure'],
    ['nsec3.lab', 'www.nsec3.lab', 'TXT', 'secure'],
    ['nsec3.lab', 'host.wild.nsec3.lab', 'A', 'secure'],
    ['nsec3.lab', 'host.wild.nsec3.lab', 'MX', 'secure'],
    ['optout.lab', 'www.optout.lab', 'A', 'secure'],
    ['optout.lab', 'unsigned.optout.lab', 'DS', 'secure'],
    ['optout.lab', 'host.wild.optout.lab', 'A', 'insecure'],
    ['tampered.lab', 'www.tampered.lab', 'A', 'bogus'],
    ['tampered.lab', 'www.tampered.lab', 'AAAA', 'secure'],
    ['expired.lab', 'www.expired.lab', 'A', 'bogus'],
  ];
  for (const [zone, qname, qtype, expected] of agree) {
    test(`${qname} ${qtype}: delv and dnslab both say ${expected}`, () => {
      const z = zones.get(zone)!;
      const d = delv(zone, z.anchor, qname, qtype);
      const v = ours(zone, z.signed.ds(2), qname, qtype, now());
      assert.equal(d.status, expected, `delv: ${d.text}`);
      // A NODATA/NXDOMAIN for DS at an opt-out delegation: delv "fully validated" means the no-DS proof holds.
      assert.equal(v.status, expected, `dnslab: ${v.reason}`);
    });
  }

  test("responses decoded by dnslab's wire codec give the same verdicts as the dig text", async () => {
    for (const [zone, qname, qtype, expected] of agree) {
      const z = zones.get(zone)!;
      const v = judge(zone, z.signed.ds(2), qname, qtype, now(), await wireQuery(zone, 'DNSKEY'), await wireQuery(qname, qtype));
      assert.equal(v.status, expected, `${qname} ${qtype}: ${v.reason}`);
    }
  });

  test('a wildcard answer without its NSEC/NSEC3 proof of no closer match is bogus (the wildcard branch runs)', async () => {
    for (const zone of ['nsec.lab', 'nsec3.lab']) {
      const z = zones.get(zone)!;
      const keys = await wireQuery(zone, 'DNSKEY');
      const full = await wireQuery(`host.wild.${zone}`, 'A');
      assert.ok(
        full.authority.some((r) => r.type === 'NSEC' || r.type === 'NSEC3'),
        `${zone}: NSD sends the proof`,
      );
      assert.equal(judge(zone, z.signed.ds(2), `host.wild.${zone}`, 'A', now(), keys, full).status, 'secure');
      const v = judge(zone, z.signed.ds(2), `host.wild.${zone}`, 'A', now(), keys, { ...full, authority: [] });
      assert.equal(v.status, 'bogus', `${zone}: ${v.reason}`);
    }
  });

  test('expired signatures carry EDE 7; the tampered one EDE 6', () => {
    const e = zones.get('expired.lab')!;
    assert.equal(ours('expired.lab', e.signed.ds(2), 'www.expired.lab', 'A', now()).ede, EdeCode.SIGNATURE_EXPIRED);
    const t = zones.get('tampered.lab')!;
    assert.equal(ours('tampered.lab', t.signed.ds(2), 'www.tampered.lab', 'A', now()).ede, EdeCode.DNSSEC_BOGUS);
  });

  test('known divergence: NXDOMAIN resting on an opt-out NSEC3 — delv secure, dnslab (like Unbound) insecure', () => {
    const z = zones.get('optout.lab')!;
    const d = delv('optout.lab', z.anchor, 'nope.optout.lab', 'A');
    const v = ours('optout.lab', z.signed.ds(2), 'nope.optout.lab', 'A', now());
    assert.equal(d.status, 'secure', d.text);
    assert.equal(v.status, 'insecure', v.reason);
    assert.match(v.reason, /opt-out/);
  });
});
