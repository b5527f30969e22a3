// What `dnslab run|probe|serve --device …` do, so the CLI files only hand
// over: run each scenario variant with the device in the path and print the
// timeline, the address plan and the "emulated box vs your device" table.
// A setup error (not root, no such interface, device not answering) is one
// line on stderr and exit 2, before any step runs.

import type { LoadedScenario } from '../scenario/load.ts';
import { renderHtml, renderJunit, renderText } from '../runner/index.ts';
import { toJson } from '../runner/report-data.ts';
import { ProbeAuthority, probeHtml, probeText } from '../probe/index.ts';
import { SocketNetwork } from '../../net/socket.ts';
import type { Endpoint } from '../../net/network.ts';
import { checkLoad, renderLoad, runLoad, type LoadFigures, type LoadOptions } from './load.ts';
import { DeviceSetupError } from './links.ts';
import { writeOutput } from '../cli/command.ts';
import { deviceOptions, type DeviceFlags, type DeviceOptions } from './options.ts';
import { renderCrossings } from './observations.ts';
import {
  compareWithEmulated,
  loadOnDevice,
  probeOnDevice,
  serveOnDevice,
  renderComparison,
  renderPlan,
  runOnDevice,
  type ClaimComparison,
  type DeviceInfo,
  type DeviceRunResult,
} from './run.ts';

interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Device options from the collected flags, or the exit code of a one-line refusal. */
export function deviceOrExit(flags: DeviceFlags, io: Io, command: string): DeviceOptions | undefined | number {
  try {
    return deviceOptions(flags);
  } catch (e) {
    if (!(e instanceof DeviceSetupError)) throw e;
    io.stderr.write(`dnslab ${command}: ${e.message}\n`);
    return 2;
  }
}

async function guarded(io: Io, command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (!(e instanceof DeviceSetupError)) throw e;
    io.stderr.write(`dnslab ${command}: ${e.message}\n`);
    return 2;
  }
}

export type DeviceRunOutput = DeviceRunResult & { comparison: { rows: ClaimComparison[]; agree: boolean } };

/** `dnslab run ID --device …`: exit 0 iff every claim held with the device in the path. */
export function runWithDevice(
  runs: { loaded: LoadedScenario; variant: string }[],
  device: DeviceOptions,
  o: { seed: string; json: boolean; verbose: boolean; color: boolean; report?: string; junit?: string },
  io: Io,
): Promise<number> {
  return guarded(io, 'run', async () => {
    const results: DeviceRunOutput[] = [];
    for (const r of runs) {
      const out = await runOnDevice({
        loaded: r.loaded,
        variant: r.variant,
        seed: o.seed,
        device,
        onPlan: (d) => io.stderr.write(`${r.loaded.scenario.id} [${r.variant}]: ${renderPlan(d)}`),
        onConfig: (text) => io.stdout.write(text),
      });
      if (!('id' in out)) continue; // --plan or --print-config: printed, nothing run
      const comparison = await compareWithEmulated(r.loaded, r.variant, o.seed, out);
      const result: DeviceRunOutput = { ...out, comparison: { rows: comparison.rows, agree: comparison.agree } };
      results.push(result);
      if (!o.json) {
        io.stdout.write(renderText(result, { verbose: o.verbose, color: o.color }) + '\n');
        io.stdout.write(renderComparison(comparison.rows));
        if (result.device.crossings && result.device.placement) io.stdout.write(renderCrossings(result.device.crossings, result.device.placement.role));
        io.stdout.write(`device run: ${result.device.seconds.toFixed(1)} s real time; ${result.device.timeNote}\n`);
        if (result.device.leftover.length) io.stdout.write(`processes left in the namespaces and killed: ${result.device.leftover.join(', ')}\n`);
      }
    }
    if (device.planOnly || device.printConfig) return 0;
    if (o.json) {
      // The usual JSON report, each run with its device plan and the claim-by-claim comparison added.
      const doc = toJson(results);
      doc.runs.forEach((run, i) => Object.assign(run, { device: results[i]!.device, comparison: results[i]!.comparison }));
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    }
    if (o.report) writeOutput(io, o.report, renderHtml(results));
    if (o.junit) writeOutput(io, o.junit, renderJunit(results));
    return results.length > 0 && results.every((r) => r.passed) ? 0 : 1;
  });
}

/** `dnslab probe --device …`: the checkpoints with the probe's client inside and its authoritative outside. */
export function probeWithDevice(
  device: DeviceOptions,
  options: Parameters<typeof probeOnDevice>[0]['options'],
  report: string | undefined,
  io: Io,
): Promise<number> {
  return guarded(io, 'probe', async () => {
    if (device.role !== 'middlebox')
      throw new DeviceSetupError(`probe --device ${device.role}: not built; the probe's checkpoints test a middlebox (--device middlebox)`);
    const out = await probeOnDevice({ device, options, onPlan: (d: DeviceInfo) => io.stderr.write(renderPlan(d)) });
    if (!('report' in out)) return 0;
    io.stdout.write(probeText(out.report));
    if (report) {
      writeOutput(io, report, /\.json$/i.test(report) ? `${JSON.stringify({ ...out.report, device: out.device }, null, 2)}\n` : probeHtml(out.report));
    }
    return out.report.checkpoints.every((c) => c.verdict === 'pass') ? 0 : 1;
  });
}

/** `dnslab serve ID --device …`: the servers on their scenario addresses, behind the device, until Ctrl-C. */
export function serveWithDevice(
  loaded: LoadedScenario,
  variant: string,
  o: { seed: string; at: number; hints?: string; anchor?: string },
  device: DeviceOptions,
  io: Io & { waitForInterrupt(): Promise<void> },
): Promise<number> {
  return guarded(io, 'serve', async () => {
    const d = await serveOnDevice({
      loaded,
      variant,
      seed: o.seed,
      at: o.at,
      device,
      onPlan: (p) => io.stderr.write(renderPlan(p)),
      onConfig: (text) => io.stdout.write(text),
      onReady: (ready, insideNs) => {
        const lines = [`dnslab serve: ${loaded.scenario.id} [${variant}] with the device in the path — Ctrl-C to stop`, ''];
        for (const s of ready.servers)
          lines.push(
            `  ${s.name.padEnd(14)} ${s.host.padEnd(28)} ${s.addresses.join(', ').padEnd(24)} ${s.outside ? 'outside' : 'inside '}  ${s.zones.join(' ')}`,
          );
        lines.push(...ready.applied.map((a) => `applied ${a}`));
        lines.push('', 'root hints:', ready.rootHints);
        if (ready.trustAnchors.length) lines.push('', 'trust anchor:', ...ready.trustAnchors);
        lines.push(
          '',
          `query from the inside: ip netns exec ${insideNs} dig @ADDRESS NAME (the resolver's and clients' addresses are there; Enter does not apply steps with a device)`,
        );
        io.stdout.write(lines.join('\n') + '\n');
        if (o.hints) writeOutput(io, o.hints, ready.rootHints + '\n');
        if (o.anchor) writeOutput(io, o.anchor, ready.trustAnchors.join('\n') + '\n');
      },
      until: () => io.waitForInterrupt(),
    });
    if (!device.planOnly && !device.printConfig)
      io.stdout.write(`stopped${d.leftover.length ? `; killed ${d.leftover.join(', ')} left in the namespaces` : ''}\n`);
    return 0;
  });
}

/**
 * `dnslab probe --load QPS [--load-seconds N]`: with a device, through it and to an authority on the inside;
 * without, through --through (a box in front of --auth-listen) and straight to --auth-listen. Exit 0 when both
 * paths answered every query, 1 otherwise, 2 for bad values or a setup error.
 */
export function loadCommand(
  load: LoadOptions,
  o: { device: DeviceOptions | undefined; through?: Endpoint; authListen: Endpoint; client: string; allowExternal: boolean; report?: string },
  io: Io,
): Promise<number> {
  return guarded(io, 'probe', async () => {
    const bad = checkLoad(load);
    if (bad) throw new DeviceSetupError(bad);
    let rows: LoadFigures[];
    if (o.device && o.device.role !== 'middlebox')
      throw new DeviceSetupError(`probe --load --device ${o.device.role}: not built; the load runs through a middlebox`);
    if (o.device) {
      const out = await loadOnDevice({ device: o.device, qps: load.qps, seconds: load.seconds, onPlan: (d) => io.stderr.write(renderPlan(d)) });
      if (!('load' in out)) return 0;
      rows = out.load;
    } else {
      if (!o.through) throw new DeviceSetupError('--load needs --through ADDR:PORT (a box in front of --auth-listen) or --device');
      const network = new SocketNetwork({ addresses: [...new Set([o.authListen.address, o.client])], allowExternal: o.allowExternal });
      const authority = new ProbeAuthority(network, o.authListen);
      await authority.start();
      try {
        rows = [
          await runLoad(network, o.client, o.through, load, `through ${o.through.address}:${o.through.port}`),
          await runLoad(network, o.client, o.authListen, load, `without it (${o.authListen.address}:${o.authListen.port})`),
        ];
      } finally {
        await authority.stop();
      }
    }
    io.stdout.write(renderLoad(rows, load));
    if (o.report) writeOutput(io, o.report, `${JSON.stringify({ load, paths: rows }, null, 2)}\n`);
    return rows.every((r) => r.lost === 0) ? 0 : 1;
  });
}
