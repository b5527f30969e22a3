// Where a resolver or forwarder device stands in a scenario (lab/device/plan.ts placeDevice), which side each
// address lives on, what --print-config prints for it (config.ts), and the refusals of the --device options —
// all without root: nothing here builds a namespace.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findScenario, planScenario } from '../../lab/runner/index.ts';
import { placeDevice, sideAddresses } from '../../lab/device/plan.ts';
import { deviceConfig } from '../../lab/device/config.ts';
import { deviceOptions } from '../../lab/device/options.ts';
import { DeviceSetupError } from '../../lab/device/links.ts';

const at = { inside: '10.250.1.1', outside: '10.250.2.1' };

describe('placeDevice and the sides', () => {
  it('resolver: the device takes the resolver\u2019s place; only its clients are inside', async () => {
    const l = await findScenario('dnssec-rollback');
    const full = planScenario(l.scenario, l.file, 'vulnerable');
    const { plan, placement } = placeDevice(full, { role: 'resolver', ...at });
    assert.equal(placement.device, 'validating');
    assert.deepEqual(placement.clients, ['alice']);
    assert.deepEqual(plan.topology.resolvers!.validating!.addresses, ['10.250.1.1', '10.250.2.1']);
    const sides = await sideAddresses(full, '1', placement);
    assert.deepEqual(sides.inside, ['10.0.1.10']);
    assert.ok(sides.outside.includes('192.0.2.53') && sides.outside.includes('10.0.2.53') && sides.outside.includes('10.0.2.10'));
    assert.ok(!sides.outside.includes('10.250.1.1') && !sides.outside.includes('10.250.2.1'), 'the device\u2019s addresses are on no lab side');
    assert.equal(sides.trustAnchors.length, 1);
    assert.match(sides.trustAnchors[0]!, /^\.\s+86400\s+IN\s+DS\s+\d+ /);
  });

  it('forwarder: a "device" machine in front of the resolver; the emulated box is left out', async () => {
    const l = await findScenario('middlebox-large-answers');
    const full = planScenario(l.scenario, l.file, 'vulnerable');
    const { plan, placement } = placeDevice(full, { role: 'forwarder', ...at });
    assert.equal(placement.device, 'device');
    assert.equal(placement.resolver, 'isp');
    assert.equal(plan.topology.clients.alice!.resolver, 'device');
    assert.equal(plan.topology.middleboxes, undefined);
    assert.deepEqual(
      placement.leftOut.map((b) => b.name),
      ['router'],
    );
    const sides = await sideAddresses(full, '1', placement);
    assert.deepEqual(sides.inside, ['10.0.0.10']);
    assert.ok(sides.outside.includes('10.0.0.53'));
  });

  it('an unknown --device-for is refused by name', async () => {
    const l = await findScenario('dnssec-rollback');
    const full = planScenario(l.scenario, l.file, 'vulnerable');
    assert.throws(() => placeDevice(full, { role: 'resolver', deviceFor: 'nope', ...at }), /--device-for nope: no such resolver .*validating, nonvalidating/);
  });
});

describe('--print-config', () => {
  it('unbound: addresses, clients, trust anchor, root stub and the caps divided by the scale', async () => {
    const l = await findScenario('dnssec-rollback');
    const full = planScenario(l.scenario, l.file, 'ttl-capped');
    const { placement } = placeDevice(full, { role: 'resolver', ...at });
    const sides = await sideAddresses(full, '1', placement);
    const r = full.topology.resolvers!.validating!;
    const input = {
      scenario: 'dnssec-rollback',
      variant: 'ttl-capped',
      placement,
      clientAddresses: ['10.0.1.10'],
      rootHints: sides.rootHints,
      trustAnchors: sides.trustAnchors,
      profile: r.profile,
      settings: r.settings ?? {},
      timeScale: 100,
    };
    const out = deviceConfig('unbound', input);
    assert.ok('text' in out);
    const text = out.text;
    for (const line of [
      'interface: 10.250.1.1',
      'outgoing-interface: 10.250.2.1',
      'access-control: 10.0.1.10/32 allow',
      'stub-addr: 10.53.0.1',
      'stub-prime: yes',
    ])
      assert.ok(text.includes(line), `${line} in\n${text}`);
    // google-public-dns caps TTLs at 21600 s: 216 device seconds at 100×.
    assert.match(text, /cache-max-ttl: 216\n/);
    assert.match(text, new RegExp(`trust-anchor: "${sides.trustAnchors[0]!.replace(/\s+/g, ' ')}"`));
    assert.ok('refused' in deviceConfig('dnsmasq', input), 'dnsmasq is no resolver');
  });

  it('dnsmasq for a forwarder: listen inside, forward to the lab resolver from the outside address', async () => {
    const l = await findScenario('middlebox-large-answers');
    const full = planScenario(l.scenario, l.file, 'vulnerable');
    const { placement } = placeDevice(full, { role: 'forwarder', ...at });
    const out = deviceConfig('dnsmasq', {
      scenario: 'middlebox-large-answers',
      variant: 'vulnerable',
      placement,
      clientAddresses: ['10.0.0.10'],
      rootHints: [],
      trustAnchors: [],
      upstream: '10.0.0.53',
      profile: 'unbound',
      settings: {},
      timeScale: 1,
    });
    assert.ok('text' in out);
    assert.match(out.text, /listen-address=10\.250\.1\.1\n/);
    assert.match(out.text, /server=10\.0\.0\.53@10\.250\.2\.1\n/);
  });
});

describe('--device options', () => {
  const base = { inside: 'a0', outside: 'b0' };
  it('resolver and forwarder need the device\u2019s addresses; authoritative is refused as not built', () => {
    assert.throws(
      () => deviceOptions({ ...base, device: 'resolver' }),
      (e: unknown) => e instanceof DeviceSetupError && /needs --device-address/.test(e.message),
    );
    assert.throws(
      () => deviceOptions({ ...base, device: 'authoritative' }),
      (e: unknown) => e instanceof DeviceSetupError && /not built yet/.test(e.message),
    );
    assert.throws(
      () => deviceOptions({ ...base, device: 'resolver', deviceAddress: '10.250.1.1,10.250.2.1', printConfig: 'sendmail' }),
      (e: unknown) => e instanceof DeviceSetupError && /--print-config: got "sendmail"/.test(e.message),
    );
    const o = deviceOptions({ ...base, device: 'forwarder', deviceAddress: '10.250.1.1,10.250.2.1', printConfig: 'dnsmasq', deviceFor: 'isp' })!;
    assert.equal(o.printConfig, 'dnsmasq');
    assert.equal(o.deviceFor, 'isp');
  });
});
