// Health checks: a DNS query to each backend every `intervalMs`; after
// `failures` consecutive unanswered checks the backend is marked down, one
// answer marks it up again (how F5/A10/LVS-style DNS monitors behave).
// Runs on any Network (the balancer's own host), lab clock only.

import { makeQuery } from '../../../dns/message.ts';
import { encodeMessage } from '../../../dns/wire/message.ts';
import type { Endpoint, Network, TimerHandle, UdpSocket } from '../../../net/network.ts';
import { intSetting, knownKeys } from '../errors.ts';

export interface HealthCheckConfig {
  intervalMs?: number;
  timeoutMs?: number;
  failures?: number;
  /** Name asked (SOA); default the root. */
  qname?: string;
}

export class HealthChecker {
  readonly config: Required<HealthCheckConfig>;
  private readonly state = new Map<string, { up: boolean; misses: number; pendingId?: number }>();
  private socket: UdpSocket | undefined;
  private timer: TimerHandle | undefined;
  private nextId = 1;
  /** Every transition, for reports. */
  readonly log: { time: number; backend: string; up: boolean }[] = [];

  constructor(
    private readonly network: Network,
    private readonly backends: readonly Endpoint[],
    config: HealthCheckConfig = {},
  ) {
    knownKeys('healthCheck', config, ['intervalMs', 'timeoutMs', 'failures', 'qname']);
    this.config = {
      intervalMs: config.intervalMs === undefined ? 5000 : intSetting('healthCheck.intervalMs', config.intervalMs, 10, 3_600_000),
      timeoutMs: config.timeoutMs === undefined ? 1000 : intSetting('healthCheck.timeoutMs', config.timeoutMs, 1, 600_000),
      failures: config.failures === undefined ? 3 : intSetting('healthCheck.failures', config.failures, 1, 100),
      qname: config.qname ?? '.',
    };
    for (const b of backends) this.state.set(b.address, { up: true, misses: 0 });
  }

  isUp(address: string): boolean {
    return this.state.get(address)?.up ?? false;
  }

  async start(): Promise<void> {
    const local = this.network.addresses[0];
    if (local === undefined) throw new Error('health checker: the network has no address to send from');
    this.socket = await this.network.bindUdp({ address: local, port: 0 });
    this.socket.onMessage((payload, from) => {
      const s = this.state.get(from.address);
      if (!s || payload.length < 12 || payload.readUInt16BE(0) !== s.pendingId) return;
      delete s.pendingId;
      s.misses = 0;
      this.mark(from.address, s, true);
    });
    this.round();
  }

  stop(): void {
    if (this.timer) this.network.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.socket?.close();
    this.socket = undefined;
  }

  private mark(address: string, s: { up: boolean }, up: boolean): void {
    if (s.up === up) return;
    s.up = up;
    this.log.push({ time: this.network.clock.now(), backend: address, up });
  }

  private round(): void {
    if (!this.socket) return;
    for (const b of this.backends) {
      const s = this.state.get(b.address)!;
      const id = (this.nextId = (this.nextId % 0xffff) + 1);
      s.pendingId = id;
      this.socket.send(encodeMessage(makeQuery(this.config.qname, 'SOA', { id, rd: false, edns: false })), b);
      this.network.clock.setTimer(this.config.timeoutMs, () => {
        if (s.pendingId !== id) return;
        delete s.pendingId;
        s.misses++;
        if (s.misses >= this.config.failures) this.mark(b.address, s, false);
      });
    }
    this.timer = this.network.clock.setTimer(this.config.intervalMs, () => this.round());
  }
}
