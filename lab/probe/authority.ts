// The probe's own authoritative server: the zone `probe.lab` (online-signed
// with Ed25519, so DO=1 answers carry RRSIGs) whose names make answers of
// any size: `size-N.probe.lab TXT` is created on demand so that the UDP
// response to the probe's query is exactly N octets (measured through the
// server's own handle(), so truncation rules and optional sections are the
// server's). It records which source port and ID each query arrived with
// (checkpoint 7).

import { generateKey } from '../../dns/dnssec/keys.ts';
import { OnlineSigner, publishKeys } from '../../dns/dnssec/online.ts';
import { makeQuery } from '../../dns/message.ts';
import type { Message, RR } from '../../dns/types.ts';
import { encodeMessage } from '../../dns/wire/message.ts';
import { Zone } from '../../dns/zone/zone.ts';
import type { Endpoint, Network } from '../../net/network.ts';
import { AuthoritativeServer, type ServerEvent } from '../../servers/authoritative/index.ts';

export const PROBE_ZONE = 'probe.lab';
/** Largest answer the probe asks for (checkpoint 1's upper bound). */
export const PROBE_MAX_SIZE = 4096;

export interface SeenQuery {
  time: number;
  transport: 'udp' | 'tcp';
  from: Endpoint;
  id: number;
  qname: string;
  qtype: string;
}

/** The query the probe sends for a size-N name (its shape decides the response size). */
export function sizeQuery(n: number, id: number, udpPayloadSize = PROBE_MAX_SIZE, rd = false): Message {
  return makeQuery(`size-${n}.${PROBE_ZONE}`, 'TXT', { id, rd, udpPayloadSize });
}

export class ProbeAuthority {
  readonly server: AuthoritativeServer;
  readonly zone: Zone;
  readonly seen: SeenQuery[] = [];
  private readonly sized = new Map<number, number>();

  constructor(network: Network, listen: Endpoint, now: () => number = () => network.clock.now()) {
    this.zone = new Zone(PROBE_ZONE);
    const add = (line: Omit<RR, 'class'>) => this.zone.add({ ...line, class: 'IN' } as RR);
    add({
      name: PROBE_ZONE,
      type: 'SOA',
      ttl: 60,
      data: { mname: `ns.${PROBE_ZONE}`, rname: `admin.${PROBE_ZONE}`, serial: 1, refresh: 1800, retry: 900, expire: 604800, minimum: 30 },
    } as Omit<RR, 'class'>);
    add({ name: PROBE_ZONE, type: 'NS', ttl: 60, data: `ns.${PROBE_ZONE}` } as Omit<RR, 'class'>);
    add({ name: `ns.${PROBE_ZONE}`, type: listen.address.includes(':') ? 'AAAA' : 'A', ttl: 60, data: listen.address } as Omit<RR, 'class'>);
    add({ name: `dnssec.${PROBE_ZONE}`, type: 'TXT', ttl: 60, data: [Buffer.from('signed answer for the DO/RRSIG check')] } as Omit<RR, 'class'>);
    const key = generateKey({ algorithm: 15, owner: PROBE_ZONE, ksk: true, seed: 'dnslab-probe' });
    publishKeys(this.zone, [key], { ttl: 60 });
    const signer = new OnlineSigner({ keys: [key], now });
    this.server = new AuthoritativeServer({
      network,
      listen: [listen],
      name: 'probe-auth',
      udpPayloadSize: PROBE_MAX_SIZE,
      onEvent: (e) => this.record(e),
    });
    this.server.zones.add(this.zone, { onlineSigner: signer });
  }

  private record(e: ServerEvent): void {
    if (e.type !== 'query' || e.id === undefined || e.qname === undefined || e.from.port === 0) return;
    if (this.seen.length >= 10_000) return;
    this.seen.push({ time: e.time, transport: e.transport, from: e.from, id: e.id, qname: e.qname, qtype: e.qtype ?? '' });
  }

  get endpoint(): Endpoint {
    return this.server.endpoints[0]!;
  }

  async start(): Promise<void> {
    await this.server.start();
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  /**
   * Make `size-N.probe.lab TXT` answer the probe's UDP query with exactly N
   * octets (or as close as the server's rules allow). Returns the size the
   * server's own encoder produces for that query.
   */
  ensureSize(n: number): number {
    const cached = this.sized.get(n);
    if (cached !== undefined) return cached;
    const owner = `size-${n}.${PROBE_ZONE}`;
    const query = encodeMessage(sizeQuery(n, 1));
    const measure = (len: number): number => {
      this.zone.remove(owner, 'TXT');
      const strings: Buffer[] = [];
      for (let left = Math.max(1, len); left > 0; left -= 255) strings.push(Buffer.alloc(Math.min(255, left), 0x78));
      this.zone.add({ name: owner, type: 'TXT', class: 'IN', ttl: 60, data: strings } as RR);
      const out = this.server.handle(query, 'udp', { address: '0.0.0.0', port: 0 }, { address: '0.0.0.0', port: 0 });
      return out instanceof Buffer ? out.length : -1;
    };
    // The answer grows by one octet per TXT octet plus one per 255-octet string:
    // measure the fixed overhead with a small record, solve, then correct for
    // optional sections the server adds or leaves out (never across a TC jump).
    const rdataFor = (len: number) => len + Math.ceil(len / 255);
    const overhead = measure(100) - rdataFor(100);
    const solve = (rdata: number) => {
      let len = Math.max(1, rdata - Math.ceil(rdata / 256));
      while (len > 1 && rdataFor(len) > rdata) len--;
      while (rdataFor(len + 1) <= rdata) len++;
      return len;
    };
    let len = solve(n - overhead);
    let best = { len, size: measure(len) };
    for (let i = 0; i < 6 && best.size !== n; i++) {
      if (best.size < n / 2) break; // truncated: the answer cannot be this big
      len = Math.max(1, len + (n - best.size));
      const size = measure(len);
      if (Math.abs(size - n) < Math.abs(best.size - n)) best = { len, size };
    }
    if (measure(best.len) !== best.size) best = { len: best.len, size: measure(best.len) };
    this.sized.set(n, best.size);
    return best.size;
  }

  /** Queries for names under `prefix` that reached this server. */
  queriesFor(prefix: string): SeenQuery[] {
    const p = prefix.toLowerCase();
    return this.seen.filter((q) => q.qname.toLowerCase().startsWith(p));
  }
}
