// `dnslab audit` against a small real hierarchy on loopback sockets
// (127.0.10.1–5, port 5310): an in-process authoritative root/jp/example.jp,
// a dnslab resolver, and a real NSD that holds a stale copy of the parent
// zone jp (so it answers for delegated children from the parent: lame), all
// over real UDP. Every finding kind the audit knows is planted once, and a
// clean zone must give exit 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { AuthoritativeServer } from '../../servers/authoritative/server.ts';
import { RecursiveResolver } from '../../servers/recursive/server.ts';
import { auditCommand } from '../../lab/cli/audit.ts';
import { main } from '../../lab/cli/main.ts';
import { textSink } from '../helpers/io.ts';
import { startNsd, stopChild, waitUntilAnswers } from '../authoritative/lib/dns-client.ts';
import { makeQuery } from '../../dns/message.ts';
import type { ChildProcess } from 'node:child_process';

const PORT = 5310;
const ROOT = '127.0.10.1';
const TLD = '127.0.10.2';
const NS1 = '127.0.10.3';
const RESOLVER = '127.0.10.4';
const NSD = '127.0.10.5';

const zones = {
  '.': `. 86400 IN SOA a.root-servers.lab. h.lab. 1 1800 900 604800 86400
. 86400 IN NS a.root-servers.lab.
a.root-servers.lab. 86400 IN A ${ROOT}
jp. 86400 IN NS a.dns.jp.
a.dns.jp. 86400 IN A ${TLD}
`,
  jp: `jp. 86400 IN SOA a.dns.jp. h.jp. 1 1800 900 604800 300
jp. 86400 IN NS a.dns.jp.
a.dns.jp. 86400 IN A ${TLD}
example.jp. 3600 IN NS ns1.example.jp.
ns1.example.jp. 3600 IN A ${NS1}
clean.jp. 3600 IN NS ns1.example.jp.
refusing.jp. 3600 IN NS ns1.example.jp.
orphan.jp. 3600 IN NS ns1.expired-dns.jp.
nx.jp. 3600 IN NS nsd.jp.
nodata.jp. 3600 IN NS nsd.jp.
served.jp. 3600 IN NS nsd.jp.
nsd.jp. 3600 IN A ${NSD}
`,
  'example.jp': `$TTL 300
@ IN SOA ns1.example.jp. h.example.jp. 1 3600 900 604800 300
@ IN NS ns1.example.jp.
ns1 IN A ${NS1}
www IN A 192.0.2.10
old IN CNAME gone.example.jp.
cdn IN CNAME shop.azureedge.net.
live IN CNAME www.example.jp.
lb IN A 192.0.2.99
`,
  // NSD's copy of the parent: it still has nodata.jp as an ordinary name and never had nx.jp.
  'nsd-jp': `$ORIGIN jp.
$TTL 300
@ IN SOA nsd.jp. h.jp. 1 3600 900 604800 300
@ IN NS nsd.jp.
nsd IN A ${NSD}
nodata IN A 192.0.2.77
`,
  'served.jp': `$ORIGIN served.jp.
$TTL 300
@ IN SOA nsd.jp. h.served.jp. 1 3600 900 604800 300
@ IN NS nsd.jp.
www IN A 192.0.2.78
`,
  'clean.jp': `$TTL 300
@ IN SOA ns1.example.jp. h.clean.jp. 1 3600 900 604800 300
@ IN NS ns1.example.jp.
www IN A 192.0.2.20
alias IN CNAME www.clean.jp.
`,
};

async function runAudit(args: string[]) {
  const out = textSink();
  const err = textSink();
  const code = await auditCommand.run(args, { stdout: out, stderr: err, waitForInterrupt: () => new Promise(() => undefined) });
  return { code, stdout: out.text, stderr: err.text };
}

describe('dnslab audit on real sockets', () => {
  const servers: AuthoritativeServer[] = [];
  let resolver: RecursiveResolver | undefined;
  let nsd: { child: ChildProcess; dir: string } | undefined;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dnslab-audit-'));
    const parsed = Object.fromEntries(
      Object.entries(zones)
        .filter(([o]) => !o.includes('-') && o !== 'served.jp')
        .map(([o, t]) => [o, parseZoneText(t, o, `zone ${o}`)]),
    );
    writeFileSync(join(dir, 'nsd-jp.zone'), zones['nsd-jp']);
    writeFileSync(join(dir, 'served.jp.zone'), zones['served.jp']);
    nsd = startNsd(NSD, PORT, [
      { origin: 'jp', file: join(dir, 'nsd-jp.zone') },
      { origin: 'served.jp', file: join(dir, 'served.jp.zone') },
    ]);
    await waitUntilAnswers(NSD, PORT, makeQuery('served.jp', 'SOA', { id: 1, rd: false }));
    const plan: [string, string[]][] = [
      [ROOT, ['.']],
      [TLD, ['jp']],
      [NS1, ['example.jp', 'clean.jp']], // refusing.jp is delegated here but not served: REFUSED
    ];
    for (const [address, names] of plan) {
      const s = new AuthoritativeServer({
        network: new SocketNetwork({ addresses: [address] }),
        listen: [{ address, port: PORT }],
        zones: names.map((n) => parsed[n]!),
        name: address,
      });
      await s.start();
      servers.push(s);
    }
    resolver = new RecursiveResolver({
      network: new SocketNetwork({ addresses: [RESOLVER] }),
      listen: [{ address: RESOLVER, port: PORT }],
      rootHints: [{ address: ROOT, port: PORT }],
      trustAnchors: [],
      seed: 10,
    });
    await resolver.start();
    writeFileSync(join(dir, 'example.jp.zone'), zones['example.jp']);
    writeFileSync(join(dir, 'clean.jp.zone'), zones['clean.jp']);
  });
  after(async () => {
    await resolver?.stop();
    for (const s of servers) await s.stop();
    await stopChild(nsd?.child);
    if (nsd) rmSync(nsd.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const common = () => ['--resolve-via', `${RESOLVER}:${PORT}`, '--server-port', String(PORT), '--timeout', '500'];

  it('finds every planted problem and exits 1', async () => {
    const r = await runAudit([
      join(dir, 'example.jp.zone'),
      '--released',
      '192.0.2.96/30',
      '--delegation',
      'refusing.jp',
      '--delegation',
      'orphan.jp',
      ...common(),
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /dangling-cname\s+old\.example\.jp CNAME gone\.example\.jp/);
    assert.match(r.stdout, /dangling-cname\s+cdn\.example\.jp CNAME shop\.azureedge\.net: .*Azure CDN/);
    assert.match(r.stdout, /released-address\s+lb\.example\.jp A 192\.0\.2\.99/);
    assert.match(r.stdout, /lame-delegation\s+refusing\.jp NS ns1\.example\.jp: .*REFUSED/);
    assert.match(r.stdout, /ns-domain-unregistered\s+orphan\.jp NS ns1\.expired-dns\.jp: expired-dns\.jp does not exist/);
    assert.doesNotMatch(r.stdout, /live\.example\.jp|www\.example\.jp/, 'healthy records are not findings');
    assert.match(r.stdout, /5 finding\(s\)/);
  });

  it('an NS that answers NXDOMAIN or NODATA with AA=1 from the parent zone (real NSD) is lame; one that serves the child is not', async () => {
    const r = await runAudit(['--delegation', 'nx.jp', '--delegation', 'nodata.jp', '--delegation', 'served.jp', ...common()]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /HIGH\s+lame-delegation\s+nx\.jp NS nsd\.jp: does not serve nx\.jp \(127\.0\.10\.5: NXDOMAIN from zone jp \(AA=1\)\)/);
    assert.match(
      r.stdout,
      /HIGH\s+lame-delegation\s+nodata\.jp NS nsd\.jp: does not serve nodata\.jp \(127\.0\.10\.5: no SOA for nodata\.jp in the answer \(NODATA from zone jp\)\)/,
    );
    assert.doesNotMatch(r.stdout, /served\.jp/, 'NSD serves served.jp: not lame');
    assert.match(r.stdout, /^2 finding\(s\)$/m);
  });

  it('a clean zone (served, delegated, CNAME inside) exits 0', async () => {
    const r = await runAudit([join(dir, 'clean.jp.zone'), ...common()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no findings in clean\.jp/);
  });

  it("the origin comes from the file's leading $ORIGIN, not its name (audit.zone holding example.jp)", async () => {
    writeFileSync(join(dir, 'audit.zone'), `; exported from the provider\n$TTL 300\n${zones['clean.jp'].replace('$TTL 300\n', '$ORIGIN clean.jp.\n')}`);
    const r = await runAudit([join(dir, 'audit.zone'), ...common()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no findings in clean\.jp$/m);
  });

  it('a --resolve-via that does not answer, or is no resolver, is a setup fault: exit 2 and one line, no findings', async () => {
    for (const [via, why] of [
      ['127.0.10.9', /^dnslab audit: resolver 127\.0\.10\.9:5310 does not answer \(no reply to "\. NS"\)/],
      [ROOT, /^dnslab audit: resolver 127\.0\.10\.1:5310 is not a resolver \("\. NS" answered NOERROR with RA=0/],
      [NS1, /^dnslab audit: resolver 127\.0\.10\.3:5310 (does not resolve for us \("\. NS" answered REFUSED|is not a resolver)/],
    ] as const) {
      const stdout = textSink();
      const stderr = textSink();
      const code = await main(['audit', join(dir, 'example.jp.zone'), '--resolve-via', `${via}:${PORT}`, '--server-port', String(PORT), '--timeout', '300'], {
        stdout,
        stderr,
        waitForInterrupt: async () => {},
      });
      assert.equal(code, 2, stdout.text + stderr.text);
      assert.match(stderr.text, why);
      assert.doesNotMatch(stdout.text, /finding/);
    }
  });

  it('--provider-suffixes adds claimable suffixes: a healthy CNAME into one is reported (medium)', async () => {
    const suffixes = join(dir, 'suffixes.txt');
    writeFileSync(suffixes, '# our CDN lets any customer claim names\nclean.jp  Test CDN\n');
    const r = await runAudit([join(dir, 'clean.jp.zone'), '--provider-suffixes', suffixes, ...common()]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /MEDIUM\s+cname-to-claimable-provider\s+alias\.clean\.jp CNAME www\.clean\.jp: points into Test CDN \(clean\.jp\).*suffixes\.txt:2/);
  });

  it('--json lists findings with kind, owner, target', async () => {
    const r = await runAudit([join(dir, 'example.jp.zone'), '--json', ...common()]);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { findings: { kind: string; severity: string; owner: string; type: string; target: string }[] };
    assert.deepEqual(doc.findings.map((f) => `${f.severity} ${f.kind} ${f.owner} ${f.type} ${f.target}`).sort(), [
      'high dangling-cname cdn.example.jp CNAME shop.azureedge.net',
      'high dangling-cname old.example.jp CNAME gone.example.jp',
    ]);
  });

  it('usage errors exit 2 pointing at the usage; an unreadable file is named, exit 2 too', async () => {
    // Through main(): usage, input and setup errors are exit 2 (README "Exit codes"); 1 is for findings.
    const cli = async (args: string[]) => {
      const out = textSink();
      const err = textSink();
      const code = await main(['audit', ...args], { stdout: out, stderr: err, waitForInterrupt: () => new Promise(() => undefined) });
      return { code, stderr: err.text };
    };
    for (const [args, re] of [
      [[], /at least one ZONEFILE/],
      [['x.zone', '--released', 'nope'], /not an address/],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /usage/i);
    }
    const missing = await cli([join(dir, 'missing.zone'), ...common()]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /missing\.zone: cannot read/);
  });
});
