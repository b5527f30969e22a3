// Loaded by `npm run test:unit` (node --import): the unit tier starts no software outside node. Any child
// process other than node itself (our own CLI, workers) fails the test that asked for it, naming the program,
// so a case that needs NSD, BIND, dig, tshark, ip netns … cannot hide in a *.test.ts: it goes into a
// *.real.test.ts beside it (README, "Tests"). syncBuiltinESMExports makes `import { spawn } from
// 'node:child_process'` see the guarded functions too.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { promisify } from 'node:util';

const isNode = (file: unknown): boolean => file === process.execPath || file === 'node' || (typeof file === 'string' && basename(file) === 'node');

function refuse(how: string, what: unknown): never {
  throw new Error(`unit tier: ${how}(${JSON.stringify(what)}) would start software outside node; put this case in a *.real.test.ts`);
}

type AnyFn = (...args: unknown[]) => unknown;
const cp = childProcess as unknown as Record<string, AnyFn>;
for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync']) {
  const original = cp[name]!;
  const guarded = function (this: unknown, file: unknown, ...rest: unknown[]) {
    if (!isNode(file)) refuse(name, file);
    return original.call(this, file, ...rest);
  };
  // promisify(execFile) resolves { stdout, stderr } through this hook; keep it, guarded too.
  const custom = (original as unknown as Record<symbol, AnyFn | undefined>)[promisify.custom];
  if (custom) {
    Object.defineProperty(guarded, promisify.custom, {
      value: (file: unknown, ...rest: unknown[]) => (isNode(file) ? custom(file, ...rest) : refuse(name, file)),
    });
  }
  cp[name] = guarded;
}
// A shell command line can start anything.
for (const name of ['exec', 'execSync']) {
  const refused = (command: unknown) => refuse(name, command);
  Object.defineProperty(refused, promisify.custom, { value: refused });
  cp[name] = refused;
}
syncBuiltinESMExports();
