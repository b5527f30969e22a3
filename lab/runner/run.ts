// Runs one planned scenario variant in-process on the VirtualNetwork under a
// virtual clock: builds the world, walks the steps (and the samples of every
// watch) in lab-time order, records the timeline, the trace and every
// assertion. Deterministic: all randomness comes from the seed, all time
// from the VirtualClock, so the same scenario and seed give the same bytes.

import { checkResponse, formatMessage, summarizeMessage } from '../../assertions/response.ts';
import { formatOffset, type AssertionOutcome } from '../../assertions/result.ts';
import { expectNever, expectOutageDuration, expectRecoveryBetween, expectThroughout, failed, type Sample } from '../../assertions/timeline.ts';
import { expectNotReceived, expectQueryCount, type TraceEntry } from '../../assertions/trace.ts';
import { normalizeName } from '../../dns/name.ts';
import type { Message } from '../../dns/types.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { VirtualClock } from '../../net/clock.ts';
import type { IpPacket, PacketSink } from '../../net/packet.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { RecursiveResolver } from '../../servers/recursive/server.ts';
import type { ProfileName } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { parseDuration } from '../scenario/duration.ts';
import type { ActionStep, AuditStep, QueryStep, SpfStep, TimelineStep, TraceStep, WatchStep } from '../scenario/types.ts';
import { checkHost } from '../../servers/mail/spf.ts';
import { auditDelegations, auditZones, formatFinding, type AuditDns } from '../audit/audit.ts';
import { BUILTIN_PROVIDER_SUFFIXES } from '../audit/providers.ts';
import { parseQuestion, type Plan, type PlannedStep } from '../scenario/validate.ts';
import type { AssertionRecord, RunResult, TimelineEvent } from './result.ts';
import { World } from './world.ts';
import type { ResolverFactory } from './machines.ts';
import { act } from './edits.ts';
import type { LabEnvironment, RunClock } from './environment.ts';

/** How long a client waits for an answer (lab time). A stub gives up; the sample says TIMEOUT. */
export const CLIENT_TIMEOUT_MS = 30_000;

export interface RunOptions {
  seed?: number | string;
  /** Receives every packet (for --pcap). */
  capture?: PacketSink;
  /** Run somewhere else than the in-process virtual lab (clock, network, resolvers), e.g. a real resolver on sockets. */
  environment?: LabEnvironment;
}

/** Packets kept in memory in order, for writing a pcap after the run. */
export class MemorySink implements PacketSink {
  readonly packets: { time: number; packet: IpPacket }[] = [];
  write(time: number, packet: IpPacket): void {
    this.packets.push({ time, packet });
  }
}

/** dnslab's emulated resolver: the default factory (an environment may use it for the resolvers it does not replace). */
export const emulatedResolverFactory: ResolverFactory = async (o) => {
  const resolver = new RecursiveResolver({
    network: o.network,
    listen: o.addresses.map((address) => ({ address, port: 53 })),
    rootHints: o.rootHints.map((h) => ({ address: h.address, port: 53 })),
    trustAnchors: o.trustAnchors,
    profile: o.profile as ProfileName,
    options: o.settings as Partial<ResolverSettings>,
    random: o.random,
  });
  await resolver.start();
  return {
    name: o.name,
    addresses: o.addresses,
    flush: (name) => {
      if (name === undefined) resolver.flushAll();
      else resolver.flushTree(name);
    },
    stop: () => resolver.stop(),
  };
};

interface AgendaItem {
  time: number;
  /** Steps before samples at the same instant; then file order. */
  order: [number, number, number];
  run: () => Promise<void>;
}

export async function runPlan(plan: Plan, options: RunOptions = {}): Promise<RunResult> {
  const seed = String(options.seed ?? 1);
  const { scenario, topology } = plan;
  const env = options.environment;
  const virtualClock = new VirtualClock({ start: plan.start });
  const clock: RunClock = env?.clock ?? virtualClock;
  const random = new SeededRandom(`${scenario.id}/${plan.variant}/${seed}`);
  const network =
    env?.network ?? new VirtualNetwork({ clock: virtualClock, random: random.fork('net'), ...(options.capture ? { capture: options.capture } : {}) });
  const ids = random.fork('client-ids');
  const events: TimelineEvent[] = [];
  const trace: TraceEntry[] = [];
  const samples: Sample[] = [];
  const assertions: AssertionRecord[] = [];
  const offset = (t: number) => formatOffset(t - plan.start);
  const event = (e: Omit<TimelineEvent, 'time'> & { time?: number }) => events.push({ time: clock.now(), ...e });

  const world = new World({
    topology,
    network,
    clock,
    random,
    resolverFactory: env?.resolverFactory ?? emulatedResolverFactory,
    onTrace: (t) => trace.push(t),
    onRegistryLog: (text) => event({ kind: 'registry', text, actor: 'registry' }),
    fileLabel: plan.file,
  });

  /** `time`: when the claim is about (a query step: when it was asked); default now. */
  const record = (p: PlannedStep, outcomes: AssertionOutcome[], time = clock.now()) => {
    for (const o of outcomes) {
      const a: AssertionRecord = { step: p.number, at: p.step.at, time, offset: offset(time), what: o.what, ok: o.ok, expected: o.expected, actual: o.actual };
      assertions.push(a);
      event({
        kind: 'assert',
        step: p.number,
        ok: o.ok,
        text: o.ok ? okLine(o) : `${o.what}   (step ${p.number}, at ${p.step.at}, lab time ${new Date(time).toISOString()})`,
        ...(o.ok ? {} : { detail: `expected:\n${indent(o.expected)}\nactual:\n${indent(o.actual)}` }),
      });
    }
  };

  /** Drive the clock event by event until `done()` or the deadline. */
  const drive =
    env?.drive ??
    (async (done: () => boolean, deadline: number) => {
      for (let guard = 0; guard < 1_000_000 && !done(); guard++) {
        const next = clock.nextEventTime();
        if (next === undefined || next > deadline) {
          if (clock.now() < deadline) await clock.runUntil(deadline);
          return;
        }
        await clock.runUntil(Math.max(next, clock.now()));
      }
    });

  const ask = async (client: string, target: string, question: string, dnssec: boolean | undefined, timeoutMs = CLIENT_TIMEOUT_MS) => {
    const q = parseQuestion(question);
    if (typeof q === 'string') throw new Error(q);
    const rd = world.resolvers.has(target);
    const r = await world.query(client, target, q.qname, q.qtype, { rd, timeoutMs, id: ids.int(65536), drive, ...(dnssec ? { dnssec } : {}) });
    const sample: Sample = {
      time: r.sentAt,
      client,
      qname: q.qname,
      qtype: q.qtype,
      rcode: r.response?.rcode ?? 'TIMEOUT',
      answer: (r.response?.answer ?? []).map((rr) => formatRecord(rr).replace(/\t/g, ' ')),
    };
    return { ...r, sample };
  };

  const runQuery = async (p: PlannedStep, step: QueryStep) => {
    const target = step.to ?? world.clients.get(step.client)?.resolver ?? '';
    event({
      kind: 'query',
      step: p.number,
      actor: step.client,
      text: `${step.client} asks ${target}: ${step.query}${step.dnssec ? ' +dnssec' : ''}${step.note ? `   # ${step.note}` : ''}`,
    });
    const r = await ask(
      step.client,
      target,
      step.query,
      step.dnssec,
      step.timeout !== undefined ? (parseDuration(step.timeout) ?? CLIENT_TIMEOUT_MS) : CLIENT_TIMEOUT_MS,
    );
    samples.push(r.sample);
    event({
      kind: 'answer',
      step: p.number,
      text: `${summarizeMessage(r.response)}${r.receivedAt !== undefined ? `  (${r.receivedAt - r.sentAt} ms)` : ''}`,
      ...(r.response ? { detail: formatMessage(r.response as Message) } : {}),
    });
    if (step.expect) record(p, checkResponse(r.response, step.expect), r.sentAt);
  };

  const lastWatchOutcome = new Map<string, string>();
  const runSample = async (p: PlannedStep, step: WatchStep) => {
    const w = step.watch;
    const target = w.to ?? world.clients.get(w.client)?.resolver ?? '';
    const timeoutMs = w.timeout !== undefined ? (parseDuration(w.timeout) ?? CLIENT_TIMEOUT_MS) : CLIENT_TIMEOUT_MS;
    const started = clock.now();
    const every = parseDuration(w.every) ?? 0;
    let r = await ask(w.client, target, w.query, w.dnssec, timeoutMs);
    const push = () => {
      const s = { ...r.sample };
      (s as Sample & { watch?: string }).watch = w.name;
      samples.push(s);
    };
    push();
    // An app retrying after a failure: each retry is another query the resolver must handle.
    // Retries stop when the next sample is due, so the watch keeps its rhythm.
    for (let i = 0; i < (w.retries ?? 0) && failed(r.sample) && clock.now() + timeoutMs <= started + every; i++) {
      r = await ask(w.client, target, w.query, w.dnssec, timeoutMs);
      push();
    }
    const outcome = summarizeMessage(r.response);
    if (lastWatchOutcome.get(w.name) !== outcome) {
      event({
        kind: 'query',
        step: p.number,
        actor: w.client,
        time: r.sentAt,
        text: `watch ${w.name} (${w.client} → ${target}: ${w.query}) now sees ${outcome}`,
      });
      lastWatchOutcome.set(w.name, outcome);
    }
  };

  const runAction = async (p: PlannedStep, step: ActionStep) => {
    const role = step.attacker !== undefined ? 'attacker' : 'operator';
    const who = step.attacker ?? step.operator ?? '?';
    const result = act(world, step.action);
    event({
      kind: 'action',
      step: p.number,
      actor: who,
      role,
      text: `${role} ${who}: ${typeof result === 'string' ? result : `${step.action.do} ${'domain' in step.action ? step.action.domain : ''} → ${result.ok ? 'accepted' : `refused (${result.reason})`}`}${step.note ? `   # ${step.note}` : ''}`,
    });
    if (typeof result !== 'string') {
      const wanted = ('expect' in step.action ? step.action.expect : undefined) ?? 'accepted';
      const ok = wanted === 'accepted' ? result.ok : !result.ok && result.reason === wanted;
      record(p, [
        {
          ok,
          what: `registry ${step.action.do} ${'domain' in step.action ? step.action.domain : ''}`.trim(),
          expected: wanted === 'accepted' ? 'accepted' : `refused: ${wanted}`,
          actual: result.ok ? `accepted: ${result.message}` : `refused: ${result.reason} — ${result.message}`,
        },
      ]);
    }
  };

  const runTrace = (p: PlannedStep, step: TraceStep) => {
    const e = step.expectQueries;
    event({ kind: 'note', step: p.number, text: step.note ?? 'check the queries seen so far' });
    const since = e.since !== undefined ? plan.start + (parseDuration(e.since) ?? 0) : undefined;
    const until = e.until !== undefined ? plan.start + (parseDuration(e.until) ?? 0) : undefined;
    const filter = {
      ...(e.server !== undefined ? { server: e.server } : {}),
      ...(e.client !== undefined ? { client: e.client } : {}),
      ...(e.qname !== undefined ? { qname: normalizeName(e.qname) } : {}),
      ...(e.qtype !== undefined ? { qtype: e.qtype } : {}),
      ...(e.zone !== undefined ? { zone: normalizeName(e.zone) } : {}),
      ...(e.transport !== undefined ? { transport: e.transport } : {}),
      ...(since !== undefined ? { from: since } : {}),
      ...(until !== undefined ? { to: until } : {}),
    };
    const window =
      e.since !== undefined || e.until !== undefined ? ` from ${offset(since ?? plan.start)} to ${e.until !== undefined ? offset(until!) : 'now'}` : '';
    const o = e.none
      ? expectNotReceived(trace, filter, plan.start)
      : expectQueryCount(
          trace,
          filter,
          {
            ...(e.count !== undefined ? { count: e.count } : {}),
            ...(e.min !== undefined ? { min: e.min } : {}),
            ...(e.max !== undefined ? { max: e.max } : {}),
          },
          plan.start,
        );
    record(p, [{ ...o, what: `${o.what}${window}` }]);
  };

  const runTimeline = (p: PlannedStep, step: TimelineStep) => {
    const e = step.expectTimeline;
    event({ kind: 'note', step: p.number, text: step.note ?? `check what watch ${e.watch} saw` });
    const watchStep = plan.steps.find((s) => 'watch' in s.step && s.step.watch.name === e.watch)?.step as WatchStep | undefined;
    const watched = samples.filter((s) => (s as Sample & { watch?: string }).watch === e.watch);
    const filter = watchStep ? { client: watchStep.watch.client } : {};
    const at = (d: string) => plan.start + (parseDuration(d) ?? 0);
    const out: AssertionOutcome[] = [];
    const claim = (c: { rcode?: Sample['rcode']; answerContains?: string }) => ({
      ...(c.rcode ? { rcode: c.rcode } : {}),
      ...(c.answerContains ? { answerContains: c.answerContains } : {}),
    });
    if (e.throughout) out.push(expectThroughout(watched, filter, { from: at(e.throughout.from), to: at(e.throughout.to) }, claim(e.throughout), plan.start));
    if (e.never) out.push(expectNever(watched, filter, { from: at(e.never.from), to: at(e.never.to) }, claim(e.never), plan.start));
    const badSet = e.bad?.length ? new Set<string>(e.bad) : undefined;
    const bad = badSet ? (x: Sample) => badSet.has(x.rcode) : failed;
    if (e.outage) {
      out.push(
        expectOutageDuration(
          watched,
          filter,
          { ...(e.outage.min ? { min: parseDuration(e.outage.min)! } : {}), ...(e.outage.max ? { max: parseDuration(e.outage.max)! } : {}) },
          plan.start,
          bad,
        ),
      );
    }
    if (e.recovery) out.push(expectRecoveryBetween(watched, filter, { from: at(e.recovery.from), to: at(e.recovery.to) }, plan.start, bad));
    record(
      p,
      out.map((o) => ({ ...o, what: `watch ${e.watch}: ${o.what}` })),
    );
  };

  /** Recursive lookups from a client through its resolver, and direct questions to a server by address. */
  const clientDns = (client: string): AuditDns => {
    const resolver = world.clients.get(client)?.resolver ?? '';
    return {
      resolve: async (qname, qtype) => {
        const r = await world.query(client, resolver, qname, qtype, { rd: true, timeoutMs: CLIENT_TIMEOUT_MS, id: ids.int(65536), drive });
        return { rcode: r.response?.rcode ?? 'TIMEOUT', answer: r.response?.answer ?? [] };
      },
      ask: async (address, qname, qtype) => {
        const machine = world.machineOf(address);
        if (!world.servers.has(machine) && !world.resolvers.has(machine)) return undefined; // nothing lives there
        const r = await world.query(client, machine, qname, qtype, { rd: false, timeoutMs: CLIENT_TIMEOUT_MS, id: ids.int(65536), drive });
        return r.response;
      },
      pause: async (ms) => void (await clock.runUntil(clock.now() + ms)),
    };
  };

  const runSpf = async (p: PlannedStep, step: SpfStep) => {
    const c = step.spf;
    event({
      kind: 'query',
      step: p.number,
      actor: c.client,
      text: `${c.client} (mail receiver) checks SPF: MAIL FROM:<${c.sender}> from ${c.ip}${step.note ? `   # ${step.note}` : ''}`,
    });
    const dns = clientDns(c.client);
    const r = await checkHost({ ip: c.ip, sender: c.sender, ...(c.helo ? { helo: c.helo } : {}) }, (qname, qtype) => dns.resolve(qname, qtype));
    event({
      kind: 'answer',
      step: p.number,
      text: `SPF ${r.result}: ${r.reason}`,
      detail: [`record: ${r.record ?? '(none)'}`, `DNS-querying terms: ${r.dnsTerms}`, ...r.queries].join('\n'),
    });
    if (step.expect) {
      const outcomes: AssertionOutcome[] = [
        { ok: r.result === step.expect.result, what: 'SPF result', expected: step.expect.result, actual: `${r.result} (${r.reason})` },
      ];
      if (step.expect.reasonContains)
        outcomes.push({
          ok: r.reason.includes(step.expect.reasonContains),
          what: 'SPF reason',
          expected: `contains "${step.expect.reasonContains}"`,
          actual: r.reason,
        });
      record(p, outcomes);
    }
  };

  const runAudit = async (p: PlannedStep, step: AuditStep) => {
    const a = step.audit;
    event({
      kind: 'query',
      step: p.number,
      actor: a.client,
      text: `${a.client} runs the dangling-record audit on ${[...(a.zones ?? []), ...(a.delegations ?? []).map((d) => `delegation of ${d}`)].join(', ')}${step.note ? `   # ${step.note}` : ''}`,
    });
    const dns = clientDns(a.client);
    const providerSuffixes = [...BUILTIN_PROVIDER_SUFFIXES, ...(a.providerSuffixes ?? []).map((suffix) => ({ suffix, provider: suffix, source: 'scenario' }))];
    const findings = [
      ...(await auditZones(
        (a.zones ?? []).map((z) => world.zone(z)),
        dns,
        { providerSuffixes, released: a.released ?? [] },
      )),
      ...(await auditDelegations(a.delegations ?? [], dns)),
    ];
    const lines = findings.map(formatFinding);
    event({
      kind: 'answer',
      step: p.number,
      text: findings.length ? `${findings.length} finding(s): ${[...new Set(findings.map((f) => f.kind))].join(', ')}` : 'no findings',
      ...(lines.length ? { detail: lines.join('\n') } : {}),
    });
    if (step.expect) {
      const want = [...new Set(step.expect.findings)].sort();
      const got = [...new Set(findings.map((f) => f.kind))].sort();
      record(p, [
        {
          ok: want.join() === got.join(),
          what: 'audit finding kinds',
          expected: want.length ? want.join(', ') : '(none)',
          actual: lines.length ? lines.join('\n') : '(none)',
        },
      ]);
    }
  };

  // The agenda: every step, and every sample of every watch.
  const agenda: AgendaItem[] = [];
  for (const p of plan.steps) {
    const s = p.step;
    const time = plan.start + p.at;
    if ('watch' in s) {
      const every = parseDuration(s.watch.every)!;
      const until = plan.start + parseDuration(s.watch.until)!;
      agenda.push({
        time,
        order: [0, p.number, -1],
        run: async () =>
          void event({
            kind: 'note',
            step: p.number,
            text: `watch ${s.watch.name}: ${s.watch.client} asks ${s.watch.to ?? 'its resolver'} "${s.watch.query}" every ${s.watch.every} until ${s.watch.until}`,
          }),
      });
      for (let t = time, i = 0; t <= until; t += every, i++) agenda.push({ time: t, order: [1, p.number, i], run: () => runSample(p, s) });
      continue;
    }
    agenda.push({
      time,
      order: [0, p.number, 0],
      run: async () => {
        if ('query' in s) await runQuery(p, s);
        else if ('action' in s) await runAction(p, s);
        else if ('expectQueries' in s) runTrace(p, s);
        else if ('expectTimeline' in s) runTimeline(p, s);
        else if ('spf' in s) await runSpf(p, s);
        else if ('audit' in s) await runAudit(p, s);
        else event({ kind: 'note', step: p.number, text: s.note ?? 'time passes' });
      },
    });
  }
  agenda.sort((a, b) => a.time - b.time || a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2]);

  let error: string | undefined;
  events.push({ time: plan.start, kind: 'start', text: `${scenario.id} [${plan.variant}]` });
  try {
    await world.build();
    env?.begin?.();
    for (const item of agenda) {
      if (clock.now() < item.time) await clock.runUntil(item.time);
      await item.run();
    }
    // Let in-flight work finish (bounded) so the trace ends cleanly.
    await clock.runFor(1000);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    event({ kind: 'error', text: error });
  } finally {
    await world.stop().catch(() => undefined);
  }
  events.sort((a, b) => a.time - b.time);
  const variant = scenario.variants?.[plan.variant];
  return {
    id: scenario.id,
    file: plan.file,
    variant: plan.variant,
    seed,
    title: scenario.title,
    narrative: scenario.narrative,
    ...(variant ? { variantDescription: variant.description } : {}),
    references: scenario.references,
    start: plan.start,
    end: clock.now(),
    passed: error === undefined && assertions.every((a) => a.ok) && assertions.length > 0,
    assertions,
    events,
    trace,
    samples,
    machines: world.machines(),
    ...(error !== undefined ? { error } : {}),
  };
}

/** A passing claim in one line: what was claimed and, when it adds something, what was seen. */
function okLine(o: AssertionOutcome): string {
  const expected = o.expected.split('\n')[0] ?? '';
  // Counts, durations and times add information; record sets and sample lists would only repeat the claim.
  const informative = /^(queries|no query)|outage duration|time of recovery/.test(o.what.replace(/^watch \S+: /, ''));
  const actual = o.actual.split('\n')[0] ?? '';
  return informative && actual !== expected ? `${o.what}: ${expected} (saw ${actual})` : `${o.what}: ${expected}`;
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
