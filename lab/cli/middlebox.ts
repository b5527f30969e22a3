// `dnslab middlebox`: run a middlebox emulator as a UDP/TCP proxy in front of
// any DNS server on real sockets, until Ctrl-C. Every quirk is a flag; bad
// values exit 2 with a message naming the flag and what it accepts.

import { formatEndpoint, type Endpoint } from '../../net/network.ts';
import { SocketNetwork } from '../../net/socket.ts';
import {
  buildStages,
  DEFAULT_SESSIONS_PER_CLIENT,
  describeSettings,
  forwardsToItself,
  MiddleboxConfigError,
  MiddleboxProxy,
  natConfig,
  sessionConfig,
  validateSettings,
  type MiddleboxSettings,
  type ProxyEvent,
} from '../../servers/middlebox/index.ts';
import {
  integerOption,
  numberOption,
  parseCommandLine,
  parseEndpoint,
  parseSeed,
  requireLoopback,
  runUntilInterrupt,
  UsageError,
  type CliCommand,
} from './command.ts';
import { isWorker, superviseWorkers, workerCount } from './workers.ts';

const usage = `usage: dnslab middlebox --listen ADDR:PORT --upstream ADDR:PORT [--upstream …] [options]

A DNS middlebox emulator as a proxy: clients query --listen, the box forwards
to --upstream (several = load balancing) through the quirks below.

size and fragments:
  --max-udp N              UDP DNS messages over N octets are…
  --oversize drop|truncate   …dropped (default) or cut to fit with TC=1
  --edns-rewrite N         rewrite the EDNS UDP size advertised in queries to N
  --mtu N                  path MTU (IP packet octets); loopback never fragments, so a
                           datagram with DNS+UDP+IP headers over N counts as fragmented
  --fragments pass|drop|first   what happens to such a datagram (first = stateless
                           firewall: only the first fragment passes, never reassembled)
TCP:
  --tcp allow|reject|blackhole  reject = no TCP listener (RST); blackhole = accept, never answer
EDNS/DNSSEC-breaking proxy (home router):
  --strip opt|do|rrsig     remove the OPT RR / clear DO / remove RRSIG,NSEC,NSEC3,DS (repeatable)
  --formerr-edns           answer FORMERR to queries carrying EDNS
  --cap-answers N          cap UDP answers at N octets with TC=1 (home routers: 512)
  --cache                  answer repeats from the box's own cache
  --cache-ttl S            …holding every answer S seconds regardless of its TTL
sessions and NAT (load balancer):
  --udp-sessions N         UDP session table size
  --session-idle MS        idle timeout of a session (default 30000)
  --on-full drop|evict     new flows when the table is full (default drop)
  --sessions-per-client N  most UDP sessions one client address holds (default ${DEFAULT_SESSIONS_PER_CLIENT});
                           bounds a forwarding loop through boxes
  --nat-ports N            upstream source ports come from a pool of N
  --nat-predictable        …handed out in sequence (predictable) instead of at random
  --nat-base PORT          first port of the pool (default 20000)
  --distribution sticky|per-packet   with several --upstream
  --health-check MS        query each upstream (SOA .) every MS; 3 misses in a row → out of rotation
path faults (seeded):
  --latency MS --jitter MS --loss P --duplicate P --reorder P --rate PPS
  --seed N                 a non-negative integer
other:
  --allow-external         allow non-loopback addresses
  --log                    one line per event on stderr
  --workers N              proxy from N processes sharing the listening sockets (default 1;
                           not with --cache, --udp-sessions, --nat-ports, --rate: one box's state)

exit status: 0 stopped with Ctrl-C; 2 bad option or value, address in use.
`;

/** Setting name → the flag users wrote, so errors name what they typed. */
const FLAG_OF: Record<string, string> = {
  maxUdp: '--max-udp',
  maxUdpSize: '--max-udp',
  oversize: '--oversize',
  ednsRewrite: '--edns-rewrite',
  mtu: '--mtu',
  fragments: '--fragments',
  tcp: '--tcp',
  strip: '--strip',
  maxUdpAnswer: '--cap-answers',
  capAnswers: '--cap-answers',
  cacheTtl: '--cache-ttl',
  udpSessions: '--udp-sessions',
  maxSessions: '--udp-sessions',
  sessionIdleMs: '--session-idle',
  idleTimeoutMs: '--session-idle',
  onFull: '--on-full',
  natPorts: '--nat-ports',
  natPredictable: '--nat-predictable',
  natPortBase: '--nat-base',
  distribution: '--distribution',
  latencyMs: '--latency',
  jitterMs: '--jitter',
  loss: '--loss',
  duplicate: '--duplicate',
  reorder: '--reorder',
  ratePerSecond: '--rate',
};

export function parseMiddleboxArgs(argv: string[]): {
  listen: Endpoint;
  upstreams: Endpoint[];
  settings: MiddleboxSettings;
  allowExternal: boolean;
  log: boolean;
  workers: number;
  healthCheckMs?: number;
  sessionsPerClient?: number;
} {
  const str = { type: 'string' } as const;
  const bool = { type: 'boolean' } as const;
  const { values: v } = parseCommandLine(argv, {
    listen: str,
    upstream: { type: 'string', multiple: true },
    'max-udp': str,
    oversize: str,
    'edns-rewrite': str,
    mtu: str,
    fragments: str,
    tcp: str,
    strip: { type: 'string', multiple: true },
    'formerr-edns': bool,
    'cap-answers': str,
    cache: bool,
    'cache-ttl': str,
    'udp-sessions': str,
    'session-idle': str,
    'on-full': str,
    'sessions-per-client': str,
    'nat-ports': str,
    'nat-predictable': bool,
    'nat-base': str,
    distribution: str,
    latency: str,
    jitter: str,
    loss: str,
    duplicate: str,
    reorder: str,
    rate: str,
    seed: str,
    'health-check': str,
    'allow-external': bool,
    log: bool,
    workers: str,
  });
  const listen = v.listen === undefined ? undefined : parseEndpoint(v.listen);
  const upstreams = (v.upstream ?? []).map((u) => parseEndpoint(u, 53));
  const s: MiddleboxSettings = {};
  const n = (flag: keyof typeof v & string) => numberOption(v[flag] as string, `--${flag}`);
  if (v['max-udp'] !== undefined) s.maxUdp = n('max-udp');
  if (v.oversize !== undefined) s.oversize = v.oversize as MiddleboxSettings['oversize'];
  if (v['edns-rewrite'] !== undefined) s.ednsRewrite = n('edns-rewrite');
  if (v.mtu !== undefined) s.mtu = n('mtu');
  if (v.fragments !== undefined) s.fragments = v.fragments as MiddleboxSettings['fragments'];
  if (v.tcp !== undefined) s.tcp = v.tcp as MiddleboxSettings['tcp'];
  if (v.strip !== undefined) s.strip = v.strip.flatMap((x) => x.split(',')) as NonNullable<MiddleboxSettings['strip']>;
  if (v['formerr-edns']) s.formerrEdns = true;
  if (v['cap-answers'] !== undefined) s.capAnswers = n('cap-answers');
  if (v.cache) s.cache = true;
  if (v['cache-ttl'] !== undefined) {
    s.cacheTtl = n('cache-ttl');
    s.cache = true;
  }
  if (v['udp-sessions'] !== undefined) s.udpSessions = n('udp-sessions');
  if (v['session-idle'] !== undefined) s.sessionIdleMs = n('session-idle');
  if (v['on-full'] !== undefined) s.onFull = v['on-full'] as MiddleboxSettings['onFull'];
  if (v['nat-ports'] !== undefined) s.natPorts = n('nat-ports');
  if (v['nat-predictable']) s.natPredictable = true;
  if (v['nat-base'] !== undefined) s.natPortBase = n('nat-base');
  if (v.distribution !== undefined) s.distribution = v.distribution as MiddleboxSettings['distribution'];
  if (v.latency !== undefined) s.latencyMs = n('latency');
  if (v.jitter !== undefined) s.jitterMs = n('jitter');
  if (v.loss !== undefined) s.loss = n('loss');
  if (v.duplicate !== undefined) s.duplicate = n('duplicate');
  if (v.reorder !== undefined) s.reorder = n('reorder');
  if (v.rate !== undefined) s.ratePerSecond = n('rate');
  if (v.seed !== undefined) s.seed = parseSeed(v.seed);
  const healthCheckMs = v['health-check'] === undefined ? undefined : integerOption(v['health-check'], '--health-check', 10, 3_600_000);
  const sessionsPerClient = v['sessions-per-client'] === undefined ? undefined : integerOption(v['sessions-per-client'], '--sessions-per-client', 1, 1_000_000);
  const allowExternal = v['allow-external'] ?? false;
  const log = v.log ?? false;
  if (!listen) throw new UsageError('--listen ADDR:PORT is required');
  if (upstreams.length === 0) throw new UsageError('--upstream ADDR:PORT is required');
  requireLoopback(listen, allowExternal);
  for (const u of upstreams) requireLoopback(u, allowExternal, '--upstream');
  for (const u of upstreams) {
    const loop = forwardsToItself(listen, u);
    if (loop) throw new UsageError(`--upstream ${formatEndpoint(u)}: ${loop}`);
  }
  let settings: MiddleboxSettings;
  try {
    settings = validateSettings(s);
  } catch (err) {
    if (err instanceof MiddleboxConfigError) {
      const flag = FLAG_OF[err.setting.replace(/^.*\./, '')] ?? err.setting;
      throw new UsageError(`${flag}: ${err.message.slice(err.message.indexOf(':') + 2)}`);
    }
    throw err;
  }
  const workers = workerCount(v.workers, [listen]);
  // State that belongs to the one box (its cache, session table, port pool, rate budget) would be one per worker.
  const oneBox = (['cache', 'udp-sessions', 'nat-ports', 'rate'] as const).find((f) => v[f] !== undefined);
  if (workers > 1 && oneBox) {
    throw new UsageError(`--workers ${workers} with --${oneBox}: each worker would keep its own, so the box would not behave as one; run one process`);
  }
  return {
    listen,
    upstreams,
    settings,
    allowExternal,
    log,
    workers,
    ...(healthCheckMs === undefined ? {} : { healthCheckMs }),
    ...(sessionsPerClient === undefined ? {} : { sessionsPerClient }),
  };
}

function describeEvent(e: ProxyEvent): string {
  const c = 'client' in e ? formatEndpoint(e.client) : '';
  switch (e.type) {
    case 'session':
      return `${c} session ${e.action}${e.upstreamPort !== undefined ? ` (upstream port ${e.upstreamPort})` : ''}`;
    case 'forward':
      return `${c} ${e.transport} ${e.direction} ${e.bytes} octets forwarded`;
    case 'reply':
      return `${c} ${e.transport} reply from the box ${e.bytes} octets`;
    case 'drop':
      return `${c} ${e.transport} dropped by ${e.stage}: ${e.reason}`;
    case 'tcp':
      return `${c} tcp ${e.action}`;
  }
}

export const middleboxCommand: CliCommand = {
  name: 'middlebox',
  summary: 'run a middlebox emulator (size limit, fragments, TCP filter, EDNS-breaking proxy, NAT/LB, faults) as a proxy',
  usage,
  async run(argv, io) {
    const { listen, upstreams, settings, allowExternal, log, workers, healthCheckMs, sessionsPerClient } = parseMiddleboxArgs(argv);
    if (workers > 1 && !isWorker()) return superviseWorkers(workers, io);
    const addresses = [listen.address];
    const network = new SocketNetwork({ addresses, allowExternal, ...(isWorker() ? { sharedEndpoints: [listen] } : {}) });
    const nat = natConfig(settings);
    const proxy = new MiddleboxProxy({
      network,
      listen,
      upstreams,
      stages: buildStages(settings),
      ...(settings.tcp === undefined ? {} : { tcp: settings.tcp }),
      sessions: sessionConfig(settings),
      ...(nat ? { nat } : {}),
      ...(settings.distribution === undefined ? {} : { distribution: settings.distribution }),
      ...(sessionsPerClient === undefined ? {} : { maxSessionsPerClient: sessionsPerClient }),
      ...(healthCheckMs === undefined ? {} : { healthCheck: { intervalMs: healthCheckMs, timeoutMs: Math.min(1000, healthCheckMs) } }),
      seed: settings.seed ?? 'middlebox',
      name: 'dnslab-middlebox',
      ...(log ? { onEvent: (e: ProxyEvent) => io.stderr.write(`${describeEvent(e)}\n`) } : {}),
    });
    try {
      await proxy.start();
    } catch (err) {
      // A port-0 listen that turned out to be the upstream's port.
      if (err instanceof MiddleboxConfigError) throw new UsageError(err.message);
      throw err;
    }
    const quirks = describeSettings(settings);
    // One write, so a reader waiting for the banner gets the quirk lines with it.
    io.stdout.write(
      `middlebox listening on ${formatEndpoint(proxy.endpoint)} udp${settings.tcp === 'reject' ? '' : '+tcp'} → ${upstreams.map(formatEndpoint).join(', ')}; Ctrl-C to stop\n` +
        (quirks.length ? quirks.map((q) => `  ${q}\n`).join('') : '  no quirks: a plain proxy\n'),
    );
    return runUntilInterrupt(io, () => proxy.stop());
  },
};
