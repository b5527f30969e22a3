// Differential test: dnslab's RFC 7208 check_host against pyspf (Debian
// python3-spf, the reference implementation by the RFC's co-authors) on the
// same DNS data. A dnslab authoritative server on 127.0.10.20:5320 serves one
// zone holding every case; pyspf (through pydns) and dnslab both query it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { AuthoritativeServer } from '../../servers/authoritative/server.ts';
import { checkHost } from '../../servers/mail/spf.ts';
import { socketDns } from '../../lab/cli/audit.ts';

const ADDRESS = '127.0.10.20';
const PORT = 5320;
const PYTHON = '/usr/bin/python3';

const chain = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i} IN TXT "v=spf1 ${i < n - 1 ? `include:${prefix}${i + 1}.spf.test ` : ''}ip4:192.0.2.1"`).join('\n');

/** %{ir} of 2001:db8::1 (RFC 7208 §7.3: nibbles, dot-separated, reversed). */
const V6_NIBBLES_REVERSED = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';

const REVERSE_ZONE = `
$TTL 300
@   IN SOA ns.spf.test. h.spf.test. 1 3600 900 604800 300
@   IN NS  ns.spf.test.
80  IN PTR web.spf.test.
81  IN PTR web.spf.test.     ; forward-confirms to .80 only: not validated
`;

const ZONE = `
$TTL 300
@        IN SOA ns.spf.test. h.spf.test. 1 3600 900 604800 300
@        IN NS  ns.spf.test.
ns       IN A   ${ADDRESS}
mx1      IN A   192.0.2.25
mx1      IN AAAA 2001:db8::25
web      IN A   192.0.2.80
simple   IN TXT "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"
dup      IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
dup      IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
merged   IN TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 -all"
merged   IN TXT "other=text"
soft     IN TXT "v=spf1 ip4:192.0.2.0/28 ~all"
neutral  IN TXT "v=spf1 ?all"
empty    IN TXT "v=spf1"
notspf   IN TXT "v=spf10 -all"
mxcase   IN TXT "v=spf1 mx:mxhost.spf.test a:web.spf.test/30 -all"
mxhost   IN MX  10 mx1.spf.test.
incl     IN TXT "v=spf1 include:simple.spf.test -all"
inclnone IN TXT "v=spf1 include:web.spf.test -all"
deep     IN TXT "v=spf1 include:c0.spf.test -all"
${chain(10, 'c')}
ok9      IN TXT "v=spf1 include:d0.spf.test -all"
${chain(9, 'd')}
void3    IN TXT "v=spf1 a:v1.spf.test a:v2.spf.test a:v3.spf.test ip4:192.0.2.1 -all"
void1    IN TXT "v=spf1 a:v1.spf.test ip4:192.0.2.1 -all"
redir    IN TXT "v=spf1 redirect=simple.spf.test"
redirnx  IN TXT "v=spf1 redirect=nothing.spf.test"
macro    IN TXT "v=spf1 exists:%{ir}.%{l}._m.spf.test -all"
1.2.0.192.alice._m IN A 127.0.0.2
syntax   IN TXT "v=spf1 ip4:192.0.2.1 bogus -all"
badip    IN TXT "v=spf1 ip4:300.0.0.1 -all"
split    IN TXT "v=spf1 ip4:192.0.2.0" "/24 -all"
ptrcase  IN TXT "v=spf1 ptr:spf.test -all"
macro6   IN TXT "v=spf1 exists:%{ir}.%{v}._m6.spf.test -all"
${V6_NIBBLES_REVERSED}.ip6._m6 IN A 127.0.0.2
`;

const CASES: [ip: string, sender: string][] = [
  ['192.0.2.10', 'a@simple.spf.test'],
  ['203.0.113.1', 'a@simple.spf.test'],
  ['2001:db8::1', 'a@simple.spf.test'],
  ['192.0.2.10', 'a@dup.spf.test'],
  ['198.51.100.7', 'a@dup.spf.test'],
  ['192.0.2.10', 'a@merged.spf.test'],
  ['198.51.100.7', 'a@merged.spf.test'],
  ['192.0.2.9', 'a@soft.spf.test'],
  ['192.0.2.99', 'a@soft.spf.test'],
  ['192.0.2.1', 'a@neutral.spf.test'],
  ['192.0.2.1', 'a@empty.spf.test'],
  ['192.0.2.1', 'a@notspf.spf.test'],
  ['192.0.2.1', 'a@nosuchname.spf.test'],
  ['192.0.2.25', 'a@mxcase.spf.test'],
  ['2001:db8::25', 'a@mxcase.spf.test'],
  ['192.0.2.82', 'a@mxcase.spf.test'],
  ['192.0.2.84', 'a@mxcase.spf.test'],
  ['192.0.2.10', 'a@incl.spf.test'],
  ['203.0.113.1', 'a@incl.spf.test'],
  ['192.0.2.80', 'a@inclnone.spf.test'],
  ['192.0.2.1', 'a@deep.spf.test'],
  ['192.0.2.1', 'a@ok9.spf.test'],
  ['192.0.2.1', 'a@void3.spf.test'],
  ['192.0.2.1', 'a@void1.spf.test'],
  ['192.0.2.10', 'a@redir.spf.test'],
  ['192.0.2.10', 'a@redirnx.spf.test'],
  ['192.0.2.1', 'alice@macro.spf.test'],
  ['192.0.2.1', 'bob@macro.spf.test'],
  ['192.0.2.1', 'a@syntax.spf.test'],
  ['192.0.2.1', 'a@badip.spf.test'],
  ['192.0.2.200', 'a@split.spf.test'],
  ['192.0.2.80', 'a@ptrcase.spf.test'],
  ['192.0.2.81', 'a@ptrcase.spf.test'],
  ['2001:db8::1', 'a@macro6.spf.test'],
  ['2001:db8::2', 'a@macro6.spf.test'],
];

const PY = `
import json, sys
try:
    import spf, DNS
except ImportError as e:
    print(json.dumps({"missing": str(e)})); sys.exit(0)
DNS.defaults['server'] = [sys.argv[1]]
DNS.defaults['port'] = int(sys.argv[2])
out = []
for ip, sender in json.load(sys.stdin):
    r, expl = spf.check2(i=ip, s=sender, h='mail.example')
    out.append([r, expl])
print(json.dumps({"results": out}))
`;

function runPython(args: string[], input: string): Promise<{ stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-c', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, error });
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('SPF: dnslab check_host agrees with pyspf', () => {
  let server: AuthoritativeServer | undefined;
  before(async () => {
    server = new AuthoritativeServer({
      network: new SocketNetwork({ addresses: [ADDRESS] }),
      listen: [{ address: ADDRESS, port: PORT }],
      zones: [parseZoneText(ZONE, 'spf.test', 'spf zone'), parseZoneText(REVERSE_ZONE, '2.0.192.in-addr.arpa', 'reverse zone')],
      name: 'spf',
    });
    await server.start();
  });
  after(async () => {
    await server?.stop();
  });

  it('same result for every case', async () => {
    // Asynchronously: the DNS server pyspf asks lives in this process's event loop.
    const py = await runPython([PY, ADDRESS, String(PORT)], JSON.stringify(CASES));
    assert.equal(py.error, undefined, `cannot run ${PYTHON} (Debian package python3, python3-spf): ${String(py.error)}`);
    const doc = JSON.parse(py.stdout || '{}') as { missing?: string; results?: [string, string][] };
    assert.equal(doc.missing, undefined, `pyspf is missing (${doc.missing}): install the Debian package python3-spf`);
    assert.ok(doc.results && doc.results.length === CASES.length, `pyspf printed: ${py.stdout}\n${py.stderr}`);
    const dns = socketDns({ address: ADDRESS, port: PORT }, PORT, 1000);
    const diffs: string[] = [];
    const seen = new Set<string>();
    for (const [i, [ip, sender]] of CASES.entries()) {
      const ours = await checkHost({ ip, sender, helo: 'mail.example' }, (n, t) => dns.resolve(n, t));
      const theirs = doc.results[i]![0];
      seen.add(ours.result);
      if (ours.result !== theirs) diffs.push(`${sender} from ${ip}: dnslab ${ours.result} (${ours.reason}) vs pyspf ${theirs} (${doc.results[i]![1]})`);
    }
    assert.deepEqual(diffs, []);
    // The cases cover every result except temperror (no DNS failures here).
    assert.deepEqual([...seen].sort(), ['fail', 'neutral', 'none', 'pass', 'permerror', 'softfail']);
  });
});
