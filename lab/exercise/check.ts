// `dnslab exercise check`: the claims of the fixed variant, judged against the live world now. A live world
// has one moment, not a timeline, so each claim is read as a claim about the present:
//   - a query step's expect: the query is asked now;
//   - an audit or SPF step's expect: the audit / check_host runs now;
//   - a watch's `throughout` / `never` (rcode, answerContains): the watch's query asked now must (not) show it;
//   - expectQueries: counted over the queries seen since the trainee took over (its since/until are lab offsets
//     of the scripted run and are not applied), after this check's own questions.
// Claims about the scenario's history — a watch's outage duration or time of recovery, a registry's verdict on a scripted action — have no live reading; they are listed as not checked
// (`dnslab run ID --variant FIXED` checks them in the lab).

import { checkResponse } from '../../assertions/response.ts';
import type { AssertionOutcome } from '../../assertions/result.ts';
import { sampleMatches, type SampleClaim } from '../../assertions/timeline.ts';
import { expectNotReceived, expectQueryCount } from '../../assertions/trace.ts';
import { normalizeName } from '../../dns/name.ts';
import { checkHost } from '../../servers/mail/spf.ts';
import { auditDelegations, auditZones, formatFinding, type AuditDns } from '../audit/audit.ts';
import { BUILTIN_PROVIDER_SUFFIXES } from '../audit/providers.ts';
import type { Plan, PlannedStep } from '../scenario/validate.ts';
import type { WatchStep } from '../scenario/types.ts';
import { LIVE_QUERY_WAIT_MS, type LiveWorld } from './live.ts';

export interface LiveClaim {
  step: number;
  at: string;
  /** What was asked, e.g. 'alice: campaign.example.jp A'. */
  asked: string;
  outcome: AssertionOutcome;
}

export interface CheckReport {
  claims: LiveClaim[];
  /** Steps whose claims are about the scenario's history: "step 27 (expectQueries)". */
  notLive: string[];
}

/** The fixed variant's claims from `from` (ms after T+0) on, asked of the live world now. */
export async function checkLive(live: LiveWorld, fixed: Plan, from: number): Promise<CheckReport> {
  const claims: LiveClaim[] = [];
  const notLive: string[] = [];
  const add = (p: PlannedStep, asked: string, outcomes: AssertionOutcome[]) => {
    for (const outcome of outcomes) claims.push({ step: p.number, at: p.step.at, asked, outcome });
  };
  const traceSteps: PlannedStep[] = [];
  for (const p of fixed.steps) {
    if (p.at < from) continue;
    const s = p.step;
    if ('query' in s && s.expect) {
      const r = await live.ask(s.client, s.to, s.query, s.dnssec);
      add(p, `${s.client}${s.to ? ` → ${s.to}` : ''}: ${s.query}${s.dnssec ? ' +dnssec' : ''}`, checkResponse(r.response, s.expect));
    } else if ('expectTimeline' in s) {
      const e = s.expectTimeline;
      const watch = fixed.steps.find((w) => 'watch' in w.step && w.step.watch.name === e.watch)?.step as WatchStep | undefined;
      if (watch && (e.never || e.throughout)) {
        const w = watch.watch;
        const r = await live.ask(w.client, w.to, w.query, w.dnssec);
        const asked = `watch ${e.watch} (${w.client}: ${w.query}) now`;
        const seen = `${r.sample.rcode}${r.sample.answer.length ? `\n${r.sample.answer.join('\n')}` : ''}`;
        const describe = (c: SampleClaim) => [c.rcode, c.answerContains && `an answer containing "${c.answerContains}"`].filter(Boolean).join(' with ');
        if (e.never)
          add(p, asked, [{ ok: !sampleMatches(r.sample, e.never), what: `never ${describe(e.never)}`, expected: `not ${describe(e.never)}`, actual: seen }]);
        if (e.throughout)
          add(p, asked, [
            { ok: sampleMatches(r.sample, e.throughout), what: `always ${describe(e.throughout)}`, expected: describe(e.throughout), actual: seen },
          ]);
      }
      if (e.outage || e.recovery)
        notLive.push(`step ${p.number} (watch ${e.watch}: ${[e.outage && 'outage', e.recovery && 'recovery'].filter(Boolean).join(', ')})`);
    } else if ('audit' in s && s.expect) {
      const a = s.audit;
      const providerSuffixes = [
        ...BUILTIN_PROVIDER_SUFFIXES,
        ...(a.providerSuffixes ?? []).map((suffix) => ({ suffix, provider: suffix, source: 'scenario' })),
      ];
      const dns = clientDns(live, a.client);
      const findings = [
        ...(await auditZones(
          (a.zones ?? []).map((z) => live.world.zone(z)),
          dns,
          { providerSuffixes, released: a.released ?? [] },
        )),
        ...(await auditDelegations(a.delegations ?? [], dns)),
      ];
      const want = [...new Set(s.expect.findings)].sort();
      const got = [...new Set(findings.map((f) => f.kind))].sort();
      const lines = findings.map(formatFinding);
      add(p, `${a.client}: audit of ${[...(a.zones ?? []), ...(a.delegations ?? [])].join(', ')}`, [
        {
          ok: want.join() === got.join(),
          what: 'audit finding kinds',
          expected: want.length ? want.join(', ') : '(none)',
          actual: lines.length ? lines.join('\n') : '(none)',
        },
      ]);
    } else if ('spf' in s && s.expect) {
      const c = s.spf;
      const dns = clientDns(live, c.client);
      const r = await checkHost({ ip: c.ip, sender: c.sender, ...(c.helo ? { helo: c.helo } : {}) }, (qname, qtype) => dns.resolve(qname, qtype));
      add(p, `${c.client}: SPF for ${c.sender} from ${c.ip}`, [
        { ok: r.result === s.expect.result, what: 'SPF result', expected: s.expect.result, actual: `${r.result} (${r.reason})` },
      ]);
    } else if ('expectQueries' in s) traceSteps.push(p);
    else if ('action' in s && 'expect' in s.action && s.action.expect !== undefined) notLive.push(`step ${p.number} (registry verdict)`);
  }
  // Last, so the questions this check asked count too (a resolver that follows the new delegation shows it now).
  for (const p of traceSteps) {
    if (!('expectQueries' in p.step)) continue;
    const e = p.step.expectQueries;
    const filter = {
      ...(e.server !== undefined ? { server: e.server } : {}),
      ...(e.client !== undefined ? { client: e.client } : {}),
      ...(e.qname !== undefined ? { qname: normalizeName(e.qname) } : {}),
      ...(e.qtype !== undefined ? { qtype: e.qtype } : {}),
      ...(e.zone !== undefined ? { zone: normalizeName(e.zone) } : {}),
      ...(e.transport !== undefined ? { transport: e.transport } : {}),
    };
    const count = {
      ...(e.count !== undefined ? { count: e.count } : {}),
      ...(e.min !== undefined ? { min: e.min } : {}),
      ...(e.max !== undefined ? { max: e.max } : {}),
    };
    const o = e.none ? expectNotReceived(live.trace, filter, live.t0) : expectQueryCount(live.trace, filter, count, live.t0);
    add(p, 'queries seen since you took over', [o]);
  }
  return { claims, notLive };
}

/** A client's view of DNS for the audit and SPF: through its resolver, or straight to a server's address. */
function clientDns(live: LiveWorld, client: string): AuditDns {
  const world = live.world;
  const resolver = world.clients.get(client)?.resolver;
  return {
    resolve: async (qname, qtype) => {
      const r = await live.ask(client, resolver, `${qname} ${qtype}`);
      return { rcode: r.response?.rcode ?? 'TIMEOUT', answer: r.response?.answer ?? [] };
    },
    ask: async (address, qname, qtype) => {
      // Servers are known by their loopback address, resolvers by their scenario address.
      const machine = [world.machineOf(live.mapped(address)), world.machineOf(address)].find((m) => world.servers.has(m) || world.resolvers.has(m));
      if (!machine) return undefined; // nothing lives there
      return (await live.ask(client, machine, `${qname} ${qtype}`)).response;
    },
    // Real time passes here; a pause never ages the lab's caches behind the trainee's back.
    pause: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, LIVE_QUERY_WAIT_MS))),
  };
}
