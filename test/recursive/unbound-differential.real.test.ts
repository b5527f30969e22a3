// Differential test: dnslab's resolver and a real Unbound (and BIND 9), Debian
// packages, side by side in a network namespace with no default route, all iterating
// from the same dnslab authoritative hierarchy (root → lab → SLDs on
// 127.0.7.x:53, signed with dnslab's signer) and validating from the same root
// DS. For each question of the battery, RCODE, AD and the answer RRsets
// (RRSIGs aside, TTLs aside, as sets) must agree.
//
// Needs root (network namespaces) and the Debian packages unbound, bind9,
// bind9-dnsutils (dig) and iproute2 (ip). Everything started here is stopped
// by PID and the namespace deleted in `after`, also when a test fails.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ManagedProcess, NetworkNamespace, requireBinary as need, runChecked as run } from '../../servers/real/netns.ts';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NETNS_ADDR } from './fixtures/serve-hierarchy.ts';
import { writeConfig, type Product, type RealSwitches } from '../../servers/real/products.ts';

const NS = `dnslab-rs-${process.pid}`;
const UNBOUND = '127.0.7.53';
const OURS = '127.0.7.54';
const BIND = '127.0.7.55';
/** dnslab resolver with the bind profile, compared with named. */
const OURS_BIND = '127.0.7.56';
const ROOT_DIR = resolve(import.meta.dirname, '../..');

interface DigResult {
  status: string;
  ad: boolean;
  answer: string[];
}

function dig(server: string, qname: string, qtype: string): DigResult {
  const out = run('ip', ['netns', 'exec', NS, 'dig', '+dnssec', '+time=4', '+tries=2', `@${server}`, qname, qtype]);
  const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? 'NO-ANSWER';
  const flags = /;; flags: ([a-z ]+);/.exec(out)?.[1]?.split(' ') ?? [];
  const answer: string[] = [];
  const section = out.split(';; ANSWER SECTION:\n')[1]?.split('\n\n')[0] ?? '';
  for (const line of section.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || f[3] === 'RRSIG') continue;
    answer.push(`${f[0]!.toLowerCase()} ${f[2]} ${f[3]} ${f.slice(4).join(' ')}`);
  }
  return { status, ad: flags.includes('ad'), answer: answer.sort() };
}

async function waitForAnswer(server: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = spawnSync('ip', ['netns', 'exec', NS, 'dig', '+time=1', '+tries=1', `@${server}`, 'lab', 'SOA'], { encoding: 'utf8' });
    if (/status: NOERROR/.test(r.stdout ?? '')) return;
    if (Date.now() > deadline) throw new Error(`${server} did not answer within ${ms} ms`);
    await new Promise((r2) => setTimeout(r2, 250));
  }
}

const BATTERY: Array<[string, string, string]> = [
  ['positive', 'www.example.lab', 'A'],
  ['CNAME to another zone', 'alias.example.lab', 'A'],
  ['NXDOMAIN (NSEC)', 'nope.example.lab', 'A'],
  ['NXDOMAIN (NSEC3)', 'nope.other.lab', 'A'],
  ['NODATA', 'www.example.lab', 'AAAA'],
  ['wildcard', 'anything.wild.example.lab', 'A'],
  ['DNAME', 'www.sub.example.lab', 'A'],
  ['glueless delegation', 'www.glueless.lab', 'A'],
  ['insecure delegation', 'www.insecure.lab', 'A'],
  ['insecure delegation below an empty non-terminal', 'www.child.ent.lab', 'A'],
  ['NXDOMAIN in an insecure zone', 'nope.insecure.lab', 'A'],
  ['DS query (answered by the parent)', 'example.lab', 'DS'],
  ['DNSKEY query', 'example.lab', 'DNSKEY'],
  ['bogus signature', 'www.bogus.lab', 'A'],
  ['DS mismatch', 'www.dsmismatch.lab', 'A'],
  ['lame server among good ones', 'c.example.lab', 'A'],
  ['TC → TCP', 'big.lab', 'TXT'],
  ['MX, NSEC zone', 'mail.example.lab', 'MX'],
];

describe('differential: dnslab resolver vs Unbound and BIND in a network namespace', () => {
  let dir = '';
  const children: ManagedProcess[] = [];
  let ns: NetworkNamespace | undefined;
  /** "Q server client qname qtype" lines from the authoritative servers. */
  const authLog: string[] = [];

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root to create a network namespace (ip netns add)');
    need('ip', 'iproute2');
    need('unbound', 'unbound');
    need('dig', 'bind9-dnsutils');
    need('named', 'bind9');
    dir = mkdtempSync(join(tmpdir(), 'dnslab-rs-'));
    // Shared with the real-resolver matrix (servers/real/netns.ts): lo up, and no route at all, checked.
    ns = NetworkNamespace.create(NS, 'dnslab-rs-');
    // No default route in a fresh namespace: nothing can leave the lab.
    assert.equal(run('ip', ['-n', NS, 'route', 'show', 'default']).trim(), '');

    const anchors = join(dir, 'root.anchor');
    const hierarchy = new ManagedProcess(
      'ip',
      ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(ROOT_DIR, 'test/recursive/fixtures/serve-hierarchy.ts'), anchors],
      {
        cwd: ROOT_DIR,
        env: { ...process.env, DNSLAB_LOG_QUERIES: '1' },
      },
    );
    children.push(hierarchy);
    hierarchy.child.stdout?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.startsWith('Q ')) authLog.push(line);
    });
    await hierarchy.waitForOutput('READY', 30_000);

    // Unbound and named run on the real-resolver adapter's configs (servers/real/products.ts), the ones the
    // matrix runs, each in a directory of its own.
    const product = (name: Product, address: string, switches: RealSwitches): void => {
      const sub = join(dir, name);
      mkdirSync(sub);
      const trustAnchors = readFileSync(anchors, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      const gen = writeConfig({ product: name, address, rootHints: [{ host: 'a.root-servers.lab', address: NETNS_ADDR.root }], trustAnchors, switches }, sub);
      children.push(new ManagedProcess('ip', ['netns', 'exec', NS, gen.command, ...gen.args]));
    };
    /** dnslab's resolver (`dnslab resolver`) with `profile`, from the same hints and anchor. */
    const ours = async (address: string, profile: string): Promise<void> => {
      const p = new ManagedProcess(
        'ip',
        [
          'netns',
          'exec',
          NS,
          process.execPath,
          '--import',
          'tsx',
          join(ROOT_DIR, 'lab/cli/main.ts'),
          'resolver',
          '--listen',
          `${address}:53`,
          '--root-hints',
          NETNS_ADDR.root,
          '--trust-anchor',
          anchors,
          '--profile',
          profile,
        ],
        { cwd: ROOT_DIR },
      );
      children.push(p);
      await p.waitForOutput('Ctrl-C to stop', 30_000);
    };
    product('unbound', UNBOUND, { qnameMinimisation: true, aggressiveNsec: true });
    await ours(OURS, 'unbound');

    // BIND 9 only listens on addresses configured on an interface (research/dependencies.md §5).
    ns.addAddress(BIND);
    product('bind', BIND, {});
    await ours(OURS_BIND, 'bind');
    for (const s of [UNBOUND, OURS, BIND, OURS_BIND]) await waitForAnswer(s, 15_000);
  });

  after(async () => {
    for (const c of children.reverse()) await c.stop();
    // Kills anything still inside, then deletes the namespace.
    ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [label, qname, qtype] of BATTERY) {
    it(`${label}: ${qname} ${qtype} — same RCODE, AD and answer as Unbound (profile unbound) and BIND (profile bind)`, () => {
      const u = dig(UNBOUND, qname, qtype);
      const o = dig(OURS, qname, qtype);
      assert.notEqual(u.status, 'NO-ANSWER', 'unbound answered');
      assert.deepEqual(o, u, 'vs Unbound');
      const b = dig(BIND, qname, qtype);
      const ob = dig(OURS_BIND, qname, qtype);
      assert.notEqual(b.status, 'NO-ANSWER', 'named answered');
      assert.deepEqual(ob, b, 'vs BIND');
    });
  }

  it('aggressive NSEC (RFC 8198), both with aggressive-nsec on: after a validated NXDOMAIN, a name in the same span is answered without asking example.lab', async () => {
    for (const s of [UNBOUND, OURS]) assert.equal(dig(s, 'b.example.lab', 'A').status, 'NXDOMAIN');
    await new Promise((r) => setTimeout(r, 300));
    const mark = authLog.length;
    const u = dig(UNBOUND, 'bb.example.lab', 'A');
    const o = dig(OURS, 'bb.example.lab', 'A');
    assert.deepEqual(o, u);
    assert.equal(o.status, 'NXDOMAIN');
    await new Promise((r) => setTimeout(r, 300));
    // (The server's query event may lack the qname when its answer cache served the bytes, so count by server address.)
    const toExample = (l: string) => l.startsWith(`Q ${NETNS_ADDR.example} `) || l.startsWith(`Q ${NETNS_ADDR.exampleLame} `);
    const asked = authLog.slice(mark).filter(toExample);
    assert.deepEqual(asked, [], 'neither resolver asked example.lab');
    // Control: a name in a span nobody has cached yet (c.example.lab → f.example.lab) is asked, by both.
    const mark2 = authLog.length;
    for (const s of [UNBOUND, OURS]) assert.equal(dig(s, 'd.example.lab', 'A').status, 'NXDOMAIN');
    await new Promise((r) => setTimeout(r, 300));
    const sources = new Set(
      authLog
        .slice(mark2)
        .filter(toExample)
        .map((l) => (l.split(' ')[2] === OURS ? 'ours' : 'unbound')),
    );
    assert.deepEqual([...sources].sort(), ['ours', 'unbound'], authLog.slice(mark2).join('\n'));
  });

  it('the battery is not trivially equal: answers differ between questions', () => {
    const a = dig(OURS, 'www.example.lab', 'A');
    const b = dig(OURS, 'www.bogus.lab', 'A');
    assert.equal(a.status, 'NOERROR');
    assert.equal(a.ad, true);
    assert.equal(b.status, 'SERVFAIL');
  });
});
