// Check a scenario before anything runs, and say exactly what is wrong: the
// scenario file, the step (number, `at`, and what it does) and what was
// expected ("unknown client 'bob' (clients: alice, carol)"). Every problem is
// collected, not just the first, so an operator fixes a file in one pass.

import { isIP } from 'node:net';
import { parseExpectedRecord, type ResponseExpectation } from '../../assertions/response.ts';
import { isSubdomain, nameProblem, normalizeName, parentName } from '../../dns/name.ts';
import { RRType, type RRTypeName } from '../../dns/types.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { PROFILE_NAMES, PROFILES } from '../../servers/recursive/profiles.ts';
import { quirkProblem } from '../../servers/authoritative/quirks.ts';
import { MiddleboxConfigError, settingsFromOptions } from '../../servers/middlebox/index.ts';
import { SPF_RESULTS } from '../../servers/mail/spf.ts';
import { FINDING_KINDS } from '../audit/audit.ts';
import { REGISTRY_LOCK, CLIENT_STATUSES, type StatusCode } from '../registry/registry.ts';
import { parseDuration } from './duration.ts';
import type { Action, DeepPartial, Scenario, Step, Topology, Variant } from './types.ts';
import { definitionProblems, type Path } from './schema.ts';
import { ZoneSyntaxError } from '../../dns/zone/errors.ts';

export interface Problem {
  /** 1-based step number, when the problem is in a step. */
  step?: number;
  /** Where in the file: 'topology.zones["example.jp"]', 'variants.fixed'… */
  where?: string;
  /** The value at fault as keys from the top (a data file turns it into line:column): ['steps', 2, 'client']. */
  path?: Path;
  /** A position inside the text value at `path` (a zone's master-file text): 1-based line and column. */
  textPos?: { line: number; column: number; detail: string };
  /** 'FILE:LINE:COLUMN' when the file that was read says where (YAML and JSON scenarios). */
  location?: string;
  message: string;
}

/** One problem as one line: 'FILE:LINE:COLUMN: step 3 …' or 'FILE: topology.zones["x"]: …'. */
export function problemLine(file: string, p: Problem): string {
  return `${p.location ?? file}: ${p.step !== undefined ? `step ${p.step} ` : p.where !== undefined || !p.location ? `${p.where ?? 'scenario'}: ` : ''}${p.message}`;
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    // A problem that knows its line is already one line an editor can jump to; no header needed for one.
    super(
      problems.length === 1 && problems[0]!.location
        ? problemLine(file, problems[0]!)
        : `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in scenario\n` + problems.map((p) => `  ${problemLine(file, p)}`).join('\n'),
    );
    this.name = 'ScenarioError';
  }
}

/** 'topology.zones["example.jp"].quirks' → ['topology', 'zones', 'example.jp', 'quirks']. */
export function wherePath(where: string): Path {
  const out: Path = [];
  for (const m of where.matchAll(/([A-Za-z_$][\w$]*)|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(m[2]);
    else out.push(Number(m[3]));
  }
  return out;
}

export interface PlannedStep {
  /** 1-based position in the file (stable across variants, so messages point at the file). */
  number: number;
  /** Offset from T+0 in ms. */
  at: number;
  step: Step;
}

/** A scenario with one variant applied, checked, steps filtered and timed. */
export interface Plan {
  file: string;
  scenario: Scenario;
  variant: string;
  topology: Topology;
  steps: PlannedStep[];
  /** Lab time of T+0, ms since epoch. */
  start: number;
}

export const DEFAULT_START = '2026-01-01T00:00:00Z';

/** Variant names of a scenario; 'default' when it declares none. */
export function variantNames(s: Scenario): string[] {
  const names = Object.keys(s.variants ?? {});
  return names.length ? names : ['default'];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** Objects merge key by key; arrays, strings and numbers replace (a variant states the whole list). */
export function mergeTopology(base: Topology, over: DeepPartial<Topology> | undefined): Topology {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    if (isPlainObject(a) && isPlainObject(b)) {
      const out: Record<string, unknown> = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
      return out;
    }
    return b;
  };
  return merge(base, over) as Topology;
}

const ENTRY_DEFINITIONS = {
  servers: 'ScenarioServer',
  zones: 'ScenarioZone',
  resolvers: 'ScenarioResolver',
  clients: 'ScenarioClient',
  middleboxes: 'ScenarioMiddlebox',
} as const;

/**
 * A variant's overlay changes what the base has; a name the base does not have is a new machine or zone and
 * must be whole (a misspelt zone name in `zones: { exmaple.jp: { signed: true } }` would otherwise be a
 * half zone, and the real one would silently stay unsigned).
 */
function overlayProblems(base: Topology, over: DeepPartial<Topology> | undefined, variant: string): Problem[] {
  const out: Problem[] = [];
  if (!isPlainObject(over)) return out;
  for (const [map, definition] of Object.entries(ENTRY_DEFINITIONS)) {
    const entries = (over as Record<string, unknown>)[map];
    if (!isPlainObject(entries)) continue;
    const known = Object.keys((base as unknown as Record<string, Record<string, unknown> | undefined>)[map] ?? {});
    for (const [name, entry] of Object.entries(entries)) {
      if (known.includes(name)) continue;
      const missing = definitionProblems(definition, entry, []).filter((p) => p.message.startsWith('missing key'));
      if (missing.length === 0) continue;
      const where = `variants["${variant}"].topology.${map}["${name}"]`;
      out.push({
        where,
        path: ['variants', variant, 'topology', map, name],
        message: `overlays "${name}", which the base topology.${map} does not have (${map}: ${known.join(', ') || 'none'}); a new entry needs every key (${missing.map((p) => p.message).join('; ')})`,
      });
    }
  }
  return out;
}

function describeStep(step: Step): string {
  if ('query' in step) return `query ${step.query} by ${step.client}`;
  if ('watch' in step) return `watch ${step.watch?.name}`;
  if ('action' in step) return `${step.action?.do}`;
  if ('expectQueries' in step) return 'expect queries';
  if ('expectTimeline' in step) return `expect timeline ${step.expectTimeline?.watch}`;
  return 'wait';
}

const KNOWN_TYPES = new Set(Object.keys(RRType));

/** 'qname qtype' → parts, or a reason. */
export function parseQuestion(text: string): { qname: string; qtype: RRTypeName } | string {
  const parts = String(text).trim().split(/\s+/);
  if (parts.length !== 2) return `query "${text}": expected "NAME TYPE", e.g. "www.example.jp A"`;
  const qname = normalizeName(parts[0]!);
  const qtype = parts[1]!.toUpperCase();
  const problem = qname === '.' ? undefined : nameProblem(qname);
  if (problem) return `query "${text}": ${problem}`;
  if (!KNOWN_TYPES.has(qtype) && !/^TYPE\d+$/.test(qtype)) return `query "${text}": unknown type "${parts[1]}"`;
  return { qname, qtype: qtype as RRTypeName };
}

/**
 * Above this a real product's own processing (a few ms per answer, scaled by the rate) starts to eat into
 * second-sized client timeouts (2 s at 50× is 40 ms of host time).
 */
export const MAX_REAL_CLOCK_RATE = 50;

/** Check a scenario and build the plan for one variant. Throws ScenarioError listing every problem. */
export function planScenario(scenario: Scenario, file: string, variant?: string): Plan {
  const problems: Problem[] = [];
  const top = (where: string, message: string, sub: Path = []) => problems.push({ where, message, path: [...wherePath(where), ...sub] });

  if (!isPlainObject(scenario)) throw new ScenarioError(file, [{ message: 'the file must `export default` a scenario object (see lab/runner/README.md)' }]);
  if (typeof scenario.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(scenario.id))
    top('id', `id must be lowercase words joined by '-', got ${JSON.stringify(scenario.id)}`);
  for (const key of ['title', 'narrative'] as const) {
    const v = scenario[key];
    if (!isPlainObject(v) || typeof v.en !== 'string' || typeof v.ja !== 'string' || !v.en || !v.ja) top(key, `${key} needs both { en: '…', ja: '…' }`);
  }
  if (!Array.isArray(scenario.references)) top('references', 'references must be a list of strings (RFCs, postmortems)');
  if (!isPlainObject(scenario.topology)) throw new ScenarioError(file, [...problems, { where: 'topology', message: 'topology is missing' }]);
  if (!Array.isArray(scenario.steps)) throw new ScenarioError(file, [...problems, { where: 'steps', message: 'steps must be a list' }]);

  const variants = variantNames(scenario);
  const chosen = variant ?? variants[0]!;
  if (!variants.includes(chosen)) {
    throw new ScenarioError(file, [{ where: 'variants', message: `no variant "${chosen}" (variants: ${variants.join(', ')})` }]);
  }
  const v: Variant | undefined = scenario.variants?.[chosen];
  const overlay = overlayProblems(scenario.topology, v?.topology, chosen);
  if (overlay.length > 0) throw new ScenarioError(file, [...problems, ...overlay]);
  const topology = mergeTopology(scenario.topology, v?.topology);
  const start = Date.parse(scenario.start ?? DEFAULT_START);
  if (Number.isNaN(start)) top('start', `start "${scenario.start}" is not an ISO 8601 time like ${DEFAULT_START}`);
  if (
    scenario.realClockRate !== undefined &&
    !(Number.isInteger(scenario.realClockRate) && scenario.realClockRate >= 1 && scenario.realClockRate <= MAX_REAL_CLOCK_RATE)
  ) {
    top('realClockRate', `realClockRate must be an integer from 1 to ${MAX_REAL_CLOCK_RATE}, got ${JSON.stringify(scenario.realClockRate)}`);
  }

  // --- topology --------------------------------------------------------------
  const servers = topology.servers ?? {};
  const zones = topology.zones ?? {};
  const resolvers = topology.resolvers ?? {};
  const clients = topology.clients ?? {};
  const machineNames = new Map<string, string>();
  const addresses = new Map<string, string>();
  const claimMachine = (kind: string, name: string, addrs: unknown) => {
    const where = `topology.${kind}["${name}"]`;
    if (machineNames.has(name)) top(where, `the name "${name}" is already used by a ${machineNames.get(name)}; machine names must be unique`);
    machineNames.set(name, kind);
    if (!Array.isArray(addrs) || addrs.length === 0) {
      top(where, "needs addresses: ['192.0.2.1', …]");
      return;
    }
    for (const [i, a] of addrs.entries()) {
      const at = ['addresses', i];
      if (typeof a !== 'string' || isIP(a) === 0) top(where, `"${a}" is not an IPv4/IPv6 address`, at);
      else if (a.startsWith('10.53.'))
        top(where, `${a} is in 10.53.0.0/16, which the lab keeps for the root and TLD servers it synthesises; pick another address`, at);
      else if (addresses.has(a)) top(where, `address ${a} is already used by ${addresses.get(a)}`, at);
      else addresses.set(a, name);
    }
  };
  for (const [name, s] of Object.entries(servers)) {
    claimMachine('servers', name, s.addresses);
    if (typeof s.host !== 'string' || nameProblem(normalizeName(s.host)))
      top(`topology.servers["${name}"]`, `host "${s.host}" is not a valid host name`, ['host']);
    for (const q of s.quirks ?? []) {
      const problem = isPlainObject(q) ? quirkProblem(q) : "a quirk is an object like { kind: 'lame', rcode: 'REFUSED' }";
      if (problem) top(`topology.servers["${name}"].quirks`, problem);
    }
    if (s.udpPayloadSize !== undefined && (!Number.isInteger(s.udpPayloadSize) || s.udpPayloadSize < 512 || s.udpPayloadSize > 65535)) {
      top(`topology.servers["${name}"].udpPayloadSize`, `got ${String(s.udpPayloadSize)}; expected an integer 512..65535 (octets, e.g. 1232 or 4096)`);
    }
  }
  for (const [name, r] of Object.entries(resolvers)) {
    claimMachine('resolvers', name, r.addresses);
    if (!(PROFILE_NAMES as readonly string[]).includes(r.profile)) {
      top(`topology.resolvers["${name}"]`, `unknown profile "${r.profile}" (profiles: ${PROFILE_NAMES.join(', ')})`, ['profile']);
    }
    for (const key of Object.keys(r.settings ?? {})) {
      if (!(key in PROFILES.unbound)) top(`topology.resolvers["${name}"].settings`, `unknown setting "${key}" (see servers/recursive/settings.ts)`);
    }
  }
  for (const [name, c] of Object.entries(clients)) {
    claimMachine('clients', name, c.addresses);
    if (c.resolver !== undefined && !(c.resolver in resolvers)) {
      top(`topology.clients["${name}"]`, `unknown resolver "${c.resolver}" (resolvers: ${Object.keys(resolvers).join(', ') || 'none'})`, ['resolver']);
    }
  }
  const zoneNames = Object.keys(zones).map(normalizeName);
  for (const [name, z] of Object.entries(zones)) {
    const where = `topology.zones["${name}"]`;
    const origin = z.origin ?? name;
    const problem = origin === '.' ? undefined : nameProblem(normalizeName(origin));
    if (problem) top(where, problem);
    for (const k of z.publishKeysOf ?? []) if (!(k in zones)) top(where, `publishKeysOf: unknown zone "${k}" (zones: ${Object.keys(zones).join(', ')})`);
    for (const q of z.online?.quirks ?? [])
      if (!isPlainObject(q) || typeof q.kind !== 'string') top(where, "online.quirks: a quirk is an object like { kind: 'nsec-bitmap-omits-wildcard-types' }");
    if (!Array.isArray(z.servers)) top(where, 'servers: [...] is missing');
    for (const [i, s] of (z.servers ?? []).entries())
      if (!(s in servers)) top(where, `unknown server "${s}" (servers: ${Object.keys(servers).join(', ')})`, ['servers', i]);
    try {
      const zone = parseZoneText(String(z.text ?? ''), normalizeName(origin), `${file} zone ${name}`);
      if (!zone.soa) top(where, `zone text has no SOA record at ${origin}`, ['text']);
    } catch (e) {
      if (e instanceof ZoneSyntaxError)
        problems.push({ where, message: e.message, path: [...wherePath(where), 'text'], textPos: { line: e.line, column: e.column, detail: e.detail } });
      else top(where, (e as Error).message);
    }
  }
  for (const [i, reg] of (topology.registries ?? []).entries()) {
    const where = `topology.registries[${i}]`;
    if (!zoneNames.some((z) => z === normalizeName(reg.tld)))
      top(where, `the TLD zone "${reg.tld}" must be in topology.zones (its servers publish the delegations)`);
    for (const d of reg.domains ?? []) {
      if (normalizeName(parentName(d.name)) !== normalizeName(reg.tld)) top(where, `domain ${d.name} is not directly under ${reg.tld}`);
      if (!reg.registrars.includes(d.registrar)) top(where, `domain ${d.name}: unknown registrar "${d.registrar}" (registrars: ${reg.registrars.join(', ')})`);
      for (const s of d.status ?? []) {
        if (![...REGISTRY_LOCK, ...CLIENT_STATUSES].includes(s as StatusCode)) top(where, `domain ${d.name}: unknown status "${s}"`);
      }
      if (Array.isArray(d.ds)) checkRecordLines(d.ds, 'DS', (m) => top(where, `domain ${d.name}: ${m}`));
      else if (d.ds === 'from-zone' && !(zones[d.name] ?? zones[`${d.name}.`])?.signed)
        top(where, `domain ${d.name}: ds 'from-zone' needs the zone ${d.name} to be in topology.zones with signed: true`);
    }
  }
  for (const [name, m] of Object.entries(topology.middleboxes ?? {})) {
    const where = `topology.middleboxes["${name}"]`;
    for (const [i, end] of (m.between ?? []).entries()) if (!machineNames.has(end)) top(where, `unknown machine "${end}"`, ['between', i]);
    if (!Array.isArray(m.between) || m.between.length !== 2) top(where, 'between must name exactly two machines');
    // A load balancer's VIP is the published address of the server it fronts: the second machine.
    if (m.kind === 'load-balancer' && Array.isArray(m.between) && m.between[1] !== undefined && servers[m.between[1]] === undefined)
      top(where, `a load-balancer's between[1] must be a server (its addresses are the virtual IPs); "${m.between[1]}" is not in topology.servers`);
    try {
      settingsFromOptions(m.kind, m.options ?? {});
    } catch (err) {
      if (!(err instanceof MiddleboxConfigError)) throw err;
      top(where, err.message);
    }
  }
  const registrars = new Set((topology.registries ?? []).flatMap((r) => r.registrars));
  const registryDomains = (topology.registries ?? []).flatMap((r) => r.domains.map((d) => normalizeName(d.name)));
  const registryTlds = (topology.registries ?? []).map((r) => normalizeName(r.tld));

  // --- steps -----------------------------------------------------------------
  const planned: PlannedStep[] = [];
  /** Per variant: the latest step so far (a variant's own steps must not go back in time). */
  const last = new Map<string, { at: number; number: number; text: string }>();
  const watches = new Set<string>();
  scenario.steps.forEach((step, i) => {
    const number = i + 1;
    const isObject = isPlainObject(step as unknown);
    const bad = (message: string, key: Path = []) =>
      problems.push({
        step: number,
        path: ['steps', i, ...key],
        message: `(${isObject ? `at ${String(step.at)}, ${describeStep(step)}` : 'not an object'}) ${message}`,
      });
    if (!isObject) {
      bad("each step must be an object like { at: '+1h', … }");
      return;
    }
    const at = typeof step.at === 'string' ? parseDuration(step.at) : undefined;
    if (at === undefined) {
      bad(`at: "${String(step.at)}" is not an offset like '+0s', '+90s', '+1h30m', '+2d'`, ['at']);
      return;
    }
    // Steps run in file order, so within one variant time only moves forward. Steps of different
    // variants may interleave (a block of steps per variant reads naturally).
    const appliesTo = (step.only ?? variants).filter((v) => variants.includes(v));
    const clash = appliesTo.map((v) => ({ v, prev: last.get(v) })).find((x) => x.prev !== undefined && at < x.prev.at);
    if (clash) {
      bad(
        `at ${step.at} is earlier than the step before it (step ${clash.prev!.number}, at ${clash.prev!.text}${variants.length > 1 ? `, in variant ${clash.v}` : ''}); steps run in file order and time only moves forward`,
      );
    }
    for (const o of step.only ?? []) if (!variants.includes(o)) bad(`only: unknown variant "${o}" (variants: ${variants.join(', ')})`, ['only']);
    const kinds = ['query', 'watch', 'action', 'expectQueries', 'expectTimeline', 'wait', 'spf', 'audit'].filter((k) => k in step);
    if (kinds.length !== 1) {
      bad(
        `a step does exactly one of query / watch / action / expectQueries / expectTimeline / wait; this one has ${kinds.length ? kinds.join(' + ') : 'none'}`,
      );
      return;
    }
    const checkTarget = (client: string, to: string | undefined, within: Path = []) => {
      if (!(client in clients)) bad(`unknown client "${client}" (clients: ${Object.keys(clients).join(', ') || 'none'})`, [...within, 'client']);
      else if (to === undefined && clients[client]!.resolver === undefined)
        bad(`client "${client}" has no resolver; add to: 'SERVER' or give the client a resolver`);
      if (to !== undefined && !(to in resolvers) && !(to in servers)) bad(`to: unknown resolver or server "${to}"`, [...within, 'to']);
    };
    if ('query' in step) {
      const q = parseQuestion(step.query);
      if (typeof q === 'string') bad(q, ['query']);
      checkTarget(step.client, step.to);
      if (step.timeout !== undefined && !((parseDuration(step.timeout) ?? 0) > 0)) bad(`timeout "${step.timeout}" is not a positive duration`);
      if (step.expect) checkExpectation(step.expect, bad);
    } else if ('watch' in step) {
      const w = step.watch;
      if (!w || typeof w.name !== 'string') bad('watch needs a name');
      else if (watches.has(w.name)) bad(`a watch named "${w.name}" already exists`);
      else watches.add(w.name);
      const q = parseQuestion(w?.query ?? '');
      if (typeof q === 'string') bad(q, ['watch', 'query']);
      checkTarget(w.client, w.to, ['watch']);
      const every = parseDuration(w.every ?? '');
      const until = parseDuration(w.until ?? '');
      if (!every || every <= 0) bad(`watch.every "${w.every}" is not a positive duration`);
      if (w.timeout !== undefined && !((parseDuration(w.timeout) ?? 0) > 0)) bad(`watch.timeout "${w.timeout}" is not a positive duration`);
      if (w.retries !== undefined && !(Number.isInteger(w.retries) && w.retries >= 0 && w.retries <= 100))
        bad(`watch.retries must be a whole number 0..100, got ${String(w.retries)}`);
      if (until === undefined) bad(`watch.until "${w.until}" is not an offset`);
      else if (until < at) bad('watch.until is before the watch starts');
      else if (every && (until - at) / every > 10_000) bad('watch would take more than 10000 samples; use a longer interval');
    } else if ('action' in step) {
      if (!('operator' in step) && !('attacker' in step)) bad("an action needs operator: 'NAME' or attacker: 'NAME' (who does it; shown on the timeline)");
      checkAction(step.action, (m, key = []) => bad(m, ['action', ...key]), {
        zones: zoneNames,
        servers: Object.keys(servers),
        resolvers: Object.keys(resolvers),
        registrars,
        registryDomains,
        registryTlds,
      });
    } else if ('expectQueries' in step) {
      const e = step.expectQueries;
      for (const m of [e.server, e.client])
        if (m !== undefined && !machineNames.has(m)) bad(`unknown machine "${m}" (machines: ${[...machineNames.keys()].join(', ')})`);
      if (e.since !== undefined && parseDuration(e.since) === undefined) bad(`since "${e.since}" is not an offset`);
      if (e.until !== undefined && parseDuration(e.until) === undefined) bad(`until "${e.until}" is not an offset`);
      if (e.qtype !== undefined && !KNOWN_TYPES.has(e.qtype)) bad(`unknown qtype "${e.qtype}"`);
      if (e.transport !== undefined && e.transport !== 'udp' && e.transport !== 'tcp') bad(`transport "${String(e.transport)}": expected 'udp' or 'tcp'`);
      if (e.none !== undefined && (e.count !== undefined || e.min !== undefined || e.max !== undefined))
        bad('use either none: true or count/min/max, not both');
    } else if ('spf' in step) {
      const c = step.spf;
      if (!isPlainObject(c)) bad('spf: { client, ip, sender } expected');
      else {
        checkTarget(c.client, undefined, ['spf']);
        if (typeof c.ip !== 'string' || isIP(c.ip) === 0) bad(`spf.ip "${String(c.ip)}" is not an IP address`);
        if (typeof c.sender !== 'string' || !c.sender.includes('@')) bad(`spf.sender "${String(c.sender)}" is not an address like info@example.jp`);
        if (step.expect && !(SPF_RESULTS as readonly string[]).includes(step.expect.result))
          bad(`expect.result "${step.expect.result}" is not an SPF result (${SPF_RESULTS.join(', ')})`);
      }
    } else if ('audit' in step) {
      const a = step.audit;
      if (!isPlainObject(a)) bad('audit: { client, zones?, delegations? } expected');
      else {
        checkTarget(a.client, undefined, ['audit']);
        for (const z of a.zones ?? []) if (!(z in zones)) bad(`audit.zones: unknown zone "${z}" (zones: ${Object.keys(zones).join(', ')})`);
        if (!(a.zones?.length || a.delegations?.length)) bad('audit needs zones: [...] or delegations: [...]');
        for (const k of step.expect?.findings ?? [])
          if (!(FINDING_KINDS as readonly string[]).includes(k)) bad(`unknown finding kind "${k}" (kinds: ${FINDING_KINDS.join(', ')})`);
      }
    } else if ('expectTimeline' in step) {
      const e = step.expectTimeline;
      if (!watches.has(e.watch))
        bad(`unknown watch "${e.watch}": declare it with a watch step before this one (watches: ${[...watches].join(', ') || 'none'})`);
      for (const [k, w] of Object.entries({ throughout: e.throughout, never: e.never, recovery: e.recovery })) {
        if (w && (parseDuration(w.from) === undefined || parseDuration(w.to) === undefined)) bad(`${k}: from/to must be offsets like '+1h'`);
      }
      if (e.outage && [e.outage.min, e.outage.max].some((d) => d !== undefined && parseDuration(d) === undefined))
        bad("outage: min/max must be durations like '24h'");
      if (!e.throughout && !e.never && !e.outage && !e.recovery) bad('expectTimeline needs throughout, never, outage or recovery');
      // A claim only sees samples taken before it runs; a window ending later would be judged on part of it.
      for (const w of [e.throughout, e.never, e.recovery]) {
        const end = w ? parseDuration(w.to) : undefined;
        if (end !== undefined && end > at) bad(`the window ends at ${w!.to}, after this step (at ${step.at}); move the step to ${w!.to} or later`);
      }
    }
    for (const v of appliesTo) if (at >= (last.get(v)?.at ?? 0)) last.set(v, { at, number, text: step.at });
    if (!step.only || step.only.includes(chosen)) planned.push({ number, at, step });
  });

  if (scenario.exercise !== undefined) problems.push(...exerciseProblems(scenario, variants));
  if (problems.length) throw new ScenarioError(file, problems);
  return { file, scenario, variant: chosen, topology, steps: planned, start };
}

/** The `exercise` block (types.ts Exercise): its variants, offsets, zones and registrant must exist. */
function exerciseProblems(scenario: Scenario, variants: string[]): Problem[] {
  const problems: Problem[] = [];
  const bad = (key: string, message: string) => problems.push({ where: `exercise${key ? `.${key}` : ''}`, message });
  const e = scenario.exercise as unknown;
  if (!isPlainObject(e)) {
    bad('', 'exercise must be an object { task, hints, broken, fixed, zones, … }');
    return problems;
  }
  const known = ['task', 'hints', 'broken', 'start', 'fixed', 'checkFrom', 'zones', 'registrant'];
  for (const k of Object.keys(e)) if (!known.includes(k)) bad(k, `unknown key (keys: ${known.join(', ')})`);
  const bilingual = (v: unknown) => isPlainObject(v) && typeof v.en === 'string' && typeof v.ja === 'string' && v.en !== '' && v.ja !== '';
  if (!bilingual(e.task)) bad('task', "needs both { en: '…', ja: '…' }");
  if (!Array.isArray(e.hints) || e.hints.length === 0) bad('hints', "needs a list of at least one { en: '…', ja: '…' }");
  else e.hints.forEach((h, i) => bilingual(h) || bad(`hints[${i}]`, "needs both { en: '…', ja: '…' }"));
  for (const k of ['broken', 'fixed'] as const) {
    if (typeof e[k] !== 'string' || !variants.includes(e[k])) bad(k, `got ${JSON.stringify(e[k])}; expected a variant (variants: ${variants.join(', ')})`);
  }
  for (const k of ['start', 'checkFrom'] as const) {
    if (e[k] !== undefined && (typeof e[k] !== 'string' || parseDuration(e[k]) === undefined))
      bad(k, `got ${JSON.stringify(e[k])}; expected an offset like '+1h'`);
  }
  const zones = scenario.topology.zones ?? {};
  if (!Array.isArray(e.zones)) bad('zones', 'needs a list of zones (keys of topology.zones) the trainee edits');
  else
    for (const z of e.zones)
      if (typeof z !== 'string' || !(z in zones)) bad('zones', `unknown zone ${JSON.stringify(z)} (zones: ${Object.keys(zones).join(', ')})`);
  if (e.registrant !== undefined) {
    const registrants = new Set((scenario.topology.registries ?? []).flatMap((r) => r.domains.map((d) => d.registrant)));
    if (typeof e.registrant !== 'string' || !registrants.has(e.registrant))
      bad('registrant', `got ${JSON.stringify(e.registrant)}; expected a registrant of a registry domain (${[...registrants].join(', ') || 'none'})`);
  }
  return problems;
}

function checkRecordLines(lines: unknown, type: RRTypeName | undefined, bad: (m: string, key?: Path) => void, origin?: string): void {
  if (!Array.isArray(lines)) {
    bad('records must be a list of zone-file lines');
    return;
  }
  for (const [i, line] of lines.entries()) {
    try {
      const rr = parseRecord(String(line), origin === undefined ? undefined : normalizeName(origin));
      if (type && rr.type !== type) bad(`"${line}" is a ${rr.type} record, expected ${type}`, [i]);
    } catch (e) {
      bad(`bad record line "${line}": ${(e as Error).message}`, [i]);
    }
  }
}

function checkExpectation(e: ResponseExpectation, bad: (m: string) => void): void {
  for (const key of ['answer', 'authority', 'additional', 'answerIncludes', 'answerExcludes', 'authorityIncludes'] as const) {
    for (const line of e[key] ?? []) {
      try {
        parseExpectedRecord(line);
      } catch (err) {
        bad(`expect.${key}: ${(err as Error).message}`);
      }
    }
  }
}

interface Known {
  zones: string[];
  servers: string[];
  resolvers: string[];
  registrars: Set<string>;
  registryDomains: string[];
  registryTlds: string[];
}

/** Lines removing records may be 'owner', 'owner TYPE' or a full record line. */
export function parseRemoval(line: string, origin: string): { name: string; type?: RRTypeName; record?: ReturnType<typeof parseRecord> } | string {
  const parts = line.trim().split(/\s+/);
  const owner = parts[0] ?? '';
  const name = owner === '@' ? normalizeName(origin) : owner.endsWith('.') ? normalizeName(owner) : normalizeName(`${owner}.${origin}`);
  if (parts.length === 1) return { name };
  if (parts.length === 2 && (KNOWN_TYPES.has(parts[1]!.toUpperCase()) || /^TYPE\d+$/.test(parts[1]!)))
    return { name, type: parts[1]!.toUpperCase() as RRTypeName };
  try {
    const record = parseRecord(line, normalizeName(origin));
    return { name: record.name, type: record.type, record };
  } catch (e) {
    return `bad record line "${line}": ${(e as Error).message}`;
  }
}

function checkAction(action: Action, bad: (m: string, key?: Path) => void, k: Known): void {
  if (!isPlainObject(action) || typeof action.do !== 'string') {
    bad("action must be { do: '…', … }");
    return;
  }
  const zoneKnown = (z: string) => {
    if (!k.zones.includes(normalizeName(z))) bad(`unknown zone "${z}" (zones: ${k.zones.join(', ')})`);
  };
  const serversKnown = (list: string[]) => {
    for (const s of list ?? []) if (!k.servers.includes(s)) bad(`unknown server "${s}" (servers: ${k.servers.join(', ')})`);
  };
  const registrarKnown = (r: string) => {
    if (!k.registrars.has(r)) bad(`unknown registrar "${r}" (registrars: ${[...k.registrars].join(', ') || 'none — add topology.registries'})`);
  };
  const domainInRegistry = (d: string) => {
    if (!k.registryTlds.some((t) => isSubdomain(normalizeName(d), t)))
      bad(`domain ${d} is not under a TLD with a registry (registries: ${k.registryTlds.join(', ') || 'none'})`);
  };
  switch (action.do) {
    case 'add-records':
    case 'set-records':
      zoneKnown(action.zone);
      checkRecordLines(action.records, undefined, (m, key = []) => bad(m, ['records', ...key]), action.zone);
      break;
    case 'remove-records':
      zoneKnown(action.zone);
      for (const [i, line] of (action.records ?? []).entries()) {
        const r = parseRemoval(line, action.zone);
        if (typeof r === 'string') bad(r, ['records', i]);
      }
      break;
    case 'serve-zone':
      serversKnown(action.servers);
      try {
        const zone = parseZoneText(String(action.text ?? ''), normalizeName(action.zone), `zone ${action.zone}`);
        if (!zone.soa) bad(`zone text for ${action.zone} has no SOA`);
      } catch (e) {
        bad((e as Error).message);
      }
      break;
    case 'drop-zone':
      serversKnown(action.servers);
      break;
    case 'sign-zone':
    case 'unsign-zone':
      zoneKnown(action.zone);
      break;
    case 'change-ns':
    case 'change-ds':
    case 'registrar-lock':
    case 'registrar-unlock':
    case 'delete-domain':
    case 'renew':
    case 'register':
      registrarKnown(action.registrar);
      domainInRegistry(action.domain);
      if (action.do === 'change-ds' && Array.isArray(action.ds)) checkRecordLines(action.ds, 'DS', (m, key = []) => bad(m, ['ds', ...key]));
      if (action.do === 'change-ds' && isPlainObject(action.ds)) for (const z of action.ds.fromZones ?? []) zoneKnown(z);
      break;
    case 'transfer':
      registrarKnown(action.to);
      domainInRegistry(action.domain);
      break;
    case 'registry-lock':
    case 'registry-unlock':
    case 'expire-domain':
      domainInRegistry(action.domain);
      break;
    case 'set-quirks':
      serversKnown([action.server]);
      if (!Array.isArray(action.quirks)) bad("quirks must be a list, e.g. [{ kind: 'drop' }] or []");
      for (const q of action.quirks ?? []) {
        const problem = isPlainObject(q) ? quirkProblem(q) : "a quirk is an object like { kind: 'drop' }";
        if (problem) bad(problem);
      }
      break;
    case 'publish-keys-of':
      zoneKnown(action.zone);
      for (const z of action.of ?? []) zoneKnown(z);
      break;
    case 'flush-cache':
      if (!k.resolvers.includes(action.resolver)) bad(`unknown resolver "${action.resolver}" (resolvers: ${k.resolvers.join(', ') || 'none'})`);
      break;
    default:
      bad(`unknown action "${(action as { do: string }).do}" (see lab/runner/README.md for the list)`);
  }
}
