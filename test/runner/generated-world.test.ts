// A generated world (lab/runner/generated-world.ts) of 2·10^3 zones is built the way every scenario's world
// is, and every zone resolves through it: glue where the NS host is in the parent's zone, an out-of-bailiwick
// NS name elsewhere. Correctness only; bench/big-world.ts measures the time.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGeneratedWorld, generateTopology, queryRound, wwwAddress, zoneName } from '../../lab/runner/generated-world.ts';

const SIZE = { zones: 2000, clients: 100 };

describe('generated world', () => {
  it('is plain topology data: zones, servers, resolvers and clients as a scenario writes them', () => {
    const t = generateTopology(SIZE);
    assert.equal(Object.keys(t.zones).length, 2000);
    assert.equal(Object.keys(t.servers).length, 200);
    assert.equal(Object.keys(t.clients).length, 100);
    assert.deepEqual(Object.keys(t.resolvers ?? {}), ['r0']);
    assert.deepEqual(t.zones['z13.t3'], {
      text: '$TTL 3600\n@ SOA ns1.z10.t0. hostmaster 1 7200 3600 1209600 3600\n@ NS ns1.z10.t0.\nwww A 198.18.0.13',
      servers: ['s1'],
    });
    assert.throws(() => generateTopology({ zones: 0, clients: 1 }), /zones must be a positive integer/);
  });

  it('builds, each server holds its zones, and every zone resolves', async () => {
    const { world, clock } = await buildGeneratedWorld(SIZE);
    try {
      assert.equal(world.zones.size, 2000 + 1 + 10 + 1); // + root, t0…t9, and lab (the root server's a.root-servers.lab)
      assert.deepEqual(
        world
          .server('s1')
          .server.zones.zones()
          .map((z) => z.origin)
          .sort(),
        Array.from({ length: 10 }, (_, j) => zoneName(10 + j, SIZE)).sort(),
      );
      // Glue only where the NS host is below the parent (RFC 1034 §4.2.1): z10.t0 yes, z13.t3 no.
      const t0 = world.zones.get('t0')!.zone;
      const t3 = world.zones.get('t3')!.zone;
      assert.equal(t0.get('ns1.z10.t0', 'A')?.records[0]?.data, '10.64.0.2');
      assert.equal(t3.get('z13.t3', 'NS')?.records[0]?.data, 'ns1.z10.t0');
      assert.equal(t3.get('ns1.z10.t0', 'A'), undefined);
      const round = await queryRound(world, clock, SIZE);
      assert.equal(round.queries, 2000);
      assert.deepEqual(round.wrong, []);
      assert.equal(round.correct, 2000);
      assert.equal(wwwAddress(1999), '198.18.7.207');

      // Unsigned zones are served as written (one Zone object) until something sets data and served zone apart.
      const z5 = world.zones.get('z5.t5')!;
      assert.equal(z5.zone, z5.master);
      world.signZone('z5.t5');
      assert.notEqual(z5.zone, z5.master);
      assert.ok(z5.zone.get('z5.t5', 'DNSKEY'), 'the servers hold the signed zone');
      assert.equal(z5.master.get('z5.t5', 'DNSKEY'), undefined, 'the master data stays unsigned');
      assert.equal(z5.master.get('www.z5.t5', 'RRSIG'), undefined);
      world.unsignZone('z5.t5');
      assert.equal(z5.zone.get('z5.t5', 'DNSKEY'), undefined);
      assert.equal(z5.zone.get('www.z5.t5', 'A')?.records[0]?.data, wwwAddress(5));
      // An edit reaches the servers at resign, not before (edits.ts: edit, then resign).
      const z6 = world.zones.get('z6.t6')!;
      world.zone('z6.t6').add({ name: 'new.z6.t6', type: 'A', class: 'IN', ttl: 60, data: '192.0.2.6' });
      assert.equal(z6.zone.get('new.z6.t6', 'A'), undefined);
      world.resign('z6.t6');
      assert.equal(z6.zone.get('new.z6.t6', 'A')?.records[0]?.data, '192.0.2.6');
    } finally {
      await world.stop();
    }
  });
});
