// `dnslab audit` against a small real hierarchy on loopback sockets
// (127.0.10.1–4, port 5310): an in-process authoritative root/jp/example.jp
// and a dnslab resolver, all over real UDP. Every finding kind the audit
// knows is planted once, and a clean zone must give exit 0.
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
import { textSink } from '../helpers/io.ts';
import { registrableDomain } from '../../lab/audit/audit.ts';
import { parseProviderSuffixes } from '../../lab/audit/providers.ts';

const PORT = 5310;
const ROOT = '127.0.10.1';
const TLD = '127.0.10.2';
const NS1 = '127.0.10.3';
const RESOLVER = '127.0.10.4';

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
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dnslab-audit-'));
    const parsed = Object.fromEntries(Object.entries(zones).map(([o, t]) => [o, parseZoneText(t, o, `zone ${o}`)]));
    const plan: [string, string[]][] = [
      [ROOT, ['.']],
      [TLD, ['jp']],
      [NS1, ['example.jp', 'clean.jp']], // refusing.jp is delegated here but not served: REFUSED
    ];
    for (const [address, names] of plan) {
      const s = new AuthoritativeServer({ network: new SocketNetwork({ addresses: [address] }), listen: [{ address, port: PORT }], zones: names.map((n) => parsed[n]!), name: address });
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
    rmSync(dir, { recursive: true, force: true });
  });

  const common = () => ['--resolve-via', `${RESOLVER}:${PORT}`, '--server-port', String(PORT), '--timeout', '500'];

  it('finds every planted problem and exits 1', async () => {
    const r = await runAudit([join(dir, 'example.jp.zone'), '--released', '192.0.2.96/30', '--delegation', 'refusing.jp', '--delegation', 'orphan.jp', ...common()]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /dangling-cname\s+old\.example\.jp CNAME gone\.example\.jp/);
    assert.match(r.stdout, /dangling-cname\s+cdn\.example\.jp CNAME shop\.azureedge\.net: .*Azure CDN/);
    assert.match(r.stdout, /released-address\s+lb\.example\.jp A 192\.0\.2\.99/);
    assert.match(r.stdout, /lame-delegation\s+refusing\.jp NS ns1\.example\.jp: .*REFUSED/);
    assert.match(r.stdout, /ns-domain-unregistered\s+orphan\.jp NS ns1\.expired-dns\.jp: expired-dns\.jp does not exist/);
    assert.doesNotMatch(r.stdout, /live\.example\.jp|www\.example\.jp/, 'healthy records are not findings');
    assert.match(r.stdout, /5 finding\(s\)/);
  });

  it('a clean zone (served, delegated, CNAME inside) exits 0', async () => {
    const r = await runAudit([join(dir, 'clean.jp.zone'), ...common()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no findings in clean\.jp/);
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
    const doc = JSON.parse(r.stdout) as { findings: { kind: string; owner: string; target: string }[] };
    assert.deepEqual(doc.findings.map((f) => f.kind).sort(), ['dangling-cname', 'dangling-cname']);
  });

  it('usage errors exit 2 via UsageError; unreadable files name the file', async () => {
    await assert.rejects(runAudit([]), /at least one ZONEFILE/);
    await assert.rejects(runAudit(['x.zone', '--released', 'nope']), /not an address/);
    await assert.rejects(runAudit([join(dir, 'missing.zone'), ...common()]), /missing\.zone: cannot read/);
  });
});

describe('audit helpers', () => {
  it('registrableDomain knows two-label public suffixes', () => {
    assert.equal(registrableDomain('ns1.old-provider.net'), 'old-provider.net');
    assert.equal(registrableDomain('ns.example.co.jp'), 'example.co.jp');
    assert.equal(registrableDomain('net'), undefined);
    // Beyond the old 20-entry subset: the full ICANN section (tldts), three-label suffixes, unknown TLDs.
    assert.equal(registrableDomain('ns.example.co.za'), 'example.co.za');
    assert.equal(registrableDomain('ns.city.kawasaki.jp'), 'city.kawasaki.jp');
    assert.equal(registrableDomain('ns1.foo.test.'), 'foo.test');
    assert.equal(registrableDomain('x.github.io'), 'github.io', 'private entries are provider namespaces, not registries');
  });
  it('provider suffix files: comments, provider names, errors with file:line', () => {
    const list = parseProviderSuffixes('# mine\n.cdn.example.net  Example CDN\nwebsites.example\n', 'f.txt');
    assert.deepEqual(list.map((p) => [p.suffix, p.provider, p.source]), [['cdn.example.net', 'Example CDN', 'f.txt:2'], ['websites.example', 'websites.example', 'f.txt:3']]);
    assert.throws(() => parseProviderSuffixes('ok.example\nbad_suffix!\n', 'g.txt'), /g\.txt:2/);
  });
});
