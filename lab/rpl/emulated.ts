// A `.rpl` scenario against dnslab's emulated resolver, in memory: one
// VirtualNetwork with the scripted server on every address the scenario can
// send the resolver to, the resolver (a product profile plus the CONFIG
// settings) and a client. Deterministic for a seed, like every lab run.

import { basename } from 'node:path';
import type { RplScenario } from '../../dns/rpl/reader.ts';
import type { Message } from '../../dns/types.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { VirtualClock } from '../../net/clock.ts';
import { StubUdpSocket } from '../../net/dns-stub.ts';
import { normalizeIp } from '../../net/ip.ts';
import { SeededRandom } from '../../net/random.ts';
import { RecursiveResolver } from '../../servers/recursive/server.ts';
import type { ProfileName } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { ScriptedServer, type ScriptedQuery } from '../../servers/scripted/server.ts';
import type { RunResult } from '../runner/result.ts';
import { emulatorSettings, rplConfig } from './config.ts';
import { driveRpl } from './drive.ts';

/** How long a client waits for the resolver (lab time), as a stub would. */
export const RPL_CLIENT_WAIT_MS = 10_000;

/** Where the resolver and the client sit: addresses no Deckard scenario uses (RFC 6598 shared space). */
export const RPL_RESOLVER_ADDRESS = '100.64.53.1';
export const RPL_CLIENT_ADDRESS = '100.64.53.2';

/**
 * Every address the resolver may send a query to: the RANGE addresses, the stub address and every A/AAAA
 * address in an entry (glue the script hands out; Deckard answers any address, pydnstest Scenario.reply).
 */
export function scriptedAddresses(s: RplScenario, stub?: string): string[] {
  const out = new Set<string>();
  const add = (a: string) => {
    // Link-local addresses cannot be bound without an interface scope; no resolver queries them.
    if (/^fe[89ab]/i.test(a)) return;
    try {
      out.add(normalizeIp(a));
    } catch {
      // not an address
    }
  };
  for (const r of s.ranges) r.addresses.forEach(add);
  if (stub) add(stub);
  for (const e of [...s.ranges.flatMap((r) => r.entries), ...s.steps.flatMap((st) => (st.entry ? [st.entry] : []))])
    for (const rr of [...e.message.answer, ...e.message.authority, ...e.message.additional]) if (rr.type === 'A' || rr.type === 'AAAA') add(rr.data as string);
  out.delete(RPL_RESOLVER_ADDRESS);
  out.delete(RPL_CLIENT_ADDRESS);
  out.delete('0.0.0.0');
  out.delete('::');
  return [...out];
}

export interface RplRunInfo {
  /** CONFIG keys the target cannot honour, "key=value: why". */
  unmapped: string[];
  /** Queries the script had no answer for (SERVFAIL from the server), one line each. */
  unscripted: string[];
}

export async function runRplEmulated(s: RplScenario, o: { profile: ProfileName; seed?: string }): Promise<RunResult & { rpl: RplRunInfo }> {
  const seed = o.seed ?? '1';
  const c = rplConfig(s);
  const { settings, unmapped } = emulatorSettings(s, c);
  const clock = new VirtualClock({ start: c.start });
  const random = new SeededRandom(`rpl/${basename(s.file)}/${o.profile}/${seed}`);
  const network = new VirtualNetwork({ clock, random: random.fork('net') });
  let step = 0;
  const unscripted: string[] = [];
  const onQuery = (q: ScriptedQuery) => {
    if (q.answeredBy.startsWith('SERVFAIL')) unscripted.push(`step ${q.step}: ${q.question} to ${q.to}: ${q.answeredBy}`);
  };
  const server = new ScriptedServer({
    network: network.addHost('scripted', scriptedAddresses(s, c.rootHint?.address)),
    scenario: s,
    step: () => step,
    onQuery,
  });
  await server.start();
  const resolverHost = network.addHost('resolver', [RPL_RESOLVER_ADDRESS]);
  const clientHost = network.addHost('client', [RPL_CLIENT_ADDRESS]);
  if (!c.rootHint) unmapped.push('no stub-addr: the resolver has no root hint');
  const resolver = new RecursiveResolver({
    network: resolverHost,
    listen: [{ address: RPL_RESOLVER_ADDRESS, port: 53 }],
    rootHints: c.rootHint ? [{ address: c.rootHint.address, port: 53 }] : [],
    trustAnchors: c.trustAnchors,
    profile: o.profile,
    options: settings as Partial<ResolverSettings>,
    random: random.fork('resolver'),
    acl: [`${RPL_CLIENT_ADDRESS}/32`],
  });
  await resolver.start();
  const stub = await StubUdpSocket.open(clientHost, { address: RPL_CLIENT_ADDRESS, port: 0 });
  const result = await driveRpl(
    s,
    {
      now: () => clock.now(),
      setStep: (n) => (step = n),
      elapse: async (seconds) => {
        await clock.runUntil(clock.now() + seconds * 1000);
      },
      query: async (octets, awaitAnswer): Promise<{ message?: Message; error?: string }> => {
        const ex = stub.query(octets, { address: RPL_RESOLVER_ADDRESS, port: 53 }, { from: 'endpoint', timeoutMs: RPL_CLIENT_WAIT_MS });
        if (!awaitAnswer) {
          // RAW queries get no answer awaited; give the resolver a moment to drop or answer them.
          await clock.runUntil(clock.now() + 10);
          ex.close();
          return {};
        }
        const out = await clock.runUntilSettled(ex.outcome, RPL_CLIENT_WAIT_MS + 1000);
        return out.ok ? { message: out.message } : { error: out.error === 'timeout' ? `no answer within ${RPL_CLIENT_WAIT_MS / 1000} s` : out.error };
      },
    },
    { variant: `emulated ${o.profile}`, seed },
  );
  stub.close();
  await resolver.stop();
  server.stop();
  return { ...result, rpl: { unmapped, unscripted } };
}
