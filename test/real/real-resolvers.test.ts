// Real resolvers' configuration (servers/real/products.ts, lab/runner/real.ts):
// each lab setting lands on the product option, and a setting a product has no
// option for is applied nowhere. Starts no product; the runs themselves are in
// real-resolvers.real.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateConfig, PRODUCTS, splitSettingsFor, type Product } from '../../servers/real/products.ts';
import { withProductSwitches } from '../../lab/runner/real.ts';
import { findScenario } from '../../lab/scenario/load.ts';
import { planScenario } from '../../lab/scenario/validate.ts';

describe('real resolvers: config mapping', () => {
  const cfg = (product: Product) =>
    generateConfig(
      {
        product,
        address: '10.0.0.53',
        rootHints: [{ host: 'a.root-servers.lab', address: '10.53.0.1' }],
        trustAnchors: ['. 86400 IN DS 12345 15 2 ABCDEF0123'],
        switches: { aggressiveNsec: false, serveStale: true, ednsBufferSize: 1400, qnameMinimisation: false, ede: true },
      },
      '/tmp/x',
    );
  const text = (product: Product) => Object.values(cfg(product).files).join('\n');
  const cases: Record<Product, string[]> = {
    unbound: [
      'aggressive-nsec: no',
      'serve-expired: yes',
      'ede: yes',
      'ede-serve-expired: yes',
      'edns-buffer-size: 1400',
      'qname-minimisation: no',
      'outgoing-interface: 10.0.0.53',
      'a.root-servers.lab.\t3600000\tIN\tA\t10.53.0.1',
      'validator iterator',
    ],
    bind: [
      'synth-from-dnssec no;',
      'stale-answer-enable yes;',
      'edns-udp-size 1400;',
      'qname-minimization off;',
      'query-source address 10.0.0.53;',
      '. static-ds 12345 15 2 "ABCDEF0123";',
    ],
    knot: [
      'net.bufsize(1232, 1400)',
      "option('NO_MINIMIZE', true)",
      "modules.load('serve_stale < cache')",
      "net.outgoing_v4('10.0.0.53')",
      "trust_anchors.add('. 86400 IN DS 12345 15 2 ABCDEF0123')",
    ],
    powerdns: [
      'aggressive-nsec-cache-size=0',
      'serve-stale-extensions=2880',
      'extended-resolution-errors=yes',
      'edns-outgoing-bufsize=1400',
      'qname-minimization=no',
      'security-poll-suffix=',
      'dont-query=',
      "addTA('.', '12345 15 2 ABCDEF0123')",
      'query-local-address=10.0.0.53',
      'non-resolving-ns-max-fails=0',
    ],
  };
  for (const product of PRODUCTS) {
    it(`${product}: every switch lands on the product option, lab root hints and anchor, no polling/forwarding`, () => {
      const t = text(product);
      for (const want of cases[product]) assert.ok(t.includes(want), `${product} config lacks "${want}":\n${t}`);
      assert.ok(!/forward/i.test(t), 'no forwarding');
    });
  }
  it('Knot Resolver: aggressive NSEC off has no option, and the mapping says so (undefined option)', () => {
    const m = cfg('knot').mappings.find((x) => x.setting === 'aggressiveNsec');
    assert.equal(m?.option, undefined);
  });
  it('ede: the option where the product has one; BIND 9.18 and Knot Resolver 5.6 have none (mapping says so)', () => {
    const option = (product: Product) => cfg(product).mappings.find((x) => x.setting === 'ede')?.option;
    assert.equal(option('unbound'), 'ede: yes + ede-serve-expired: yes');
    assert.equal(option('powerdns'), 'extended-resolution-errors=yes');
    assert.equal(option('bind'), undefined);
    assert.equal(option('knot'), '(always on; no option)');
    assert.ok(!/\bede\b/.test(text('bind')), 'nothing in named.conf');
  });
  it('a switch the product has no option for is applied nowhere: not in its config, not in the emulated run beside it', async () => {
    const knot = splitSettingsFor('knot', { aggressiveNsec: false, ednsBufferSize: 1400, maxNegativeTtl: 600, ede: false, bogusTtl: 60 });
    assert.deepEqual(knot.switches, { ednsBufferSize: 1400 });
    assert.deepEqual(knot.unmapped, ['bogusTtl=60']);
    assert.deepEqual(
      knot.notApplied.map((n) => `${n.setting}=${n.value}`),
      ['aggressiveNsec=false', 'maxNegativeTtl=600', 'ede=false'],
    );
    assert.deepEqual(splitSettingsFor('knot', { ede: true }).switches, { ede: true }, 'kresd sends EDE anyway');
    assert.deepEqual(splitSettingsFor('knot', { aggressiveNsec: true }).switches, { aggressiveNsec: true }, 'on is what kresd does anyway');
    for (const p of ['unbound', 'bind', 'powerdns'] as const)
      assert.deepEqual(splitSettingsFor(p, { aggressiveNsec: false, maxNegativeTtl: 600 }).notApplied, [], p);
    const loaded = await findScenario('aggressive-nsec-new-name');
    const plan = planScenario(loaded.scenario, loaded.file, 'non-aggressive');
    assert.deepEqual(plan.topology.resolvers?.['resolver']?.settings, { aggressiveNsec: false });
    assert.deepEqual(
      withProductSwitches(plan, 'knot').topology.resolvers?.['resolver']?.settings,
      {},
      'the knot-resolver profile keeps aggressive NSEC on, as kresd does',
    );
    assert.deepEqual(withProductSwitches(plan, 'unbound').topology.resolvers?.['resolver']?.settings, { aggressiveNsec: false });
    assert.deepEqual(plan.topology.resolvers?.['resolver']?.settings, { aggressiveNsec: false }, 'the plan itself is not changed');
  });
});

describe('real resolvers: a setting only some products have an option for', () => {
  it("staleClientTimeoutMs is BIND's stale-answer-client-timeout and kresd's serve_stale.timeout; for the others it stays a setting with no product option", () => {
    const bind = splitSettingsFor('bind', { serveStale: true, staleClientTimeoutMs: 1800, bogusTtl: 60 });
    assert.deepEqual(bind.switches, { serveStale: true, staleClientTimeoutMs: 1800 });
    assert.deepEqual(bind.unmapped, ['bogusTtl=60']);
    const conf = generateConfig(
      { product: 'bind', address: '10.0.0.53', rootHints: [{ host: 'a.root-servers.lab', address: '10.53.0.1' }], trustAnchors: [], switches: bind.switches },
      '/tmp/x',
    );
    assert.ok(Object.values(conf.files).join('\n').includes('stale-answer-client-timeout 1800;'));
    assert.deepEqual(conf.mappings.find((m) => m.setting === 'staleClientTimeoutMs')?.option, 'stale-answer-client-timeout 1800;');
    const knot = splitSettingsFor('knot', { serveStale: true, staleClientTimeoutMs: 1800 });
    assert.deepEqual(knot.switches, { serveStale: true, staleClientTimeoutMs: 1800 });
    const kresd = generateConfig(
      { product: 'knot', address: '10.0.0.53', rootHints: [{ host: 'a.root-servers.lab', address: '10.53.0.1' }], trustAnchors: [], switches: knot.switches },
      '/tmp/x',
    );
    const lines = kresd.files['kresd.conf']!.split('\n');
    // The module must be loaded before its table can be set (modules/serve_stale/serve_stale.lua M.timeout, ms).
    const load = lines.indexOf("modules.load('serve_stale < cache')");
    const timeout = lines.indexOf('serve_stale.timeout = 1800');
    assert.ok(load >= 0 && timeout >= 0, `both lines present:\n${lines.join('\n')}`);
    assert.ok(timeout > load, lines.join('\n'));
    assert.ok(
      !generateConfig({ product: 'knot', address: '10.0.0.53', rootHints: [], trustAnchors: [], switches: { staleClientTimeoutMs: 1800 } }, '/tmp/x').files[
        'kresd.conf'
      ]!.includes('serve_stale'),
      'no module, no timeout',
    );
    for (const p of ['unbound', 'powerdns'] as const) {
      const other = splitSettingsFor(p, { serveStale: true, staleClientTimeoutMs: 1800 });
      assert.deepEqual(other.switches, { serveStale: true }, p);
      assert.deepEqual(other.unmapped, ['staleClientTimeoutMs=1800'], p);
    }
  });
});
