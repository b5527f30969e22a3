// Signing throughput: dnslab's signZone against BIND's dnssec-signzone on the
// same generated zone, same keys (exported by dnslab in BIND format), same
// algorithm and denial mode, in one run. Prints RRsets/s for both and the ratio.
//
//   node --import tsx bench/sign.ts [--size 100000] [--rsa-size 20000] [--alg 8,13,15] [--nsec3] [--threads N] [--repeat N]
//
// RRsets counted are the authoritative RRsets of the input zone (what gets
// signed besides the NSEC/NSEC3 chain, which both signers also build and sign).
// dnssec-signzone runs single-threaded (-n 1) by default, since signZone is
// single-threaded; --threads N passes -n N instead.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { algorithmMnemonic } from '../dns/dnssec/algorithms.ts';
import { generateKey } from '../dns/dnssec/keys.ts';
import { signZone } from '../dns/dnssec/sign.ts';
import { loadZoneFile } from '../dns/zone/master-file.ts';
import { writeMasterFile } from '../dns/zone/writer.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const size = Number(arg('--size', '100000'));
const rsaSize = Number(arg('--rsa-size', '20000'));
const algs = arg('--alg', '8,13,15').split(',').map(Number) as Array<8 | 13 | 15>;
const nsec3 = process.argv.includes('--nsec3');
const threads = Number(arg('--threads', '1'));
const repeat = Math.max(1, Number(arg('--repeat', '1')));
const ORIGIN = 'bench.test';

/** A zone of `n` RRsets below the apex: mostly A, with AAAA, TXT, MX mixed in and some delegations with glue. */
function zoneText(n: number): { text: string; rrsets: number } {
  const lines = ['$TTL 3600', `@ SOA ns1 hostmaster 1 7200 3600 1209600 300`, '@ NS ns1', 'ns1 A 192.0.2.53'];
  let rrsets = 3;
  for (let i = 0; rrsets < n; i++) {
    const h = `h${i}`;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    switch (i % 10) {
      case 0:
        lines.push(`${h} A ${ip}`, `${h} AAAA 2001:db8::${(i & 0xffff).toString(16)}`);
        rrsets += 2;
        break;
      case 1:
        lines.push(`${h} TXT "v=spf1 ip4:${ip} -all"`);
        rrsets += 1;
        break;
      case 2:
        lines.push(`${h} MX 10 mail.${h}`, `mail.${h} A ${ip}`);
        rrsets += 2;
        break;
      case 3:
        // Delegation with glue: NS unsigned, glue unsigned, only the NSEC is signed there.
        lines.push(`${h} NS ns.${h}`, `ns.${h} A ${ip}`);
        rrsets += 1;
        break;
      default:
        lines.push(`${h} A ${ip}`);
        rrsets += 1;
    }
  }
  return { text: lines.join('\n') + '\n', rrsets };
}

const dir = mkdtempSync(join(tmpdir(), 'dnslab-bench-sign-'));
try {
  const probe = spawnSync('dnssec-signzone', ['-h'], { encoding: 'utf8' });
  if (probe.error) throw new Error('dnssec-signzone not found: install the Debian package bind9-utils');
  const now = Math.floor(Date.now() / 1000); // bench only: BIND checks key activation against the host clock
  const inception = now - 3600;
  const expiration = now + 30 * 86400;
  console.log(
    `# dnslab signZone vs dnssec-signzone -n ${threads}, ${nsec3 ? 'NSEC3 (salt -, 0 iterations)' : 'NSEC'}, KSK+ZSK, node ${process.version}, best of ${repeat}`,
  );
  console.log('alg                 rrsets   dnslab sign-only   dnslab file-to-file   dnssec-signzone   dnslab/BIND (RRsets/s, file-to-file)');
  for (const alg of algs) {
    const n = alg === 8 ? rsaSize : size;
    const { text, rrsets } = zoneText(n);
    const zoneFile = join(dir, `zone-${alg}.db`);
    writeFileSync(zoneFile, text);
    const keyDir = join(dir, `keys-${alg}`);
    const timing = { created: now - 86400, publish: now - 86400, activate: now - 86400 };
    const keys = [generateKey({ algorithm: alg, owner: ORIGIN, ksk: true, timing }), generateKey({ algorithm: alg, owner: ORIGIN, timing })];
    spawnSync('mkdir', ['-p', keyDir]);
    for (const k of keys) k.writeBindFiles(keyDir);
    const options = { inception, expiration, denial: nsec3 ? ('nsec3' as const) : ('nsec' as const) };

    let signOnly = Infinity;
    let fileToFile = Infinity;
    let bind = Infinity;
    // Alternate the two signers `--repeat` times and keep each one's best time: on a shared
    // machine the best run is the one least disturbed by other load.
    for (let round = 0; round < repeat; round++) {
      // dnslab: load + sign + write (like the CLI), and the signing step alone.
      const t0 = performance.now();
      const zone = loadZoneFile(zoneFile, ORIGIN);
      const t1 = performance.now();
      const signed = signZone(zone, keys, options);
      const t2 = performance.now();
      writeFileSync(join(dir, `dnslab-${alg}.db`), writeMasterFile(signed, ORIGIN));
      const t3 = performance.now();
      signOnly = Math.min(signOnly, (t2 - t1) / 1000);
      fileToFile = Math.min(fileToFile, (t3 - t0) / 1000);

      // BIND on the same file with the same keys.
      const args = [
        '-K',
        keyDir,
        '-o',
        ORIGIN,
        '-f',
        join(dir, `bind-${alg}.db`),
        '-S',
        '-n',
        String(threads),
        '-s',
        String(inception),
        '-e',
        String(expiration),
      ];
      if (nsec3) args.push('-3', '-', '-H', '0');
      const b0 = performance.now();
      const r = spawnSync('dnssec-signzone', [...args, zoneFile], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
      bind = Math.min(bind, (performance.now() - b0) / 1000);
      if (r.status !== 0) throw new Error(`dnssec-signzone failed: ${r.stderr}`);
    }

    const rate = (s: number) => `${Math.round(rrsets / s)}/s`.padStart(9);
    console.log(
      `${`${alg} ${algorithmMnemonic(alg)}`.padEnd(18)}${String(rrsets).padStart(7)}   ${rate(signOnly)} (${signOnly.toFixed(1)}s)  ${rate(fileToFile)} (${fileToFile.toFixed(1)}s)     ${rate(bind)} (${bind.toFixed(1)}s)   ${(bind / fileToFile).toFixed(2)}`,
    );
  }
  if (algs.includes(8) && rsaSize !== size) console.log(`# RSASHA256 ran on ${rsaSize} RRsets (--rsa-size) to keep the run bounded; the others on ${size}.`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
