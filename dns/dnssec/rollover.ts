// Key rollover and multi-signer primitives (RFC 6781 §4.1, RFC 7583 timing,
// RFC 8901 multi-signer). A `KeyState` says which keys a zone publishes, which
// of them sign, which DNSKEYs of other operators it carries, and which DS the
// parent should hold. Every primitive returns a NEW state, so a scenario can
// keep the sequence of states and step through it on the lab clock:
//
//   const s0 = initialKeyState('example.jp', [ksk, zsk]);
//   const steps = zskPrePublishRollover(s0, newZsk);   // [{ name, state }, ...]
//   for (const step of steps) { signed = signWithState(zone, step.state, {...}); ... wait TTLs ... }
//
// Waiting (DNSKEY TTL, DS TTL, maximum zone TTL between steps) is the
// scenario's business: RFC 7583 gives the intervals; the lab clock provides time.

import { nameEquals } from '../name.ts';
import type { DnskeyData, DsData, Name, RR } from '../types.ts';
import type { Zone } from '../zone/zone.ts';
import { makeDs, type DsDigestType } from './algorithms.ts';
import type { SigningKey } from './keys.ts';
import { KeyError } from './public-key.ts';
import { signZone, type SignZoneOptions } from './sign.ts';

export interface KeyState {
  origin: Name;
  /** Keys whose DNSKEY is in the zone's DNSKEY RRset. */
  published: readonly SigningKey[];
  /** Keys that make signatures (normally also published; see signBeforePublish). */
  active: readonly SigningKey[];
  /** DNSKEYs of other signers published here (RFC 8901 model 2: the other providers' ZSKs). */
  foreign: readonly DnskeyData[];
  /** The DS RRset the parent should publish. */
  ds: readonly DsData[];
}

const same = (a: SigningKey, b: SigningKey): boolean =>
  a.keyTag === b.keyTag && a.algorithm === b.algorithm && a.dnskey.key.equals(b.dnskey.key) && a.flags === b.flags;
const sameDnskey = (a: DnskeyData, b: DnskeyData): boolean => a.algorithm === b.algorithm && a.flags === b.flags && a.key.equals(b.key);
const sameDs = (a: DsData, b: DsData): boolean =>
  a.keyTag === b.keyTag && a.algorithm === b.algorithm && a.digestType === b.digestType && a.digest.equals(b.digest);

function checkOwner(state: KeyState, key: SigningKey): void {
  if (!nameEquals(state.origin, key.owner)) throw new KeyError('KEY_MISMATCH', `key ${key.bindBaseName} belongs to ${key.owner}, not ${state.origin}`);
}

/** All keys published and signing; DS for the KSKs (digest type 2 by default). */
export function initialKeyState(origin: Name, keys: readonly SigningKey[], digestTypes: readonly DsDigestType[] = [2]): KeyState {
  const state: KeyState = { origin, published: [...keys], active: [...keys], foreign: [], ds: [] };
  for (const k of keys) checkOwner(state, k);
  const ksks = keys.filter((k) => k.isKsk);
  return { ...state, ds: (ksks.length ? ksks : keys).flatMap((k) => digestTypes.map((dt) => makeDs(origin, k.dnskey, dt))) };
}

/** Publish a key's DNSKEY without signing with it (pre-publication, RFC 6781 §4.1.1.1). */
export function prePublish(state: KeyState, key: SigningKey): KeyState {
  checkOwner(state, key);
  if (state.published.some((k) => same(k, key))) return state;
  return { ...state, published: [...state.published, key] };
}

/** Start signing with a key (publishing it if needed). With the old key still active this is the double-signature phase (RFC 6781 §4.1.1.2). */
export function activate(state: KeyState, key: SigningKey): KeyState {
  const s = prePublish(state, key);
  if (s.active.some((k) => same(k, key))) return s;
  return { ...s, active: [...s.active, key] };
}

/** Sign with a key whose DNSKEY is not published yet (RFC 6781 §4.1.4 step 1 of an algorithm rollover). */
export function signBeforePublish(state: KeyState, key: SigningKey): KeyState {
  checkOwner(state, key);
  if (state.active.some((k) => same(k, key))) return state;
  return { ...state, active: [...state.active, key] };
}

/** Stop signing with a key but keep its DNSKEY published (post-publication, so cached signatures still validate). */
export function retire(state: KeyState, key: SigningKey): KeyState {
  return { ...state, active: state.active.filter((k) => !same(k, key)) };
}

/** Remove a key from the DNSKEY RRset (and from the signers). */
export function removeKey(state: KeyState, key: SigningKey): KeyState {
  return { ...state, published: state.published.filter((k) => !same(k, key)), active: state.active.filter((k) => !same(k, key)) };
}

/** A key with the REVOKE bit (RFC 5011 §2.1) replacing the original, still signing the DNSKEY RRset. */
export function revoke(state: KeyState, key: SigningKey): KeyState {
  const revoked = key.withFlags(key.flags | 0x80);
  const swap = (list: readonly SigningKey[]) => list.map((k) => (same(k, key) ? revoked : k));
  return { ...state, published: swap(state.published), active: swap(state.active) };
}

/** Add a DS for `key` at the parent (double-DS phase when the old DS stays, RFC 6781 §4.1.2). */
export function addDs(state: KeyState, key: SigningKey | DsData, digestType: DsDigestType = 2): KeyState {
  const ds = 'dnskey' in key ? makeDs(state.origin, key.dnskey, digestType) : key;
  if (state.ds.some((d) => sameDs(d, ds))) return state;
  return { ...state, ds: [...state.ds, ds] };
}

/** Remove every DS for `key` (or with that key tag). */
export function removeDs(state: KeyState, key: SigningKey | number): KeyState {
  const tag = typeof key === 'number' ? key : key.keyTag;
  return { ...state, ds: state.ds.filter((d) => d.keyTag !== tag) };
}

/** Publish another operator's DNSKEY (RFC 8901 §2.1.2; RFC 6781 §4.3.5.1 cooperative transfer). */
export function addForeignDnskey(state: KeyState, dnskey: DnskeyData): KeyState {
  if (state.foreign.some((d) => sameDnskey(d, dnskey))) return state;
  return { ...state, foreign: [...state.foreign, { ...dnskey, key: Buffer.from(dnskey.key) }] };
}

/** Sign `zone` as this state says: DNSKEY RRset = published + foreign exactly, signatures by the active keys. */
export function signWithState(zone: Zone, state: KeyState, options: Omit<SignZoneOptions, 'publish' | 'dropOtherDnskeys'>): Zone {
  if (!nameEquals(zone.origin, state.origin)) throw new KeyError('KEY_MISMATCH', `key state is for ${state.origin}, zone is ${zone.origin}`);
  const publishOnly = state.published.filter((k) => !state.active.some((a) => same(a, k))).map((k) => k.dnskey);
  const withhold = state.active.filter((k) => !state.published.some((p) => same(p, k))).map((k) => k.dnskey);
  return signZone(zone, state.active, { ...options, publish: [...publishOnly, ...state.foreign], withhold, dropOtherDnskeys: true });
}

/**
 * For online signing: make the zone's DNSKEY RRset exactly published + foreign
 * keys and return the keys that sign (hand them to `OnlineSigner.setKeys`).
 */
export function publishState(zone: Zone, state: KeyState, ttl?: number): SigningKey[] {
  if (!nameEquals(zone.origin, state.origin)) throw new KeyError('KEY_MISMATCH', `key state is for ${state.origin}, zone is ${zone.origin}`);
  const t = ttl ?? zone.get(zone.origin, 'DNSKEY')?.ttl ?? 3600;
  zone.remove(zone.origin, 'DNSKEY');
  for (const d of [...state.published.map((k) => k.dnskey), ...state.foreign])
    zone.add({ name: zone.origin, type: 'DNSKEY', class: 'IN', ttl: t, data: { ...d, key: Buffer.from(d.key) } });
  return [...state.active];
}

/** The DS RRset for the parent zone. */
export function dsRRset(state: KeyState, ttl = 86400): RR[] {
  return state.ds.map((data) => ({ name: state.origin, type: 'DS', class: 'IN', ttl, data: { ...data, digest: Buffer.from(data.digest) } }) as RR);
}

export interface RolloverStep {
  /** What changed, for the scenario timeline. */
  name: string;
  state: KeyState;
  /** What the operator must wait for before the next step (RFC 7583), in words. */
  waitBeforeNext?: string;
}

/** ZSK rollover by pre-publication (RFC 6781 §4.1.1.1). */
export function zskPrePublishRollover(state: KeyState, oldZsk: SigningKey, newZsk: SigningKey): RolloverStep[] {
  const s1 = prePublish(state, newZsk);
  const s2 = retire(activate(s1, newZsk), oldZsk);
  const s3 = removeKey(s2, oldZsk);
  return [
    { name: `pre-publish ZSK ${newZsk.keyTag}`, state: s1, waitBeforeNext: 'DNSKEY TTL (+ propagation delay)' },
    { name: `sign with ZSK ${newZsk.keyTag}, retire ${oldZsk.keyTag}`, state: s2, waitBeforeNext: 'maximum TTL of the signed RRsets' },
    { name: `remove ZSK ${oldZsk.keyTag}`, state: s3 },
  ];
}

/** ZSK rollover by double signature (RFC 6781 §4.1.1.2). */
export function zskDoubleSignatureRollover(state: KeyState, oldZsk: SigningKey, newZsk: SigningKey): RolloverStep[] {
  const s1 = activate(state, newZsk);
  const s2 = removeKey(s1, oldZsk);
  return [
    { name: `double signatures: ZSK ${oldZsk.keyTag} and ${newZsk.keyTag}`, state: s1, waitBeforeNext: 'maximum of DNSKEY TTL and the signed RRsets TTLs' },
    { name: `remove ZSK ${oldZsk.keyTag}`, state: s2 },
  ];
}

/** KSK rollover by double DS (RFC 6781 §4.1.2): DS first, then swap the keys, then drop the old DS. */
export function kskDoubleDsRollover(state: KeyState, oldKsk: SigningKey, newKsk: SigningKey, digestType: DsDigestType = 2): RolloverStep[] {
  const s1 = addDs(state, newKsk, digestType);
  const s2 = removeKey(activate(s1, newKsk), oldKsk);
  const s3 = removeDs(s2, oldKsk);
  return [
    { name: `add DS for KSK ${newKsk.keyTag} (double DS)`, state: s1, waitBeforeNext: 'DS TTL at the parent (+ parent propagation)' },
    { name: `swap KSK ${oldKsk.keyTag} -> ${newKsk.keyTag}`, state: s2, waitBeforeNext: 'DNSKEY TTL' },
    { name: `remove DS for KSK ${oldKsk.keyTag}`, state: s3 },
  ];
}

/** KSK rollover by double signature (RFC 6781 §4.1.2): both KSKs sign the DNSKEY RRset while the DS changes. */
export function kskDoubleSignatureRollover(state: KeyState, oldKsk: SigningKey, newKsk: SigningKey, digestType: DsDigestType = 2): RolloverStep[] {
  const s1 = activate(state, newKsk);
  const s2 = removeDs(addDs(s1, newKsk, digestType), oldKsk);
  const s3 = removeKey(s2, oldKsk);
  return [
    { name: `publish KSK ${newKsk.keyTag}, DNSKEY RRset signed by both KSKs`, state: s1, waitBeforeNext: 'DNSKEY TTL' },
    { name: `replace DS ${oldKsk.keyTag} by ${newKsk.keyTag} at the parent`, state: s2, waitBeforeNext: 'DS TTL at the parent (+ parent propagation)' },
    { name: `remove KSK ${oldKsk.keyTag}`, state: s3 },
  ];
}

/**
 * Algorithm rollover, conservative approach (RFC 6781 §4.1.4): new-algorithm
 * signatures first (so caches hold them before the keys appear), then the new
 * DNSKEYs, then the DS, then the old DNSKEYs go, then the old signatures.
 */
export function algorithmRollover(
  state: KeyState,
  oldKeys: readonly SigningKey[],
  newKeys: readonly SigningKey[],
  digestType: DsDigestType = 2,
): RolloverStep[] {
  const s1 = newKeys.reduce(signBeforePublish, state);
  const s2 = newKeys.reduce(prePublish, s1);
  const newKsks = newKeys.filter((k) => k.isKsk);
  const s3 = (newKsks.length ? newKsks : newKeys).reduce((s, k) => addDs(s, k, digestType), oldKeys.reduce(removeDs, s2));
  const s4 = { ...s3, published: s3.published.filter((k) => !oldKeys.some((o) => same(o, k))) };
  const s5 = oldKeys.reduce(removeKey, s4);
  const algs = (keys: readonly SigningKey[]) => [...new Set(keys.map((k) => k.algorithm))].join('/');
  return [
    { name: `sign with algorithm ${algs(newKeys)} too (DNSKEYs not yet published)`, state: s1, waitBeforeNext: 'maximum TTL of the signed RRsets' },
    { name: `publish the algorithm ${algs(newKeys)} DNSKEYs`, state: s2, waitBeforeNext: 'DNSKEY TTL' },
    { name: `replace the DS: algorithm ${algs(oldKeys)} -> ${algs(newKeys)}`, state: s3, waitBeforeNext: 'DS TTL at the parent (+ parent propagation)' },
    { name: `remove the algorithm ${algs(oldKeys)} DNSKEYs`, state: s4, waitBeforeNext: 'DNSKEY TTL' },
    { name: `remove the algorithm ${algs(oldKeys)} signatures`, state: s5 },
  ];
}

/**
 * RFC 8901 model 2 (each provider its own KSK and ZSK): every provider
 * publishes the ZSKs of all providers (signatures from any of them then
 * validate against any provider's DNSKEY RRset), signs only with its own
 * keys, and the parent holds a DS for every provider's KSK.
 * `shareKsks` also cross-publishes the KSKs (not required by RFC 8901).
 */
export function multiSignerModel2(
  origin: Name,
  providers: ReadonlyArray<{ ksk: SigningKey; zsk: SigningKey }>,
  options: { shareKsks?: boolean; digestType?: DsDigestType } = {},
): KeyState[] {
  const ds = providers.map((p) => makeDs(origin, p.ksk.dnskey, options.digestType ?? 2));
  return providers.map((p, i) => {
    let s: KeyState = { ...initialKeyState(origin, [p.ksk, p.zsk]), ds };
    providers.forEach((other, j) => {
      if (j === i) return;
      s = addForeignDnskey(s, other.zsk.dnskey);
      if (options.shareKsks) s = addForeignDnskey(s, other.ksk.dnskey);
    });
    return s;
  });
}
