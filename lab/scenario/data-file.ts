// Scenarios as data files: YAML (.yaml, .yml) or JSON (.json), the same
// object a TypeScript scenario exports (types.ts, its JSON Schema in
// scenario.schema.json). Read with the `yaml` parser, which keeps where every
// value came from, so each problem — a YAML syntax error, a shape error from
// the schema, a meaning error from validate.ts, a bad line inside a zone text —
// is one line FILE:LINE:COLUMN: what was expected.
//
// Beyond plain data, YAML gives anchors and aliases (&name / *name) and merge
// keys (<<: *name) for shared fragments, and `!file NAME` reads a text — a
// zone file — from a file next to the scenario.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node, type ScalarTag } from 'yaml';
import { shapeProblems, type Path } from './schema.ts';
import type { Scenario } from './types.ts';
import { planScenario, ScenarioError, variantNames, type Problem } from './validate.ts';

/** Files read as data, by name. */
export const DATA_FILE = /\.(ya?ml|json)$/i;

/** More aliases than this is a "billion laughs" file, not a scenario. */
const MAX_ALIASES = 10_000;

interface Source {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** `!file` scalars: the node → the path of the file its text came from. */
  included: Map<Scalar, string>;
}

/** Parse, shape-check and validate (every variant) a YAML or JSON scenario. Throws ScenarioError with positions. */
export function loadDataScenario(path: string, file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(file, [{ message: `cannot read the file: ${(e as Error).message}` }]);
  }
  const src = parse(text, path, file);
  const value = src.doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown;
  const shape = shapeProblems(value);
  if (shape.length > 0) {
    throw new ScenarioError(
      file,
      shape.map((p) => ({ path: p.path, message: `${pathText(p.path)}: ${p.message}`, location: locate(src, p.path, p.atKey) })),
    );
  }
  const scenario = value as Scenario;
  const problems: Problem[] = [];
  const seen = new Set<string>();
  // Every variant: a variant's topology is the base with its overlay, and each may be wrong its own way.
  for (const variant of variantNames(scenario)) {
    try {
      planScenario(scenario, file, variant);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      for (const p of e.problems) {
        const placed = place(src, p, variant);
        const line = `${placed.location ?? ''} ${placed.step ?? ''} ${placed.message}`;
        if (!seen.has(line)) problems.push(placed);
        seen.add(line);
      }
    }
  }
  if (problems.length > 0) throw new ScenarioError(file, problems);
  return scenario;
}

function parse(text: string, path: string, file: string): Source {
  const lines = new LineCounter();
  const dir = dirname(resolve(path));
  const includedPaths: string[] = [];
  const fileTag: ScalarTag = {
    tag: '!file',
    // `text: !file example.jp.zone` — the file's text, found next to the scenario.
    resolve(name: string, onError: (message: string) => void): string {
      const target = resolve(dir, name);
      if (!existsSync(target)) {
        onError(`!file ${name}: no such file next to the scenario (looked for ${target})`);
        return '';
      }
      includedPaths.push(target);
      return readFileSync(target, 'utf8');
    },
  };
  const doc = parseDocument(text, { lineCounter: lines, customTags: [fileTag], merge: true, uniqueKeys: true, prettyErrors: false });
  // The first syntax error only: the parser's later ones are mostly the same mistake seen again.
  const error = doc.errors[0] ?? doc.warnings[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    throw new ScenarioError(file, [{ message: yamlMessage(error.code, error.message), location: `${file}:${line}:${col}` }]);
  }
  const included = new Map<Scalar, string>();
  const walk = (n: unknown): void => {
    if (isScalar(n) && n.tag === '!file') included.set(n, includedPaths[included.size] ?? '');
    else if (isMap(n)) for (const p of n.items) (walk(p.key), walk(p.value));
    else if (isSeq(n)) n.items.forEach(walk);
  };
  walk(doc.contents);
  return { file, text, doc, lines, included };
}

/** The parser's message, first line only, with a hint for the two mistakes everyone makes. */
function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'TAB_AS_INDENT' || /\btabs?\b/i.test(first)) return `YAML: ${first} (expected spaces: YAML does not allow tabs for indentation)`;
  if (code === 'BAD_INDENT' || /indent|same column/i.test(first))
    return `YAML: ${first} (expected the key lined up with the keys above it: indent with spaces, the same number at each level)`;
  if (code === 'DUPLICATE_KEY') return `YAML: ${first} (expected each key once in a mapping)`;
  return `YAML: ${first}`;
}

/** 'steps[3].action.zone' for a path. */
export function pathText(path: Path): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${i ? '.' : ''}${k}` : `["${k}"]`)).join('') || 'scenario';
}

/** The node at `path` (following aliases and << merges), or the deepest node found on the way and how far it got. */
function nodeAt(src: Source, path: Path): { node: Node | null; key: Node | null; depth: number } {
  let node = src.doc.contents as Node | null;
  let key: Node | null = null;
  let depth = 0;
  const deref = (n: unknown): Node | null => (isAlias(n) ? ((n.resolve(src.doc) as Node | undefined) ?? null) : (n as Node | null));
  const findPair = (map: unknown, seg: string | number): { key: Node; value: Node | null } | undefined => {
    const m = deref(map);
    if (!isMap(m)) return undefined;
    for (const p of m.items) if (isScalar(p.key) && String(p.key.value) === String(seg)) return { key: p.key, value: p.value as Node | null };
    // `<<: *fragment` or `<<: [*a, *b]`: the key may come from a merged mapping.
    for (const p of m.items) {
      if (!isScalar(p.key) || p.key.value !== '<<') continue;
      const v = deref(p.value);
      for (const source of isSeq(v) ? v.items : [v]) {
        const hit = findPair(source, seg);
        if (hit) return hit;
      }
    }
    return undefined;
  };
  for (const seg of path) {
    const here = deref(node);
    if (isSeq(here) && typeof seg === 'number' && here.items[seg] !== undefined) {
      node = here.items[seg] as Node;
      key = null;
    } else {
      const hit = findPair(here, seg);
      if (!hit) break;
      node = hit.value;
      key = hit.key;
    }
    depth++;
  }
  return { node: deref(node), key, depth };
}

function position(src: Source, n: Node | null): string | undefined {
  const offset = n?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = src.lines.linePos(offset);
  return `${src.file}:${line}:${col}`;
}

/** FILE:LINE:COLUMN of the value (or key) at `path`; the nearest enclosing value when the path does not exist. */
function locate(src: Source, path: Path, atKey = false): string | undefined {
  const { node, key, depth } = nodeAt(src, path);
  if (atKey && key && depth === path.length) return position(src, key);
  return position(src, node) ?? position(src, key) ?? `${src.file}:1:1`;
}

/** A validate.ts problem with its position: in the variant's overlay when it has the value, else in the base. */
function place(src: Source, p: Problem, variant: string): Problem {
  if (!p.path) return { ...p, location: `${src.file}:1:1` };
  let path = p.path;
  if (path[0] === 'topology') {
    const overlay = ['variants', variant, ...path];
    if (nodeAt(src, overlay).depth === overlay.length) path = overlay;
  }
  const { node, depth } = nodeAt(src, path);
  if (p.textPos && depth === path.length && isScalar(node)) {
    const where = textPosition(src, node, p.textPos);
    if (where) return { ...p, message: p.textPos.detail, location: where };
  }
  return { ...p, location: locate(src, path) };
}

/** A line:column inside a text value: in the `!file` it came from, or inside a literal block scalar (`|`). */
function textPosition(src: Source, node: Scalar, pos: { line: number; column: number }): string | undefined {
  const included = src.included.get(node);
  if (included) return `${included}:${pos.line}:${pos.column}`;
  if (node.type !== Scalar.BLOCK_LITERAL || !node.range) return undefined;
  // The content starts on the line after the `|` header, one source line per text line.
  const header = src.lines.linePos(node.range[0]).line;
  const sourceLine = header + pos.line;
  const start = src.lines.lineStarts[sourceLine - 1];
  const end = src.lines.lineStarts[sourceLine];
  if (start === undefined) return undefined;
  const raw = src.text.slice(start, end ?? undefined).replace(/\n$/, '');
  const valueLine = String(node.value).split('\n')[pos.line - 1] ?? '';
  const indent = raw.length - raw.replace(/^ +/, '').length - (valueLine.length - valueLine.replace(/^ +/, '').length);
  return `${src.file}:${sourceLine}:${pos.column + Math.max(0, indent)}`;
}
