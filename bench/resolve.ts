// Resolutions per second of the in-process resolver (ResolverEngine) against
// the signed test hierarchy of test/recursive/world.ts, on the virtual clock
// (no sockets): cold cache (a fresh resolver per question: every referral,
// DS/DNSKEY fetch and signature check) and warm cache (the same question
// again), with and without DNSSEC validation. Prints figures side by side;
// no pass/fail.
//
//   node --import tsx bench/resolve.ts [seconds-per-case]

import { VirtualClock } from '../net/clock.ts';
import { SeededRandom } from '../net/random.ts';
import { ResolverEngine } from '../servers/recursive/engine.ts';
import { settingsFor } from '../servers/recursive/profiles.ts';
import { buildWorld, DirectUpstream, drive, type World } from '../test/recursive/world.ts';

const seconds = Number(process.argv[2] ?? 2);
const NAMES = ['www.example.lab', 'alias.example.lab', 'nope.example.lab', 'www.insecure.lab', 'anything.wild.example.lab'];

function engine(w: World, validate: boolean): ResolverEngine {
  return new ResolverEngine({
    settings: settingsFor('unbound', { aggressiveNsec: false }),
    clock: w.clock,
    random: new SeededRandom('bench'),
    upstream: new DirectUpstream(w, w.clock, 1),
    rootHints: w.rootHints,
    trustAnchors: validate ? w.anchors : [],
  });
}

async function measure(label: string, fn: (i: number) => Promise<unknown>): Promise<{ label: string; perSecond: number; n: number }> {
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < deadline) await fn(n++);
  const perSecond = n / ((performance.now() - start) / 1000);
  return { label, perSecond, n };
}

const w = buildWorld(new VirtualClock());
const rows = [];
for (const validate of [false, true]) {
  const tag = validate ? 'validating' : 'no DNSSEC';
  rows.push(
    await measure(`cold cache, ${tag}`, async (i) => {
      const e = engine(w, validate);
      await drive(w.clock, e.resolve(NAMES[i % NAMES.length]!, 'A', { do: true }));
    }),
  );
  const warm = engine(w, validate);
  for (const n of NAMES) await drive(w.clock, warm.resolve(n, 'A', { do: true }));
  rows.push(
    await measure(`warm cache, ${tag}`, async (i) => {
      await drive(w.clock, warm.resolve(NAMES[i % NAMES.length]!, 'A', { do: true }));
    }),
  );
}
const base = rows[0]!.perSecond;
process.stdout.write(`resolutions per second, in-process, ${seconds}s per case (${NAMES.length} names round-robin)\n`);
for (const r of rows)
  process.stdout.write(
    `${r.label.padEnd(26)} ${r.perSecond.toFixed(0).padStart(8)}/s  n=${String(r.n).padStart(6)}  ×${(r.perSecond / base).toFixed(2)} vs cold/no-DNSSEC\n`,
  );
