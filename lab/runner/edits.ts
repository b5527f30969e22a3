// What operators and attackers do to a running world (a scenario's action steps): edit zone data (re-signed
// at once when the zone is signed), serve or drop a zone, sign or unsign it, act at a registrar or registry,
// change a server's quirks, flush a resolver's cache.

import { canonicalName, normalizeName, toFqdn } from '../../dns/name.ts';
import type { DsData, Name, RR } from '../../dns/types.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { OpResult } from '../registry/registry.ts';
import type { Action } from '../scenario/types.ts';
import { parseRemoval } from '../scenario/validate.ts';
import type { World } from './world.ts';
import { WorldError } from './zone-plan.ts';

/** Carry out one operator/attacker action; registry operations return their result. */
export function act(world: World, a: Action): string | OpResult {
  switch (a.do) {
    case 'add-records':
      return addRecords(world, a.zone, a.records);
    case 'remove-records':
      return removeRecords(world, a.zone, a.records);
    case 'set-records':
      return setRecords(world, a.zone, a.records);
    case 'serve-zone':
      return serveZone(world, a.zone, a.text, a.servers);
    case 'drop-zone':
      return dropZone(world, a.zone, a.servers);
    case 'sign-zone':
      return world.signZone(a.zone);
    case 'unsign-zone':
      return world.unsignZone(a.zone);
    case 'change-ns':
      return world.registrar(a.registrar).changeNs(
        a.registrant,
        a.domain,
        a.ns,
        Object.entries(a.glue ?? {}).map(([name, addresses]) => ({ name, addresses })),
      );
    case 'change-ds':
      return world
        .registrar(a.registrar)
        .changeDs(
          a.registrant,
          a.domain,
          a.ds === 'from-zone'
            ? world.dsOf(a.domain)
            : Array.isArray(a.ds)
              ? a.ds.map((l) => parseRecord(l).data as DsData)
              : a.ds.fromZones.flatMap((z) => world.dsOf(z)),
        );
    case 'registrar-lock':
      return world.registrar(a.registrar).lock(a.registrant, a.domain);
    case 'registrar-unlock':
      return world.registrar(a.registrar).unlock(a.registrant, a.domain);
    case 'transfer':
      return world.registrar(a.to).transferIn(a.domain, a.authCode);
    case 'register':
      return world.registrar(a.registrar).register({
        name: a.domain,
        registrant: a.registrant,
        authCode: a.authCode,
        ns: a.ns,
        glue: Object.entries(a.glue ?? {}).map(([name, addresses]) => ({ name, addresses })),
      });
    case 'delete-domain':
      return world.registrar(a.registrar).delete(a.registrant, a.domain);
    case 'renew':
      return world.registrar(a.registrar).renew(a.domain, a.years ?? 1);
    case 'registry-lock':
      return world.registryFor(a.domain).lock(a.domain);
    case 'registry-unlock':
      return world.registryFor(a.domain).unlock(a.domain);
    case 'expire-domain':
      return world.registryFor(a.domain).expire(a.domain, { force: true });
    case 'set-quirks':
      world.server(a.server).server.setQuirks(a.quirks);
      return a.quirks.length ? `${a.server} now: ${a.quirks.map((q) => q.kind).join(', ')}` : `${a.server} behaves normally again`;
    case 'publish-keys-of':
      return world.publishKeysOf(a.zone, a.of);
    case 'flush-cache': {
      const r = world.resolvers.get(a.resolver);
      if (!r) throw new Error(`no resolver ${a.resolver}`);
      r.flush(a.name === undefined ? undefined : normalizeName(a.name));
      return `flushed ${a.name ? `${a.name} and below from` : 'the whole cache of'} ${a.resolver}`;
    }
  }
}

function addRecords(world: World, zoneName: Name, lines: string[]): string {
  const zone = world.zone(zoneName);
  for (const line of lines) zone.add(parseRecord(line, zone.origin));
  world.resign(zoneName);
  return `${lines.length} record(s) added to ${toFqdn(zone.origin)}: ${lines.join(' | ')}`;
}

function removeRecords(world: World, zoneName: Name, lines: string[]): string {
  const zone = world.zone(zoneName);
  let removed = 0;
  for (const line of lines) {
    const r = parseRemoval(line, zone.origin);
    if (typeof r === 'string') throw new WorldError(r);
    removed += r.record ? zone.remove(r.name, r.type, r.record) : zone.remove(r.name, r.type);
  }
  world.resign(zoneName);
  return `removed ${removed} record(s) from ${toFqdn(zone.origin)}: ${lines.join(' | ')}`;
}

function setRecords(world: World, zoneName: Name, lines: string[]): string {
  const zone = world.zone(zoneName);
  const records = lines.map((l) => parseRecord(l, zone.origin));
  const keys = new Map<string, RR[]>();
  for (const rr of records) {
    const k = `${canonicalName(rr.name)}|${rr.type}`;
    keys.set(k, [...(keys.get(k) ?? []), rr]);
  }
  for (const list of keys.values()) zone.replace(list[0]!.name, list[0]!.type, list);
  world.resign(zoneName);
  return `set in ${toFqdn(zone.origin)}: ${lines.join(' | ')}`;
}

function serveZone(world: World, zoneName: Name, text: string, servers: string[]): string {
  const zone = parseZoneText(text, normalizeName(zoneName), `zone ${zoneName}`);
  for (const s of servers) world.server(s).server.zones.add(zone);
  return `${servers.join(', ')} now serve${servers.length === 1 ? 's' : ''} zone ${toFqdn(zone.origin)}`;
}

function dropZone(world: World, zoneName: Name, servers: string[]): string {
  for (const s of servers) world.server(s).server.zones.remove(normalizeName(zoneName));
  return `${servers.join(', ')} stopped serving ${toFqdn(zoneName)}`;
}
