// `dnslab serve`: put a scenario's authoritative servers on real loopback
// sockets (the same server code as in the virtual lab) so dig, real resolvers
// and equipment can query the world the scenario describes — at T+0, or after
// the operator/attacker actions up to `--at`. Runs until Ctrl-C; meanwhile each
// Enter (or "next") typed on stdin applies the scenario's next operator/attacker
// action, so a trainer can walk through the incident with real tools.

import { isIP } from 'node:net';
import { createInterface } from 'node:readline';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { toFqdn } from '../../dns/name.ts';
import { RealClock } from '../../net/clock.ts';
import { SeededRandom } from '../../net/random.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { act } from '../runner/edits.ts';
import { World } from '../runner/world.ts';
import { findScenario, planScenario, DEFAULT_SCENARIO } from '../runner/index.ts';
import { parseDuration } from '../scenario/duration.ts';
import { DEVICE_OPTIONS, DEVICE_USAGE, deviceFlagsOf } from '../device/options.ts';
import { deviceOrExit, serveWithDevice } from '../device/command.ts';
import { isLoopback } from '../../net/ip.ts';
import { checkOutputPath, integerOption, parseCommandLine, parseSeed, UsageError, writeOutput, type CliCommand } from './command.ts';

const USAGE = `usage: dnslab serve [ID|FILE] [options]

Serve the authoritative side of a scenario (root, TLDs, every zone) on real
UDP/TCP sockets on loopback until Ctrl-C. Each scenario address is mapped to a
loopback address (NS glue in the zones is rewritten to match); the table of
machines is printed at start. Point dig at a server, or give a real resolver
the printed root hints (and trust anchor, for signed scenarios).

While it runs, press Enter (or type "next") to apply the next operator/attacker
action of the scenario (the lab clock does not jump: wait out TTLs, or flush the
resolver); type "steps" to list what is left. Any other line applies nothing.

options:
  --variant V      scenario variant (default: the first)
  --at OFFSET      apply the operator/attacker actions up to this offset first (e.g. +2h)
  --base ADDR      first loopback address to use (default 127.53.0.1; must be 127.x.y.z)
  --port N         port for every server (default 53)
  --hints FILE     write root hints for a real resolver
  --anchor FILE    write the root trust anchor (DS) when the scenario is signed
  --seed N         seed (DNSSEC keys): a non-negative integer (default 1)

exit status: 0 stopped with Ctrl-C; 2 bad option, unknown scenario, an output
file that cannot be written, address in use.

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
    const { values: v, positionals } = parseCommandLine(
      argv,
      {
        variant: { type: 'string' },
        at: { type: 'string' },
        base: { type: 'string' },
        port: { type: 'string' },
        hints: { type: 'string' },
        anchor: { type: 'string' },
        seed: { type: 'string' },
        ...DEVICE_OPTIONS,
      },
      1,
    );
    const target = positionals[0];
    const variant = v.variant;
    let at = 0;
    if (v.at !== undefined) {
      const ms = parseDuration(v.at);
      if (ms === undefined) throw new UsageError(`--at "${v.at}" is not an offset like +2h`);
      at = ms;
    }
    const base = v.base ?? '127.53.0.1';
    const port = v.port === undefined ? 53 : integerOption(v.port, '--port', 1, 65535);
    const hints = v.hints;
    const anchor = v.anchor;
    const seed = v.seed === undefined ? '1' : parseSeed(v.seed);
    if (isIP(base) !== 4 || !isLoopback(base)) throw new UsageError(`--base ${base} must be an IPv4 loopback address (127.x.y.z)`);
    // Checked before any server starts: a file that cannot be written is exit 2, not a server left running.
    if (hints !== undefined) checkOutputPath(hints, '--hints');
    if (anchor !== undefined) checkOutputPath(anchor, '--anchor');
    const device = deviceOrExit(deviceFlagsOf(v), io, 'serve');
    if (typeof device === 'number') return device;
    // An unknown scenario or invalid file: ScenarioError, exit 2.
    const loaded = await findScenario(target ?? DEFAULT_SCENARIO);
    const plan = planScenario(loaded.scenario, loaded.file, variant);
    if (device) return serveWithDevice(loaded, plan.variant, { seed, at, ...(hints ? { hints } : {}), ...(anchor ? { anchor } : {}) }, device, io);
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
    const lines = [`dnslab serve: ${plan.scenario.id} [${plan.variant}]${at ? ` as of T+${v.at?.replace(/^\+/, '')}` : ' at T+0'} — Ctrl-C to stop`, ''];
    for (const [name, s] of world.servers) {
      const zones = s.server.zones
        .zones()
        .map((z) => toFqdn(z.origin))
        .join(' ');
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
    try {
      if (hints) writeOutput(io, hints, hintText + '\n');
      if (anchor) writeOutput(io, anchor, anchors.map((r) => formatRecord(r)).join('\n') + '\n');
    } catch (e) {
      await world.stop();
      throw e;
    }
    // The remaining actions, applied one per line typed on stdin.
    const pending = plan.steps.filter((p) => p.at > at && 'action' in p.step);
    const describe = (p: (typeof pending)[number]) => `step ${p.number} (at ${p.step.at})${'note' in p.step && p.step.note ? ` — ${p.step.note}` : ''}`;
    const prompt = () =>
      io.stderr.write(
        pending.length
          ? `press Enter (or type "next") to apply ${describe(pending[0]!)} (${pending.length} left; "steps" lists them)\n`
          : 'no actions left in this scenario\n',
      );
    const input = io.stdin ? createInterface({ input: io.stdin, terminal: false }) : undefined;
    input?.on('line', (line) => {
      const command = line.trim();
      if (command === 'steps') {
        io.stderr.write(pending.map((p) => `  ${describe(p)}\n`).join('') || '  (none)\n');
        return;
      }
      // Only Enter or "next" applies an action: a stray word typed into the wrong window must not change the world.
      if (command !== '' && command !== 'next') {
        io.stderr.write(`unknown command "${command}": nothing applied; Enter or "next" applies the next action, "steps" lists them\n`);
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
