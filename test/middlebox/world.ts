// A tiny signed Internet for middlebox tests on the VirtualNetwork: a root
// (ECDSA) delegating `mb.` (RSA-2048 KSK + ZSK, so DNSKEY and signed answers
// are large) with `www.mb A` (small) and `big.mb TXT` (~2000 octets of TXT
// plus a 256-octet RSA signature: over 1232 and over one 1500-octet packet).

import { generateKey, type SigningKey } from '../../dns/dnssec/keys.ts';
import { dsRecords, signZone } from '../../dns/dnssec/sign.ts';
import type { RR } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { VirtualClock } from '../../net/clock.ts';
import { PcapWriter, readPcap } from '../../net/pcap.ts';
import { parsePacket, type IpPacket } from '../../net/packet.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { AuthoritativeServer } from '../../servers/authoritative/index.ts';
import { RecursiveResolver } from '../../servers/recursive/index.ts';
import type { ResolverEvent } from '../../servers/recursive/events.ts';

export const ROOT = '10.1.0.1';
export const RESOLVER = '10.2.0.1';

let keyCache: { root: SigningKey[]; mb: SigningKey[] } | undefined;
function keys(): { root: SigningKey[]; mb: SigningKey[] } {
  keyCache ??= {
    root: [generateKey({ algorithm: 13, owner: '.', ksk: true, seed: 'mb-root-ksk' }), generateKey({ algorithm: 13, owner: '.', seed: 'mb-root-zsk' })],
    mb: [
      generateKey({ algorithm: 8, bits: 2048, owner: 'mb', ksk: true, seed: 'mb-ksk' }),
      generateKey({ algorithm: 8, bits: 2048, owner: 'mb', seed: 'mb-zsk' }),
    ],
  };
  return keyCache;
}

export interface MbWorld {
  clock: VirtualClock;
  net: VirtualNetwork;
  pcap: PcapWriter;
  resolver: RecursiveResolver;
  events: ResolverEvent[];
  servers: AuthoritativeServer[];
  stop(): Promise<void>;
  /** Every captured packet, parsed back from the pcap bytes. */
  packets(): IpPacket[];
}

export interface MbWorldOptions {
  /** Address in the mb. delegation glue (a VIP in front of the servers, or a server). */
  nsAddress: string;
  /** Hosts that serve mb. */
  mbServers: string[];
  /** EDNS buffer the resolver advertises (default its profile's 1232). */
  ednsBufferSize?: number;
  seed: string;
}

export async function buildMbWorld(o: MbWorldOptions): Promise<MbWorld> {
  const clock = new VirtualClock();
  const pcap = new PcapWriter();
  const net = new VirtualNetwork({ clock, seed: o.seed, capture: pcap, defaults: { latencyMs: 5 } });
  const k = keys();
  const nowS = Math.floor(clock.now() / 1000);
  const opts = { inception: nowS - 86400, expiration: nowS + 86400 * 30 };
  const txt = Array.from({ length: 8 }, (_, i) => `"${String(i)}${'t'.repeat(249)}"`).join(' ');
  const mb = signZone(
    parseZoneText(
      `mb. 3600 IN SOA ns.mb. admin.mb. 1 1800 900 604800 300
mb. 3600 IN NS ns.mb.
ns.mb. 3600 IN A ${o.nsAddress}
www.mb. 300 IN A 192.0.2.80
big.mb. 300 IN TXT ${txt}
`,
      'mb',
    ),
    k.mb,
    opts,
  );
  const rootZone = parseZoneText(
    `. 86400 IN SOA a.root-servers.mb. admin.root. 1 1800 900 604800 86400
. 518400 IN NS a.root-servers.mb.
mb. 172800 IN NS ns.mb.
ns.mb. 172800 IN A ${o.nsAddress}
`,
    '.',
  );
  for (const ds of dsRecords(k.mb, [2], 86400)) rootZone.add(ds);
  const root = signZone(rootZone, k.root, opts);
  const servers: AuthoritativeServer[] = [];
  const rootSrv = new AuthoritativeServer({ network: net.addHost('root', [ROOT]), listen: [{ address: ROOT, port: 53 }], zones: [root], name: 'root' });
  servers.push(rootSrv);
  for (const [i, addr] of o.mbServers.entries()) {
    // 4096: the server sends whatever the requester advertises (like BIND's default), so the path decides.
    servers.push(
      new AuthoritativeServer({
        network: net.addHost(`mb${i}`, [addr]),
        listen: [{ address: addr, port: 53 }],
        zones: [mb],
        name: `mb${i}`,
        udpPayloadSize: 4096,
      }),
    );
  }
  for (const s of servers) await s.start();
  const events: ResolverEvent[] = [];
  const anchors: RR[] = dsRecords(k.root, [2], 86400);
  const resolver = new RecursiveResolver({
    network: net.addHost('resolver', [RESOLVER]),
    listen: [],
    rootHints: [{ address: ROOT, port: 53 }],
    trustAnchors: anchors,
    profile: 'unbound',
    ...(o.ednsBufferSize === undefined ? {} : { options: { ednsBufferSize: o.ednsBufferSize } }),
    seed: o.seed,
    onEvent: (e) => events.push(e),
  });
  await resolver.start();
  return {
    clock,
    net,
    pcap,
    resolver,
    events,
    servers,
    async stop() {
      await resolver.stop();
      for (const s of servers) await s.stop();
    },
    packets() {
      return readPcap(pcap.toBuffer())
        .records.map((r, i) => parsePacket(r.bytes, i))
        .filter((p): p is IpPacket => p !== undefined);
    },
  };
}

/** Run the lab clock until `promise` settles (bounded by virtual time). */
export async function drive<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  return clock.runUntilSettled(promise, 600_000);
}
