// `dnslab sign`: sign a master file the way `dnssec-signzone` would, with keys
// in BIND's K*.key/K*.private format so the two tools can share them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { algorithmMnemonic, isSigningAlgorithm, type DsDigestType } from '../../dns/dnssec/algorithms.ts';
import { generateKey, loadBindKeys, type SigningKey } from '../../dns/dnssec/keys.ts';
import { dsRecords, signZone, type SignZoneOptions } from '../../dns/dnssec/sign.ts';
import { normalizeName, toFqdn } from '../../dns/name.ts';
import type { DnskeyData } from '../../dns/types.ts';
import { loadZoneFile } from '../../dns/zone/master-file.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import { RealClock } from '../../net/clock.ts';
import { UsageError, type CliCommand, type CliIO } from './command.ts';

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
                        are generated there
  --seed TEXT           derive newly generated keys from TEXT (reproducible)
  --ds-out FILE         DS set output (default dsset-ORIGIN.)
  --digest 2[,4]        DS digest types (default 2)
  --cds                 publish CDS/CDNSKEY for the KSKs at the apex
  --inception T         default now-1h; T is YYYYMMDDHHMMSS, Unix seconds,
  --expiration T        "now", or now+N / +N (seconds); default now+30d
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
  seed?: string;
  dsOut?: string;
  digests: DsDigestType[];
  cds: boolean;
  inception?: string;
  expiration?: string;
}

function parseArgs(argv: string[]): SignArgs {
  const out: Partial<SignArgs> & { nsec3: boolean; optOut: boolean; cds: boolean } = { nsec3: false, optOut: false, cds: false };
  const need = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const positional: string[] = [];
  let saltSeen = false;
  let iterSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case '--origin':
        out.origin = need(i++, a);
        break;
      case '--alg': {
        const v = Number(need(i++, a));
        if (!isSigningAlgorithm(v)) throw new UsageError(`--alg ${argv[i]}: use 8 (RSASHA256), 13 (ECDSAP256SHA256) or 15 (ED25519)`);
        out.alg = v;
        break;
      }
      case '--bits': {
        const v = Number(need(i++, a));
        if (!Number.isInteger(v)) throw new UsageError('--bits needs an integer');
        out.bits = v;
        break;
      }
      case '--nsec3':
        out.nsec3 = true;
        break;
      case '--salt': {
        const v = need(i++, a);
        if (v !== '-' && !/^([0-9a-fA-F]{2})*$/.test(v)) throw new UsageError(`--salt ${v}: expected hex octets or "-"`);
        out.salt = v === '-' ? Buffer.alloc(0) : Buffer.from(v, 'hex');
        saltSeen = true;
        break;
      }
      case '--iterations': {
        const v = Number(need(i++, a));
        if (!Number.isInteger(v) || v < 0 || v > 65535) throw new UsageError('--iterations needs an integer 0..65535');
        out.iterations = v;
        iterSeen = true;
        break;
      }
      case '--optout':
        out.optOut = true;
        break;
      case '--keys':
        out.keysDir = need(i++, a);
        break;
      case '--seed':
        out.seed = need(i++, a);
        break;
      case '--ds-out':
        out.dsOut = need(i++, a);
        break;
      case '--digest': {
        const list = need(i++, a).split(',').map(Number);
        if (list.some((d) => d !== 1 && d !== 2 && d !== 4)) throw new UsageError('--digest takes 1, 2 and/or 4, comma separated');
        out.digests = list as DsDigestType[];
        break;
      }
      case '--cds':
        out.cds = true;
        break;
      case '--inception':
        out.inception = need(i++, a);
        break;
      case '--expiration':
        out.expiration = need(i++, a);
        break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        positional.push(a);
    }
  }
  if (positional.length !== 1) throw new UsageError('give exactly one ZONEFILE');
  if (!out.origin) throw new UsageError('--origin NAME is required');
  if (!out.nsec3 && (saltSeen || iterSeen || out.optOut)) throw new UsageError('--salt, --iterations and --optout need --nsec3');
  return {
    ...out,
    file: positional[0]!,
    origin: out.origin,
    salt: out.salt ?? Buffer.alloc(0),
    iterations: out.iterations ?? 0,
    keysDir: out.keysDir ?? '.',
    digests: out.digests ?? [2],
  } as SignArgs;
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
  mkdirSync(args.keysDir, { recursive: true });
  let keys = loadBindKeys(args.keysDir, args.origin);
  if (args.alg !== undefined) keys = keys.filter((k) => k.algorithm === args.alg);
  if (keys.length === 0) {
    const algorithm = (args.alg ?? 13) as 8 | 13 | 15;
    const timing = { created: now, publish: now, activate: now };
    const base = { algorithm, owner: args.origin, timing, ...(args.bits !== undefined ? { bits: args.bits } : {}) };
    const ksk = generateKey({ ...base, ksk: true, ...(args.seed !== undefined ? { seed: `${args.seed}/ksk` } : {}) });
    const zsk = generateKey({ ...base, ksk: false, ...(args.seed !== undefined ? { seed: `${args.seed}/zsk` } : {}) });
    for (const k of [ksk, zsk]) io.stderr.write(`dnslab sign: generated ${k.isKsk ? 'KSK' : 'ZSK'} ${k.writeBindFiles(args.keysDir)} (${algorithmMnemonic(k.algorithm)})\n`);
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
  if (sign.length === 0) throw new UsageError(`no active key for ${args.origin} in ${args.keysDir} (check Activate/Inactive times, or remove the files to generate new keys)`);
  return { sign, publish };
}

export const signCommand: CliCommand = {
  name: 'sign',
  summary: 'sign a zone file (NSEC/NSEC3, alg 8/13/15) with BIND-format keys; writes the DS set',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseArgs(argv);
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
    writeFileSync(dsFile, dsRecords(sign, args.digests).map((rr) => formatRecord(rr)).join('\n') + '\n');
    io.stderr.write(`dnslab sign: ${origin}: ${sign.length} signing key(s) ${sign.map((k) => `${k.keyTag}/${algorithmMnemonic(k.algorithm)}${k.isKsk ? '/KSK' : ''}`).join(', ')}; DS set in ${dsFile}\n`);
    return 0;
  },
};
