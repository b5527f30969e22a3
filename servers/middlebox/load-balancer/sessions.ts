// The UDP session table and NAT port pool of a load balancer / NAT box —
// where "number of UDP sessions" limits and idle timeouts live
// (docs/incidents.md: "Middlebox checkpoints" checkpoint 5). Shared by the VirtualNetwork interceptor
// and the socket proxy.

import type { SeededRandom } from '../../../net/random.ts';
import { intSetting, knownKeys, MiddleboxConfigError, oneOf } from '../errors.ts';

export type FullPolicy = 'drop' | 'evict';
export const FULL_POLICIES: readonly FullPolicy[] = ['drop', 'evict'];
export type PortMode = 'random' | 'sequential';
export const PORT_MODES: readonly PortMode[] = ['random', 'sequential'];

export interface SessionConfig {
  /** Most sessions at once (default unlimited = 1_000_000). */
  maxSessions?: number;
  /** A session unused this long is forgotten (default 30000 ms, a common UDP NAT timeout). */
  idleTimeoutMs?: number;
  /** When the table is full, a new flow is dropped or evicts the least recently used one (default 'drop'). */
  onFull?: FullPolicy;
}

export function validateSessions(c: SessionConfig): Required<SessionConfig> {
  knownKeys('sessions', c, ['maxSessions', 'idleTimeoutMs', 'onFull']);
  return {
    maxSessions: c.maxSessions === undefined ? 1_000_000 : intSetting('maxSessions', c.maxSessions, 1, 1_000_000),
    idleTimeoutMs: c.idleTimeoutMs === undefined ? 30_000 : intSetting('idleTimeoutMs', c.idleTimeoutMs, 1, 86_400_000),
    onFull: c.onFull === undefined ? 'drop' : oneOf('onFull', c.onFull, FULL_POLICIES),
  };
}

/** Sessions by key, least recently used first (Map insertion order, refreshed on use). */
export class SessionTable<V> {
  readonly config: Required<SessionConfig>;
  private readonly map = new Map<string, { value: V; lastUsed: number }>();
  readonly stats = { created: 0, expired: 0, evicted: 0, refused: 0 };

  constructor(
    config: SessionConfig,
    private readonly onRemove: (value: V, why: 'expired' | 'evicted') => void = () => {},
  ) {
    this.config = validateSessions(config);
  }

  get size(): number {
    return this.map.size;
  }

  /** Forget sessions idle past the timeout (oldest first, so this stops at the first live one). */
  expire(now: number): void {
    for (const [k, e] of this.map) {
      if (now - e.lastUsed < this.config.idleTimeoutMs) break;
      this.map.delete(k);
      this.stats.expired++;
      this.onRemove(e.value, 'expired');
    }
  }

  get(key: string, now: number): V | undefined {
    this.expire(now);
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    e.lastUsed = now;
    this.map.set(key, e);
    return e.value;
  }

  /** Peek without refreshing. */
  peek(key: string): V | undefined {
    return this.map.get(key)?.value;
  }

  /** Add a session, or undefined when the table is full and the policy is 'drop'. */
  create(key: string, now: number, make: () => V | undefined): V | undefined {
    this.expire(now);
    if (this.map.size >= this.config.maxSessions) {
      if (this.config.onFull === 'drop') {
        this.stats.refused++;
        return undefined;
      }
      const [oldKey, old] = this.map.entries().next().value as [string, { value: V }];
      this.map.delete(oldKey);
      this.stats.evicted++;
      this.onRemove(old.value, 'evicted');
    }
    const value = make();
    if (value === undefined) return undefined;
    this.map.set(key, { value, lastUsed: now });
    this.stats.created++;
    return value;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  values(): V[] {
    return [...this.map.values()].map((e) => e.value);
  }
}

export interface PortPoolConfig {
  /** How many source ports the NAT owns. */
  size: number;
  /** 'random': any free port of the pool, seeded; 'sequential': the next one in order — predictable (checkpoint 7). */
  mode?: PortMode;
  /** First port of the pool (default 20000). */
  base?: number;
}

export function validatePortPool(c: PortPoolConfig): Required<PortPoolConfig> {
  knownKeys('natPorts', c, ['size', 'mode', 'base']);
  const size = intSetting('natPorts', c.size, 1, 64512);
  const base = c.base === undefined ? 20000 : intSetting('natPortBase', c.base, 1024, 65535);
  if (base + size - 1 > 65535)
    throw new MiddleboxConfigError('natPortBase', `a first port such that natPortBase + natPorts - 1 <= 65535 (natPorts is ${size})`, base);
  return { size, base, mode: c.mode === undefined ? 'random' : oneOf('natPortMode', c.mode, PORT_MODES) };
}

/** Source ports a NAT hands out. RFC 6056 §3.3 random allocation vs the sequential kind that RFC 5452 §9.2 warns about. */
export class PortPool {
  readonly config: Required<PortPoolConfig>;
  private readonly used = new Set<number>();
  private next = 0;

  constructor(
    config: PortPoolConfig,
    private readonly random: SeededRandom,
  ) {
    this.config = validatePortPool(config);
  }

  get free(): number {
    return this.config.size - this.used.size;
  }

  allocate(): number | undefined {
    if (this.used.size >= this.config.size) return undefined;
    for (let tries = 0; tries < this.config.size * 2 + 8; tries++) {
      const i = this.config.mode === 'sequential' ? this.next++ % this.config.size : this.random.int(this.config.size);
      const port = this.config.base + i;
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    for (let i = 0; i < this.config.size; i++) {
      const port = this.config.base + i;
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    return undefined;
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
