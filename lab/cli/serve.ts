// `dnslab serve`: put a scenario's authoritative servers on real loopback
// sockets (the same server code as in the virtual lab) so dig, real resolvers
// and equipment can query the world the scenario describes — at T+0, or after
// the operator/attacker actions up to `--at`. Runs until Ctrl-C; meanwhile each
// line typed on stdin (Enter) applies the scenario's next operator/attacker
// action, so a trainer can walk through the incident with real tools.

import { isIP } from 'node:net';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { formatRecord } from '../../dns/zone/rdata-text.ts';
import { toFqdn } from '../../dns/name.ts';
import { RealClock } from '../../net/clock.ts';
import { SeededRandom } from '../../net/random.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { act } from '../runner/edits.ts';
import { World } from '../runner/world.ts';
import { findScenario, planScenario, ScenarioError, DEFAULT_SCENARIO } from '../runner/index.ts';
import { parseDuration } from '../scenario/duration.ts';
import { DEVICE_USAGE, takeDeviceFlag, type DeviceFlags } from '../device/options.ts';
import { deviceOrExit, serveWithDevice } from '../device/command.ts';
import { cliArgs, isLoopback, requirePort, UsageError, type CliCommand } from './command.ts';

const USAGE = `usage: dnslab serve [ID|FILE] [options]

Serve the authoritative side of a scenario (root, TLDs, every zone) on real
UDP/TCP sockets on loopback until Ctrl-C. Each scenario address is mapped to a
loopback address (NS glue in the zones is rewritten to match); the table of
machines is printed at start. Point dig at a server, or give a real resolver
the printed root hints (and trust anchor, for signed scenarios).

While it runs, press Enter to apply the next operator/attacker action of the
scenario (the lab clock does not jump: wait out TTLs, or flush the resolver);
type "steps" to list what is left.

options:
  --variant V      scenario variant (default: the first)
  --at OFFSET      apply the operator/attacker actions up to this offset first (e.g. +2h)
  --base ADDR      first loopback address to use (default 127.53.0.1; must be 127.x.y.z)
  --port N         port for every server (default 53)
  --hints FILE     write root hints for a real resolver
  --anchor FILE    write the root trust anchor (DS) when the scenario is signed
  --seed N         seed (DNSSEC keys) (default 1)

${DEVICE_USAGE}With --device, the servers keep their scenario addresses: those behind the device in the outside
namespace, the others inside, where the printed command runs dig.
`;

function nextAddress(base: string, index: number): string {
  const parts = base.split('.').map(Number);
  const n = ((parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) + index;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: "serve a scenario's authoritative servers on loopback sockets for dig and real resolvers",
  usage: USAGE,
  async run(argv, io) {
    let target: string | undefined;
    let variant: string | undefined;
    let at = 0;
    let base = '127.53.0.1';
    let port = 53;
    let hints: string | undefined;
    let anchor: string | undefined;
    let seed = '1';
    const deviceFlags: DeviceFlags = {};
    for (const [a, value] of cliArgs(argv)) {
      if (takeDeviceFlag(deviceFlags, a, value)) continue;
      if (a === '--variant') variant = value();
      else if (a === '--at') {
        const v = value();
        const ms = parseDuration(v);
        if (ms === undefined) throw new UsageError(`--at "${v}" is not an offset like +2h`);
        at = ms;
      } else if (a === '--base') base = value();
      else if (a === '--port') port = Number(value());
      else if (a === '--hints') hints = value();
      else if (a === '--anchor') anchor = value();
      else if (a === '--seed') seed = value();
      else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
      else if (target === undefined) target = a;
      else throw new UsageError('one scenario at a time');
    }
    if (isIP(base) !== 4 || !isLoopback(base)) throw new UsageError(`--base ${base} must be an IPv4 loopback address (127.x.y.z)`);
    requirePort(port, '--port');
    const device = deviceOrExit(deviceFlags, io, 'serve');
    if (typeof device === 'number') return device;
    let plan;
    try {
      const loaded = await findScenario(target ?? DEFAULT_SCENARIO);
      plan = planScenario(loaded.scenario, loaded.file, variant);
      if (device) return serveWithDevice(loaded, plan.variant, { seed, at, ...(hints ? { hints } : {}), ...(anchor ? { anchor } : {}) }, device, io);
    } catch (e) {
      if (e instanceof ScenarioError) {
        io.stderr.write(`${e.message}\n`);
        return 1;
      }
      throw e;
    }
    // Lab time is the host's time here, so DNSSEC signatures are valid for real validators now.
    const clock = new RealClock();
    const mapping = new Map<string, string>();
    const mapAddress = (address: string) => mapping.get(address) ?? address;
    const world = new World({
      topology: plan.topology,
      network: { addHost: (_name, addresses) => new SocketNetwork({ addresses, clock }) },
      clock,
      random: new SeededRandom(`${plan.scenario.id}/${plan.variant}/${seed}`),
      onTrace: () => undefined,
      onRegistryLog: (text) => io.stderr.write(`${text}\n`),
      fileLabel: plan.file,
      mapAddress,
      port,
      serversOnly: true,
    });
    // Addresses are assigned in a stable order: the scenario's servers, then the synthesised ones.
    const declared = Object.values(plan.topology.servers).flatMap((s) => s.addresses);
    const synthesised = ['10.53.0.1', ...Array.from({ length: 64 }, (_, i) => `10.53.1.${i + 1}`)];
    let index = 0;
    for (const a of [...declared, ...synthesised]) if (isIP(a) === 4 && !mapping.has(a)) mapping.set(a, nextAddress(base, index++));
    try {
      await world.build();
      for (const p of plan.steps) {
        if (p.at > at || !('action' in p.step)) continue;
        const r = act(world, p.step.action);
        io.stderr.write(`applied step ${p.number} (at ${p.step.at}): ${typeof r === 'string' ? r : r.message}\n`);
      }
    } catch (e) {
      await world.stop();
      throw e;
    }
    const lines = [`dnslab serve: ${plan.scenario.id} [${plan.variant}]${at ? ` as of T+${argv[argv.indexOf('--at') + 1]?.replace(/^\+/, '')}` : ' at T+0'} — Ctrl-C to stop`, ''];
    for (const [name, s] of world.servers) {
      const zones = s.server.zones.zones().map((z) => toFqdn(z.origin)).join(' ');
      lines.push(`  ${name.padEnd(14)} ${s.host.padEnd(28)} ${s.addresses.map((a) => `${a} → ${mapAddress(a)}:${port}`).join(', ')}   ${zones}`);
    }
    const hintText = world
      .rootHints()
      .map((h) => `.\t3600000\tIN\tNS\t${toFqdn(h.host)}\n${toFqdn(h.host)}\t3600000\tIN\tA\t${h.address}`)
      .join('\n');
    lines.push('', 'root hints:', hintText);
    const anchors = world.trustAnchors();
    if (anchors.length) lines.push('', 'trust anchor:', ...anchors.map((r) => formatRecord(r)));
    io.stdout.write(lines.join('\n') + '\n');
    if (hints) writeFileSync(hints, hintText + '\n');
    if (anchor) writeFileSync(anchor, anchors.map((r) => formatRecord(r)).join('\n') + '\n');
    // The remaining actions, applied one per line typed on stdin.
    const pending = plan.steps.filter((p) => p.at > at && 'action' in p.step);
    const describe = (p: (typeof pending)[number]) => `step ${p.number} (at ${p.step.at})${'note' in p.step && p.step.note ? ` — ${p.step.note}` : ''}`;
    const prompt = () =>
      io.stderr.write(pending.length ? `press Enter to apply ${describe(pending[0]!)} (${pending.length} left; "steps" lists them)\n` : 'no actions left in this scenario\n');
    const input = io.stdin ? createInterface({ input: io.stdin, terminal: false }) : undefined;
    input?.on('line', (line) => {
      if (line.trim() === 'steps') {
        io.stderr.write(pending.map((p) => `  ${describe(p)}\n`).join('') || '  (none)\n');
        return;
      }
      const next = pending.shift();
      if (!next || !('action' in next.step)) return prompt();
      try {
        const r = act(world, next.step.action);
        io.stdout.write(`applied ${describe(next)}: ${typeof r === 'string' ? r : r.message}\n`);
      } catch (e) {
        io.stderr.write(`step ${next.number} failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
      prompt();
    });
    if (input) prompt();
    try {
      await io.waitForInterrupt();
    } finally {
      input?.close();
      await world.stop();
    }
    return 0;
  },
};
