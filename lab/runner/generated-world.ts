// Generated worlds: a Topology of N delegated zones, their servers, resolvers and C clients, written as
// data (the same shape as a scenario file's topology), so a large world goes through the very path every
// scenario takes (zone-plan.ts → world.ts → machines.ts on the VirtualNetwork) and what scales badly there
// shows up in bench/big-world.ts. Also one query round through such a world, every client asking at once.
//
// Shape (deterministic, no randomness needed): zone i is z<i>.t<i mod T> under T synthesised TLDs; server k
// serves zones k·P … k·P+P−1 from host ns1 of its first zone, so a tenth of the delegations carry glue and
// the rest send the resolver after an out-of-bailiwick NS name, like a shared hosting provider. Every zone
// holds www A <address of i> in 198.18.0.0/15 (RFC 2544 benchmarking range).

import { makeQuery } from '../../dns/message.ts';
import { encodeMessage } from '../../dns/wire/message.ts';
import { StubUdpSocket, type StubUdpExchange } from '../../net/dns-stub.ts';
import { ClockStallError, VirtualClock } from '../../net/clock.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import type { Topology } from '../scenario/types.ts';
import { emulatedResolverFactory } from './run.ts';
import { World } from './world.ts';

export interface WorldSize {
  /** Delegated zones (besides the root and the TLDs). */
  zones: number;
  clients: number;
  /** Zones per authoritative server (default 10). */
  zonesPerServer?: number;
  /** Synthesised TLDs the zones are spread over (default 10). */
  tlds?: number;
  /** Clients per resolver (default 1000). */
  clientsPerResolver?: number;
}

/** The largest world the address plan below holds (servers and clients each get 10.x/14 of space). */
export const MAX_GENERATED = 1 << 22;

/** 10.a.b.c from a base second octet and an index below 2^22 (never .0: index + 1). */
function address10(secondOctet: number, index: number): string {
  const n = index + 1;
  return `10.${secondOctet + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

export function zoneName(i: number, size: WorldSize): string {
  return `z${i}.t${i % (size.tlds ?? 10)}`;
}

/** The address zone i publishes for its www name. */
export function wwwAddress(i: number): string {
  return `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

function checkSize(size: WorldSize): void {
  for (const [k, v] of Object.entries(size))
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`generated world: ${k} must be a positive integer, got ${String(v)}`);
  if (size.zones > 1 << 17) throw new RangeError(`generated world: at most ${1 << 17} zones (198.18.0.0/15 holds their addresses), got ${size.zones}`);
  if (size.clients > MAX_GENERATED) throw new RangeError(`generated world: at most ${MAX_GENERATED} clients, got ${size.clients}`);
  if ((size.tlds ?? 10) > 250) throw new RangeError('generated world: at most 250 TLDs (10.53.1.0/24 holds their servers)');
}

/** The topology of a generated world (plain data, as a scenario would write it). */
export function generateTopology(size: WorldSize): Topology {
  checkSize(size);
  const perServer = size.zonesPerServer ?? 10;
  const perResolver = size.clientsPerResolver ?? 1000;
  const servers: Topology['servers'] = {};
  const zones: Topology['zones'] = {};
  const serverCount = Math.ceil(size.zones / perServer);
  for (let k = 0; k < serverCount; k++) {
    servers[`s${k}`] = { host: `ns1.${zoneName(k * perServer, size)}`, addresses: [address10(64, k)] };
  }
  for (let i = 0; i < size.zones; i++) {
    const k = Math.floor(i / perServer);
    const origin = zoneName(i, size);
    const host = servers[`s${k}`]!.host;
    const lines = [`$TTL 3600`, `@ SOA ${host}. hostmaster 1 7200 3600 1209600 3600`, `@ NS ${host}.`, `www A ${wwwAddress(i)}`];
    // The server's host lives in its first zone (the child's own copy of the glue, RFC 1034 §4.2.1).
    if (i === k * perServer) lines.push(`ns1 A ${servers[`s${k}`]!.addresses[0]}`);
    zones[origin] = { text: lines.join('\n'), servers: [`s${k}`] };
  }
  const resolvers: NonNullable<Topology['resolvers']> = {};
  const resolverCount = Math.ceil(size.clients / perResolver);
  for (let r = 0; r < resolverCount; r++) resolvers[`r${r}`] = { addresses: [address10(60, r)], profile: 'unbound' };
  const clients: Topology['clients'] = {};
  for (let c = 0; c < size.clients; c++) clients[`c${c}`] = { addresses: [address10(96, c)], resolver: `r${c % resolverCount}` };
  return { servers, zones, resolvers, clients };
}

export interface RoundResult {
  queries: number;
  /** Answers with NOERROR and zone i's www address. */
  correct: number;
  /** The qnames that did not get it, first ten. */
  wrong: string[];
  /** Lab milliseconds the round took. */
  labMs: number;
}

/**
 * One query round: `queries` questions `www.<zone> A` (default max(zones, clients): every zone at least once),
 * question q from client q mod C about zone ⌊q·Z/Q⌋ (spread evenly over the zones when Q < Z, else q mod Z),
 * asked in waves of one question per client (every client at once), each wave driven on the clock until all
 * its answers are in or `timeoutMs` of lab time passed.
 */
export async function queryRound(world: World, clock: VirtualClock, size: WorldSize, o: { queries?: number; timeoutMs?: number } = {}): Promise<RoundResult> {
  const total = o.queries ?? Math.max(size.zones, size.clients);
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`query round: queries must be a positive integer, got ${String(o.queries)}`);
  const timeoutMs = o.timeoutMs ?? 30_000;
  const zoneOf = (q: number) => (total <= size.zones ? Math.floor((q * size.zones) / total) : q % size.zones);
  const start = clock.now();
  const stubs: { stub: StubUdpSocket; resolver: string; local: string }[] = [];
  for (let c = 0; c < size.clients; c++) {
    const client = world.clients.get(`c${c}`)!;
    const resolver = world.resolvers.get(client.resolver!)!.addresses[0]!;
    stubs.push({ stub: await StubUdpSocket.open(client.network, { address: client.addresses[0]!, port: 0 }), resolver, local: client.addresses[0]! });
  }
  let correct = 0;
  const wrong: string[] = [];
  for (let first = 0; first < total; first += size.clients) {
    const wave: { exchange: StubUdpExchange; done: Promise<void> }[] = [];
    for (let q = first; q < Math.min(total, first + size.clients); q++) {
      const i = zoneOf(q);
      const qname = `www.${zoneName(i, size)}`;
      const s = stubs[q % size.clients]!;
      const query = makeQuery(qname, 'A', { id: q & 0xffff, rd: true });
      const exchange = s.stub.query(encodeMessage(query), { address: s.resolver, port: 53 }, { from: 'endpoint' });
      const done = exchange.outcome.then((r) => {
        const ok = r.ok && r.message.rcode === 'NOERROR' && r.message.answer.some((rr) => rr.type === 'A' && rr.data === wwwAddress(i));
        if (ok) correct++;
        else if (wrong.length < 10) wrong.push(`${qname}: ${r.ok ? `${r.message.rcode} ${r.message.answer.length} answers` : r.error}`);
      });
      wave.push({ exchange, done });
    }
    try {
      await clock.runUntilSettled(Promise.all(wave.map((w) => w.done)), timeoutMs);
    } catch (err) {
      if (!(err instanceof ClockStallError)) throw err; // answers missing: closed below, counted as wrong
    }
    for (const w of wave) w.exchange.close();
    await Promise.all(wave.map((w) => w.done));
  }
  for (const s of stubs) s.stub.close();
  return { queries: total, correct, wrong, labMs: clock.now() - start };
}

/** Build a generated world on a fresh VirtualNetwork with the emulated resolver (seeded like a scenario run). */
export async function buildGeneratedWorld(size: WorldSize, seed = '1'): Promise<{ world: World; clock: VirtualClock; network: VirtualNetwork }> {
  const clock = new VirtualClock();
  const random = new SeededRandom(seed);
  const network = new VirtualNetwork({ clock, random: random.fork('network') });
  const world = new World({
    topology: generateTopology(size),
    network,
    clock,
    random,
    resolverFactory: emulatedResolverFactory,
    onTrace: () => undefined,
    onRegistryLog: () => undefined,
    fileLabel: `generated world (${size.zones} zones)`,
  });
  await world.build();
  return { world, clock, network };
}
