// A home router's DNS forwarder in the lab's path (lab/device/, --device forwarder): real dnsmasq in the reference
// router's namespace (test/helpers/device-appliance.ts), configured only from what `dnslab run … --print-config
// dnsmasq` printed, between the scenario's client (inside) and the lab's resolver (outside).
// What must hold: middlebox-large-answers runs through it, and the report says what dnsmasq did to the answers the
// lab's resolver sent it — measured here: dnsmasq 2.90 passes the 1162-octet signed TXT answer over UDP as it came,
// and clears the AD bit (it sets AD only with proxy-dnssec, which the printed config does not ask for), so the
// step that wants AD=1 fails where the emulated run holds. Needs root, iproute2 and dnsmasq. About 100 s (scale 1:
// the lab's own resolver sits in the run, and its Unbound-like 1.9 s discard timeout must stay longer than a cold
// DNSSEC resolution through real sockets).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Appliance, dnslabCli } from '../helpers/device-appliance.ts';
import { INSIDE_GATEWAY, OUTSIDE_GATEWAY } from '../helpers/device-router.ts';

const cli = (args: string[]) => dnslabCli(args, 170_000);

let appliance: Appliance;
before(() => {
  appliance = new Appliance();
});
after(async () => {
  await appliance?.delete();
});

interface Crossing {
  question: string;
  toDevice: string[];
  fromDevice: string[];
  findings: string[];
}

describe('--device forwarder: real dnsmasq configured from --print-config', { timeout: 240_000 }, () => {
  it('middlebox-large-answers runs through it; the report says what dnsmasq did to the large answer', async () => {
    const flags = ['--device', 'forwarder', '--inside', appliance.router.inside, '--outside', appliance.router.outside];
    flags.push('--device-address', `${INSIDE_GATEWAY},${OUTSIDE_GATEWAY}`);
    const args = ['run', 'middlebox-large-answers', '--variant', 'vulnerable', ...flags];
    const printed = await cli([...args, '--print-config', 'dnsmasq']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^server=10\.0\.0\.53@10\.250\.2\.1$/m);
    appliance.router.addRoutes(
      printed.stderr
        .split('\n')
        .filter((l) => /^\s+\S+ via \S+ \((inside|outside) link\)/.test(l))
        .map((l) => l.trim()),
    );
    await appliance.start('dnsmasq', printed.stdout);
    let run;
    try {
      run = await cli([...args, '--json', '--report', join(appliance.dir, 'r.html')]);
    } finally {
      await appliance.stop();
    }
    assert.equal(run.code, 1, `${run.stderr}\n${appliance.log.slice(-2000)}`);
    const r = (
      JSON.parse(run.stdout) as { runs: { device: { crossings: Crossing[] }; comparison: { rows: { step: number; emulated: boolean; device: boolean }[] } }[] }
    ).runs[0]!;
    const txt = r.device.crossings.find((c) => c.question === 'example.jp TXT');
    assert.ok(txt, JSON.stringify(r.device.crossings));
    // The lab's resolver sent the full signed answer; dnsmasq gave it to the client over UDP as it came.
    assert.ok(
      txt.toDevice.some((d) => /^udp 11\d\d octets NOERROR AD=1 2 answers/.test(d)),
      txt.toDevice.join('; '),
    );
    assert.ok(
      txt.fromDevice.some((d) => /^udp 11\d\d octets NOERROR 2 answers/.test(d)),
      txt.fromDevice.join('; '),
    );
    assert.ok(
      txt.findings.some((f) => /passed the 11\d\d-octet answer over UDP as it came/.test(f)),
      txt.findings.join('; '),
    );
    assert.ok(
      txt.findings.some((f) => /cleared the AD bit/.test(f)),
      txt.findings.join('; '),
    );
    // Step 1 wants AD=1: it holds in the emulated run and fails through dnsmasq.
    assert.deepEqual(
      r.comparison.rows.find((row) => row.step === 1),
      { step: 1, claim: 'rcode, flags, answer includes', emulated: true, device: false },
    );
  });
});
