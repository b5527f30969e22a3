// Mutation testing, one module at a time: `MUTATE=servers/recursive/cache.ts npm run mutation` (a file or folder
// listed below, or a file inside a listed folder). Stryker mutates only that code and runs, through the TAP runner,
// only the fast test files listed for it, and of those only the ones that cover each mutant (per-test-file
// coverage). Concurrency 1 and a bounded timeout: the machine is shared. Reports go to reports/.
const WIRE_TESTS = [
  'test/wire/roundtrip.test.ts',
  'test/wire/malformed.test.ts',
  'test/wire/compression.test.ts',
  'test/wire/edns.test.ts',
  'test/wire/tcp.test.ts',
  'test/wire/canonical.test.ts',
  'test/wire/rr-types.test.ts',
  'test/wire/property.test.ts',
];
/** Module (file, or folder ending in /) → the fast test files that exercise it. */
const MODULES = {
  'servers/recursive/cache.ts': ['test/recursive/cache.test.ts'],
  'servers/authoritative/answer.ts': [
    'test/authoritative/answer.test.ts',
    'test/authoritative/dnssec-serving.test.ts',
    'test/authoritative/server-handle.test.ts',
  ],
  'servers/authoritative/quirks.ts': ['test/authoritative/quirks.test.ts', 'test/authoritative/server-handle.test.ts'],
  'dns/wire/': WIRE_TESTS,
  'dns/dnssec/validate.ts': [
    'test/dnssec/validate.real.test.ts',
    'test/dnssec/validate-nsec3.real.test.ts',
    'test/dnssec/validate-chain.real.test.ts',
    'test/dnssec/validate-malformed.real.test.ts',
    'test/dnssec/validate-algorithms.real.test.ts',
    'test/dnssec/validate-signer.test.ts',
  ],
  'servers/recursive/aggressive.ts': ['test/recursive/aggressive.test.ts'],
  'servers/recursive/serve-stale.ts': ['test/recursive/serve-stale.test.ts', 'test/recursive/knot-serve-stale.test.ts', 'test/recursive/dnssec-cache.test.ts'],
};
/** Short names kept from the first version of this file. */
const ALIASES = {
  cache: 'servers/recursive/cache.ts',
  answer: 'servers/authoritative/answer.ts',
  quirks: 'servers/authoritative/quirks.ts',
  wire: 'dns/wire/',
  validate: 'dns/dnssec/validate.ts',
  'aggressive-nsec': 'servers/recursive/aggressive.ts',
  'serve-stale': 'servers/recursive/serve-stale.ts',
};

const target = ALIASES[process.env.MUTATE] ?? process.env.MUTATE ?? '';
// A listed module, else the listed folder that holds it (dns/wire/message.ts runs the dns/wire/ tests).
const key = MODULES[target] ? target : Object.keys(MODULES).find((k) => k.endsWith('/') && target.startsWith(k));
if (!key) throw new Error(`MUTATE=${target}: set MUTATE to one of ${Object.keys(MODULES).join(', ')} (or a file in a listed folder)`);
const tests = MODULES[key];
const mutate = target.endsWith('/') ? [`${target}*.ts`] : [target];
const name = target.replace(/\/$/, '').replaceAll('/', '-').replace(/\.ts$/, '');

export default {
  testRunner: 'tap',
  tap: { testFiles: tests, nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'], forceBail: true },
  mutate,
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
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
