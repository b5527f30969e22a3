// Master-file parsing speed: records/second for our parser on a generated
// zone (default 100k records, a realistic mix of types), side by side with
// named-checkzone on the same file in the same run, and the ratio.
//
//   node --import tsx bench/zone-parse.ts [records]
//
// named-checkzone's time includes its process start and its integrity
// checks; a run on a tiny zone is printed too so the start-up cost is visible.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadZoneFile } from '../dns/zone/master-file.ts';
import { checkZone } from '../dns/zone/check.ts';

const target = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(target) || target < 10 || target > 5_000_000) throw new Error('records must be an integer 10..5000000');

function generate(n: number): string {
  const out: string[] = [
    '$ORIGIN bench.example.',
    '$TTL 3600',
    '@ SOA ns1 hostmaster 1 7200 3600 1209600 300',
    '@ NS ns1',
    '@ NS ns2.example.net.',
    'ns1 A 192.0.2.1',
  ];
  let i = 0;
  let count = 4;
  while (count < n) {
    const h = `host${i}`;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        out.push(`${h} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
        break;
      case 4:
        out.push(`${h} 300 IN AAAA 2001:db8::${(i & 0xffff).toString(16)}`);
        break;
      case 5:
        out.push(`${h} MX 10 mail${i}.example.net.`);
        break;
      case 6:
        out.push(`${h} TXT "v=spf1 ip4:192.0.2.0/24 -all" "record ${i}"`);
        break;
      case 7:
        out.push(`${h} CNAME host${i - 1}`);
        break;
      case 8:
        out.push(`_sip._udp.${h} SRV 10 60 5060 host${i - 8}`);
        break;
      default:
        out.push(`${h} ( 600 ; multi-line\n  IN CAA 0 issue "ca.example.net" )`);
    }
    i++;
    count++;
  }
  return out.join('\n') + '\n';
}

function timeBind(file: string, origin: string): number {
  const t0 = performance.now();
  const r = spawnSync('named-checkzone', ['-q', '-k', 'ignore', '-i', 'local', origin, file], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.error) throw new Error(`named-checkzone not runnable (${r.error.message}); install bind9-utils`);
  if (r.status !== 0) throw new Error(`named-checkzone rejected the generated zone: ${r.stdout}${r.stderr}`);
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), 'dnslab-bench-'));
try {
  const file = join(dir, 'bench.zone');
  writeFileSync(file, generate(target));
  const tiny = join(dir, 'tiny.zone');
  writeFileSync(tiny, generate(10));

  // Warm-up, then best of 3 for both.
  loadZoneFile(tiny, 'bench.example');
  let oursMs = Infinity;
  let size = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const zone = loadZoneFile(file, 'bench.example');
    oursMs = Math.min(oursMs, performance.now() - t0);
    size = zone.size;
  }
  let checkMs = Infinity;
  const zone = loadZoneFile(file, 'bench.example');
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const problems = checkZone(zone);
    checkMs = Math.min(checkMs, performance.now() - t0);
    if (problems.some((p) => p.severity === 'error')) throw new Error(`generated zone has errors: ${problems[0]!.message}`);
  }
  let bindMs = Infinity;
  let bindTinyMs = Infinity;
  for (let run = 0; run < 3; run++) {
    bindMs = Math.min(bindMs, timeBind(file, 'bench.example'));
    bindTinyMs = Math.min(bindTinyMs, timeBind(tiny, 'bench.example'));
  }
  const rate = (ms: number): string => `${Math.round(size / (ms / 1000)).toLocaleString('en-US')} records/s`;
  console.log(`zone: ${size} records (${target} requested), best of 3`);
  console.log(`dnslab loadZoneFile (parse + Zone)      ${oursMs.toFixed(0).padStart(7)} ms  ${rate(oursMs)}`);
  console.log(`dnslab checkZone                        ${checkMs.toFixed(0).padStart(7)} ms`);
  console.log(`named-checkzone (load + checks)         ${bindMs.toFixed(0).padStart(7)} ms  ${rate(bindMs)}`);
  console.log(`named-checkzone on a 10-record zone     ${bindTinyMs.toFixed(0).padStart(7)} ms  (process start-up)`);
  console.log(`ratio dnslab parse / named-checkzone    ${(oursMs / bindMs).toFixed(2)}x the time`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
