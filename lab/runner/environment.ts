// Where a scenario runs. By default runPlan builds the in-process lab: a
// VirtualNetwork under a VirtualClock, with dnslab's emulated resolver. A
// LabEnvironment replaces those three things — clock, network, resolver
// factory — so the same steps and claims run against something else, e.g.
// real sockets in a network namespace with a real resolver product
// (lab/runner/real.ts). Everything else in the runner stays the same.

import type { LabNetwork, ResolverFactory } from './machines.ts';

/** What runPlan needs from a clock (VirtualClock has it; the real backend jumps a RealClock). */
export interface RunClock {
  now(): number;
  /** Move lab time to `t` (never backwards), letting due work happen. */
  runUntil(t: number): Promise<unknown>;
  /** Let `ms` of lab time pass. */
  runFor(ms: number): Promise<unknown>;
  /** The next due event (virtual time), or undefined when the environment cannot know (real time). */
  nextEventTime(): number | undefined;
}

export interface LabEnvironment {
  clock: RunClock;
  network: LabNetwork;
  /** Default: dnslab's emulated resolver. */
  resolverFactory?: ResolverFactory;
  /** Wait until `done()` or lab time `deadline` (default: drive the virtual clock event by event). */
  drive?: (done: () => boolean, deadline: number) => Promise<void>;
  /** Called once the world (servers, resolvers) is up, before the first step: e.g. start a faster clock. */
  begin?: () => void;
}
