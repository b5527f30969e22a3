// `dnslab probe`: check a DNS path (a box in front of an authoritative, or a
// resolver/forwarder) against the middlebox checkpoints and write a report.

import { writeFileSync } from 'node:fs';
import { SocketNetwork } from '../../net/socket.ts';
import { ProbeAuthority, probeHtml, probeText, runProbe, type ProbeMode } from '../probe/index.ts';
import { DEVICE_USAGE, takeDeviceFlag, type DeviceFlags } from '../device/options.ts';
import { deviceOrExit, loadCommand, probeWithDevice } from '../device/command.ts';
import { cliArgs, parseEndpoint, requireLoopback, UsageError, type CliCommand } from './command.ts';

const usage = `usage: dnslab probe --through ADDR:PORT [--auth-listen ADDR:PORT] [--mode auth-path|resolver] [--report FILE.json|FILE.html] [options]

Runs an authoritative server for probe.lab on --auth-listen and asks questions
through --through, then reports seven checkpoints (pass / fail / untestable)
with evidence:
  1 largest UDP response that passes   2 fragmented UDP passes   3 TC=1 → TCP works
  4 TCP/53 reachable   5 EDNS0 handled   6 concurrent UDP flows   7 port/ID randomness
--mode auth-path (default): --through is a box whose upstream is --auth-listen.
--mode resolver: --through is a resolver/forwarder sending probe.lab to --auth-listen.

options:
  --auth-listen ADDR:PORT   where the probe's authoritative listens (default 127.0.0.1:5399)
  --client ADDR             address the probe's queries come from (default: the --auth-listen address)
  --report FILE             write the report (.json or .html); the text summary always goes to stdout
  --udp-timeout MS          per UDP question (default 800)
  --tcp-timeout MS          per TCP question (default 3000)
  --flows N                 concurrent flows for checkpoint 6 (default 64, at most 512)
  --samples N               fresh flows for checkpoint 7 (default 12)
  --assume-mtu N            MTU for the fragmentation threshold of checkpoint 2 (default 1500)
  --deadline MS             overall time budget (default 120000)
  --allow-external          allow non-loopback addresses
  --load QPS                instead of the checkpoints: QPS queries a second (at most 2000) through the
                            path and without it, side by side: sent, lost, QPS, latency percentiles
  --load-seconds N          how long per path (default 5, at most 30)
exit status: 0 all checkpoints pass, 1 something failed or was untestable, 2 bad arguments

${DEVICE_USAGE}With --device, the probe's client is inside (203.0.113.10) and its authoritative outside
(198.51.100.53:53): the device routes or bridges the queries; no --through.
`;

function intArg(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: got "${text}"; expected an integer ${min}..${max}`);
  return n;
}

export const probeCommand: CliCommand = {
  name: 'probe',
  summary: 'check a DNS path (box or resolver) for large UDP, fragments, TCP, EDNS0, sessions and NAT randomness',
  usage,
  async run(argv, io) {
    let through;
    let authListen = parseEndpoint('127.0.0.1:5399');
    let client: string | undefined;
    let mode: ProbeMode = 'auth-path';
    let report: string | undefined;
    let allowExternal = false;
    const deviceFlags: DeviceFlags = {};
    const load = { qps: 0, seconds: 5 };
    const o: { udpTimeoutMs?: number; tcpTimeoutMs?: number; flows?: number; natSamples?: number; assumeMtu?: number; deadlineMs?: number } = {};
    for (const [a, value] of cliArgs(argv)) {
      switch (a) {
        case '--through': through = parseEndpoint(value(), 53); break;
        case '--auth-listen': authListen = parseEndpoint(value()); break;
        case '--client': client = parseEndpoint(value(), 0).address; break;
        case '--mode': {
          const m = value();
          if (m !== 'auth-path' && m !== 'resolver') throw new UsageError(`--mode: got "${m}"; expected one of auth-path, resolver`);
          mode = m;
          break;
        }
        case '--report': {
          report = value();
          if (!/\.(json|html?)$/i.test(report)) throw new UsageError(`--report: "${report}" must end in .json or .html`);
          break;
        }
        case '--udp-timeout': o.udpTimeoutMs = intArg(a, value(), 10, 60_000); break;
        case '--tcp-timeout': o.tcpTimeoutMs = intArg(a, value(), 10, 120_000); break;
        case '--flows': o.flows = intArg(a, value(), 1, 512); break;
        case '--samples': o.natSamples = intArg(a, value(), 1, 64); break;
        case '--assume-mtu': o.assumeMtu = intArg(a, value(), 576, 65535); break;
        case '--deadline': o.deadlineMs = intArg(a, value(), 1000, 3_600_000); break;
        case '--allow-external': allowExternal = true; break;
        case '--load': load.qps = intArg(a, value(), 1, 2000); break;
        case '--load-seconds': load.seconds = intArg(a, value(), 1, 30); break;
        default: if (!takeDeviceFlag(deviceFlags, a, value)) throw new UsageError(`unknown option "${a}"`);
      }
    }
    const device = deviceOrExit(deviceFlags, io, 'probe');
    if (typeof device === 'number') return device;
    if (device && load.qps) return loadCommand(load, { device, authListen, client: authListen.address, allowExternal, ...(report ? { report } : {}) }, io);
    if (device) return probeWithDevice(device, o, report, io);
    if (!through) throw new UsageError('--through ADDR:PORT is required');
    requireLoopback(through, allowExternal, '--through');
    requireLoopback(authListen, allowExternal, '--auth-listen');
    const clientAddress = client ?? authListen.address;
    requireLoopback({ address: clientAddress, port: 0 }, allowExternal, '--client');
    if (load.qps) return loadCommand(load, { device, through, authListen, client: clientAddress, allowExternal, ...(report ? { report } : {}) }, io);
    const network = new SocketNetwork({ addresses: [...new Set([authListen.address, clientAddress])], allowExternal });
    const authority = new ProbeAuthority(network, authListen);
    await authority.start();
    try {
      const r = await runProbe({ network, through, authority, clientAddress, mode, ...o });
      io.stdout.write(probeText(r));
      if (report) {
        writeFileSync(report, /\.json$/i.test(report) ? `${JSON.stringify(r, null, 2)}\n` : probeHtml(r));
        io.stdout.write(`report written to ${report}\n`);
      }
      return r.checkpoints.every((c) => c.verdict === 'pass') ? 0 : 1;
    } finally {
      await authority.stop();
    }
  },
};
