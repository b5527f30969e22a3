// One flat, data-only description of a middlebox (what `dnslab middlebox`
// flags and scenario files hold), validated, and turned into the stage chain
// and proxy options. Order of the chain, client side first:
//   edns-proxy → size-limit → fragments → faults
// (the home-router proxy talks to the client; the path faults sit nearest the
// server, so a response meets faults first, then the MTU, then the size rule).

import { MiddleboxConfigError, intSetting, knownKeys, oneOf } from './errors.ts';
import { EdnsProxy, type EdnsProxyConfig } from './edns-proxy/index.ts';
import { FaultStage, type FaultConfig } from './faults/index.ts';
import { FragmentFilter, FragmentStage, FRAGMENT_MODES, type FragmentMode } from './fragments/index.ts';
import { stagesInterceptor } from './interceptor.ts';
import type { PacketInterceptor } from '../../net/interceptor.ts';
import { DISTRIBUTIONS, FULL_POLICIES, type Distribution, type FullPolicy } from './load-balancer/index.ts';
import type { PortPoolConfig, SessionConfig } from './load-balancer/sessions.ts';
import { OVERSIZE_ACTIONS, SizeLimiter, type OversizeAction } from './size-limit/index.ts';
import type { DnsStage } from './stage.ts';
import { TcpFilter, TCP_MODES, type TcpMode } from './tcp-filter/index.ts';

export type StripWhat = 'opt' | 'do' | 'rrsig';
export const STRIP_WHAT: readonly StripWhat[] = ['opt', 'do', 'rrsig'];

export interface MiddleboxSettings {
  maxUdp?: number;
  oversize?: OversizeAction;
  ednsRewrite?: number;
  mtu?: number;
  fragments?: FragmentMode;
  reassemblyTimeoutMs?: number;
  tcp?: TcpMode;
  strip?: StripWhat[];
  formerrEdns?: boolean;
  /** Cap UDP answers at this size with TC=1 inside the EDNS proxy (home routers: 512). */
  capAnswers?: number;
  cache?: boolean;
  cacheTtl?: number;
  udpSessions?: number;
  sessionIdleMs?: number;
  onFull?: FullPolicy;
  natPorts?: number;
  natPredictable?: boolean;
  natPortBase?: number;
  distribution?: Distribution;
  latencyMs?: number;
  jitterMs?: number;
  loss?: number;
  duplicate?: number;
  reorder?: number;
  ratePerSecond?: number;
  seed?: number | string;
}

const KEYS: readonly (keyof MiddleboxSettings)[] = [
  'maxUdp',
  'oversize',
  'ednsRewrite',
  'mtu',
  'fragments',
  'reassemblyTimeoutMs',
  'tcp',
  'strip',
  'formerrEdns',
  'capAnswers',
  'cache',
  'cacheTtl',
  'udpSessions',
  'sessionIdleMs',
  'onFull',
  'natPorts',
  'natPredictable',
  'natPortBase',
  'distribution',
  'latencyMs',
  'jitterMs',
  'loss',
  'duplicate',
  'reorder',
  'ratePerSecond',
  'seed',
];

/** Check every setting; throws MiddleboxConfigError naming the first bad one. Returns a normalized copy. */
export function validateSettings(input: unknown): MiddleboxSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new MiddleboxConfigError('middlebox', 'an object of settings', input);
  const s = input as MiddleboxSettings;
  knownKeys('middlebox', s, KEYS as readonly string[]);
  if (s.oversize !== undefined) oneOf('oversize', s.oversize, OVERSIZE_ACTIONS);
  if (s.oversize !== undefined && s.maxUdp === undefined)
    throw new MiddleboxConfigError('oversize', 'to be used together with maxUdp (--max-udp N)', s.oversize);
  if (s.fragments !== undefined) oneOf('fragments', s.fragments, FRAGMENT_MODES);
  if (s.fragments !== undefined && s.fragments !== 'pass' && s.mtu === undefined)
    throw new MiddleboxConfigError('fragments', 'to be used together with mtu (--mtu N)', s.fragments);
  if (s.tcp !== undefined) oneOf('tcp', s.tcp, TCP_MODES);
  if (s.onFull !== undefined) oneOf('onFull', s.onFull, FULL_POLICIES);
  if (s.distribution !== undefined) oneOf('distribution', s.distribution, DISTRIBUTIONS);
  if (s.strip !== undefined) {
    if (!Array.isArray(s.strip)) throw new MiddleboxConfigError('strip', `a list of ${STRIP_WHAT.join(', ')}`, s.strip);
    for (const w of s.strip) oneOf('strip', w, STRIP_WHAT);
  }
  // Numbers are checked under the names the user wrote (the stage constructors re-check under their own).
  if (s.maxUdp !== undefined) intSetting('maxUdp', s.maxUdp, 12, 65535);
  if (s.ednsRewrite !== undefined) intSetting('ednsRewrite', s.ednsRewrite, 0, 65535);
  if (s.mtu !== undefined) intSetting('mtu', s.mtu, 68, 65535);
  if (s.reassemblyTimeoutMs !== undefined) intSetting('reassemblyTimeoutMs', s.reassemblyTimeoutMs, 0, 600_000);
  if (s.capAnswers !== undefined) intSetting('capAnswers', s.capAnswers, 12, 65535);
  if (s.cacheTtl !== undefined) intSetting('cacheTtl', s.cacheTtl, 0, 604800);
  if (s.natPortBase !== undefined) intSetting('natPortBase', s.natPortBase, 1024, 65535);
  for (const k of ['formerrEdns', 'cache', 'natPredictable'] as const) {
    if (s[k] !== undefined && typeof s[k] !== 'boolean') throw new MiddleboxConfigError(k, 'true or false', s[k]);
  }
  if (s.udpSessions !== undefined) intSetting('udpSessions', s.udpSessions, 1, 1_000_000);
  if (s.natPorts !== undefined) intSetting('natPorts', s.natPorts, 1, 64512);
  // The stage constructors validate the numbers they own; build once to check.
  buildStages(s);
  sessionConfig(s);
  natConfig(s);
  return { ...s };
}

/**
 * The same settings as VirtualNetwork interceptors, to add in this order on
 * the paths the box sits on (both directions): real IP fragments
 * (`FragmentFilter`) and TCP segments (`TcpFilter`) instead of the socket
 * proxy's emulation, the DNS stages on whole UDP packets. Sessions/NAT need a
 * VIP: use `LoadBalancer` for those.
 */
export function buildInterceptors(s: MiddleboxSettings, name = 'middlebox', stages: DnsStage[] = buildVirtualStages(s)): PacketInterceptor[] {
  const out: PacketInterceptor[] = [];
  if (s.tcp !== undefined && s.tcp !== 'allow') out.push(new TcpFilter({ tcp: s.tcp }, `${name}/tcp`));
  if (stages.length > 0) out.push(stagesInterceptor(stages, { name: `${name}/dns` }));
  if (s.mtu !== undefined)
    out.push(
      new FragmentFilter(
        { mtu: s.mtu, fragments: s.fragments ?? 'pass', ...(s.reassemblyTimeoutMs === undefined ? {} : { reassemblyTimeoutMs: s.reassemblyTimeoutMs }) },
        `${name}/fragments`,
      ),
    );
  return out;
}

/** The DNS stages for the VirtualNetwork form (fragments are handled on real IP packets there, not as a stage). */
export function buildVirtualStages(s: MiddleboxSettings): DnsStage[] {
  return buildStages({ ...s, mtu: undefined, fragments: undefined } as MiddleboxSettings);
}

export function buildStages(s: MiddleboxSettings): DnsStage[] {
  const stages: DnsStage[] = [];
  const strip = new Set(s.strip ?? []);
  const edns: EdnsProxyConfig = {};
  if (strip.has('opt')) edns.stripOpt = true;
  if (strip.has('do')) edns.clearDo = true;
  if (strip.has('rrsig')) edns.stripDnssec = true;
  if (s.formerrEdns) edns.formerrEdns = true;
  if (s.capAnswers !== undefined) edns.maxUdpAnswer = s.capAnswers;
  if (s.cache) edns.cache = true;
  if (s.cacheTtl !== undefined) edns.cacheTtl = s.cacheTtl;
  if (Object.keys(edns).length > 0) stages.push(new EdnsProxy(edns));
  if (s.maxUdp !== undefined || s.ednsRewrite !== undefined) {
    stages.push(
      new SizeLimiter({
        ...(s.maxUdp === undefined ? {} : { maxUdpSize: s.maxUdp }),
        ...(s.oversize === undefined ? {} : { oversize: s.oversize }),
        ...(s.ednsRewrite === undefined ? {} : { ednsRewrite: s.ednsRewrite }),
      }),
    );
  }
  if (s.mtu !== undefined)
    stages.push(
      new FragmentStage({
        mtu: s.mtu,
        fragments: s.fragments ?? 'pass',
        ...(s.reassemblyTimeoutMs === undefined ? {} : { reassemblyTimeoutMs: s.reassemblyTimeoutMs }),
      }),
    );
  const f: FaultConfig = {};
  for (const k of ['latencyMs', 'jitterMs', 'loss', 'duplicate', 'reorder', 'ratePerSecond'] as const) if (s[k] !== undefined) f[k] = s[k];
  if (Object.keys(f).length > 0) stages.push(new FaultStage(f));
  return stages;
}

export function sessionConfig(s: MiddleboxSettings): SessionConfig {
  const c: SessionConfig = {};
  if (s.udpSessions !== undefined) c.maxSessions = s.udpSessions;
  if (s.sessionIdleMs !== undefined) c.idleTimeoutMs = intSetting('sessionIdleMs', s.sessionIdleMs, 1, 86_400_000);
  if (s.onFull !== undefined) c.onFull = s.onFull;
  return c;
}

export function natConfig(s: MiddleboxSettings): PortPoolConfig | undefined {
  if (s.natPorts === undefined) {
    if (s.natPredictable) throw new MiddleboxConfigError('natPredictable', 'to be used together with natPorts (--nat-ports N)', true);
    return undefined;
  }
  const c: PortPoolConfig = { size: s.natPorts, mode: s.natPredictable ? 'sequential' : 'random' };
  if (s.natPortBase !== undefined) c.base = s.natPortBase;
  return c;
}

/** One line per active quirk, for banners and reports. */
export function describeSettings(s: MiddleboxSettings): string[] {
  const out: string[] = [];
  if (s.maxUdp !== undefined) out.push(`UDP DNS messages over ${s.maxUdp} octets: ${s.oversize ?? 'drop'}`);
  if (s.ednsRewrite !== undefined) out.push(`EDNS UDP size in queries rewritten to ${s.ednsRewrite}`);
  if (s.mtu !== undefined) out.push(`path MTU ${s.mtu}, IP fragments: ${s.fragments ?? 'pass'}`);
  if (s.tcp !== undefined) out.push(`TCP: ${s.tcp}`);
  if (s.strip?.length) out.push(`strip: ${s.strip.join(', ')}`);
  if (s.formerrEdns) out.push('FORMERR to queries with EDNS');
  if (s.capAnswers !== undefined) out.push(`UDP answers capped at ${s.capAnswers} octets with TC=1`);
  if (s.cache) out.push(`own cache${s.cacheTtl !== undefined ? ` (every TTL ${s.cacheTtl} s)` : ''}`);
  if (s.udpSessions !== undefined) out.push(`UDP session table: ${s.udpSessions} (${s.onFull ?? 'drop'} when full)`);
  if (s.natPorts !== undefined) out.push(`NAT source ports: pool of ${s.natPorts}, ${s.natPredictable ? 'sequential (predictable)' : 'random'}`);
  const faults = (['latencyMs', 'jitterMs', 'loss', 'duplicate', 'reorder', 'ratePerSecond'] as const)
    .filter((k) => s[k] !== undefined)
    .map((k) => `${k}=${s[k]}`);
  if (faults.length) out.push(`faults: ${faults.join(' ')}`);
  return out;
}
