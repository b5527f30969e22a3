// The two sides of a device under test, on real links.
//
// dnslab creates two network namespaces, "inside" (the lab's resolver and
// clients) and "outside" (the authoritative world), and gives each one a
// macvlan interface on top of the host interface the user named for that side
// (--inside IFACE, --outside IFACE). Nothing else joins the two namespaces, so
// a packet from one side reaches the other only through the device. The named
// host interfaces themselves are not moved or reconfigured (only brought up if
// they were down, and set down again afterwards); the macvlans die with the
// namespaces.
//
// Routes: each side has a /32 (/128) route per address of the other side and
// nothing else — via the device's address on that side for a routed box
// (--device-address), on-link for a transparent bridge. A packet to any other
// address has no route and never leaves the namespace.

import { spawnSync } from 'node:child_process';
import { isIP } from 'node:net';
import { NetworkNamespace, runChecked, requireBinary } from '../../servers/real/netns.ts';

/** Namespaces this module creates start with this (and only those are deleted here). */
export const LINK_NS_PREFIX = 'dnslab-link-';

export class DeviceSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceSetupError';
  }
}

/** An address with its prefix length, as on an interface. */
export interface Cidr {
  address: string;
  prefix: number;
}

export interface SideSpec {
  /** The host interface the user named. */
  iface: string;
  /** The scenario addresses that live on this side. */
  addresses: string[];
  /** Routed box: the device's address on this side (the gateway) and the lab's own link address next to it. */
  gateway?: Cidr;
  labAddress?: Cidr;
}

export interface LinkPlan {
  inside: SideSpec;
  outside: SideSpec;
}

export interface SideState {
  ns: string;
  /** The macvlan inside `ns` (on top of the named interface). */
  link: string;
  iface: string;
  /** Other-side addresses with no route through the device (e.g. IPv6 behind an IPv4-only routed box). */
  unreachable: string[];
  /** The named interface was down before the run (set down again afterwards). */
  wasDown: boolean;
}

let counter = 0;

export function parseCidr(text: string, what: string): Cidr {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  const family = m ? isIP(m[1]!) : 0;
  if (!m || family === 0) throw new DeviceSetupError(`${what}: "${text}" is not an address (ADDR or ADDR/PREFIX)`);
  const max = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? (family === 4 ? 24 : 64) : Number(m[2]);
  if (prefix < 1 || prefix > max) throw new DeviceSetupError(`${what}: prefix /${prefix} out of range for ${m[1]}`);
  return { address: m[1]!, prefix };
}

/** IPv4 as a 32-bit number. */
function v4(a: string): number {
  return a.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

function fromV4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function inPrefix(address: string, c: Cidr): boolean {
  if (isIP(address) !== 4 || isIP(c.address) !== 4) return false;
  const size = 2 ** (32 - c.prefix);
  return Math.floor(v4(address) / size) === Math.floor(v4(c.address) / size);
}

/** The lab's default link address next to a gateway: the following host address in its prefix (IPv4). */
export function nextHost(g: Cidr): Cidr {
  if (isIP(g.address) !== 4) throw new DeviceSetupError(`--device-address ${g.address}: give the lab's IPv6 link address with --lab-address`);
  const n = v4(g.address) + 1;
  const c = { address: fromV4(n), prefix: g.prefix };
  const size = 2 ** (32 - g.prefix);
  if (!inPrefix(c.address, g) || (n + 1) % size === 0)
    throw new DeviceSetupError(`--device-address ${g.address}/${g.prefix}: no free host address after it in the prefix; give --lab-address`);
  return c;
}

function hostPrefix(a: string): string {
  return `${a}/${isIP(a) === 6 ? 128 : 32}`;
}

/** One-line refusals before anything is created: root, tools, the named interfaces, overlapping addresses. */
export function checkPlan(plan: LinkPlan): void {
  if (process.getuid?.() !== 0)
    throw new DeviceSetupError('--device needs root (it creates network namespaces and macvlan interfaces); run as root or leave --device out');
  requireBinary('ip', 'iproute2');
  for (const [side, s] of [['--inside', plan.inside] as const, ['--outside', plan.outside] as const]) {
    if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(s.iface)) throw new DeviceSetupError(`${side} "${s.iface}" is not an interface name`);
    const r = spawnSync('ip', ['-o', 'link', 'show', 'dev', s.iface], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new DeviceSetupError(`${side} ${s.iface}: no such interface in this namespace`);
    if (/LOOPBACK/.test(r.stdout)) throw new DeviceSetupError(`${side} ${s.iface}: a loopback interface cannot lead to a device`);
    if ((s.gateway === undefined) !== (plan.inside.gateway === undefined))
      throw new DeviceSetupError('--device-address: give the device address of both sides (INSIDE,OUTSIDE) or none (transparent bridge)');
    if (s.gateway && s.labAddress) {
      if (!inPrefix(s.labAddress.address, s.gateway) && isIP(s.gateway.address) === 4)
        throw new DeviceSetupError(
          `${side}: the lab's link address ${s.labAddress.address} is not in the device's prefix ${s.gateway.address}/${s.gateway.prefix}`,
        );
      for (const a of [...plan.inside.addresses, ...plan.outside.addresses]) {
        if (inPrefix(a, s.gateway))
          throw new DeviceSetupError(
            `${side}: scenario address ${a} lies in the device's link prefix ${s.gateway.address}/${s.gateway.prefix}; pick a link prefix the scenario does not use`,
          );
      }
    }
  }
  if (plan.inside.iface === plan.outside.iface)
    throw new DeviceSetupError(`--inside and --outside are both ${plan.inside.iface}: the device must sit between two interfaces`);
}

/** The two namespaces, built; delete() undoes everything. */
export class DeviceLinks {
  private readonly namespaces: NetworkNamespace[] = [];
  private deleted = false;
  readonly inside: SideState;
  readonly outside: SideState;

  private constructor(readonly plan: LinkPlan) {
    const n = `${process.pid}-${counter++}`;
    const linkName = (c: string) => `dl${process.pid % 1_000_000}${c}${counter}`.slice(0, 15);
    this.inside = { ns: `${LINK_NS_PREFIX}${n}-in`, link: linkName('i'), iface: plan.inside.iface, unreachable: [], wasDown: false };
    this.outside = { ns: `${LINK_NS_PREFIX}${n}-out`, link: linkName('o'), iface: plan.outside.iface, unreachable: [], wasDown: false };
  }

  /** Check, then build both sides; on any failure everything built so far is removed and a DeviceSetupError thrown. */
  static setup(plan: LinkPlan): DeviceLinks {
    checkPlan(plan);
    const links = new DeviceLinks(plan);
    try {
      links.build(links.inside, plan.inside, plan.outside);
      links.build(links.outside, plan.outside, plan.inside);
    } catch (e) {
      links.delete();
      throw e instanceof DeviceSetupError ? e : new DeviceSetupError(`setting up the links failed: ${(e as Error).message.split('\n')[0]}`);
    }
    return links;
  }

  private build(state: SideState, own: SideSpec, other: SideSpec): void {
    const ns = NetworkNamespace.create(state.ns, LINK_NS_PREFIX);
    this.namespaces.push(ns);
    const ipn = (...args: string[]) => runChecked('ip', ['-n', state.ns, ...args]);
    state.wasDown = !/[<,]UP[,>]/.test(runChecked('ip', ['-o', 'link', 'show', 'dev', state.iface]));
    if (state.wasDown) runChecked('ip', ['link', 'set', 'dev', state.iface, 'up']);
    runChecked('ip', ['link', 'add', state.link, 'link', state.iface, 'type', 'macvlan', 'mode', 'bridge']);
    try {
      runChecked('ip', ['link', 'set', 'dev', state.link, 'netns', state.ns]);
    } catch (e) {
      spawnSync('ip', ['link', 'del', state.link], { timeout: 10_000 });
      throw e;
    }
    const v6 = [...own.addresses, ...other.addresses].some((a) => isIP(a) === 6) || (own.gateway !== undefined && isIP(own.gateway.address) === 6);
    // No router solicitations, and no IPv6 at all on a side the scenario gives no IPv6 address.
    runChecked('ip', [
      'netns',
      'exec',
      state.ns,
      'sysctl',
      '-q',
      '-w',
      `net.ipv6.conf.${state.link}.accept_ra=0`,
      `net.ipv6.conf.${state.link}.disable_ipv6=${v6 ? 0 : 1}`,
    ]);
    if (own.labAddress) ipn('addr', 'add', `${own.labAddress.address}/${own.labAddress.prefix}`, 'dev', state.link);
    for (const a of own.addresses) ipn('addr', 'add', hostPrefix(a), 'dev', state.link, ...(isIP(a) === 6 ? ['nodad'] : []));
    ipn('link', 'set', 'dev', state.link, 'up');
    for (const a of other.addresses) {
      if (own.gateway) {
        if (isIP(a) !== isIP(own.gateway.address)) {
          state.unreachable.push(a);
          continue;
        }
        ipn('route', 'add', hostPrefix(a), 'via', own.gateway.address, 'dev', state.link);
      } else ipn('route', 'add', hostPrefix(a), 'dev', state.link);
    }
  }

  /**
   * Is the device there? Routed: its address must answer ARP on each side. Bridge: an outside address must
   * answer ARP from the inside (through the bridge). One UDP datagram to port 9 (discard) starts the resolution.
   */
  checkDevice(timeoutMs = 3000): void {
    const probes: [SideState, string, string][] = this.plan.inside.gateway
      ? [
          [this.inside, this.plan.inside.gateway.address, `the device's inside address ${this.plan.inside.gateway.address}`],
          [this.outside, this.plan.outside.gateway!.address, `the device's outside address ${this.plan.outside.gateway!.address}`],
        ]
      : this.plan.outside.addresses
          .filter((a) => isIP(a) === 4)
          .slice(0, 1)
          .map((a) => [this.inside, a, `${a} (outside) across the bridge`] as [SideState, string, string]);
    for (const [side, address, what] of probes) {
      const deadline = Date.now() + timeoutMs;
      let state = '';
      while (Date.now() < deadline) {
        spawnSync('ip', ['netns', 'exec', side.ns, 'bash', '-c', `echo dnslab > /dev/udp/${address}/9`], { timeout: 2000, stdio: 'ignore' });
        spawnSync('sleep', ['0.2']);
        state = spawnSync('ip', ['-n', side.ns, 'neigh', 'show', address, 'dev', side.link], { encoding: 'utf8', timeout: 2000 }).stdout ?? '';
        if (/REACHABLE|STALE|DELAY|PROBE/.test(state)) break;
      }
      if (!/REACHABLE|STALE|DELAY|PROBE/.test(state))
        throw new DeviceSetupError(`device not answering: no ARP reply from ${what} on ${side.iface} within ${timeoutMs} ms`);
    }
  }

  /** Delete both namespaces (killing what is left in them: returned), and set the named interfaces down again if they were. */
  delete(): number[] {
    if (this.deleted) return [];
    this.deleted = true;
    const leftover = this.namespaces.flatMap((ns) => ns.delete());
    // The macvlans go with their namespaces (build() removes one that never got there).
    for (const s of [this.inside, this.outside]) {
      if (s.wasDown) spawnSync('ip', ['link', 'set', 'dev', s.iface, 'down'], { timeout: 10_000 });
    }
    return leftover;
  }
}
