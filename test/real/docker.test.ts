// The Docker path (servers/real/docker.ts): only when a Docker engine answers.
// Here (no engine) it skips with a one-line reason, found in ≤ 500 ms.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { dockerEngineReachable, startDockerResolver } from '../../servers/real/docker.ts';
import { BINARY, PRODUCTS } from '../../servers/real/products.ts';

const reach = await dockerEngineReachable();

describe('docker path', () => {
  it('each product has a bookworm Dockerfile installing the same Debian package', () => {
    for (const p of PRODUCTS) {
      const file = resolve(import.meta.dirname, '../../docker', p, 'Dockerfile');
      assert.ok(existsSync(file), file);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^FROM debian:bookworm/m);
      assert.ok(text.includes(BINARY[p].pkg), `${file} installs ${BINARY[p].pkg}`);
    }
  });

  it('engine check never hangs: an absent socket is reported with a reason', async () => {
    const r = await dockerEngineReachable('/nonexistent/docker.sock', 300);
    assert.equal(r.ok, false);
    assert.match(r.reason, /ENOENT/);
  });

  it('Unbound in a container answers on its internal network', { skip: reach.ok ? false : `no Docker engine reachable (${reach.reason})` }, async () => {
    const r = await startDockerResolver({ product: 'unbound', address: '0.0.0.0', rootHints: [{ host: 'a.root-servers.lab', address: '10.53.0.1' }], trustAnchors: [], switches: {} });
    try {
      assert.ok(r.containerId);
    } finally {
      await r.stop();
    }
  });
});
