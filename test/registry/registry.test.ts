import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Zone } from '../../dns/zone/zone.ts';
import type { DsData, RR, SoaData } from '../../dns/types.ts';
import { Registrar, Registry, type OpResult } from '../../lab/registry/registry.ts';

function world(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const clock = { now: () => now };
  const soa: RR = {
    name: 'jp',
    type: 'SOA',
    class: 'IN',
    ttl: 900,
    data: { mname: 'a.dns.jp', rname: 'hostmaster.jp', serial: 1, refresh: 3600, retry: 900, expire: 604800, minimum: 900 },
  };
  const zone = new Zone('jp', [soa]);
  const registry = new Registry({ tld: 'jp', zone, clock, registrars: ['reg-a', 'reg-b'], nsTtl: 86400, dsTtl: 7200 });
  const a = new Registrar('reg-a', registry);
  const b = new Registrar('reg-b', registry);
  return { zone, registry, a, b, advance: (ms: number) => (now += ms), clock };
}

const DS: DsData = { keyTag: 12345, algorithm: 13, digestType: 2, digest: Buffer.alloc(32, 0xab) };

function refusal(r: OpResult): string | undefined {
  return r.ok ? undefined : r.reason;
}

function register(w: ReturnType<typeof world>) {
  const r = w.a.register({ name: 'example.jp', registrant: 'alice', authCode: 'secret-1', ns: ['ns1.example.net', 'ns2.example.net'], ds: [DS] });
  assert.equal(r.ok, true, r.message);
  return r;
}

test('create publishes NS and DS in the TLD zone with the TLD TTLs and bumps the serial', () => {
  const w = world();
  register(w);
  const ns = w.zone.get('example.jp', 'NS');
  assert.deepEqual(ns?.records.map((r) => r.data).sort(), ['ns1.example.net', 'ns2.example.net']);
  assert.equal(ns?.ttl, 86400);
  const ds = w.zone.get('example.jp', 'DS');
  assert.equal(ds?.ttl, 7200);
  assert.equal((ds?.records[0]?.data as DsData).keyTag, 12345);
  assert.ok((w.zone.soa as SoaData).serial > 1);
  assert.equal(w.registry.log.at(-1)?.op, 'create');
  assert.equal(w.registry.log.at(-1)?.ok, true);
});

test('create refuses duplicates, names outside the TLD, unknown registrars and missing glue', () => {
  const w = world();
  register(w);
  assert.equal(refusal(w.b.register({ name: 'EXAMPLE.jp', registrant: 'mallory', authCode: 'x' })), 'OBJECT_EXISTS');
  assert.equal(refusal(w.a.register({ name: 'example.com', registrant: 'x', authCode: 'x' })), 'NOT_IN_TLD');
  assert.equal(refusal(w.a.register({ name: 'a.b.jp', registrant: 'x', authCode: 'x' })), 'NOT_IN_TLD');
  assert.equal(refusal(w.registry.create('reg-z', { name: 'z.jp', registrant: 'x', authCode: 'x' })), 'UNKNOWN_REGISTRAR');
  assert.equal(refusal(w.a.register({ name: 'glue.jp', registrant: 'x', authCode: 'x', ns: ['ns1.glue.jp'] })), 'MISSING_GLUE');
  const ok = w.a.register({
    name: 'glue.jp',
    registrant: 'x',
    authCode: 'x',
    ns: ['ns1.glue.jp'],
    glue: [{ name: 'ns1.glue.jp', addresses: ['192.0.2.1', '2001:db8::1'] }],
  });
  assert.equal(ok.ok, true);
  assert.equal(w.zone.get('ns1.glue.jp', 'A')?.records[0]?.data, '192.0.2.1');
  assert.equal(w.zone.get('ns1.glue.jp', 'AAAA')?.records[0]?.data, '2001:db8::1');
  // every refusal was logged with its reason
  const reasons = w.registry.log.filter((e) => !e.ok).map((e) => e.reason);
  assert.deepEqual(reasons, ['OBJECT_EXISTS', 'NOT_IN_TLD', 'NOT_IN_TLD', 'UNKNOWN_REGISTRAR', 'MISSING_GLUE']);
});

test('update NS replaces the delegation; only the sponsoring registrar and the registrant may', () => {
  const w = world();
  register(w);
  w.advance(3600_000);
  const r = w.a.changeNs('alice', 'example.jp', ['ns-650.awsdns-017.example']);
  assert.equal(r.ok, true);
  assert.deepEqual(
    w.zone.get('example.jp', 'NS')?.records.map((x) => x.data),
    ['ns-650.awsdns-017.example'],
  );
  assert.equal(w.registry.log.at(-1)?.time, Date.UTC(2026, 0, 1) + 3600_000);
  assert.equal(refusal(w.b.changeNs('alice', 'example.jp', ['evil.example'])), 'NOT_SPONSORING_REGISTRAR');
  assert.equal(refusal(w.a.changeNs('mallory', 'example.jp', ['evil.example'])), 'NOT_REGISTRANT');
  assert.equal(w.registry.log.at(-1)?.reason, 'NOT_REGISTRANT');
  assert.equal(refusal(w.a.changeNs('alice', 'nope.jp', ['x.example'])), 'OBJECT_NOT_FOUND');
});

test('update DS replaces and removes the DS RRset', () => {
  const w = world();
  register(w);
  const ds2: DsData = { ...DS, keyTag: 54321 };
  assert.equal(w.a.changeDs('alice', 'example.jp', [DS, ds2]).ok, true);
  assert.equal(w.zone.get('example.jp', 'DS')?.records.length, 2);
  assert.equal(w.a.changeDs('alice', 'example.jp', []).ok, true);
  assert.equal(w.zone.get('example.jp', 'DS'), undefined);
  assert.equal(w.zone.get('example.jp', 'NS')?.records.length, 2, 'NS untouched by a DS update');
});

test('registrar lock refuses updates and transfers until the registrar removes it', () => {
  const w = world();
  register(w);
  assert.equal(w.a.lock('alice', 'example.jp').ok, true);
  assert.deepEqual(w.registry.info('example.jp')?.status, ['clientTransferProhibited', 'clientUpdateProhibited']);
  assert.equal(refusal(w.a.changeNs('alice', 'example.jp', ['x.example'])), 'STATUS_PROHIBITS');
  assert.equal(refusal(w.b.transferIn('example.jp', 'secret-1')), 'STATUS_PROHIBITS');
  assert.equal(w.a.unlock('alice', 'example.jp').ok, true);
  assert.equal(w.a.changeNs('alice', 'example.jp', ['x.example']).ok, true);
});

test('registry lock: the registrar cannot update, transfer, delete or lift it; the registry can', () => {
  const w = world();
  register(w);
  const lock = w.registry.lock('example.jp');
  assert.equal(lock.ok, true);
  assert.equal(lock.op, 'lock');
  assert.equal(w.registry.log.at(-1)?.op, 'lock');
  assert.equal(refusal(w.a.changeNs('alice', 'example.jp', ['evil.example'])), 'STATUS_PROHIBITS');
  assert.equal(refusal(w.a.changeDs('alice', 'example.jp', [])), 'STATUS_PROHIBITS');
  assert.equal(refusal(w.b.transferIn('example.jp', 'secret-1')), 'STATUS_PROHIBITS');
  assert.equal(refusal(w.a.delete('alice', 'example.jp')), 'STATUS_PROHIBITS');
  assert.equal(refusal(w.registry.setStatus('reg-a', 'example.jp', { remove: ['serverUpdateProhibited'] })), 'NOT_AUTHORIZED');
  assert.equal(refusal(w.registry.setStatus('reg-a', 'example.jp', { add: ['clientDeleteProhibited'] })), 'STATUS_PROHIBITS');
  assert.equal(refusal(w.registry.setStatus('registry', 'example.jp', { add: ['clientUpdateProhibited'] })), 'NOT_AUTHORIZED');
  assert.deepEqual(
    w.zone
      .get('example.jp', 'NS')
      ?.records.map((r) => r.data)
      .sort(),
    ['ns1.example.net', 'ns2.example.net'],
  );
  assert.equal(w.registry.unlock('example.jp').ok, true);
  assert.equal(w.a.changeNs('alice', 'example.jp', ['new.example']).ok, true);
});

test('transfer needs the right auth code and moves sponsorship', () => {
  const w = world();
  register(w);
  assert.equal(refusal(w.b.transferIn('example.jp', 'guess')), 'WRONG_AUTH_CODE');
  assert.equal(w.registry.info('example.jp')?.registrar, 'reg-a');
  assert.equal(refusal(w.a.transferIn('example.jp', 'secret-1')), 'ALREADY_SPONSOR');
  assert.equal(w.b.transferIn('example.jp', 'secret-1').ok, true);
  assert.equal(w.registry.info('example.jp')?.registrar, 'reg-b');
  assert.equal(refusal(w.a.changeNs('alice', 'example.jp', ['x.example'])), 'NOT_SPONSORING_REGISTRAR');
  assert.equal(w.b.changeNs('alice', 'example.jp', ['x.example']).ok, true);
});

test('renew extends expiry; expire refuses before the date and releases after; drop-catch re-registers', () => {
  const w = world();
  register(w);
  const before = w.registry.info('example.jp')!.expiresAt;
  assert.equal(w.a.renew('example.jp', 2).ok, true);
  assert.equal(w.registry.info('example.jp')!.expiresAt, before + 2 * 365 * 86400_000);
  assert.equal(refusal(w.b.renew('example.jp')), 'NOT_SPONSORING_REGISTRAR');
  assert.equal(refusal(w.registry.expire('example.jp')), 'NOT_EXPIRED');
  w.advance(3 * 365 * 86400_000 + 1);
  const expired = w.registry.processExpirations();
  assert.equal(expired.length, 1);
  assert.equal(expired[0]?.ok, true);
  assert.equal(w.registry.info('example.jp'), undefined);
  assert.equal(w.zone.get('example.jp', 'NS'), undefined);
  assert.equal(w.zone.get('example.jp', 'DS'), undefined);
  // drop-catch: a third party registers the released name at another registrar
  const caught = w.b.register({ name: 'example.jp', registrant: 'catcher', authCode: 'c', ns: ['ns.catcher.example'] });
  assert.equal(caught.ok, true);
  assert.deepEqual(
    w.zone.get('example.jp', 'NS')?.records.map((r) => r.data),
    ['ns.catcher.example'],
  );
  assert.equal(w.registry.info('example.jp')?.registrant, 'catcher');
});

test('forced expiry and delete withdraw the delegation and glue', () => {
  const w = world();
  w.a.register({ name: 'glue.jp', registrant: 'x', authCode: 'x', ns: ['ns1.glue.jp'], glue: [{ name: 'ns1.glue.jp', addresses: ['192.0.2.1'] }] });
  register(w);
  assert.equal(w.registry.expire('glue.jp', { force: true }).ok, true);
  assert.equal(w.zone.get('ns1.glue.jp', 'A'), undefined);
  assert.equal(refusal(w.b.delete('alice', 'example.jp')), 'NOT_SPONSORING_REGISTRAR');
  assert.equal(refusal(w.a.delete('mallory', 'example.jp')), 'NOT_REGISTRANT');
  assert.equal(w.a.delete('alice', 'example.jp').ok, true);
  assert.equal(w.zone.get('example.jp', 'NS'), undefined);
  assert.equal(refusal(w.a.delete('alice', 'example.jp')), 'OBJECT_NOT_FOUND');
  assert.equal(refusal(w.registry.expire('example.jp')), 'OBJECT_NOT_FOUND');
});

test('onLog listeners see every entry, accepted and refused, with lab time', () => {
  const w = world();
  const seen: string[] = [];
  w.registry.onLog((e) => seen.push(`${e.time}:${e.op}:${e.ok ? 'ok' : e.reason}`));
  register(w);
  w.advance(1000);
  w.b.transferIn('example.jp', 'nope');
  const t0 = Date.UTC(2026, 0, 1);
  assert.deepEqual(seen, [`${t0}:create:ok`, `${t0 + 1000}:transfer:WRONG_AUTH_CODE`]);
});

test('a registry refuses a zone that is not its TLD', () => {
  assert.throws(() => new Registry({ tld: 'jp', zone: new Zone('com'), clock: { now: () => 0 } }), /pass the TLD's own zone/);
});
