// Load balancer: a virtual IP in front of N backends (DNAT), optionally with
// source NAT from a limited port pool, a UDP/TCP session table with a size
// limit and idle timeout, sticky or per-packet distribution, and health
// checks that take a backend out of rotation.
//
// `LoadBalancer` is the VirtualNetwork form: add a host owning the VIP with
// nothing bound on it (`net.addHost('lb', [vip])`) and add the interceptor
// unscoped (it looks at addresses itself): packets to VIP:port are rewritten
// to a backend, replies from the backend are rewritten to come from the VIP.
// Like many real balancers it does not reassemble: IP fragments to or from
// the VIP carry no usable ports and are dropped (reason "fragment through the
// load balancer"). The socket form is `MiddleboxProxy` with several upstreams.

import type { InterceptContext, InterceptResult, PacketInterceptor } from '../../../net/interceptor.ts';
import { packetProtocol, type IpPacket } from '../../../net/packet.ts';
import { ipFamily, normalizeIp } from '../../../net/ip.ts';
import { SeededRandom } from '../../../net/random.ts';
import { intSetting, knownKeys, MiddleboxConfigError, oneOf } from '../errors.ts';
import { PortPool, SessionTable, type PortPoolConfig, type SessionConfig } from './sessions.ts';

export {
  SessionTable,
  PortPool,
  validateSessions,
  validatePortPool,
  type SessionConfig,
  type PortPoolConfig,
  type FullPolicy,
  type PortMode,
  FULL_POLICIES,
  PORT_MODES,
} from './sessions.ts';
export { HealthChecker, type HealthCheckConfig } from './health.ts';

export type Distribution = 'sticky' | 'per-packet';
export const DISTRIBUTIONS: readonly Distribution[] = ['sticky', 'per-packet'];

export interface LoadBalancerConfig {
  vip: string;
  /** Service port on the VIP and the backends (default 53). */
  port?: number;
  backends: string[];
  /** 'sticky': a flow keeps its backend; 'per-packet': every query goes to the next backend (default sticky). */
  distribution?: Distribution;
  sessions?: SessionConfig;
  /** Source NAT towards the backends: rewrite the client's address and port to `address` and a port from the pool. */
  snat?: { address: string; ports: PortPoolConfig };
}

interface Session {
  proto: 'udp' | 'tcp';
  client: string;
  clientPort: number;
  backend: string;
  natPort?: number;
  reverseKeys: Set<string>;
}

export interface BackendHealth {
  isUp(address: string): boolean;
}

export class LoadBalancer implements PacketInterceptor {
  readonly name: string;
  readonly vip: string;
  readonly port: number;
  readonly backends: string[];
  readonly distribution: Distribution;
  readonly sessions: SessionTable<Session>;
  private readonly reverse = new Map<string, string>();
  private readonly pool: PortPool | undefined;
  private readonly snatAddress: string | undefined;
  private rr = 0;
  readonly stats = { forwarded: 0, returned: 0, dropped: { full: 0, noBackend: 0, fragment: 0, portsExhausted: 0 } };

  constructor(
    config: LoadBalancerConfig,
    private readonly health?: BackendHealth,
    name = 'load-balancer',
  ) {
    knownKeys('loadBalancer', config, ['vip', 'port', 'backends', 'distribution', 'sessions', 'snat']);
    this.name = name;
    this.vip = address('vip', config.vip);
    this.port = config.port === undefined ? 53 : intSetting('port', config.port, 1, 65535);
    if (!Array.isArray(config.backends) || config.backends.length === 0)
      throw new MiddleboxConfigError('backends', 'a list of at least one backend address', config.backends);
    this.backends = config.backends.map((b, i) => address(`backends[${i}]`, b));
    this.distribution = config.distribution === undefined ? 'sticky' : oneOf('distribution', config.distribution, DISTRIBUTIONS);
    this.sessions = new SessionTable<Session>(config.sessions ?? {}, (s) => this.forget(s));
    if (config.snat) {
      this.snatAddress = address('snat.address', config.snat.address);
      this.pool = new PortPool(config.snat.ports, new SeededRandom(`lb/${name}/ports`));
    }
  }

  private forget(s: Session): void {
    for (const k of s.reverseKeys) this.reverse.delete(k);
    if (s.natPort !== undefined) this.pool?.release(s.natPort);
  }

  private upBackends(): string[] {
    return this.health ? this.backends.filter((b) => this.health!.isUp(b)) : this.backends;
  }

  private pickBackend(): string | undefined {
    const up = this.upBackends();
    if (up.length === 0) return undefined;
    return up[this.rr++ % up.length];
  }

  intercept(packet: IpPacket, ctx: InterceptContext): InterceptResult {
    const toVip = packet.dst === this.vip;
    const fromBackend = this.backends.includes(packet.src);
    if (!toVip && !fromBackend) return 'forward';
    if (packet.body.kind === 'fragment') {
      if (!toVip && !this.reverseHit(packet)) return 'forward';
      this.stats.dropped.fragment++;
      return 'drop';
    }
    const b = packet.body;
    const proto = packetProtocol(packet);
    // A reply from a backend in one of our sessions (with SNAT it is addressed to the VIP itself).
    if (fromBackend && b.srcPort === this.port) {
      const skey = this.reverse.get(`${proto}|${packet.src}|${packet.dst}|${b.dstPort}`);
      const s = skey === undefined ? undefined : this.sessions.get(skey, ctx.now);
      if (s) {
        this.stats.returned++;
        return [{ packet: { ...packet, src: this.vip, dst: s.client, body: { ...b, dstPort: s.clientPort } } }];
      }
    }
    if (toVip) {
      // Other ports on the VIP are not balanced: the VIP host's own traffic (e.g. health checks).
      if (b.dstPort !== this.port) return 'forward';
      const key = `${proto}|${packet.src}|${b.srcPort}`;
      let s = this.sessions.get(key, ctx.now);
      if (!s) {
        if (this.sessions.size >= this.sessions.config.maxSessions && this.sessions.config.onFull === 'drop') {
          this.sessions.create(key, ctx.now, () => undefined); // counts the refusal
          this.stats.dropped.full++;
          return 'drop';
        }
        // Per-packet distribution picks for every packet below; do not spend a turn here.
        const backend = this.distribution === 'per-packet' && proto === 'udp' ? this.upBackends()[0] : this.pickBackend();
        if (!backend) {
          this.stats.dropped.noBackend++;
          return 'drop';
        }
        let natPort: number | undefined;
        if (this.pool) {
          natPort = this.pool.allocate();
          if (natPort === undefined) {
            this.stats.dropped.portsExhausted++;
            return 'drop';
          }
        }
        s = this.sessions.create(key, ctx.now, () => ({
          proto,
          client: packet.src,
          clientPort: b.srcPort,
          backend,
          ...(natPort === undefined ? {} : { natPort }),
          reverseKeys: new Set<string>(),
        }));
        if (!s) {
          if (natPort !== undefined) this.pool?.release(natPort);
          this.stats.dropped.full++;
          return 'drop';
        }
      }
      let backend = s.backend;
      if (this.distribution === 'per-packet' && proto === 'udp') backend = this.pickBackend() ?? backend;
      else if (!this.upBackends().includes(backend)) {
        const next = this.pickBackend();
        if (!next) {
          this.stats.dropped.noBackend++;
          return 'drop';
        }
        s.backend = backend = next;
      }
      const src = this.snatAddress ?? packet.src;
      const srcPort = s.natPort ?? b.srcPort;
      const rkey = `${proto}|${backend}|${src}|${srcPort}`;
      s.reverseKeys.add(rkey);
      this.reverse.set(rkey, key);
      this.stats.forwarded++;
      return [{ packet: { ...packet, src, dst: backend, body: { ...b, srcPort } } }];
    }
    return 'forward';
  }

  private reverseHit(packet: IpPacket): boolean {
    return [...this.reverse.keys()].some((k) => k.split('|')[1] === packet.src && k.split('|')[2] === packet.dst);
  }
}

function address(setting: string, v: unknown): string {
  if (typeof v !== 'string') throw new MiddleboxConfigError(setting, 'an IPv4 or IPv6 address', v);
  if (ipFamily(v) === undefined) throw new MiddleboxConfigError(setting, 'an IPv4 or IPv6 address', v);
  return normalizeIp(v);
}
