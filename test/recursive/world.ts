// A small signed Internet for resolver tests: root, the `lab` TLD and
// second-level zones that exercise each resolver path. Zones are parsed with
// the zone parser, signed with the signer, and served by dnslab
// AuthoritativeServer objects. `DirectUpstream` hands each query's bytes to the
// server's `handle()` (wire format both ways, truncation and quirks included)
// with a fixed latency on the lab clock; tests on the VirtualNetwork use the
// same zones with real server sockets.

import { generateKey, type SigningKey } from '../../dns/dnssec/keys.ts';
import { dsRecords, signZone } from '../../dns/dnssec/sign.ts';
import { makeQuery } from '../../dns/message.ts';
import type { RR } from '../../dns/types.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { VirtualClock } from '../../net/clock.ts';
import type { Clock, Endpoint, Network } from '../../net/network.ts';
import { AuthoritativeServer, type Quirk } from '../../servers/authoritative/index.ts';
import type { Upstream, UpstreamRequest, UpstreamResult } from '../../servers/recursive/upstream.ts';
import { ResolverEngine } from '../../servers/recursive/engine.ts';
import type { ResolverEvent } from '../../servers/recursive/events.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { SeededRandom } from '../../net/random.ts';

export const DEFAULT_ADDR = {
  root: '10.0.0.1',
  lab: '10.0.1.1',
  example: '10.0.2.1',
  exampleLame: '10.0.2.99',
  other: '10.0.3.1',
  insecure: '10.0.4.1',
  bogus: '10.0.5.1',
  dsmismatch: '10.0.6.1',
  big: '10.0.7.1',
} as const;
export const ADDR = DEFAULT_ADDR;

export type Addresses = { [K in keyof typeof DEFAULT_ADDR]: string };

const T = 'IN';

function rootText(ADDR: Addresses): string {
  return `
. 86400 ${T} SOA a.root-servers.lab. admin.root-servers.lab. 1 1800 900 604800 86400
. 518400 ${T} NS a.root-servers.lab.
lab. 172800 ${T} NS ns1.nic.lab.
ns1.nic.lab. 172800 ${T} A ${ADDR.lab}
a.root-servers.lab. 518400 ${T} A ${ADDR.root}
`;
}

function labText(ADDR: Addresses): string {
  return `
lab. 3600 ${T} SOA ns1.nic.lab. admin.nic.lab. 1 1800 900 604800 300
lab. 3600 ${T} NS ns1.nic.lab.
ns1.nic.lab. 3600 ${T} A ${ADDR.lab}
a.root-servers.lab. 3600 ${T} A ${ADDR.root}
example.lab. 86400 ${T} NS ns1.example.lab.
example.lab. 86400 ${T} NS ns2.example.lab.
ns1.example.lab. 86400 ${T} A ${ADDR.example}
ns2.example.lab. 86400 ${T} A ${ADDR.exampleLame}
other.lab. 86400 ${T} NS ns.other.lab.
ns.other.lab. 86400 ${T} A ${ADDR.other}
glueless.lab. 86400 ${T} NS ns2.other.lab.
insecure.lab. 86400 ${T} NS ns.insecure.lab.
child.ent.lab. 86400 ${T} NS ns.insecure.lab.
ns.insecure.lab. 86400 ${T} A ${ADDR.insecure}
bogus.lab. 86400 ${T} NS ns.bogus.lab.
ns.bogus.lab. 86400 ${T} A ${ADDR.bogus}
dsmismatch.lab. 86400 ${T} NS ns.dsmismatch.lab.
ns.dsmismatch.lab. 86400 ${T} A ${ADDR.dsmismatch}
big.lab. 86400 ${T} NS ns.big.lab.
ns.big.lab. 86400 ${T} A ${ADDR.big}
`;
}

function sldText(origin: string, ns: string, extra: string): string {
  return `
${origin}. 3600 ${T} SOA ${ns}. admin.${origin}. 1 1800 900 604800 300
${origin}. 3600 ${T} NS ${ns}.
${extra}
`;
}

export interface WorldOptions {
  /** Sign with NSEC3 instead of NSEC in other.lab (default true: exercises both). */
  nsec3Other?: boolean;
  /** Server addresses (default ADDR, 10.0.x.y for the VirtualNetwork). */
  addresses?: Addresses;
  /** Signing quirks for example.lab (e.g. an NSEC bitmap that omits a type, as in the 2021 Slack outage). */
  exampleQuirks?: NonNullable<Parameters<typeof signZone>[2]['quirks']>;
}

export interface World {
  clock: VirtualClock;
  addr: Addresses;
  /** Which zones each server address serves. */
  serverZones: Record<string, string[]>;
  servers: Map<string, AuthoritativeServer>;
  zones: Map<string, Zone>;
  keys: Map<string, SigningKey[]>;
  /** Root DS — the trust anchor. */
  anchors: RR[];
  rootHints: Endpoint[];
  inception: number;
  expiration: number;
  /** Re-sign a zone after editing it (same keys). */
  resign(origin: string, edit: (z: Zone) => void): void;
  /** Serve the zone without any DNSSEC records (step 3 of turning DNSSEC off). */
  serveUnsigned(origin: string): void;
}

function keysFor(origin: string): SigningKey[] {
  return [
    generateKey({ algorithm: 13, owner: origin, ksk: true, seed: `ksk:${origin}` }),
    generateKey({ algorithm: 13, owner: origin, seed: `zsk:${origin}` }),
  ];
}

export function buildWorld(clock: VirtualClock = new VirtualClock(), options: WorldOptions = {}): World {
  const ADDR: Addresses = options.addresses ?? { ...DEFAULT_ADDR };
  const nowS = Math.floor(clock.now() / 1000);
  const inception = nowS - 86400;
  const expiration = nowS + 86400 * 400;
  const sign = (z: Zone, k: SigningKey[], nsec3 = false, quirks: Parameters<typeof signZone>[2]['quirks'] = []) =>
    signZone(z, k, { inception, expiration, denial: nsec3 ? 'nsec3' : 'nsec', ...(nsec3 ? { nsec3: { iterations: 0 } } : {}), quirks });

  const keys = new Map<string, SigningKey[]>();
  for (const o of ['.', 'lab', 'example.lab', 'other.lab', 'bogus.lab', 'dsmismatch.lab']) keys.set(o, keysFor(o));
  const wrongKeys = [generateKey({ algorithm: 13, owner: 'dsmismatch.lab', ksk: true, seed: 'not-the-real-ksk' })];

  const unsigned = new Map<string, Zone>();
  unsigned.set(
    'example.lab',
    parseZoneText(
      sldText(
        'example.lab',
        'ns1.example.lab',
        `
example.lab. 3600 ${T} NS ns2.example.lab.
ns1.example.lab. 3600 ${T} A ${ADDR.example}
ns2.example.lab. 3600 ${T} A ${ADDR.exampleLame}
www.example.lab. 300 ${T} A 192.0.2.10
alias.example.lab. 300 ${T} CNAME www.other.lab.
*.wild.example.lab. 300 ${T} A 192.0.2.99
mail.example.lab. 300 ${T} MX 10 www.example.lab.
c.example.lab. 300 ${T} A 192.0.2.12
f.example.lab. 300 ${T} A 192.0.2.13
sub.example.lab. 300 ${T} DNAME other.lab.
`,
      ),
      'example.lab',
    ),
  );
  unsigned.set(
    'other.lab',
    parseZoneText(
      sldText(
        'other.lab',
        'ns.other.lab',
        `
ns.other.lab. 3600 ${T} A ${ADDR.other}
ns2.other.lab. 3600 ${T} A ${ADDR.other}
www.other.lab. 600 ${T} A 192.0.2.20
`,
      ),
      'other.lab',
    ),
  );
  unsigned.set('glueless.lab', parseZoneText(sldText('glueless.lab', 'ns2.other.lab', `www.glueless.lab. 300 ${T} A 192.0.2.30\n`), 'glueless.lab'));
  unsigned.set(
    'insecure.lab',
    parseZoneText(
      sldText('insecure.lab', 'ns.insecure.lab', `ns.insecure.lab. 3600 ${T} A ${ADDR.insecure}\nwww.insecure.lab. 300 ${T} A 192.0.2.40\n`),
      'insecure.lab',
    ),
  );
  unsigned.set('child.ent.lab', parseZoneText(sldText('child.ent.lab', 'ns.insecure.lab', `www.child.ent.lab. 300 ${T} A 192.0.2.41\n`), 'child.ent.lab'));
  unsigned.set(
    'bogus.lab',
    parseZoneText(
      sldText(
        'bogus.lab',
        'ns.bogus.lab',
        `ns.bogus.lab. 3600 ${T} A ${ADDR.bogus}\nwww.bogus.lab. 300 ${T} A 192.0.2.50\nok.bogus.lab. 300 ${T} A 192.0.2.51\n`,
      ),
      'bogus.lab',
    ),
  );
  unsigned.set(
    'dsmismatch.lab',
    parseZoneText(
      sldText('dsmismatch.lab', 'ns.dsmismatch.lab', `ns.dsmismatch.lab. 3600 ${T} A ${ADDR.dsmismatch}\nwww.dsmismatch.lab. 300 ${T} A 192.0.2.60\n`),
      'dsmismatch.lab',
    ),
  );
  const txt = Array.from({ length: 12 }, (_, i) => `big.lab. 300 ${T} TXT "${String(i).padStart(2, '0')}${'x'.repeat(150)}"`).join('\n');
  unsigned.set('big.lab', parseZoneText(sldText('big.lab', 'ns.big.lab', `ns.big.lab. 3600 ${T} A ${ADDR.big}\n${txt}\n`), 'big.lab'));

  // TLD: delegations with DS for the signed children (dsmismatch gets a DS of a key it does not use).
  const lab = parseZoneText(labText(ADDR), 'lab');
  for (const child of ['example.lab', 'other.lab', 'bogus.lab']) for (const ds of dsRecords(keys.get(child)!, [2], 86400)) lab.add(ds);
  for (const ds of dsRecords(wrongKeys, [2], 86400)) lab.add(ds);
  const root = parseZoneText(rootText(ADDR), '.');
  for (const ds of dsRecords(keys.get('lab')!, [2], 86400)) root.add(ds);

  unsigned.set('.', root);
  unsigned.set('lab', lab);
  const zones = new Map<string, Zone>();
  zones.set('.', sign(root, keys.get('.')!));
  zones.set('lab', sign(lab, keys.get('lab')!));
  zones.set('example.lab', sign(unsigned.get('example.lab')!, keys.get('example.lab')!, false, options.exampleQuirks ?? []));
  zones.set('other.lab', sign(unsigned.get('other.lab')!, keys.get('other.lab')!, options.nsec3Other ?? true));
  zones.set('glueless.lab', unsigned.get('glueless.lab')!);
  zones.set('insecure.lab', unsigned.get('insecure.lab')!);
  zones.set('child.ent.lab', unsigned.get('child.ent.lab')!);
  zones.set('bogus.lab', sign(unsigned.get('bogus.lab')!, keys.get('bogus.lab')!, false, [{ kind: 'corrupt-signature', owner: 'www.bogus.lab', type: 'A' }]));
  zones.set('dsmismatch.lab', sign(unsigned.get('dsmismatch.lab')!, keys.get('dsmismatch.lab')!));
  zones.set('big.lab', unsigned.get('big.lab')!);

  const serverZones: Record<string, string[]> = {
    [ADDR.root]: ['.'],
    [ADDR.lab]: ['lab'],
    [ADDR.example]: ['example.lab'],
    [ADDR.exampleLame]: [],
    [ADDR.other]: ['other.lab', 'glueless.lab'],
    [ADDR.insecure]: ['insecure.lab', 'child.ent.lab'],
    [ADDR.bogus]: ['bogus.lab'],
    [ADDR.dsmismatch]: ['dsmismatch.lab'],
    [ADDR.big]: ['big.lab'],
  };
  const stubNetwork = {
    clock,
    addresses: [],
    bindUdp: () => Promise.reject(new Error('stub')),
    listenTcp: () => Promise.reject(new Error('stub')),
    connectTcp: () => Promise.reject(new Error('stub')),
  } as unknown as Network;
  const servers = new Map<string, AuthoritativeServer>();
  for (const [addr, names] of Object.entries(serverZones)) {
    const quirks: Quirk[] = addr === ADDR.exampleLame ? [{ kind: 'lame', rcode: 'REFUSED' }] : [];
    servers.set(
      addr,
      new AuthoritativeServer({ network: stubNetwork, listen: [{ address: addr, port: 53 }], zones: names.map((n) => zones.get(n)!), quirks, name: addr }),
    );
  }
  const anchors = dsRecords(keys.get('.')!, [2], 86400);
  const replace = (origin: string, zone: Zone) => {
    zones.set(origin, zone);
    for (const [addr, names] of Object.entries(serverZones)) {
      if (!names.includes(origin)) continue;
      const srv = servers.get(addr)!;
      srv.zones.remove(origin);
      srv.zones.add(zone);
    }
  };
  return {
    clock,
    addr: ADDR,
    serverZones,
    servers,
    zones,
    keys,
    anchors,
    rootHints: [{ address: ADDR.root, port: 53 }],
    inception,
    expiration,
    resign(origin, edit) {
      const base = unsigned.get(origin);
      if (!base) throw new Error(`no unsigned copy of ${origin}`);
      edit(base);
      replace(origin, keys.has(origin) ? sign(base, keys.get(origin)!) : base);
    },
    serveUnsigned(origin) {
      const base = unsigned.get(origin);
      if (!base) throw new Error(`no unsigned copy of ${origin}`);
      replace(origin, base.clone());
    },
  };
}

/** Queries go straight into the servers' handle() as wire bytes; answers come back after `latencyMs` of lab time. */
export class DirectUpstream implements Upstream {
  sent = 0;
  readonly log: Array<{ server: string; qname: string; qtype: string; tcp: boolean }> = [];
  constructor(
    private readonly world: World,
    private readonly clock: Clock,
    private readonly latencyMs = 5,
  ) {}

  send(req: UpstreamRequest): Promise<UpstreamResult> {
    this.sent++;
    this.log.push({ server: req.server.address, qname: req.qname, qtype: req.qtype, tcp: req.tcp });
    const id = this.sent & 0xffff;
    const query = makeQuery(req.qname, req.qtype, {
      id,
      rd: false,
      cd: req.cd,
      edns: req.edns ? { udpPayloadSize: req.udpPayloadSize } : false,
      ...(req.edns ? { do: req.do } : {}),
    });
    const server = this.world.servers.get(req.server.address);
    return new Promise((resolve) => {
      const timeout = () => this.clock.setTimer(req.timeoutMs, () => resolve({ kind: 'timeout', id }));
      if (!server) return void timeout();
      const from = { address: '10.9.9.9', port: 40000 };
      void Promise.resolve(server.handle(encodeMessage(query), req.tcp ? 'tcp' : 'udp', from, req.server)).then((bytes) => {
        if (!bytes) return void timeout();
        this.clock.setTimer(this.latencyMs, () => resolve({ kind: 'response', message: decodeMessage(bytes), rttMs: this.latencyMs, size: bytes.length, id }));
      });
    });
  }
}

/**
 * A ResolverEngine on world `w` through a DirectUpstream, its events collected; `q` resolves on the lab clock
 * (type A and the DO bit unless told otherwise). `seed` names the engine's random stream (query ids, ports), so
 * each test file keeps its own. Without `validate`, no trust anchor: nothing is validated.
 */
export function engineOnWorld(w: World, settings: ResolverSettings, seed: string, options: { validate?: boolean } = {}) {
  const upstream = new DirectUpstream(w, w.clock);
  const events: ResolverEvent[] = [];
  const engine = new ResolverEngine({
    settings,
    clock: w.clock,
    random: new SeededRandom(seed),
    upstream,
    rootHints: w.rootHints,
    trustAnchors: options.validate === false ? [] : w.anchors,
    onEvent: (e) => events.push(e),
  });
  const q = (name: string, type: Parameters<ResolverEngine['resolve']>[1] = 'A', opts: Parameters<ResolverEngine['resolve']>[2] = { do: true }) =>
    drive(w.clock, engine.resolve(name, type, opts));
  return { w, upstream, engine, events, q };
}

/** Run the lab clock until `promise` settles (bounded). */
export async function drive<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 10000 && !done; i++) {
    await clock.runUntilIdle(3_600_000);
    if (!done) await new Promise((r) => setImmediate(r));
  }
  return promise;
}
