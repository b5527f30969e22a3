// The Docker path (lab/runner/docker.ts, servers/real/container.ts). The checks that need no engine always run;
// the matrix check runs only when a Docker engine answers /_ping (and testcontainers is installed), else it
// skips with a one-line reason found in ≤ 500 ms (CI has no engine). With an engine it runs aggressive-nsec-new-name
// [aggressive] × docker:unbound and docker:bind and requires the same cells as the local path (PASS 8/8,
// agreeing with the emulated profile), and that no container or network of the run is left.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { demuxLogs, dockerEngineReachable, loadTestcontainers } from '../../lab/runner/docker.ts';
import { LAUNCHER } from '../../servers/real/container.ts';
import { BINARY, PRODUCTS, TIME_MECHANISM } from '../../servers/real/products.ts';
import { parseResolverList, renderMatrix, runMatrix } from '../../lab/runner/matrix.ts';
import { runsFor } from '../../lab/runner/index.ts';

const reach = await dockerEngineReachable();
const tc = reach.ok ? await loadTestcontainers().then(() => undefined, (e: Error) => e.message) : undefined;
const skip = !reach.ok ? `no Docker engine reachable (${reach.reason})` : tc !== undefined ? tc : false;

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
    assert.deepEqual(parseResolverList('emulated,docker:unbound,docker:named,docker:kresd,docker:pdns,unbound'), ['emulated', 'docker:unbound', 'docker:bind', 'docker:knot', 'docker:powerdns', 'unbound']);
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

  it('engine check never hangs: an absent socket is reported with a reason', async () => {
    const r = await dockerEngineReachable('/nonexistent/docker.sock', 300);
    assert.equal(r.ok, false);
    assert.match(r.reason, /ENOENT/);
  });

  it('aggressive-nsec-new-name [aggressive] × docker:unbound, docker:bind: same cells as the local path, nothing left', { skip, timeout: 1_800_000 }, async () => {
    const runs = await runsFor('aggressive-nsec-new-name', 'aggressive');
    const m = await runMatrix(runs, ['docker:unbound', 'docker:bind'], { seed: '1' });
    process.stderr.write(renderMatrix(m).replace(/^/gm, '# '));
    for (const c of m.rows[0]!.cells) {
      assert.equal(c.error, undefined, `${c.resolver}: ${c.error}`);
      assert.equal(`${c.passed ? 'PASS' : 'FAIL'} ${c.ok}/${c.total}`, 'PASS 8/8', c.resolver);
      assert.equal(c.emulatedProfile?.agrees, true, `${c.resolver} agrees with its emulated profile`);
      assert.equal(c.real?.docker?.leftover, 0, `${c.resolver}: containers/networks left`);
    }
    assert.match(m.versions['docker:unbound'] ?? '', /1\.17/);
  });
});
