// Build-time: the JSON Schema of a scenario file, generated from the `Scenario` type in types.ts (the one
// description of the format) with ts-json-schema-generator. `npm run schema` writes scenario.schema.json;
// test/scenario/schema.test.ts fails when the committed file is not what this produces.
// RRTypeName and RcodeName are computed from runtime tables (dns/rr-types.ts), which the generator cannot
// read, so the schema says "string" there and validate.ts names the known mnemonics.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import ts from 'typescript';
import {
  createFormatter,
  createParser,
  createProgram,
  DEFAULT_CONFIG,
  SchemaGenerator,
  StringType,
  type CompletedConfig,
  type SubNodeParser,
} from 'ts-json-schema-generator';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const SCHEMA_PATH = `${HERE}scenario.schema.json`;
export const SCHEMA_ID = 'https://github.com/dnslab/dnslab/scenario.schema.json';

const AS_STRING = new Set(['RRTypeName', 'RcodeName']);

class MnemonicParser implements SubNodeParser {
  supportsNode(node: ts.Node): boolean {
    return ts.isTypeReferenceNode(node) && AS_STRING.has(node.typeName.getText());
  }
  createType(): StringType {
    return new StringType();
  }
}

/** The schema as JSON text, formatted the way `npm run lint` (prettier) wants it, ready to write. */
export async function generateScenarioSchema(): Promise<string> {
  const config: CompletedConfig = {
    ...DEFAULT_CONFIG,
    path: `${HERE}types.ts`,
    tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)),
    type: 'Scenario',
    skipTypeCheck: true,
    additionalProperties: false,
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
  };
  const program = createProgram(config);
  const parser = createParser(program, config, (chain) => chain.addNodeParser(new MnemonicParser()));
  const schema = new SchemaGenerator(program, parser, createFormatter(config), config).createSchema(config.type);
  const text = JSON.stringify(inlineUnnamed({ ...(schema as { [k: string]: Json }), title: 'dnslab scenario' }));
  return prettier.format(text, { ...(await prettier.resolveConfig(SCHEMA_PATH)), parser: 'json' });
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * The generator names the instances of DeepPartial<…> after compiler-internal ids (`DeepPartial<indexed-type-7314…>`),
 * which change with every edit of types.ts; none of them is recursive, so they are written in place instead.
 */
function inlineUnnamed(schema: { [k: string]: Json }): { [k: string]: Json } {
  const defs = schema['definitions'] as { [k: string]: Json };
  const unnamed = (name: string) => /\d{6,}|indexed-type|^DeepPartial<(string|number|boolean|\()/.test(name);
  const refName = (ref: string) => decodeURIComponent(ref.replace('#/definitions/', ''));
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const ref = node['$ref'];
    if (typeof ref === 'string' && unnamed(refName(ref))) {
      const { $ref: _, ...rest } = node;
      return walk({ ...(defs[refName(ref)] as { [k: string]: Json }), ...rest });
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
  };
  const kept = Object.fromEntries(Object.entries(defs).filter(([k]) => !unnamed(k)));
  return { ...schema, definitions: walk(kept) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, await generateScenarioSchema());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
