// dnslab export (lab/export/): the compose file and the containerlab topology, without an engine. The run with a
// real engine is test/docker/dnslab-image.full.test.ts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { parseMasterFile } from '../../dns/zone/master-file.ts';
import { findScenario } from '../../lab/runner/index.ts';
import { snapshotLab } from '../../lab/export/snapshot.ts';
import { layoutLab } from '../../lab/export/layout.ts';
import { containerlabTopology, renderContainerlab } from '../../lab/export/containerlab.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'dnslab-export-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const dnslab = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/dnslab.mjs'), ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });

interface Service {
  image: string;
  command?: string[];
  volumes?: string[];
  networks: Record<string, { ipv4_address: string }>;
}

describe('dnslab export --format compose', () => {
  const out = join(tmp, 'rollback');
  const r = dnslab('export', 'dnssec-rollback', '--format', 'compose', '--out', out);
  const file = parseYaml(readFileSync(join(out, 'docker-compose.yml'), 'utf8')) as {
    version: string;
    services: Record<string, Service>;
    networks: Record<string, { internal: boolean; ipam: { config: { subnet: string; gateway: string }[] } }>;
  };

  it('writes one container per machine, on internal networks, one per /24 of the scenario', () => {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote .*rollback\/ \(9 containers, 5 networks\) for dnssec-rollback \[vulnerable\]/);
    assert.equal(file.version, '3.8');
    assert.deepEqual(Object.keys(file.services).sort(), [
      'alice',
      'bob',
      'nonvalidating',
      'ns-example',
      'root',
      'tld-com',
      'tld-example',
      'tld-lab',
      'validating',
    ]);
    assert.deepEqual(
      Object.values(file.networks)
        .map((n) => n.ipam.config[0]!.subnet)
        .sort(),
      ['10.0.1.0/24', '10.0.2.0/24', '10.53.0.0/24', '10.53.1.0/24', '192.0.2.0/24'],
    );
    assert.ok(Object.values(file.networks).every((n) => n.internal === true));
  });

  it('every container is on every network at its scenario address there, no address used twice, none the gateway', () => {
    assert.equal(file.services['tld-com']!.networks['net-192-0-2']!.ipv4_address, '192.0.2.230');
    assert.equal(file.services['validating']!.networks['net-10-0-1']!.ipv4_address, '10.0.1.53');
    assert.equal(file.services['alice']!.networks['net-10-0-1']!.ipv4_address, '10.0.1.10');
    assert.equal(file.services['root']!.networks['net-10-53-0']!.ipv4_address, '10.53.0.1');
    for (const [net, n] of Object.entries(file.networks)) {
      const addrs = Object.values(file.services).map((s) => s.networks[net]?.ipv4_address);
      assert.ok(
        addrs.every((a) => a !== undefined && a.startsWith(n.ipam.config[0]!.subnet.replace(/0\/24$/, ''))),
        net,
      );
      assert.equal(new Set(addrs).size, addrs.length, `${net}: an address used twice`);
      assert.ok(!addrs.includes(n.ipam.config[0]!.gateway), `${net}: a container on the gateway address`);
    }
  });

  it("servers serve the lab's zones (signed ones with RRSIGs); the validating resolver gets the root DS, the other none", () => {
    const cmd = file.services['ns-example']!.command!;
    assert.deepEqual(cmd.slice(0, 5), ['auth', '--allow-external', '--allow-broken', '--listen', '192.0.2.53:53']);
    assert.ok(cmd.includes('/lab/zones/example.com.zone:example.com.'));
    const records = parseMasterFile(readFileSync(join(out, 'ns-example/zones/example.com.zone'), 'utf8'));
    assert.ok(records.some((rr) => rr.type === 'RRSIG') && records.some((rr) => rr.type === 'DNSKEY'));
    assert.ok(records.some((rr) => rr.type === 'A' && rr.data === '192.0.2.10'));
    const v = file.services['validating']!.command!;
    assert.deepEqual(v.slice(v.indexOf('--root-hints'), v.indexOf('--root-hints') + 2), ['--root-hints', '10.53.0.1']);
    assert.ok(v.includes('--trust-anchor'));
    assert.match(readFileSync(join(out, 'validating/root.ds'), 'utf8'), /^\.\s+\d+\s+IN\s+DS\s+\d+ 15 2 [0-9A-F]+/m);
    assert.ok(!file.services['nonvalidating']!.command!.includes('--trust-anchor'));
    assert.ok(!existsSync(join(out, 'nonvalidating/root.ds')));
  });

  it('what is left out is said, on stderr and in the README', () => {
    assert.match(r.stderr, /left out: 10 steps and their claims/);
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /- 10 steps and their claims/);
  });

  it('bad input is exit 2 with one line: unknown format, missing format, non-empty --out', () => {
    const bad = dnslab('export', 'dnssec-rollback', '--format', 'k8s');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--format k8s: expected compose or containerlab/);
    assert.equal(dnslab('export', 'dnssec-rollback').status, 2);
    writeFileSync(join(tmp, 'x'), '');
    const full = dnslab('export', 'dnssec-rollback', '--format', 'compose', '--out', tmp);
    assert.equal(full.status, 2);
    assert.match(full.stderr, /the folder exists and is not empty/);
  });
});

describe('dnslab export --format containerlab', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/containerlab/clab.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(schema);

  it("validates against containerlab's published schema, and the YAML written reads back to the same topology", async () => {
    const layout = layoutLab(await snapshotLab(await findScenario('dnssec-rollback'), undefined));
    const topo = containerlabTopology(layout, 'dnssec-rollback');
    assert.ok(validate(topo), JSON.stringify(validate.errors, null, 1));
    assert.deepEqual(parseYaml(renderContainerlab(layout, 'dnssec-rollback')), topo);
    const nodes = (topo.topology as { nodes: Record<string, { kind: string; exec?: string[] }> }).nodes;
    assert.equal(Object.values(nodes).filter((n) => n.kind === 'bridge').length, 5);
    assert.ok(nodes['tld-com']!.exec!.includes('ip addr add 192.0.2.230/24 dev eth1'));
    // The schema check can fail: a node kind containerlab does not know is rejected.
    const broken = structuredClone(topo) as { topology: { nodes: Record<string, { kind: string }> } };
    broken.topology.nodes['root']!.kind = 'linux-box';
    assert.equal(validate(broken), false);
  });

  it('the CLI writes lab.clab.yml with the bridges to create named at the top', () => {
    const out = join(tmp, 'clab');
    const r = dnslab('export', 'dnssec-rollback', '--format', 'containerlab', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(join(out, 'lab.clab.yml'), 'utf8');
    assert.match(text, /^# {3}ip link add br-192-0-2 type bridge && ip link set br-192-0-2 up$/m);
    assert.ok(validate(parseYaml(text)), JSON.stringify(validate.errors));
  });
});
