// The shape check of a scenario read from a data file, driven by the JSON
// Schema generated from types.ts (scenario.schema.json, `npm run schema`): an
// unknown key, a missing one or a value of the wrong type is found here, with
// the path to it, before validate.ts looks at meaning (unknown client, bad
// record). Only the keywords the generator emits are read: $ref, type,
// properties, required, additionalProperties, items (list or tuple),
// minItems, maxItems, const, enum, anyOf.

import { readFileSync } from 'node:fs';

/** Where a value is: keys and list indexes from the top of the file. */
export type Path = (string | number)[];

export interface ShapeProblem {
  path: Path;
  message: string;
  /** The problem is the key itself (an unknown key): point at the key, not its value. */
  atKey?: boolean;
}

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema | Schema[];
  minItems?: number;
  maxItems?: number;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  definitions?: Record<string, Schema>;
}

/** The schema text as shipped (the source tree and dist/ both have it next to this module). */
export function scenarioSchemaText(): string {
  return readFileSync(new URL('./scenario.schema.json', import.meta.url), 'utf8');
}

let cached: Schema | undefined;
function rootSchema(): Schema {
  cached ??= JSON.parse(scenarioSchemaText()) as Schema;
  return cached;
}

function deref(s: Schema): Schema {
  let out = s;
  for (let i = 0; out.$ref !== undefined && i < 20; i++) {
    const name = decodeURIComponent(out.$ref.replace('#/definitions/', ''));
    const target = rootSchema().definitions?.[name];
    if (!target) throw new Error(`scenario.schema.json: no definition ${name}`);
    out = target;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

function typeMatches(want: string, v: unknown): boolean {
  const t = typeOf(v);
  return want === t || (want === 'number' && t === 'integer');
}

/** The object branches of an anyOf, nested anyOfs flattened (Step → ActionStep → operator/attacker). */
function branches(s: Schema): Schema[] {
  const d = deref(s);
  return d.anyOf ? d.anyOf.flatMap(branches) : [d];
}

/** One line describing what a schema accepts, for "expected …" messages. */
function describe(s: Schema): string {
  const d = deref(s);
  if (d.const !== undefined) return show(d.const);
  if (d.enum) return d.enum.map(show).join(' or ');
  if (d.anyOf) return [...new Set(d.anyOf.map(describe))].join(' or ');
  const types = Array.isArray(d.type) ? d.type : d.type ? [d.type] : [];
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ') || 'any value';
}

/** Every shape problem of `value` against the scenario schema (none: the file has the right shape). */
export function shapeProblems(value: unknown): ShapeProblem[] {
  return check(rootSchema(), value, []);
}

/** Shape problems of a value against one definition of the schema ('ScenarioZone'), reported at `path`. */
export function definitionProblems(definition: string, value: unknown, path: Path): ShapeProblem[] {
  return check({ $ref: `#/definitions/${definition}` }, value, path);
}

function check(schema: Schema, v: unknown, path: Path): ShapeProblem[] {
  const s = deref(schema);
  if (s.anyOf) return checkAnyOf(s, v, path);
  if (s.const !== undefined && v !== s.const) return [{ path, message: `expected ${show(s.const)}, got ${show(v)}` }];
  if (s.enum && !s.enum.includes(v)) return [{ path, message: `expected one of ${s.enum.map(show).join(', ')}, got ${show(v)}` }];
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeMatches(t, v))) return [{ path, message: `expected ${describe(s)}, got ${show(v)}` }];
  }
  if (Array.isArray(v)) return checkArray(s, v, path);
  if (isObject(v) && (s.properties || s.additionalProperties !== undefined)) return checkObject(s, v, path);
  return [];
}

function checkArray(s: Schema, v: unknown[], path: Path): ShapeProblem[] {
  const out: ShapeProblem[] = [];
  if (s.minItems !== undefined && v.length < s.minItems) out.push({ path, message: `expected at least ${s.minItems} items, got ${v.length}` });
  if (s.maxItems !== undefined && v.length > s.maxItems) out.push({ path, message: `expected at most ${s.maxItems} items, got ${v.length}` });
  v.forEach((item, i) => {
    const itemSchema = Array.isArray(s.items) ? s.items[i] : s.items;
    if (itemSchema) out.push(...check(itemSchema, item, [...path, i]));
  });
  return out;
}

function checkObject(s: Schema, v: Record<string, unknown>, path: Path): ShapeProblem[] {
  const out: ShapeProblem[] = [];
  const props = s.properties ?? {};
  const unknown = s.additionalProperties === false ? Object.keys(v).filter((k) => !(k in props)) : [];
  const missing = (s.required ?? []).filter((k) => !(k in v));
  // A misspelt key is one problem ("did you mean"), not an unknown key plus a missing one.
  const meant = new Map(unknown.map((k) => [k, closest(k, [...missing, ...Object.keys(props).filter((p) => !(p in v))])]));
  for (const key of missing) if (![...meant.values()].includes(key)) out.push({ path, message: `missing key "${key}" (${describe(props[key] ?? {})})` });
  for (const [key, value] of Object.entries(v)) {
    const p = props[key];
    if (p) out.push(...check(p, value, [...path, key]));
    else if (isObject(s.additionalProperties)) out.push(...check(s.additionalProperties, value, [...path, key]));
    else if (s.additionalProperties === false) {
      const guess = meant.get(key);
      out.push({
        path: [...path, key],
        atKey: true,
        message: guess ? `unknown key "${key}" (did you mean "${guess}"?)` : `unknown key "${key}" (expected one of: ${Object.keys(props).join(', ')})`,
      });
    }
  }
  return out;
}

/** The candidate at most two edits away from `word` (the nearest), if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d <= 2 && d < word.length && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit (clinet → client). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * A union: the value is fine if one branch takes it. Otherwise the problems of the branch the value most
 * looks like: the one whose discriminating constant (`do`, `kind`) it carries, then the one that knows most
 * of its keys — so a step with a misspelt key is told about that key, not about eight other kinds of step.
 */
function checkAnyOf(s: Schema, v: unknown, path: Path): ShapeProblem[] {
  const all = branches(s);
  const results = all.map((b) => ({ b, problems: check(b, v, path) }));
  if (results.some((r) => r.problems.length === 0)) return [];
  const objects = results.filter((r) => isObject(v) && typeMatches(String(r.b.type ?? ''), v));
  if (!isObject(v) || objects.length === 0) return [{ path, message: `expected ${describe(s)}, got ${show(v)}` }];
  // A discriminating key: every object branch fixes its value (const or enum); the value's must be one of them.
  const fixed = (b: Schema, k: string): unknown[] | undefined => {
    const p = deref(b.properties?.[k] ?? {});
    return p.const !== undefined ? [p.const] : p.enum;
  };
  const first = objects[0]!.b.properties ?? {};
  const tag = Object.keys(first).find((k) => objects.every((r) => fixed(r.b, k) !== undefined));
  if (tag !== undefined) {
    const allowed = [...new Set(objects.flatMap((r) => fixed(r.b, tag)!))];
    if (!allowed.includes(v[tag])) {
      const guess = typeof v[tag] === 'string' ? closest(v[tag], allowed.map(String)) : undefined;
      const message = `expected one of ${allowed.map(show).join(', ')}, got ${show(v[tag])}${guess ? ` (did you mean "${guess}"?)` : ''}`;
      return [{ path: tag in v ? [...path, tag] : path, message: tag in v ? message : `missing key "${tag}" (${message})` }];
    }
  }
  const score = (r: (typeof objects)[number]) => {
    const props = r.b.properties ?? {};
    const known = Object.keys(v).filter((k) => k in props).length;
    const tagMismatch = Object.keys(props).some((k) => k in v && fixed(r.b, k) !== undefined && !fixed(r.b, k)!.includes(v[k]));
    return (tagMismatch ? -1e6 : 0) + known * 1000 - r.problems.length;
  };
  const best = objects.reduce((a, b) => (score(b) > score(a) ? b : a));
  return best.problems;
}
