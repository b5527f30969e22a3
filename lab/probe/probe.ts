// `dnslab probe`: the equipment check suite. Tests one path to a DNS service
// against the checkpoints DNSSEC Japan's technical WG lists for boxes on the
// DNS path (S4; docs/incidents.md: "Middlebox checkpoints") and reports each with its evidence.
//
// The probe runs its own authoritative server for `probe.lab` (authority.ts).
// The path under test is either
//   'auth-path': --through is a box (load balancer, firewall, proxy) whose
//                upstream is the probe's authoritative, or
//   'resolver':  --through is a resolver/forwarder that sends probe.lab to
//                the probe's authoritative (RD=1 queries).
// Everything is bounded: a fixed number of questions per checkpoint, a
// per-question timeout and an overall deadline; loopback only by default.

import { makeQuery } from '../../dns/message.ts';
import type { Message } from '../../dns/types.ts';
import { SeededRandom } from '../../net/random.ts';
import type { Endpoint, Network } from '../../net/network.ts';
import { formatEndpoint } from '../../net/network.ts';
import { PROBE_MAX_SIZE, PROBE_ZONE, ProbeAuthority, sizeQuery } from './authority.ts';
import { tcpQuery, UdpClient, type Exchange } from './client.ts';

export type ProbeMode = 'auth-path' | 'resolver';
export type ProbeVerdict = 'pass' | 'fail' | 'untestable';

export interface Checkpoint {
  id: number;
  key: string;
  title: string;
  verdict: ProbeVerdict;
  /** One sentence a network engineer can act on. */
  summary: string;
  evidence: Record<string, unknown>;
}

export interface ProbeReport {
  tool: 'dnslab probe';
  mode: ProbeMode;
  through: string;
  authority: string;
  startedAt: string;
  durationMs: number;
  settings: Required<Omit<ProbeOptions, 'network' | 'through' | 'authority' | 'clientAddress' | 'mode'>>;
  checkpoints: Checkpoint[];
  /** Plain statements of what could not be tested and why. */
  notTested: string[];
  packets: { udpQueries: number; udpAnswers: number; tcpQueries: number; tcpAnswers: number; seenAtAuthority: number };
}

export interface ProbeOptions {
  /** Where the probe's sockets live (a SocketNetwork owning clientAddress and the authority's address). */
  network: Network;
  through: Endpoint;
  authority: ProbeAuthority;
  clientAddress: string;
  mode?: ProbeMode;
  udpTimeoutMs?: number;
  tcpTimeoutMs?: number;
  /** Concurrent flows tried in checkpoint 6. */
  flows?: number;
  /** Fresh flows sampled in checkpoint 7. */
  natSamples?: number;
  /** MTU the fragmentation threshold of checkpoint 2 is computed for (Ethernet 1500). */
  assumeMtu?: number;
  maxSize?: number;
  /** Overall wall-time budget. */
  deadlineMs?: number;
  seed?: string;
}

const TITLES: Record<number, [string, string]> = {
  1: ['largest-udp', 'Largest UDP DNS response that passes'],
  2: ['udp-fragments', 'Fragmented UDP responses pass'],
  3: ['tcp-fallback', 'TC=1 → TCP fallback works end to end'],
  4: ['tcp-reachable', 'TCP/53 reachable'],
  5: ['edns0', 'EDNS0 handled (OPT echoed, unknown option, unknown version, DO and RRSIGs kept)'],
  6: ['udp-sessions', 'Concurrent UDP flows sustained'],
  7: ['port-id-randomness', 'Source port and ID randomness preserved through NAT'],
};

export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const s = {
    udpTimeoutMs: options.udpTimeoutMs ?? 800,
    tcpTimeoutMs: options.tcpTimeoutMs ?? 3000,
    flows: Math.min(options.flows ?? 64, 512),
    natSamples: Math.min(options.natSamples ?? 12, 64),
    assumeMtu: options.assumeMtu ?? 1500,
    maxSize: Math.min(options.maxSize ?? PROBE_MAX_SIZE, PROBE_MAX_SIZE),
    deadlineMs: options.deadlineMs ?? 120_000,
    seed: options.seed ?? 'dnslab-probe',
  };
  const mode = options.mode ?? 'auth-path';
  const { network, through, authority } = options;
  const clock = network.clock;
  const started = clock.now();
  const rd = mode === 'resolver';
  const rng = new SeededRandom(s.seed);
  // A tag makes names unique per run, so caches in the path cannot answer for the authority.
  const tag = rng.fork('tag').uint32().toString(36);
  const ids = rng.fork('ids');
  const nextId = () => ids.int(0x10000);
  const packets = { udpQueries: 0, udpAnswers: 0, tcpQueries: 0, tcpAnswers: 0, seenAtAuthority: 0 };
  const seenBefore = authority.seen.length;
  const overBudget = () => clock.now() - started > s.deadlineMs;

  const main = await UdpClient.open(network, options.clientAddress);
  /** Checkpoint 7's flows, each from a fresh source port, open until the end: they hold session-table entries during 6. */
  const natClients: UdpClient[] = [];
  const udp = async (client: UdpClient, msg: Message): Promise<Exchange> => {
    packets.udpQueries++;
    const r = await client.query(msg, through, s.udpTimeoutMs);
    if (r.ok) packets.udpAnswers++;
    return r;
  };
  const tcp = async (msg: Message): Promise<Exchange> => {
    packets.tcpQueries++;
    const r = await tcpQuery(network, through, msg, s.tcpTimeoutMs, options.clientAddress);
    if (r.ok) packets.tcpAnswers++;
    return r;
  };
  const brief = (r: Exchange) =>
    r.ok ? { bytes: r.bytes, rcode: r.rcode, tc: r.tc, answers: r.message?.answer.length ?? 0, ms: r.ms } : { error: r.error, ms: r.ms };
  const complete = (r: Exchange, qname: string) =>
    r.ok && !r.tc && r.rcode === 'NOERROR' && (r.message?.answer.some((a) => a.type === 'TXT' && a.name.toLowerCase() === qname.toLowerCase()) ?? false);
  const checkpoints: Checkpoint[] = [];
  const notTested: string[] = [];
  const add = (id: number, verdict: ProbeVerdict, summary: string, evidence: Record<string, unknown>) => {
    const [key, title] = TITLES[id]!;
    checkpoints.push({ id, key, title, verdict, summary, evidence });
    if (verdict === 'untestable') notTested.push(`checkpoint ${id} (${title}): ${summary}`);
  };
  const skipped = (id: number) => add(id, 'untestable', `not run: the probe's ${s.deadlineMs} ms budget was used up`, {});

  try {
    // ---- 1. largest UDP response (binary search) ----
    const tried: Record<string, unknown>[] = [];
    const sizePasses = async (n: number): Promise<boolean> => {
      const expected = authority.ensureSize(n);
      const qname = `size-${n}.${PROBE_ZONE}`;
      const r = await udp(main, sizeQuery(n, nextId(), s.maxSize, rd));
      const ok = complete(r, qname);
      tried.push({ size: n, designedSize: expected, pass: ok, ...brief(r) });
      return ok;
    };
    let largest: number | undefined;
    if (await sizePasses(s.maxSize)) largest = s.maxSize;
    else if (!(await sizePasses(512))) largest = undefined;
    else {
      let lo = 512;
      let hi = s.maxSize;
      for (let i = 0; i < 14 && hi - lo > 1 && !overBudget(); i++) {
        const mid = Math.floor((lo + hi) / 2);
        if (await sizePasses(mid)) lo = mid;
        else hi = mid;
      }
      largest = lo;
    }
    if (largest === s.maxSize) add(1, 'pass', `complete UDP answers of up to ${s.maxSize} octets pass (the most the probe asks for)`, { largest, tried });
    else if (largest === undefined) add(1, 'fail', 'not even a 512-octet UDP answer came back complete', { largest: null, tried });
    else {
      const tcSeen = tried.some((t) => t['tc'] === true);
      add(1, 'fail', `the largest complete UDP answer is ${largest} octets; larger ones ${tcSeen ? 'come back truncated (TC=1)' : 'never arrive'}`, {
        largest,
        tried,
      });
    }

    // ---- 2. fragments ----
    // DNS octets that fit one packet: 20 (IPv4) or 40 (IPv6) + 8 (UDP) header octets.
    const threshold = s.assumeMtu - (through.address.includes(':') ? 48 : 28);
    if (largest === undefined || largest < threshold) {
      add(
        2,
        'untestable',
        `answers already fail at ${largest ?? '<512'} octets, below ${threshold} (what fits one packet at MTU ${s.assumeMtu}), so fragment handling cannot be seen separately`,
        { fragmentThreshold: threshold, largest: largest ?? null, assumeMtu: s.assumeMtu },
      );
    } else if (largest > threshold) {
      add(2, 'pass', `answers larger than ${threshold} octets (fragmented at MTU ${s.assumeMtu}) arrive, up to ${largest}`, {
        fragmentThreshold: threshold,
        largest,
        assumeMtu: s.assumeMtu,
        note: 'on loopback nothing is really fragmented; a box judging datagram size against its MTU is what is measured',
      });
    } else {
      add(
        2,
        'fail',
        `every answer up to ${threshold} octets (one packet at MTU ${s.assumeMtu}) arrives and none larger: fragmented UDP is dropped (or only the first fragment passes)`,
        { fragmentThreshold: threshold, largest, assumeMtu: s.assumeMtu },
      );
    }

    // ---- 3. TC=1 → TCP ----
    if (overBudget()) skipped(3);
    else {
      const n = 2000;
      authority.ensureSize(n);
      const qname = `size-${n}.${PROBE_ZONE}`;
      const u = await udp(main, sizeQuery(n, nextId(), 1232, rd));
      if (!u.ok)
        add(3, 'fail', `a ${n}-octet answer asked with EDNS 1232 got no UDP reply at all (${u.error}); the client never learns to retry over TCP`, {
          udp: brief(u),
        });
      else if (!u.tc)
        add(
          3,
          complete(u, qname) ? 'untestable' : 'fail',
          complete(u, qname)
            ? `the path answered in full over UDP (${u.bytes} octets) although 1232 was advertised, so no TC=1 was seen`
            : `UDP reply was neither complete nor TC=1 (rcode ${u.rcode})`,
          { udp: brief(u) },
        );
      else {
        const t = await tcp(sizeQuery(n, nextId(), 1232, rd));
        if (complete(t, qname))
          add(3, 'pass', `TC=1 over UDP (${u.bytes} octets), then the full ${t.bytes}-octet answer over TCP`, { udp: brief(u), tcp: brief(t) });
        else
          add(
            3,
            'fail',
            `TC=1 came back but the TCP retry ${t.ok ? `gave rcode ${t.rcode}${t.tc ? ' with TC' : ''}` : `failed (${t.error})`}: answers over 1232 octets cannot be had`,
            { udp: brief(u), tcp: brief(t) },
          );
      }
    }

    // ---- 4. TCP reachable ----
    if (overBudget()) skipped(4);
    else {
      // Plain DNS (no EDNS): this checkpoint is about the transport only.
      const t = await tcp(makeQuery(PROBE_ZONE, 'SOA', { id: nextId(), rd, edns: false }));
      if (t.ok && t.rcode === 'NOERROR') add(4, 'pass', `a DNS query over TCP was answered in ${t.ms} ms`, { tcp: brief(t) });
      else
        add(
          4,
          'fail',
          t.ok
            ? `TCP answered with rcode ${t.rcode}`
            : t.error === 'refused'
              ? 'TCP/53 connection refused (RST): TCP is rejected'
              : t.error === 'timeout'
                ? `no answer over TCP within ${s.tcpTimeoutMs} ms: TCP is black-holed`
                : `TCP failed: ${t.error}`,
          { tcp: brief(t) },
        );
    }

    // ---- 5. EDNS0 ----
    if (overBudget()) skipped(5);
    else {
      const sub: Record<string, unknown> = {};
      const problems: string[] = [];
      const plain = await udp(main, makeQuery(PROBE_ZONE, 'SOA', { id: nextId(), rd, udpPayloadSize: 1232 }));
      sub['optEchoed'] = { ...brief(plain), opt: plain.message?.edns !== undefined };
      if (!plain.ok) problems.push(`an EDNS query got no answer (${plain.error})`);
      else if (plain.rcode !== 'NOERROR') problems.push(`an EDNS query got ${plain.rcode}`);
      else if (!plain.message?.edns) problems.push('the OPT RR was not echoed (RFC 6891 §6.1.1)');
      const unknownOpt = await udp(
        main,
        makeQuery(PROBE_ZONE, 'SOA', { id: nextId(), rd, edns: { udpPayloadSize: 1232, options: [{ code: 65001, data: Buffer.from('dnslab') }] } }),
      );
      sub['unknownOption'] = brief(unknownOpt);
      if (!unknownOpt.ok || unknownOpt.rcode !== 'NOERROR')
        problems.push(`an unknown EDNS option (65001) was not ignored: ${unknownOpt.ok ? unknownOpt.rcode : unknownOpt.error} (RFC 6891 §6.1.2)`);
      const v1 = await udp(main, makeQuery(PROBE_ZONE, 'SOA', { id: nextId(), rd, edns: { udpPayloadSize: 1232, version: 1 } }));
      sub['version1'] = { ...brief(v1), optVersion: v1.message?.edns?.version ?? null };
      if (!v1.ok || v1.rcode !== 'BADVERS' || v1.message?.edns?.version !== 0)
        problems.push(
          `EDNS version 1 was answered with ${v1.ok ? `${v1.rcode}${v1.message?.edns ? ` (OPT version ${v1.message.edns.version})` : ' without OPT'}` : v1.error}, not BADVERS with version 0 (RFC 6891 §6.1.3)`,
        );
      const dq = `dnssec.${PROBE_ZONE}`;
      const dnssec = await udp(main, makeQuery(dq, 'TXT', { id: nextId(), rd, do: true, udpPayloadSize: 1232 }));
      const rrsigs = dnssec.message?.answer.filter((a) => a.type === 'RRSIG').length ?? 0;
      sub['doAndRrsig'] = { ...brief(dnssec), doEchoed: dnssec.message?.edns?.do ?? false, rrsigs };
      if (!dnssec.ok) problems.push(`a DO=1 query got no answer (${dnssec.error})`);
      else {
        if (!dnssec.message?.edns?.do) problems.push('the DO bit was not echoed (RFC 3225 §3)');
        if (rrsigs === 0) problems.push('RRSIGs were removed from a DO=1 answer');
      }
      if (problems.length === 0) add(5, 'pass', 'OPT echoed, unknown option ignored, version 1 → BADVERS, DO bit and RRSIGs kept', sub);
      else add(5, 'fail', problems.join('; '), sub);
    }

    // ---- 7. port and ID randomness (before 6, which may fill a session table) ----
    if (overBudget()) skipped(7);
    else {
      const sent: { qname: string; id: number; localPort: number; answered: boolean }[] = [];
      for (let i = 0; i < s.natSamples && !overBudget(); i++) {
        if (i >= 3 && !sent.some((x) => x.answered)) break; // nothing gets through: do not wait out every sample
        const c = await UdpClient.open(network, options.clientAddress);
        const qname = `n${i}-${tag}.${PROBE_ZONE}`;
        const id = nextId();
        const r = await udp(c, makeQuery(qname, 'A', { id, rd, edns: false }));
        sent.push({ qname, id, localPort: c.socket.local.port, answered: r.ok });
        // Kept open until the probe ends: a closed socket's port may be handed out again, and a later "new"
        // flow from it would be the same 5-tuple, an old session to the box (here and in checkpoint 6).
        natClients.push(c);
      }
      const seen = sent.map((q) => ({ q, at: authority.seen.filter((x) => x.qname.toLowerCase() === q.qname.toLowerCase() && x.transport === 'udp') }));
      const arrived = seen.filter((x) => x.at.length > 0);
      const ports = arrived.map((x) => x.at[0]!.from.port);
      const idsAt = arrived.map((x) => x.at[0]!.id);
      const evidence = {
        samples: sent.length,
        reachedAuthority: arrived.length,
        sourcePortsAtAuthority: ports,
        idsSent: arrived.map((x) => x.q.id),
        idsAtAuthority: idsAt,
      };
      if (arrived.length < 4)
        add(7, 'untestable', `only ${arrived.length} of ${sent.length} fresh flows reached the authoritative; too few to judge`, evidence);
      else {
        const distinct = new Set(ports).size;
        const diffs = ports.slice(1).map((p, i) => p - ports[i]!);
        const small = diffs.filter((d) => Math.abs(d) <= 8).length;
        const problems: string[] = [];
        if (distinct < Math.ceil(ports.length * 0.75)) problems.push(`only ${distinct} distinct source ports in ${ports.length} flows`);
        if (diffs.length > 0 && small >= diffs.length * 0.75) problems.push(`source ports are sequential/predictable (${ports.slice(0, 6).join(', ')}…)`);
        if (mode === 'auth-path') {
          const changed = arrived.filter((x) => x.at[0]!.id !== x.q.id).length;
          if (changed > 0) {
            const idDiffs = idsAt.slice(1).map((p, i) => p - idsAt[i]!);
            if (idDiffs.filter((d) => Math.abs(d) <= 8).length >= idDiffs.length * 0.75) problems.push('query IDs are rewritten to predictable values');
          }
        } else {
          const idDiffs = idsAt.slice(1).map((p, i) => p - idsAt[i]!);
          if (new Set(idsAt).size < idsAt.length || idDiffs.filter((d) => Math.abs(d) <= 8).length >= idDiffs.length * 0.75)
            problems.push('query IDs from the resolver are predictable');
        }
        if (problems.length === 0)
          add(
            7,
            'pass',
            `${distinct} distinct, unpredictable source ports in ${ports.length} flows; IDs ${mode === 'auth-path' ? 'preserved or random' : 'random'} (RFC 5452 §9)`,
            evidence,
          );
        else add(7, 'fail', `${problems.join('; ')} — spoofing protection (RFC 5452) is weakened`, evidence);
      }
    }

    // ---- 6. concurrent UDP flows ----
    if (overBudget()) skipped(6);
    else {
      const clients: UdpClient[] = [];
      try {
        for (let i = 0; i < s.flows; i++) clients.push(await UdpClient.open(network, options.clientAddress));
        const results = await Promise.all(clients.map((c, i) => udp(c, makeQuery(`c${i}-${tag}.${PROBE_ZONE}`, 'A', { id: nextId(), rd, edns: false }))));
        const answered = results.filter((r) => r.ok).length;
        const evidence = { flows: s.flows, answered, lost: s.flows - answered, alreadyOpenFlows: 1 + natClients.length, timeoutMs: s.udpTimeoutMs };
        if (answered === s.flows) add(6, 'pass', `${s.flows} new UDP flows at once were all answered`, evidence);
        else
          add(
            6,
            'fail',
            `only ${answered} of ${s.flows} concurrent new UDP flows were answered (the probe already had ${1 + natClients.length} flows open): a session table or rate limit in the path`,
            evidence,
          );
      } finally {
        for (const c of clients) c.close();
      }
    }
  } finally {
    main.close();
    for (const c of natClients) c.close();
  }
  packets.seenAtAuthority = authority.seen.length - seenBefore;
  checkpoints.sort((a, b) => a.id - b.id);
  return {
    tool: 'dnslab probe',
    mode,
    through: formatEndpoint(through),
    authority: formatEndpoint(authority.endpoint),
    startedAt: new Date(started).toISOString(),
    durationMs: clock.now() - started,
    settings: s,
    checkpoints,
    notTested,
    packets,
  };
}
