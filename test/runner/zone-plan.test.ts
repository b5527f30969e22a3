// Zone planning (lab/runner/zone-plan.ts): the zones, servers, delegations and addresses a topology turns into,
// checked on the plan itself, without building a world.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planZones, WorldError, type ZonePlan } from '../../lab/runner/zone-plan.ts';
import type { Topology } from '../../lab/scenario/types.ts';

const soa = (o: string) => `${o} 3600 IN SOA ns1.${o} hostmaster.${o} 1 3600 900 604800 300`;

/** example.jp (ns1 in bailiwick, ns2 outside), sub.example.jp below it, and a second copy of example.jp. */
function topology(extra: Partial<Topology> = {}): Topology {
  return {
    servers: {
      ns1: { host: 'ns1.example.jp', addresses: ['192.0.2.53', '2001:db8::53'] },
      ns2: { host: 'ns.provider.net', addresses: ['198.51.100.53'] },
      sub: { host: 'ns.sub.example.jp', addresses: ['192.0.2.54'] },
    },
    zones: {
      'example.jp': {
        text: `${soa('example.jp.')}\nexample.jp. 3600 IN NS ns1.example.jp.\nwww.example.jp. 300 IN A 192.0.2.10`,
        servers: ['ns1', 'ns2', 'ns1'],
      },
      'sub.example.jp': { text: soa('sub.example.jp.'), servers: ['sub'] },
      'example.jp@gaining': { origin: 'example.jp', text: soa('example.jp.'), servers: ['ns2'] },
    },
    clients: { alice: { addresses: ['192.0.2.1'] } },
    ...extra,
  };
}

/** The key of the copy: the zone's key in canonical form, '@' escaped like any special character. */
const COPY = 'example.jp\\@gaining';

const delegation = (p: ZonePlan, child: string) => p.delegations.find((d) => d.child === child);

describe('planZones', () => {
  it('synthesises the root and every TLD the scenario uses but does not declare, numbered in name order', () => {
    const p = planZones(topology(), 'unit.ts');
    assert.deepEqual([...p.zones.keys()], ['example.jp', 'sub.example.jp', COPY, '.', 'jp', 'lab', 'net']);
    assert.deepEqual([...p.servers.keys()], ['ns1', 'ns2', 'sub', 'root', 'tld-jp', 'tld-lab', 'tld-net']);
    assert.deepEqual(p.servers.get('root'), { host: 'a.root-servers.lab', addresses: ['10.53.0.1'], quirks: [] });
    assert.deepEqual(p.servers.get('tld-jp')?.addresses, ['10.53.1.1']);
    assert.deepEqual(p.servers.get('tld-lab')?.addresses, ['10.53.1.2']);
    assert.deepEqual(p.servers.get('tld-net')?.addresses, ['10.53.1.3']);
    const jp = p.zones.get('jp')!;
    assert.equal(jp.synthetic, true);
    assert.deepEqual(jp.servers, ['tld-jp']);
    assert.deepEqual(
      jp.master.get('jp', 'NS')?.records.map((r) => r.data),
      ['a.nic.jp'],
    );
    assert.ok(jp.master.get('jp', 'SOA'));
  });

  it('does not synthesise a root or TLD the scenario declares', () => {
    const t = topology();
    t.zones['jp'] = { text: soa('jp.'), servers: ['ns2'] };
    const p = planZones(t, 'unit.ts');
    assert.equal(p.zones.get('jp')?.synthetic, false);
    assert.equal(p.servers.has('tld-jp'), false);
    // The numbering skips declared TLDs: lab and net are the first two synthesised.
    assert.deepEqual(p.servers.get('tld-lab')?.addresses, ['10.53.1.1']);
  });

  it('delegates each zone from its closest parent, shallowest first, with glue only for hosts in the parent', () => {
    const p = planZones(topology(), 'unit.ts');
    assert.deepEqual(
      p.delegations.map((d) => `${d.parent} > ${d.child}`),
      ['. > jp', '. > lab', '. > net', 'jp > example.jp', 'example.jp > sub.example.jp'],
    );
    // example.jp is served by ns1 twice and ns2: one NS per host; the glue of ns1.example.jp is in jp, ns.provider.net is not.
    assert.deepEqual(delegation(p, 'example.jp')?.ns, [
      {
        host: 'ns1.example.jp',
        glue: [
          { name: 'ns1.example.jp', type: 'A', address: '192.0.2.53' },
          { name: 'ns1.example.jp', type: 'AAAA', address: '2001:db8::53' },
        ],
      },
      { host: 'ns.provider.net', glue: [] },
    ]);
    assert.deepEqual(delegation(p, 'sub.example.jp')?.ns, [
      { host: 'ns.sub.example.jp', glue: [{ name: 'ns.sub.example.jp', type: 'A', address: '192.0.2.54' }] },
    ]);
    // Every name is in the root's bailiwick: the root carries glue for the TLD servers.
    assert.deepEqual(delegation(p, 'jp')?.ns, [{ host: 'a.nic.jp', glue: [{ name: 'a.nic.jp', type: 'A', address: '10.53.1.1' }] }]);
  });

  it('keeps a delegation the scenario wrote itself (no NS added, the DS still goes there)', () => {
    const t = topology();
    t.zones['example.jp']!.text += '\nsub.example.jp. 600 IN NS ns.elsewhere.net.';
    const d = delegation(planZones(t, 'unit.ts'), 'sub.example.jp');
    assert.ok(d, 'the delegation is still planned, for the DS');
    assert.deepEqual(d.ns, []);
  });

  it('never delegates a copy of a zone', () => {
    const p = planZones(topology(), 'unit.ts');
    const copy = p.zones.get(COPY)!;
    assert.equal(copy.copy, true);
    assert.equal(copy.origin, 'example.jp');
    assert.equal(delegation(p, COPY), undefined);
    assert.equal(p.zones.get('example.jp')?.copy, false);
  });

  it('leaves the delegations below a registry-run TLD to the registry', () => {
    const p = planZones(topology({ registries: [{ tld: 'jp', registrars: ['r1'], domains: [] }] }), 'unit.ts');
    assert.deepEqual([...p.registryTlds], ['jp']);
    assert.equal(delegation(p, 'example.jp'), undefined);
    assert.ok(delegation(p, 'jp'), 'the root still delegates the TLD itself');
  });

  it('refuses a registry for a zone that does not exist', () => {
    const t = topology({ registries: [{ tld: 'example', registrars: ['r1'], domains: [] }] });
    t.servers = { ns1: { host: 'ns1.example.jp', addresses: ['192.0.2.53'] } };
    t.zones = { 'example.jp': { text: soa('example.jp.'), servers: ['ns1'] } };
    assert.throws(
      () => planZones(t, 'unit.ts'),
      (e: unknown) => e instanceof WorldError && /registry for example: no such zone/.test(e.message),
    );
  });

  it('signs the synthesised root and TLDs only when some zone is signed', () => {
    const unsigned = planZones(topology(), 'unit.ts');
    assert.ok([...unsigned.zones.values()].every((z) => !z.signed));
    const t = topology();
    t.zones['sub.example.jp']!.online = {};
    const p = planZones(t, 'unit.ts');
    const signed = [...p.zones].filter(([, z]) => z.signed).map(([k]) => k);
    assert.deepEqual(signed, ['sub.example.jp', '.', 'jp', 'lab', 'net']);
  });

  it('puts server host addresses in the synthesised zone they belong to, and the root server in the root', () => {
    const p = planZones(topology(), 'unit.ts');
    assert.deepEqual(
      p.hostAddresses.map((h) => `${h.zone}: ${h.record.name} ${h.record.type} ${h.record.address}`),
      [
        // ns.provider.net falls in the synthesised net zone; ns1.example.jp and ns.sub.example.jp are in declared zones.
        'net: ns.provider.net A 198.51.100.53',
        'lab: a.root-servers.lab A 10.53.0.1',
        '.: a.root-servers.lab A 10.53.0.1',
        'jp: a.nic.jp A 10.53.1.1',
        'lab: a.nic.lab A 10.53.1.2',
        'net: a.nic.net A 10.53.1.3',
      ],
    );
  });

  it('is a function of the topology: the same plan twice, the topology untouched', () => {
    const t = topology();
    const before = structuredClone(t);
    const a = planZones(t, 'unit.ts');
    const b = planZones(t, 'unit.ts');
    assert.deepEqual(t, before);
    assert.deepEqual(a.delegations, b.delegations);
    assert.deepEqual(a.hostAddresses, b.hostAddresses);
    assert.deepEqual([...a.servers], [...b.servers]);
    assert.notEqual(a.zones.get('example.jp')!.master, b.zones.get('example.jp')!.master, 'each plan has its own master data');
  });

  it('names the scenario file when a zone text does not parse', () => {
    const t = topology();
    t.zones['sub.example.jp']!.text = 'sub.example.jp. 300 IN A not-an-address';
    assert.throws(() => planZones(t, 'my-scenario.ts'), /my-scenario\.ts zone sub\.example\.jp/);
  });
});
