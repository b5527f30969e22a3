// Mutation testing, one module at a time: `MUTATE=cache npm run mutation` (names below). Stryker mutates only
// that module's file(s) and runs, through the TAP runner, only the fast test files that cover each mutant
// (per-test-file coverage). Concurrency 1 and a bounded timeout: the machine is shared. Reports go to reports/.
const MODULES = {
  cache: {
    mutate: ['servers/recursive/cache.ts'],
    tests: ['test/recursive/units.test.ts', 'test/recursive/resolve.test.ts', 'test/recursive/dnssec-cache.test.ts', 'test/recursive/serve-stale.test.ts'],
  },
  answer: {
    mutate: ['servers/authoritative/answer.ts'],
    tests: ['test/authoritative/answer.test.ts', 'test/authoritative/dnssec-serving.test.ts', 'test/authoritative/server-handle.test.ts'],
  },
  quirks: { mutate: ['servers/authoritative/quirks.ts'], tests: ['test/authoritative/quirks.test.ts', 'test/authoritative/server-handle.test.ts'] },
  'wire-message': {
    mutate: ['dns/wire/message.ts'],
    tests: ['test/wire/roundtrip.test.ts', 'test/wire/malformed.test.ts', 'test/wire/compression.test.ts', 'test/wire/edns.test.ts', 'test/wire/tcp.test.ts'],
  },
  'wire-rdata': { mutate: ['dns/wire/rdata.ts'], tests: ['test/wire/roundtrip.test.ts', 'test/wire/malformed.test.ts', 'test/wire/canonical.test.ts'] },
  'wire-buffer': {
    mutate: ['dns/wire/buffer.ts', 'dns/wire/canonical.ts', 'dns/wire/edns.ts', 'dns/wire/ip.ts', 'dns/wire/tcp.ts', 'dns/wire/types-map.ts'],
    tests: [
      'test/wire/roundtrip.test.ts',
      'test/wire/malformed.test.ts',
      'test/wire/compression.test.ts',
      'test/wire/edns.test.ts',
      'test/wire/tcp.test.ts',
      'test/wire/canonical.test.ts',
    ],
  },
  validate: {
    mutate: ['dns/dnssec/validate.ts'],
    tests: [
      'test/dnssec/validate.test.ts',
      'test/dnssec/validate-nsec3.test.ts',
      'test/dnssec/validate-chain.test.ts',
      'test/dnssec/validate-malformed.test.ts',
      'test/dnssec/validate-algorithms.test.ts',
    ],
  },
  'aggressive-nsec': {
    mutate: ['servers/recursive/aggressive.ts'],
    tests: ['test/recursive/dnssec-cache.test.ts', 'test/recursive/aggressive-nsec-products.test.ts'],
  },
  'serve-stale': {
    mutate: ['servers/recursive/serve-stale.ts'],
    tests: ['test/recursive/serve-stale.test.ts', 'test/recursive/knot-serve-stale.test.ts', 'test/recursive/dnssec-cache.test.ts'],
  },
};
const name = process.env.MUTATE;
const mod = MODULES[name];
if (!mod) throw new Error(`MUTATE=${name ?? ''}: set MUTATE to one of ${Object.keys(MODULES).join(', ')}`);

export default {
  testRunner: 'tap',
  tap: { testFiles: mod.tests, nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'], forceBail: true },
  mutate: mod.mutate,
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 20_000,
  timeoutFactor: 1.5,
  disableTypeChecks: true,
  ignorePatterns: ['reports', 'out', 'tmp', 'bench', 'docker', 'docs', '*.pcap'],
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${name}.json`,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation-${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
