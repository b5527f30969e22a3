// The lab environment with a device in the path, as the worker (worker.ts)
// builds it inside the "inside" namespace: resolvers and clients get sockets
// here; authoritative servers get sockets made in the "outside" namespace by a
// socket helper (net/socket-opener.ts), so every packet between the two sides
// crosses the device.
//
// Time: a device's clock cannot be moved, so lab time never jumps here. It is
// a RealClock running `timeScale` times faster than the host once the world is
// up (the --clock-rate mechanism of lab/runner/real.ts without the jumps): every
// TTL, timer and wait of the scenario then takes 1/timeScale of its length in
// real time, on the lab's side. The device's own timers (conntrack, session
// tables, a caching device's TTLs) still run at host pace.

import { RealClock } from '../../net/clock.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { HelperSocketOpener, SOCKET_HELPER, SOCKET_HELPER_NODE_ARGS } from '../../net/socket-opener.ts';
import type { Plan } from '../scenario/validate.ts';
import type { LabEnvironment, RunClock } from '../runner/environment.ts';
import { emulatedResolverFactory } from '../runner/run.ts';
import type { Placement } from './plan.ts';
import { TtlScale } from './ttl-scale.ts';

/** Lab time before T+0 at which the world is built, waited out in real time (ms). */
export const STARTUP_LEAD_MS = 1000;

/** A socket helper in namespace `ns` (this process must be allowed to enter it: root). */
export function openerIn(ns: string): HelperSocketOpener {
  // The namespace's name rides along as an argument only so that ps shows whose helper this is.
  return new HelperSocketOpener(['ip', 'netns', 'exec', ns, process.execPath, ...SOCKET_HELPER_NODE_ARGS, SOCKET_HELPER, ns]);
}

/**
 * A client waits at least this long in real time for a resolver or forwarder device, whatever the scale: at 1000×
 * the lab's 30 s client wait is 30 ms, shorter than a real resolver's cold DNSSEC resolution.
 */
export const DEVICE_ANSWER_FLOOR_MS = 3000;

export function deviceEnvironment(
  plan: Plan,
  o: { opener: HelperSocketOpener; timeScale: number; outside: (name: string) => boolean; placement?: Placement },
): { env: LabEnvironment; close: () => Promise<void>; ttl?: TtlScale } {
  const real = new RealClock({ start: plan.start - STARTUP_LEAD_MS });
  const opener = o.opener;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const clock: RunClock = {
    now: () => real.now(),
    async runUntil(t: number) {
      const delta = t - real.now();
      if (delta > 0) await sleep(real.hostMs(delta) + 1);
    },
    async runFor(ms: number) {
      await sleep(real.hostMs(ms));
    },
    nextEventTime: () => undefined,
  };
  const p = o.placement;
  // Resolver/forwarder device: TTLs in device seconds on the way to it, lab seconds on the way back (ttl-scale.ts).
  const ttl = p ? new TtlScale(o.timeScale, new Set([p.inside, p.outside]), real) : undefined;
  const env: LabEnvironment = {
    clock,
    network: {
      addHost(name: string, addresses: string[]) {
        // The addresses are on the namespaces' link interfaces (links.ts); the namespaces route only to each
        // other's scenario addresses, through the device.
        const net = new SocketNetwork({ addresses, clock: real, allowExternal: true, ...(o.outside(name) ? { opener } : {}) });
        if (!ttl) return net;
        return o.outside(name) ? ttl.labSide(net) : ttl.clientSide(net);
      },
    },
    ...(p
      ? {
          resolverFactory: (r) =>
            r.name === p.device
              ? Promise.resolve({
                  name: r.name,
                  addresses: r.addresses,
                  flush: () => {
                    throw new Error(`resolver "${r.name}" is the device: dnslab cannot flush its cache (flush it on the device)`);
                  },
                  stop: () => Promise.resolve(),
                })
              : emulatedResolverFactory(r),
        }
      : {}),
    begin: () => {
      if (o.timeScale !== 1) real.setRate(o.timeScale);
    },
    drive: async (done, deadline) => {
      // Lab time runs by itself: wait in real time until the answer or the lab deadline (plus a little slack).
      const realDeadline = Date.now() + Math.max(real.hostMs(Math.max(0, deadline - real.now())) + 20, p ? DEVICE_ANSWER_FLOOR_MS : 0);
      while (!done() && Date.now() < realDeadline) await sleep(2);
    },
  };
  return { env, close: () => opener.close(), ...(ttl ? { ttl } : {}) };
}
