// Glue for the scenario runner (lab/scenario `topology.middleboxes`): turn a
// scenario's `{ kind, between: [a, b], options }` into validated settings and
// put the boxes on both directions of the path. The runner keeps the
// topology; this file only knows the middlebox side.
//
//   const settings = settingsFromOptions(m.kind, m.options ?? {});   // throws MiddleboxConfigError
//   const remove = attachBetween(virtualNetwork, m.between[0], m.between[1], settings, name);

import type { PacketInterceptor, Scope } from '../../net/interceptor.ts';
import { MiddleboxConfigError, oneOf } from './errors.ts';
import { buildInterceptors, buildVirtualStages, sessionConfig, validateSettings, type MiddleboxSettings } from './settings.ts';
import { LoadBalancer } from './load-balancer/index.ts';

/**
 * Kinds a scenario may name; each is the same settings with different
 * defaults, except 'load-balancer': a VIP with a UDP/TCP session table
 * (docs/incidents.md: "Middlebox checkpoints" checkpoint 5), attached with `attachLoadBalancer`.
 */
export const MIDDLEBOX_KINDS = ['middlebox', 'firewall', 'home-router', 'path-faults', 'load-balancer'] as const;
/** The only options a 'load-balancer' box takes (its session table). */
export const LOAD_BALANCER_OPTIONS = ['udpSessions', 'sessionIdleMs', 'onFull'] as const;
export type MiddleboxKind = (typeof MIDDLEBOX_KINDS)[number];

/** Defaults per kind (a scenario's options override them). */
const PRESETS: Record<MiddleboxKind, MiddleboxSettings> = {
  middlebox: {},
  firewall: {},
  // The classic broken home router of docs/incidents.md: "Middlebox checkpoints": 512-octet answers, no TCP, its own cache.
  'home-router': { capAnswers: 512, tcp: 'reject', cache: true },
  'path-faults': {},
  'load-balancer': {},
};

/**
 * Scenario options are flat `string | number | boolean` values with the
 * setting names of `MiddleboxSettings` (`strip` as "do,rrsig").
 */
export function settingsFromOptions(kind: string, options: Record<string, string | number | boolean>): MiddleboxSettings {
  const k = oneOf('kind', kind, MIDDLEBOX_KINDS);
  if (k === 'load-balancer') {
    for (const key of Object.keys(options)) {
      if (!(LOAD_BALANCER_OPTIONS as readonly string[]).includes(key))
        throw new MiddleboxConfigError(
          key,
          `not a load-balancer setting; a load-balancer box takes only ${LOAD_BALANCER_OPTIONS.join(', ')} (put other settings on a separate box)`,
          options[key],
        );
    }
    if (options['udpSessions'] === undefined)
      throw new MiddleboxConfigError('udpSessions', 'the size of the session table (an integer 1..1000000) on a load-balancer box', undefined);
    const settings = validateSettings({ ...options });
    sessionConfig(settings);
    return settings;
  }
  const s: Record<string, unknown> = { ...PRESETS[k] };
  for (const [key, value] of Object.entries(options)) {
    if (key === 'strip') {
      if (typeof value !== 'string') throw new MiddleboxConfigError('strip', 'a comma-separated list of opt, do, rrsig', value);
      s['strip'] = value
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    } else s[key] = value;
  }
  if (s['udpSessions'] !== undefined || s['natPorts'] !== undefined) {
    throw new MiddleboxConfigError(
      s['udpSessions'] !== undefined ? 'udpSessions' : 'natPorts',
      "no session/NAT settings on a path box; use kind 'load-balancer' (udpSessions, sessionIdleMs, onFull) in front of a server, or a LoadBalancer with a VIP",
      s['udpSessions'] ?? s['natPorts'],
    );
  }
  return validateSettings(s);
}

export interface InterceptorHost {
  addInterceptor(interceptor: PacketInterceptor, scope?: Scope): () => void;
}

/**
 * A load balancer whose virtual IPs are `vips` (the published addresses of the
 * server behind it) with that same server as its one backend: what matters
 * here is the session table every flow to the VIP must get a slot in. One
 * balancer (one table) per address. `from`/`to` scope it to the path between
 * the client side and the server, both ways, like `attachBetween`.
 */
export function attachLoadBalancer(
  net: InterceptorHost,
  from: string,
  to: string,
  vips: string[],
  settings: MiddleboxSettings,
  name = 'load-balancer',
): () => void {
  const removers: (() => void)[] = [];
  for (const [i, vip] of vips.entries()) {
    const lb = new LoadBalancer({ vip, backends: [vip], sessions: sessionConfig(settings) }, undefined, vips.length === 1 ? name : `${name}/${String(i)}`);
    removers.push(net.addInterceptor(lb, { from, to }), net.addInterceptor(lb, { from: to, to: from }));
  }
  return () => {
    for (const r of removers) r();
  };
}

/** Put the boxes for `settings` on the path between machines (host names or addresses) `a` and `b`, both ways. */
export function attachBetween(net: InterceptorHost, a: string, b: string, settings: MiddleboxSettings, name = 'middlebox'): () => void {
  const removers: (() => void)[] = [];
  // One DNS stage chain for both directions (a proxy's cache sees the responses to the queries it
  // passed), but interceptors named per direction, so each has its own seeded stream.
  const stages = buildVirtualStages(settings);
  for (const [from, to, dir] of [
    [a, b, 'ab'],
    [b, a, 'ba'],
  ] as const) {
    for (const box of buildInterceptors(settings, `${name}/${dir}`, stages)) removers.push(net.addInterceptor(box, { from, to }));
  }
  return () => {
    for (const r of removers) r();
  };
}
