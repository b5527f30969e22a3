#!/usr/bin/env node
// Entry point for the `dnslab` bin. In a checkout (lab/cli/main.ts beside bin/, tsx installed) it runs the
// TypeScript source, so an edit needs no rebuild and reports keep naming scenarios/*.ts; the published
// package ships no sources and runs the compiled CLI in dist/ (`npm run build`). A scenario file written in
// TypeScript needs a loader: tsx, used when present, and named in a clear error when not.
import { existsSync } from 'node:fs';

const source = new URL('../lab/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/lab/cli/main.js', import.meta.url);

async function registerTsx() {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && process.env.DNSLAB_DIST !== '1' && (await registerTsx())) {
  await import(source.href);
} else {
  if (!existsSync(compiled)) {
    process.stderr.write('dnslab: the compiled CLI (dist/lab/cli/main.js) is missing: run `npm run build` first\n');
    process.exit(2);
  }
  const tsFile = process.argv.slice(2).find((a) => /\.[mc]?ts$/.test(a) && !a.startsWith('-'));
  if (tsFile && !(await registerTsx())) {
    process.stderr.write(
      `dnslab: ${tsFile} is TypeScript and no TypeScript loader is installed: \`npm install tsx\` next to dnslab, or write the scenario as .mjs/.js (import { defineScenario } from 'dnslab')\n`,
    );
    process.exit(2);
  }
  await import(compiled.href);
}
