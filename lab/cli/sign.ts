// `dnslab sign`: sign a master file the way `dnssec-signzone` would, with keys
// in BIND's K*.key/K*.private format so the two tools can share them.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { algorithmMnemonic, isSigningAlgorithm, type DsDigestType } from '../../dns/dnssec/algorithms.ts';
import { generateKey, loadBindKeys, type SigningKey } from '../../dns/dnssec/keys.ts';
import { dsRecords, signZone, type SignZoneOptions } from '../../dns/dnssec/sign.ts';
import { normalizeName, toFqdn } from '../../dns/name.ts';
import type { DnskeyData } from '../../dns/types.ts';
import { loadZoneFile } from '../../dns/zone/master-file.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import { RealClock } from '../../net/clock.ts';
import {
  checkOutputPath,
  EXIT_OK,
  InputError,
  integerOption,
  parseCommandLine,
  parseSeed,
  UsageError,
  writeOutput,
  type CliCommand,
  type CliIO,
} from './command.ts';

const USAGE = `usage: dnslab sign ZONEFILE --origin NAME [options]

Signs ZONEFILE and writes the signed zone to stdout, the DS set to a file.

  --origin NAME         zone apex (required)
  --alg 8|13|15         RSASHA256, ECDSAP256SHA256 (default), ED25519
  --bits N              RSA modulus size for new keys (default 2048)
  --nsec3               NSEC3 instead of NSEC (RFC 5155)
    --salt HEX          NSEC3 salt ("-" or omitted: empty)
    --iterations N      NSEC3 additional iterations (default 0)
    --optout            NSEC3 opt-out: unsigned delegations get no NSEC3
  --keys DIR            key directory (default "."): existing K<origin>+AAA+TTTTT
                        key pairs are used; if none (of --alg), a KSK and a ZSK
                        are generated there. A DIR that does not exist is an
                        error (a typo would mean new keys and a DS set the
                        parent does not have) unless --new-keys is given
  --new-keys            create the --keys directory if it does not exist
  --seed N              derive newly generated keys from the integer N (reproducible)
  --ds-out FILE         DS set output (default dsset-ORIGIN.)
  --digest 2[,4]        DS digest types (default 2)
  --cds                 publish CDS/CDNSKEY for the KSKs at the apex
  --inception T         default now-1h; T is YYYYMMDDHHMMSS, Unix seconds,
  --expiration T        "now", or now+N / +N (seconds); default now+30d

exit status: 0 signed; 2 bad option, unreadable zone file, missing key
directory, no usable key, an output file that cannot be written.
`;

interface SignArgs {
  file: string;
  origin: string;
  alg?: number;
  bits?: number;
  nsec3: boolean;
  salt: Buffer;
  iterations: number;
  optOut: boolean;
  keysDir: string;
  newKeys: boolean;
  seed?: string;
  dsOut?: string;
  digests: DsDigestType[];
  cds: boolean;
  inception?: string;
  expiration?: string;
}

function parseSignArgs(argv: string[]): SignArgs {
  const { values: v, positionals } = parseCommandLine(
    argv,
    {
      origin: { type: 'string' },
      alg: { type: 'string' },
      bits: { type: 'string' },
      nsec3: { type: 'boolean' },
      salt: { type: 'string' },
      iterations: { type: 'string' },
      optout: { type: 'boolean' },
      keys: { type: 'string' },
      'new-keys': { type: 'boolean' },
      seed: { type: 'string' },
      'ds-out': { type: 'string' },
      digest: { type: 'string' },
      cds: { type: 'boolean' },
      inception: { type: 'string' },
      expiration: { type: 'string' },
    },
    1,
  );
  if (positionals.length !== 1) throw new UsageError('give exactly one ZONEFILE');
  if (!v.origin) throw new UsageError('--origin NAME is required');
  let alg: number | undefined;
  if (v.alg !== undefined) {
    alg = Number(v.alg);
    if (!/^[0-9]+$/.test(v.alg) || !isSigningAlgorithm(alg)) throw new UsageError(`--alg ${v.alg}: use 8 (RSASHA256), 13 (ECDSAP256SHA256) or 15 (ED25519)`);
  }
  if (v.salt !== undefined && v.salt !== '-' && !/^([0-9a-fA-F]{2})*$/.test(v.salt)) throw new UsageError(`--salt ${v.salt}: expected hex octets or "-"`);
  const digests = v.digest === undefined ? [2] : v.digest.split(',').map((d) => (/^[124]$/.test(d) ? Number(d) : NaN));
  if (digests.some((d) => Number.isNaN(d))) throw new UsageError('--digest takes 1, 2 and/or 4, comma separated');
  if (!v.nsec3 && (v.salt !== undefined || v.iterations !== undefined || v.optout)) throw new UsageError('--salt, --iterations and --optout need --nsec3');
  if (v['ds-out'] !== undefined) checkOutputPath(v['ds-out'], '--ds-out');
  return {
    file: positionals[0]!,
    origin: v.origin,
    ...(alg === undefined ? {} : { alg }),
    ...(v.bits === undefined ? {} : { bits: integerOption(v.bits, '--bits', 512, 16384) }),
    nsec3: v.nsec3 ?? false,
    salt: v.salt === undefined || v.salt === '-' ? Buffer.alloc(0) : Buffer.from(v.salt, 'hex'),
    iterations: v.iterations === undefined ? 0 : integerOption(v.iterations, '--iterations', 0, 65535),
    optOut: v.optout ?? false,
    keysDir: v.keys ?? '.',
    newKeys: v['new-keys'] ?? false,
    ...(v.seed === undefined ? {} : { seed: parseSeed(v.seed) }),
    ...(v['ds-out'] === undefined ? {} : { dsOut: v['ds-out'] }),
    digests: digests as DsDigestType[],
    cds: v.cds ?? false,
    ...(v.inception === undefined ? {} : { inception: v.inception }),
    ...(v.expiration === undefined ? {} : { expiration: v.expiration }),
  };
}

/** Parse a signing time: YYYYMMDDHHMMSS, Unix seconds, "now", now+N or +N. */
export function parseSignTime(text: string, now: number, flag: string): number {
  const rel = /^(?:now)?\+(\d+)$/.exec(text);
  if (text === 'now') return now;
  if (rel) return now + Number(rel[1]);
  const abs = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (abs) return Date.UTC(Number(abs[1]), Number(abs[2]) - 1, Number(abs[3]), Number(abs[4]), Number(abs[5]), Number(abs[6])) / 1000;
  if (/^\d{1,10}$/.test(text)) return Number(text);
  throw new UsageError(`${flag} ${text}: expected YYYYMMDDHHMMSS, Unix seconds, now, or now+SECONDS`);
}

/**
 * Keys for the zone: every pair in the directory (of --alg, if given), split
 * by BIND timing metadata into signing keys (active, not inactive) and keys
 * only published (Publish reached, Activate not yet, or Inactive reached but
 * Delete not). None found: generate a KSK and a ZSK into the directory.
 */
function chooseKeys(args: SignArgs, now: number, io: CliIO): { sign: SigningKey[]; publish: DnskeyData[] } {
  // A mistyped --keys must not quietly become new keys (and a DS set the parent does not have).
  if (!existsSync(args.keysDir)) {
    if (!args.newKeys)
      throw new InputError(`--keys ${args.keysDir}: no such directory (add --new-keys to create it with a new KSK and ZSK, and a new DS set for the parent)`);
    mkdirSync(args.keysDir, { recursive: true });
  } else if (!statSync(args.keysDir).isDirectory()) throw new InputError(`--keys ${args.keysDir} is not a directory`);
  let keys = loadBindKeys(args.keysDir, args.origin);
  if (args.alg !== undefined) keys = keys.filter((k) => k.algorithm === args.alg);
  if (keys.length === 0) {
    const algorithm = (args.alg ?? 13) as 8 | 13 | 15;
    const timing = { created: now, publish: now, activate: now };
    const base = { algorithm, owner: args.origin, timing, ...(args.bits !== undefined ? { bits: args.bits } : {}) };
    const ksk = generateKey({ ...base, ksk: true, ...(args.seed !== undefined ? { seed: `${args.seed}/ksk` } : {}) });
    const zsk = generateKey({ ...base, ksk: false, ...(args.seed !== undefined ? { seed: `${args.seed}/zsk` } : {}) });
    for (const k of [ksk, zsk])
      io.stderr.write(`dnslab sign: generated ${k.isKsk ? 'KSK' : 'ZSK'} ${k.writeBindFiles(args.keysDir)} (${algorithmMnemonic(k.algorithm)})\n`);
    return { sign: [ksk, zsk], publish: [] };
  }
  const sign: SigningKey[] = [];
  const publish: DnskeyData[] = [];
  for (const k of keys) {
    const t = k.timing;
    if (t.delete !== undefined && t.delete <= now) continue;
    const published = t.publish === undefined || t.publish <= now || (t.activate !== undefined && t.activate <= now);
    const active = (t.activate === undefined || t.activate <= now) && (t.inactive === undefined || t.inactive > now);
    if (active) sign.push(k);
    else if (published) publish.push(k.dnskey);
  }
  if (sign.length === 0)
    throw new InputError(`no active key for ${args.origin} in ${args.keysDir} (check Activate/Inactive times, or remove the files to generate new keys)`);
  return { sign, publish };
}

export const signCommand: CliCommand = {
  name: 'sign',
  summary: 'sign a zone file (NSEC/NSEC3, alg 8/13/15) with BIND-format keys; writes the DS set',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseSignArgs(argv);
    const origin = normalizeName(args.origin);
    const now = Math.floor(new RealClock().now() / 1000);
    const inception = args.inception !== undefined ? parseSignTime(args.inception, now, '--inception') : now - 3600;
    const expiration = args.expiration !== undefined ? parseSignTime(args.expiration, now, '--expiration') : now + 30 * 86400;
    if (expiration <= inception) throw new UsageError('--expiration must be after --inception');
    const zone = loadZoneFile(args.file, origin);
    const { sign, publish } = chooseKeys({ ...args, origin }, now, io);
    const options: SignZoneOptions = { inception, expiration, denial: args.nsec3 ? 'nsec3' : 'nsec', publish, cds: args.cds };
    if (args.nsec3) options.nsec3 = { salt: args.salt, iterations: args.iterations, optOut: args.optOut };
    const signed = signZone(zone, sign, options);
    io.stdout.write(writeMasterFile(signed, origin));
    const dsFile = args.dsOut ?? `dsset-${toFqdn(origin)}`;
    writeOutput(
      io,
      dsFile,
      dsRecords(sign, args.digests)
        .map((rr) => formatRecord(rr))
        .join('\n') + '\n',
    );
    io.stderr.write(
      `dnslab sign: ${origin}: ${sign.length} signing key(s) ${sign.map((k) => `${k.keyTag}/${algorithmMnemonic(k.algorithm)}${k.isKsk ? '/KSK' : ''}`).join(', ')}; DS set in ${dsFile}\n`,
    );
    return EXIT_OK;
  },
};
