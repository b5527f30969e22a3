// `dnslab probe`: check a DNS path (a box in front of an authoritative, or a
// resolver/forwarder) against the middlebox checkpoints and write a report.

import { SocketNetwork } from '../../net/socket.ts';
import { ProbeAuthority, probeHtml, probeSetupFault, probeText, runProbe } from '../probe/index.ts';
import { DEVICE_OPTIONS, DEVICE_USAGE, deviceFlagsOf } from '../device/options.ts';
import { deviceOrExit, loadCommand, probeWithDevice } from '../device/command.ts';
import {
  checkOutputPath,
  InputError,
  integerOption,
  parseCommandLine,
  parseEndpoint,
  requireLoopback,
  UsageError,
  writeOutput,
  type CliCommand,
} from './command.ts';

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
exit status: 0 all checkpoints pass, 1 something failed or was untestable,
2 bad option, an output file that cannot be written, address in use

${DEVICE_USAGE}With --device, the probe's client is inside (203.0.113.10) and its authoritative outside
(198.51.100.53:53): the device routes or bridges the queries; no --through.
`;

export const probeCommand: CliCommand = {
  name: 'probe',
  summary: 'check a DNS path (box or resolver) for large UDP, fragments, TCP, EDNS0, sessions and NAT randomness',
  usage,
  async run(argv, io) {
    const { values: v } = parseCommandLine(argv, {
      through: { type: 'string' },
      'auth-listen': { type: 'string' },
      client: { type: 'string' },
      mode: { type: 'string' },
      report: { type: 'string' },
      'udp-timeout': { type: 'string' },
      'tcp-timeout': { type: 'string' },
      flows: { type: 'string' },
      samples: { type: 'string' },
      'assume-mtu': { type: 'string' },
      deadline: { type: 'string' },
      'allow-external': { type: 'boolean' },
      load: { type: 'string' },
      'load-seconds': { type: 'string' },
      ...DEVICE_OPTIONS,
    });
    const through = v.through === undefined ? undefined : parseEndpoint(v.through, 53);
    const authListen = parseEndpoint(v['auth-listen'] ?? '127.0.0.1:5399');
    const client = v.client === undefined ? undefined : parseEndpoint(v.client, 0).address;
    const mode = v.mode ?? 'auth-path';
    if (mode !== 'auth-path' && mode !== 'resolver') throw new UsageError(`--mode: got "${mode}"; expected one of auth-path, resolver`);
    const report = v.report;
    if (report !== undefined && !/\.(json|html?)$/i.test(report)) throw new UsageError(`--report: "${report}" must end in .json or .html`);
    const allowExternal = v['allow-external'] ?? false;
    const o: { udpTimeoutMs?: number; tcpTimeoutMs?: number; flows?: number; natSamples?: number; assumeMtu?: number; deadlineMs?: number } = {};
    if (v['udp-timeout'] !== undefined) o.udpTimeoutMs = integerOption(v['udp-timeout'], '--udp-timeout', 10, 60_000);
    if (v['tcp-timeout'] !== undefined) o.tcpTimeoutMs = integerOption(v['tcp-timeout'], '--tcp-timeout', 10, 120_000);
    if (v.flows !== undefined) o.flows = integerOption(v.flows, '--flows', 1, 512);
    if (v.samples !== undefined) o.natSamples = integerOption(v.samples, '--samples', 1, 64);
    if (v['assume-mtu'] !== undefined) o.assumeMtu = integerOption(v['assume-mtu'], '--assume-mtu', 576, 65535);
    if (v.deadline !== undefined) o.deadlineMs = integerOption(v.deadline, '--deadline', 1000, 3_600_000);
    const load = {
      qps: v.load === undefined ? 0 : integerOption(v.load, '--load', 1, 2000),
      seconds: v['load-seconds'] === undefined ? 5 : integerOption(v['load-seconds'], '--load-seconds', 1, 30),
    };
    if (report !== undefined) checkOutputPath(report, '--report');
    const device = deviceOrExit(deviceFlagsOf(v), io, 'probe');
    if (typeof device === 'number') return device;
    if (device && load.qps) return loadCommand(load, { device, authListen, client: authListen.address, allowExternal, ...(report ? { report } : {}) }, io);
    if (device) return probeWithDevice(device, o, report, io);
    if (!through) throw new UsageError('--through ADDR:PORT is required');
    requireLoopback(through, allowExternal, '--through');
    requireLoopback(authListen, allowExternal, '--auth-listen');
    const clientAddress = client ?? authListen.address;
    requireLoopback({ address: clientAddress, port: 0 }, allowExternal, '--client');
    const fault = await probeSetupFault(through, authListen, clientAddress, o.udpTimeoutMs ?? 800);
    if (fault) throw new InputError(fault); // a setup fault, not a finding about the path
    if (load.qps) return loadCommand(load, { device, through, authListen, client: clientAddress, allowExternal, ...(report ? { report } : {}) }, io);
    const network = new SocketNetwork({ addresses: [...new Set([authListen.address, clientAddress])], allowExternal });
    const authority = new ProbeAuthority(network, authListen);
    await authority.start();
    try {
      const r = await runProbe({ network, through, authority, clientAddress, mode, ...o });
      io.stdout.write(probeText(r));
      if (report) {
        writeOutput(io, report, /\.json$/i.test(report) ? `${JSON.stringify(r, null, 2)}\n` : probeHtml(r));
      }
      return r.checkpoints.every((c) => c.verdict === 'pass') ? 0 : 1;
    } finally {
      await authority.stop();
    }
  },
};
