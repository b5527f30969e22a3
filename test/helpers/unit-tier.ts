// Loaded by `npm run test:unit` (node --import): the unit tier starts none of the software the real tier is
// for — DNS servers and tools, packet and browser tools, python, nftables, namespaces, Docker. Asking for one
// fails the test that did, naming the program, so such a case cannot hide in a *.test.ts: it goes into a
// *.real.test.ts beside it (README, "Tests"). node itself (our CLI, workers) and plain shell utilities are
// fine; a shell command line is checked for the same programs. syncBuiltinESMExports makes
// `import { spawn } from 'node:child_process'` see the guarded functions too.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { promisify } from 'node:util';

/** Programs of the real tier, by file name. */
const REAL =
  /^(nsd|nsd-\S+|named|named-\S+|rndc|unbound|unbound-\S+|kresd|pdns_recursor|rec_control|knotd|knotc|kdig|khost|kzonecheck|keymgr|dig|delv|dnssec-\S+|ldns-\S+|drill|dnsmasq|dnsperf|resperf|tshark|dumpcap|chromium|chromium-browser|python|python3(\.\d+)?|nft|ip|docker|dockerd|faketime|gcc|cc)$/;
/** The same inside a shell command line. */
const REAL_IN_SHELL =
  /(^|[\s;&|(`])(nsd|named|named-checkzone|rndc|unbound|unbound-control|kresd|pdns_recursor|rec_control|knotd|knotc|kdig|kzonecheck|keymgr|dig|delv|dnssec-\w+|ldns-[\w-]+|dnsmasq|dnsperf|resperf|tshark|chromium|python3?|nft|docker|faketime|gcc)(?=$|[\s;&|)`])|(^|[\s;&|(`])ip\s+(-n\b|netns\b|addr\b|link\b|route\b)/;
const SHELLS = new Set(['sh', 'bash', 'dash']);

function realProgram(file: unknown, args: unknown): string | undefined {
  if (typeof file !== 'string') return undefined;
  const name = basename(file);
  if (REAL.test(name)) return name;
  if (SHELLS.has(name) && Array.isArray(args)) {
    const script = args.includes('-c') ? args[args.indexOf('-c') + 1] : undefined;
    if (typeof script === 'string' && REAL_IN_SHELL.test(script)) return `${name} -c ${JSON.stringify(script)}`;
  }
  return undefined;
}

function refuse(how: string, what: string): never {
  throw new Error(`unit tier: ${how} would start ${what}; put this case in a *.real.test.ts`);
}

type AnyFn = (...args: unknown[]) => unknown;
const cp = childProcess as unknown as Record<string, AnyFn>;

/** Guard `name` (and its promisify hook, which promisify(execFile) uses) with `check` on its arguments. */
function guard(name: string, check: (first: unknown, second: unknown) => string | undefined): void {
  const original = cp[name]!;
  const wrap = (call: AnyFn) =>
    function (this: unknown, first: unknown, ...rest: unknown[]) {
      const real = check(first, rest[0]);
      if (real) refuse(name, real);
      return call.call(this, first, ...rest);
    };
  const guarded = wrap(original);
  const custom = (original as unknown as Record<symbol, AnyFn | undefined>)[promisify.custom];
  if (custom) Object.defineProperty(guarded, promisify.custom, { value: wrap(custom) });
  cp[name] = guarded;
}

for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync']) guard(name, realProgram);
for (const name of ['exec', 'execSync']) {
  guard(name, (command) => (typeof command === 'string' && REAL_IN_SHELL.test(command) ? JSON.stringify(command) : undefined));
}
syncBuiltinESMExports();
