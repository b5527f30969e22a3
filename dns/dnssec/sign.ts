// Signing RRsets and whole zones (RFC 4034 §3.1.8.1 signature input, §4 NSEC,
// §6 canonical form; RFC 4035 §2 which RRsets a zone signs; RFC 5155 §7.1
// NSEC3 chains with opt-out). Times are handed in (lab clock), never read.

import { typeToNumber } from '../wire/types-map.ts';
import { ancestorWithLabels, canonicalName, joinName, labelCount, nameEquals, parentName } from '../name.ts';
import type { RRset } from '../rrset.ts';
import { DnslabError, type DnskeyData, type Name, type Nsec3Data, type RR, type RrsigData, type RRTypeName } from '../types.ts';
import { Zone } from '../zone/zone.ts';
import { makeDs, type DsDigestType } from './algorithms.ts';
import type { SigningKey } from './keys.ts';
import { base32hex } from '../base32hex.ts';
import { nsec3Hash, NSEC3_SHA1 } from './nsec3-hash.ts';
import { rrsigLabels, rrsigTime, signatureInput } from './signed-data.ts';

export class SigningError extends DnslabError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'SigningError';
  }
}

export interface RRsigOptions {
  /** Signer's Name (the zone apex). Defaults to the key's owner. */
  signer?: Name;
  /** Unix seconds. */
  inception: number;
  /** Unix seconds. */
  expiration: number;
  /**
   * Labels field (RFC 4034 §3.1.3). Defaults to the owner's label count without
   * a leading "*". Pass a smaller value to sign an answer synthesised from a
   * wildcard under its expanded owner (RFC 4035 §5.3.2).
   */
  labels?: number;
  /** Original TTL; defaults to the RRset TTL. */
  originalTTL?: number;
}

/** One RRSIG over `rrset` made with `key`. */
export function signRRset(rrset: RRset, key: SigningKey, options: RRsigOptions): RR {
  const data: Omit<RrsigData, 'signature'> = {
    typeCovered: rrset.type,
    algorithm: key.algorithm,
    labels: options.labels ?? rrsigLabels(rrset.name),
    originalTTL: options.originalTTL ?? rrset.ttl,
    expiration: rrsigTime(options.expiration),
    inception: rrsigTime(options.inception),
    keyTag: key.keyTag,
    signersName: options.signer ?? key.owner,
  };
  const signature = key.sign(signatureInput(rrset, data));
  return { name: rrset.name, type: 'RRSIG', class: rrset.class, ttl: rrset.ttl, data: { ...data, signature } };
}

// ---------------------------------------------------------------------------
// Zone signing

/** Deliberate breakage applied while signing a zone (incident reproduction). A quirk is data. */
export type ZoneSigningQuirk =
  /** Signatures over matching RRsets get these times instead (expired or not-yet-valid signatures). */
  | { kind: 'signature-validity'; owner?: Name; type?: RRTypeName; inception: number; expiration: number }
  /** No RRSIG for this RRset (optionally only the one by `keyTag`). */
  | { kind: 'missing-rrsig'; owner: Name; type: RRTypeName; keyTag?: number }
  /** Signature octets flipped so it no longer verifies (optionally only by `keyTag`). */
  | { kind: 'corrupt-signature'; owner: Name; type: RRTypeName; keyTag?: number }
  /** Leave these types out of the NSEC/NSEC3 type bitmap of `owner`. */
  | { kind: 'bitmap-omit'; owner: Name; types: RRTypeName[] };

export interface Nsec3Options {
  /** Default: empty salt (RFC 9276 §3.1). */
  salt?: Buffer;
  /** Additional iterations; default 0 (RFC 9276 §3.1). */
  iterations?: number;
  /** Opt-out (RFC 5155 §6): unsigned delegations get no NSEC3 of their own. */
  optOut?: boolean;
}

export interface SignZoneOptions {
  /** Unix seconds (from the lab clock). */
  inception: number;
  /** Unix seconds. */
  expiration: number;
  /** Default 'nsec'; 'none' signs RRsets without any denial chain. */
  denial?: 'nsec' | 'nsec3' | 'none';
  nsec3?: Nsec3Options;
  /** TTL of the DNSKEY RRset built from `keys`; default: an existing DNSKEY TTL, else 3600. */
  dnskeyTtl?: number;
  /** Publish CDS (these digest types, default [2]) and CDNSKEY for the KSKs (RFC 7344, RFC 8078). */
  cds?: boolean | { digestTypes: DsDigestType[] };
  /** DNSKEYs to publish without signing with them (pre-published keys, other operators' ZSKs in RFC 8901 multi-signer). */
  publish?: DnskeyData[];
  /**
   * Signing keys whose DNSKEY is NOT published: signatures before keys, the
   * first step of a conservative algorithm rollover (RFC 6781 §4.1.4).
   */
  withhold?: DnskeyData[];
  /** Leave out DNSKEY records already in the zone that belong to none of `keys`/`publish`. Default false (keep). */
  dropOtherDnskeys?: boolean;
  /** Keys that only sign DNSKEY/CDS/CDNSKEY are chosen per algorithm: SEP keys if a non-SEP key of that algorithm exists. */
  quirks?: ZoneSigningQuirk[];
}

const DNSSEC_TYPES = new Set<RRTypeName>(['RRSIG', 'NSEC', 'NSEC3', 'NSEC3PARAM']);
const KEY_SET_TYPES = new Set<RRTypeName>(['DNSKEY', 'CDS', 'CDNSKEY']);

/** Per algorithm: which keys sign the key set, which sign everything else (RFC 6781 §3.1, RFC 4035 §2.2). */
export function signingRoles(keys: readonly SigningKey[]): { keySetSigners: SigningKey[]; zoneSigners: SigningKey[] } {
  const keySetSigners: SigningKey[] = [];
  const zoneSigners: SigningKey[] = [];
  const algorithms = [...new Set(keys.map((k) => k.algorithm))];
  for (const alg of algorithms) {
    const of = keys.filter((k) => k.algorithm === alg);
    const sep = of.filter((k) => k.isKsk);
    const nonSep = of.filter((k) => !k.isKsk);
    keySetSigners.push(...(sep.length ? sep : nonSep));
    zoneSigners.push(...(nonSep.length ? nonSep : sep));
  }
  return { keySetSigners, zoneSigners };
}

/** RFC 9077 §3.1 / RFC 4034 §4: NSEC(3) TTL is min(SOA MINIMUM, SOA TTL). */
function negativeTtl(zone: Zone): number {
  const soa = zone.soaRRset();
  const data = zone.soa;
  if (!soa || !data) throw new SigningError('NO_SOA', `zone ${zone.origin} has no SOA at the apex; add one before signing`);
  return Math.min(soa.ttl, data.minimum);
}

function typeOrder(a: RRTypeName, b: RRTypeName): number {
  return typeToNumber(a) - typeToNumber(b);
}

interface NodeInfo {
  name: Name;
  kind: 'apex' | 'delegation' | 'authoritative';
  /** Authoritative types present (what the bitmap shows, before RRSIG/NSEC). */
  types: RRTypeName[];
  /** Types whose RRsets get signatures. */
  signed: RRTypeName[];
}

/** A DNAME at a strict ancestor of `name` (up to the apex) occludes it (RFC 6672 §2.4). */
export function isBelowDname(zone: Zone, name: Name): boolean {
  const originLabels = labelCount(zone.origin);
  for (let n = labelCount(name) - 1; n >= originLabels; n--) {
    if (zone.get(ancestorWithLabels(name, n), 'DNAME')) return true;
  }
  return false;
}

function classify(zone: Zone): NodeInfo[] {
  const out: NodeInfo[] = [];
  for (const name of zone.sortedNames()) {
    const sets = zone.rrsetsAt(name).filter((s) => !DNSSEC_TYPES.has(s.type));
    if (sets.length === 0) continue;
    if (zone.isBelowCut(name)) continue; // glue or occluded: not signed, not in the chain (RFC 4035 §2.2, §2.3)
    if (isBelowDname(zone, name)) continue; // occluded by a DNAME above it (RFC 6672 §2.4), as dnssec-signzone does
    const types = sets.map((s) => s.type);
    if (nameEquals(name, zone.origin)) {
      out.push({ name, kind: 'apex', types, signed: types });
    } else if (types.includes('NS')) {
      // Delegation point: NS (and any other data) is the child's; only DS is ours to sign (RFC 4035 §2.2).
      const authTypes = types.filter((t) => t === 'NS' || t === 'DS');
      out.push({ name, kind: 'delegation', types: authTypes, signed: types.includes('DS') ? ['DS'] : [] });
    } else {
      out.push({ name, kind: 'authoritative', types, signed: types });
    }
  }
  return out;
}

function matchesQuirk(q: { owner?: Name; type?: RRTypeName; keyTag?: number }, owner: Name, type: RRTypeName, keyTag?: number): boolean {
  if (q.owner !== undefined && !nameEquals(q.owner, owner)) return false;
  if (q.type !== undefined && q.type !== type) return false;
  if (q.keyTag !== undefined && keyTag !== undefined && q.keyTag !== keyTag) return false;
  return true;
}

/** Flip bits in a signature so it fails verification but keeps its length. */
export function flipSignatureOctets(sig: Buffer): Buffer {
  const out = Buffer.from(sig);
  if (out.length > 0) out[out.length >> 1] = out[out.length >> 1]! ^ 0xff;
  return out;
}

/**
 * Sign a zone: returns a NEW zone holding the original data plus DNSKEY
 * (+ CDS/CDNSKEY), RRSIGs and an NSEC or NSEC3 chain. Existing
 * RRSIG/NSEC/NSEC3/NSEC3PARAM records are dropped first (re-signing).
 * The SOA serial is left unchanged.
 */
export function signZone(input: Zone, keys: readonly SigningKey[], options: SignZoneOptions): Zone {
  if (keys.length === 0) throw new SigningError('NO_KEYS', `no signing keys for ${input.origin}; generate or load at least one`);
  for (const k of keys) {
    if (!nameEquals(k.owner, input.origin)) throw new SigningError('KEY_OWNER', `key ${k.bindBaseName} belongs to ${k.owner}, not zone ${input.origin}`);
  }
  if (options.expiration <= options.inception)
    throw new SigningError('BAD_VALIDITY', `expiration ${options.expiration} is not after inception ${options.inception}`);
  const origin = input.origin;
  const quirks = options.quirks ?? [];
  const zone = new Zone(origin);
  for (const rr of input.records()) if (!DNSSEC_TYPES.has(rr.type)) zone.add(rr);
  const nttl = negativeTtl(zone);

  // Apex key material: DNSKEY RRset = existing (unless dropped) ∪ published ∪ signing keys.
  const existingDnskey = zone.get(origin, 'DNSKEY');
  const dnskeyTtl = options.dnskeyTtl ?? existingDnskey?.ttl ?? 3600;
  const withheld = (d: DnskeyData) => (options.withhold ?? []).some((w) => w.algorithm === d.algorithm && w.flags === d.flags && w.key.equals(d.key));
  const wanted: DnskeyData[] = [...(options.publish ?? []), ...keys.map((k) => k.dnskey).filter((d) => !withheld(d))];
  const kept = options.dropOtherDnskeys ? [] : (existingDnskey?.records.map((r) => r.data as DnskeyData) ?? []);
  zone.remove(origin, 'DNSKEY');
  for (const d of [...kept, ...wanted]) zone.add({ name: origin, type: 'DNSKEY', class: 'IN', ttl: dnskeyTtl, data: { ...d, key: Buffer.from(d.key) } });
  if (options.cds) {
    const digestTypes = options.cds === true ? [2 as const] : options.cds.digestTypes;
    zone.remove(origin, 'CDS');
    zone.remove(origin, 'CDNSKEY');
    for (const k of keys.filter((key) => key.isKsk)) {
      zone.add({ name: origin, type: 'CDNSKEY', class: 'IN', ttl: dnskeyTtl, data: { ...k.dnskey, key: Buffer.from(k.dnskey.key) } });
      for (const dt of digestTypes) zone.add({ name: origin, type: 'CDS', class: 'IN', ttl: dnskeyTtl, data: makeDs(origin, k.dnskey, dt) });
    }
  }

  const denial = options.denial ?? 'nsec';
  const nodes = classify(zone);
  const { keySetSigners, zoneSigners } = signingRoles(keys);
  const sigs: RR[] = [];
  const signSet = (set: RRset): void => {
    const signers = KEY_SET_TYPES.has(set.type) && nameEquals(set.name, origin) ? keySetSigners : zoneSigners;
    for (const key of signers) {
      if (quirks.some((q) => q.kind === 'missing-rrsig' && matchesQuirk(q, set.name, set.type, key.keyTag))) continue;
      const validity = quirks.find((q) => q.kind === 'signature-validity' && matchesQuirk(q, set.name, set.type));
      const times = validity && validity.kind === 'signature-validity' ? validity : options;
      let rrsig = signRRset(set, key, { signer: origin, inception: times.inception, expiration: times.expiration });
      if (quirks.some((q) => q.kind === 'corrupt-signature' && matchesQuirk(q, set.name, set.type, key.keyTag))) {
        const d = rrsig.data as RrsigData;
        rrsig = { ...rrsig, data: { ...d, signature: flipSignatureOctets(d.signature) } };
      }
      sigs.push(rrsig);
    }
  };
  const bitmapOmit = (owner: Name): Set<RRTypeName> => {
    const s = new Set<RRTypeName>();
    for (const q of quirks) if (q.kind === 'bitmap-omit' && nameEquals(q.owner, owner)) for (const t of q.types) s.add(t);
    return s;
  };

  for (const node of nodes) {
    for (const type of node.signed) {
      const set = zone.get(node.name, type);
      if (set) signSet(set);
    }
  }

  const chain: RR[] = [];
  if (denial === 'nsec') {
    // RFC 4034 §4.1, RFC 4035 §2.3: one NSEC per authoritative owner and delegation point, in canonical order, wrapping to the apex.
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const next = nodes[(i + 1) % nodes.length]!.name;
      const omit = bitmapOmit(node.name);
      const types = [...new Set<RRTypeName>([...node.types, 'RRSIG', 'NSEC'])].filter((t) => !omit.has(t)).sort(typeOrder);
      chain.push({ name: node.name, type: 'NSEC', class: 'IN', ttl: nttl, data: { nextDomain: next, types } });
    }
  } else if (denial === 'nsec3') {
    chain.push(...buildNsec3Chain(zone, nodes, options.nsec3 ?? {}, nttl, bitmapOmit));
  }
  for (const rr of chain) zone.add(rr);
  // Chain RRsets are signed like any authoritative data (RFC 4035 §2.3, RFC 5155 §7.1).
  const chainSets = new Map<string, RRset>();
  for (const rr of chain) {
    const k = `${canonicalName(rr.name)}|${rr.type}`;
    if (!chainSets.has(k)) chainSets.set(k, zone.get(rr.name, rr.type)!);
  }
  if (denial === 'nsec3') {
    const p = zone.get(origin, 'NSEC3PARAM');
    if (p) signSet(p);
  }
  for (const set of chainSets.values()) signSet(set);
  for (const s of sigs) zone.add(s);
  return zone;
}

function buildNsec3Chain(zone: Zone, nodes: NodeInfo[], opts: Nsec3Options, ttl: number, bitmapOmit: (owner: Name) => Set<RRTypeName>): RR[] {
  const origin = zone.origin;
  const salt = opts.salt ?? Buffer.alloc(0);
  const iterations = opts.iterations ?? 0;
  if (salt.length > 255) throw new SigningError('BAD_NSEC3', `NSEC3 salt is ${salt.length} octets; at most 255 (RFC 5155 §3.2)`);
  const optOut = opts.optOut ?? false;
  zone.add({ name: origin, type: 'NSEC3PARAM', class: 'IN', ttl, data: { hashAlgorithm: NSEC3_SHA1, flags: 0, iterations, salt } });

  // RFC 5155 §7.1: every authoritative owner and delegation point (minus
  // insecure delegations under opt-out), plus the empty non-terminals above them.
  const entries = new Map<string, { name: Name; types: RRTypeName[] }>();
  const originLabels = labelCount(origin);
  for (const node of nodes) {
    if (optOut && node.kind === 'delegation' && !node.types.includes('DS')) continue;
    let types = [...node.types];
    if (nameEquals(node.name, origin)) types.push('NSEC3PARAM');
    if (node.signed.length > 0 || node.kind !== 'delegation') types.push('RRSIG');
    const omit = bitmapOmit(node.name);
    types = [...new Set(types)].filter((t) => !omit.has(t)).sort(typeOrder);
    entries.set(canonicalName(node.name), { name: node.name, types });
    for (let n = node.name; labelCount(n) > originLabels + 1;) {
      n = parentName(n);
      const key = canonicalName(n);
      if (!entries.has(key)) entries.set(key, { name: n, types: [] });
    }
  }
  const hashed = [...entries.values()].map((e) => ({ ...e, hash: nsec3Hash(e.name, salt, iterations) }));
  hashed.sort((a, b) => Buffer.compare(a.hash, b.hash));
  for (let i = 1; i < hashed.length; i++) {
    if (hashed[i]!.hash.equals(hashed[i - 1]!.hash))
      throw new SigningError('NSEC3_COLLISION', `NSEC3 hash collision between ${hashed[i - 1]!.name} and ${hashed[i]!.name}; choose another salt`);
  }
  return hashed.map((e, i) => {
    const next = hashed[(i + 1) % hashed.length]!;
    const data: Nsec3Data = { hashAlgorithm: NSEC3_SHA1, flags: optOut ? 1 : 0, iterations, salt, nextHashedOwner: next.hash, types: e.types };
    return { name: joinName(base32hex(e.hash), origin), type: 'NSEC3', class: 'IN', ttl, data } as RR;
  });
}

/** DS RDATA set for the zone's KSKs (what goes to the parent), as `dsset-` lines would list them. */
export function dsRecords(keys: readonly SigningKey[], digestTypes: readonly DsDigestType[] = [2], ttl = 86400): RR[] {
  const ksks = keys.filter((k) => k.isKsk);
  const from = ksks.length ? ksks : keys;
  return from.flatMap((k) => digestTypes.map((dt) => ({ name: k.owner, type: 'DS', class: 'IN', ttl, data: makeDs(k.owner, k.dnskey, dt) }) as RR));
}
