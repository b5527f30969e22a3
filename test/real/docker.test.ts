// The Docker path (lab/runner/docker.ts, servers/real/container.ts): the checks that need no engine.
// The matrix run in containers is in docker.full.test.ts.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { demuxLogs, dockerEngineReachable, loadTestcontainers } from '../../lab/runner/docker.ts';
import { LAUNCHER } from '../../servers/real/container.ts';
import { BINARY, PRODUCTS, TIME_MECHANISM } from '../../servers/real/products.ts';
import { parseResolverList } from '../../lab/runner/matrix.ts';

describe('docker path', () => {
  it('each product has a bookworm Dockerfile installing the same Debian package (and the timeshift shim where used)', () => {
    for (const p of PRODUCTS) {
      const file = resolve(import.meta.dirname, '../../docker', p, 'Dockerfile');
      assert.ok(existsSync(file), file);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^FROM debian:bookworm/m);
      assert.ok(text.includes(BINARY[p].pkg), `${file} installs ${BINARY[p].pkg}`);
      assert.equal(text.includes('/usr/local/lib/dnslab-timeshift.so'), TIME_MECHANISM[p] === 'timeshift', `${file}: timeshift shim iff ${p} uses it`);
    }
    assert.ok(existsSync(resolve(import.meta.dirname, '../../docker/world/Dockerfile')));
  });

  it('docker:<product> columns parse, with the same aliases as local products', () => {
    assert.deepEqual(parseResolverList('emulated,docker:unbound,docker:named,docker:kresd,docker:pdns,unbound'), [
      'emulated',
      'docker:unbound',
      'docker:bind',
      'docker:knot',
      'docker:powerdns',
      'unbound',
    ]);
    assert.throws(() => parseResolverList('docker:dnsmasq'), /unknown resolver "docker:dnsmasq"/);
  });

  it('the launcher loop is bounded in polls and stops on /lab/done', () => {
    const text = LAUNCHER(1234);
    assert.match(text, /while \[ \$i -lt 1234 \] && \[ ! -e \/lab\/done \]/);
  });

  it('container logs are de-framed (8-byte stream headers), unframed text kept as is', () => {
    const frame = (stream: number, text: string) => {
      const b = Buffer.from(text);
      const h = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
      h.writeUInt32BE(b.length, 4);
      return Buffer.concat([h, b]);
    };
    assert.equal(demuxLogs(Buffer.concat([frame(1, 'out line\n'), frame(2, 'ScenarioError: no variant\n')])), 'out line\nScenarioError: no variant\n');
    assert.equal(demuxLogs(Buffer.from('plain tty output\n')), 'plain tty output\n');
  });

  it('testcontainers 11 (optional dependency) loads', async () => {
    const tc = await loadTestcontainers();
    assert.equal(typeof tc.getContainerRuntimeClient, 'function');
  });

  it('engine check never hangs: an absent socket is reported with a reason', async () => {
    const r = await dockerEngineReachable('/nonexistent/docker.sock', 300);
    assert.equal(r.ok, false);
    assert.match(r.reason, /ENOENT/);
  });
});
