// The dnslab image (docker/dnslab/Dockerfile, built by lab/runner/images.ts) and the compose export
// (lab/export/) with a real engine (test/helpers/docker-engine.ts: skipped without one, except in CI):
//   - `docker run dnslab-dnslab:bookworm run --all --json` with no network gives the in-process run's result;
//   - a scenario file mounted from the host runs in it;
//   - `dnslab export dnssec-rollback --format compose` comes up with docker-compose, a client container asks
//     its resolver over the export's internal networks (nothing leaves them) and gets what the scenario's
//     first step expects (validated, AD=1, for the validating resolver; no AD for the non-validating one);
//     `down` leaves no container or network of the project.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTestcontainers } from '../../lab/runner/docker.ts';
import { buildImage, imageTag } from '../../lab/runner/images.ts';
import { engineSkip as skip, requireEngine } from '../helpers/docker-engine.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const IMAGE = imageTag('dnslab');
const sh = (cmd: string, args: string[], opts: { cwd?: string; timeout?: number } = {}) =>
  spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 300_000, maxBuffer: 256 << 20, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
/** A run's JSON without the scenario file paths (they name dist/ in the image, the sources here). */
const withoutFiles = (json: string) => JSON.stringify(JSON.parse(json), (k, v: unknown) => (k === 'file' ? undefined : v));

describe('dnslab image and compose export with an engine', { skip }, () => {
  let dir = '';
  before(async () => {
    requireEngine();
    await buildImage(await loadTestcontainers(), 'dnslab');
    dir = mkdtempSync(join(tmpdir(), 'dnslab-image-test-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('docker run IMAGE run --all --json (no network) equals the in-process run', { timeout: 600_000 }, () => {
    const inImage = sh('docker', ['run', '--rm', '--network', 'none', IMAGE, 'run', '--all', '--json']);
    assert.equal(inImage.status, 0, inImage.stderr.slice(-2000));
    const local = sh(process.execPath, [join(ROOT, 'bin/dnslab.mjs'), 'run', '--all', '--json'], { cwd: ROOT });
    assert.equal(local.status, 0, local.stderr.slice(-2000));
    assert.equal(withoutFiles(inImage.stdout), withoutFiles(local.stdout));
    assert.equal((JSON.parse(inImage.stdout) as { runs: unknown[] }).runs.length, 40);
  });

  it('a scenario file of a repository mounted from the host runs in the image (TypeScript, through the tsx in the image)', { timeout: 300_000 }, () => {
    // The user's repository, package.json ("type": "module") included: tsx loads its .ts files as ES modules.
    const repo = join(ROOT, 'examples/ci-regression');
    const r = sh('docker', ['run', '--rm', '--network', 'none', '-v', `${repo}:/repo:ro`, IMAGE, 'run', '/repo/scenarios/mail-cutover.ts']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /PASS {2}mail-cutover \[default\]: 4\/4 assertions hold/);
  });

  it(
    'the compose export of dnssec-rollback comes up, answers as step 1 expects, and down leaves nothing',
    {
      timeout: 600_000,
      // Known failure, kept visible: the exported resolver sends upstream from its scenario address (10.0.1.53)
      // out of its interface on the server's /24, and Docker's isolation rules for internal networks drop a
      // source outside the bridge's subnet; clients reach servers, the resolver does not (lab/export/README.md).
      todo: 'the resolver-to-server path of the compose export is dropped by Docker internal-network isolation',
    },
    async () => {
      const out = join(dir, 'compose');
      const ex = sh(process.execPath, [join(ROOT, 'bin/dnslab.mjs'), 'export', 'dnssec-rollback', '--format', 'compose', '--out', out], { cwd: ROOT });
      assert.equal(ex.status, 0, ex.stderr);
      const project = `dnslabtest${process.pid}`;
      const compose = (...args: string[]) => sh('docker-compose', ['-p', project, '-f', join(out, 'docker-compose.yml'), ...args], { cwd: out });
      const left = () =>
        [
          ...sh('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).stdout.split('\n'),
          ...sh('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).stdout.split('\n'),
        ].filter(Boolean);
      try {
        const up = compose('up', '-d');
        assert.equal(up.status, 0, up.stderr);
        // One query from a client container to its resolver, with dnslab's own encoder (the image has no dig).
        const ask = (client: string, resolver: string) => {
          const script = `
          import { createSocket } from 'node:dgram';
          import { makeQuery } from '/opt/dnslab/dist/dns/message.js';
          import { decodeMessage, encodeMessage } from '/opt/dnslab/dist/dns/wire/message.js';
          const s = createSocket('udp4');
          const t = setTimeout(() => { console.log('timeout'); process.exit(3); }, 3000);
          s.on('message', (b) => { const m = decodeMessage(b); clearTimeout(t);
            console.log(JSON.stringify({ rcode: m.rcode, ad: m.flags.ad, answer: m.answer.map((r) => r.type === 'A' ? r.name.replace(/\\.?$/, '.') + ' A ' + r.data : r.type) })); s.close(); });
          s.send(encodeMessage(makeQuery('www.example.com.', 'A', { id: 4242, do: true })), 53, '${resolver}');`;
          return compose('exec', '-T', client, 'node', '--input-type=module', '-e', script);
        };
        let alice: ReturnType<typeof ask> | undefined;
        for (let i = 0; i < 30; i++) {
          alice = ask('alice', '10.0.1.53');
          if (alice.status === 0 && /NOERROR/.test(alice.stdout)) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        assert.equal(alice!.status, 0, alice!.stderr + alice!.stdout + compose('logs', '--tail', '20').stdout);
        // Step 1 of dnssec-rollback, as the in-process run checks it: NOERROR, AD=1, www.example.com. A 192.0.2.10.
        assert.deepEqual(JSON.parse(alice!.stdout), { rcode: 'NOERROR', ad: true, answer: ['www.example.com. A 192.0.2.10'] });
        const bob = ask('bob', '10.0.2.53');
        assert.deepEqual(JSON.parse(bob.stdout), { rcode: 'NOERROR', ad: false, answer: ['www.example.com. A 192.0.2.10'] });
      } finally {
        const down = compose('down', '--volumes', '--remove-orphans', '--timeout', '5');
        assert.equal(down.status, 0, down.stderr);
      }
      assert.deepEqual(left(), [], 'containers or networks of the compose project left');
    },
  );
});
