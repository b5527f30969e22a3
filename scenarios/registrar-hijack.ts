// Incident "Registrar / registry hijack" (docs/incidents.md): an attacker impersonates the registrant at the
// registrar and points the domain's NS at look-alike servers. The hijack
// spreads over one NS TTL as resolvers refetch the delegation. DNSSEC with
// the DS left at the registry turns the hijack into SERVFAIL for validating
// resolvers (non-validating ones are still hijacked); an attacker who also
// removes the DS reaches validating resolvers once their cached DS expires.
// Registry lock stops it at the registry.
import { defineScenario, type Topology } from '../lab/scenario/types.ts';

const ATTACKER = '203.0.113.66';
/** NS TTL at the jp registry (unsigned variants). */
const NS_TTL = 86400;
/**
 * Signed variants: a short NS TTL and a one-day DS TTL, so the two expiries are hours apart. (A longer DS
 * TTL would not help: resolvers cap every TTL, Unbound's cache-max-ttl at 86400.)
 */
const SIGNED_NS_TTL = 3600;
const DS_TTL = 86400;
const SIGNED = ['signed-ds-kept', 'signed-ds-removed'];
const UNSIGNED = ['vulnerable', 'fixed'];
const HIJACKED = ['vulnerable', 'signed-ds-kept', 'signed-ds-removed'];

/**
 * Measured with real PowerDNS Recursor 4.8.8 (`dnslab run registrar-hijack --resolver emulated,powerdns`):
 * alice's resolver does not follow the new delegation within the hour. Sample for sample the same as the
 * emulated powerdns profile.
 */
const POWERDNS_CHILD_NS =
  "PowerDNS Recursor 4.8 caches example.jp's own NS RRset (TTL 86400) from the authority section of the legitimate server's answers in place of the jp referral's NS (TTL 3600) (syncres.cc sanitizeRecords keeps it, recursor_cache.cc shouldReplace upgrades non-auth to auth data), so alice's resolver keeps asking the legitimate server and answers 192.0.2.10 until T+24h; only at T+24h30m does it walk down from jp and meet the hijacked delegation (profile switch nsFromAnswerAuthority)";

/**
 * Knot Resolver 5.6 (measured in the resolver matrix): the zone cut is the apex NS in the legitimate server's own
 * answers, refreshed by each of them, and that server never stops answering — so kresd never asks the jp servers
 * for the delegation again and never reaches the attacker.
 */
/**
 * BIND 9.18 (measured in the resolver matrix): a TTL with 0 s left is expired (profile switch ttlZeroIsExpired), so the
 * jp referral's NS (TTL 3600) is fetched again at T+1h and T+2h exactly — one sample earlier than Unbound, which still
 * uses it on that second and so re-walks at T+1h30m and T+2h30m.
 */
const BIND_WALKS_AT_T2H = {
  bind: {
    failingClaims: ['step 14 answer section'],
    because:
      "BIND 9.18 counts the jp referral's NS TTL (3600) to the second and treats 0 s left as expired, so alice's resolver walks down from jp at exactly T+2h, when the hijacked delegation is already there: at T+2h10m alice no longer gets 192.0.2.10 (step 'alice still has the old NS cached'). Unbound still uses the NS on that second and re-walks only at T+2h30m",
  },
};

const knotKeepsLegitimateServer = (claims: string[], refresh: string) => ({
  knot: {
    failingClaims: claims,
    because:
      "Knot Resolver 5.6 takes the zone cut from the apex NS in ns-legit's answers (lib/layer/iterate.c pick_authority, lib/zonecut.c " +
      `kr_zonecut_find_cached) and ${refresh} (lib/cache/entry_list.c entry_h_splice); ns-legit keeps answering, so kresd never ` +
      "asks the jp servers for example.jp's NS again and never follows the hijacked delegation",
  },
});

/** Signed variants: jp and example.jp signed, the registry holds example.jp's DS. */
const signedRegistries: Topology['registries'] = [
  {
    tld: 'jp',
    registrars: ['reg-a', 'reg-b'],
    nsTtl: SIGNED_NS_TTL,
    dsTtl: DS_TTL,
    domains: [{ name: 'example.jp', registrar: 'reg-a', registrant: 'example-corp', authCode: 'Xy7-secret', ns: ['ns1.example-dns.net'], ds: 'from-zone' }],
  },
];

export default defineScenario({
  id: 'registrar-hijack',
  title: {
    en: 'Domain hijack through the registrar: unsigned, signed (DS kept / DS removed), and registry lock',
    ja: 'レジストラ経由のドメインハイジャック: 非署名、署名 (DS 維持 / DS 削除)、レジストリロック',
  },
  narrative: {
    en: `example.jp is registered through registrar "reg-a"; the .jp registry publishes its NS in the jp zone
with a TTL of ${NS_TTL}. An attacker who can pass as the registrant at the registrar (stolen password,
social engineering) changes the NS to look-alike servers that answer www.example.jp with the
attacker's address. A resolver that fetches the delegation after the change (bob's, carol's) is
hijacked at once; a resolver that cached the old NS (alice's) keeps the right answer until that NS
expires — the hijack spreads over one NS TTL.
Signed, DS kept: example.jp is signed and its DS stays at the registry (the attacker cannot sign with
the owner's key). Validating resolvers (alice's, bob's) get the attacker's unsigned answers, find them
bogus and answer SERVFAIL — an outage, not a hijack; carol's non-validating resolver is hijacked.
Signed, DS removed: the attacker also deletes the DS through the registrar. A fresh validating
resolver sees an insecure delegation and is hijacked at once. In the signed variants the NS TTL is
${SIGNED_NS_TTL} and the DS TTL ${DS_TTL}: alice's resolver follows the new NS within the hour but still holds the
DS it cached at T+0, so it answers SERVFAIL until that DS expires (T+24h) and only then is hijacked.
Fixed: the domain has registry lock (serverUpdateProhibited and friends); the registry refuses the
change no matter what the registrar sends.`,
    ja: `example.jp はレジストラ reg-a 経由で登録され、.jp レジストリが jp ゾーンに NS (TTL ${NS_TTL}) を公開している。
登録者になりすました攻撃者 (パスワード窃取やソーシャルエンジニアリング) がレジストラで NS を
よく似た名前のサーバーに変更し、www.example.jp に攻撃者のアドレスを返させる。変更後に委任情報を
取得したリゾルバー (bob、carol 側) は即座に乗っ取られ、古い NS をキャッシュしていたリゾルバー (alice 側) は
その TTL が切れるまで正しい応答を返す。ハイジャックは NS の TTL をかけて広がる。
署名済み・DS 維持: example.jp は署名されており DS はレジストリに残る (攻撃者は所有者の鍵で署名できない)。
検証リゾルバー (alice、bob 側) は攻撃者の非署名応答を bogus と判定し SERVFAIL を返す (乗っ取りではなく障害)。
検証しない carol 側のリゾルバーは乗っ取られる。
署名済み・DS 削除: 攻撃者はレジストラ経由で DS も削除する。キャッシュのない検証リゾルバーは非署名の委任と
見なして即座に乗っ取られる。署名版では NS の TTL は ${SIGNED_NS_TTL}、DS の TTL は ${DS_TTL}。alice 側は 1 時間以内に新しい NS を
使うが、T+0 にキャッシュした DS を保持しているため、その DS が切れる (T+24h) まで SERVFAIL を返し、その後に乗っ取られる。
修正版: レジストリロック (serverUpdateProhibited など) が設定されており、レジストラから何が送られても
レジストリが変更を拒否する。`,
  },
  references: [
    'docs/incidents.md: "Registrar / registry hijack" (S1, S2)',
    'JPRS: レジストリロックサービス (https://jprs.jp/registration/suspended/registry-lock/)',
    'RFC 5731 §2.3 (EPP domain status values)',
    'RFC 4035 §5 (bogus answers under a secure delegation; insecure without DS)',
    'ICANN SSAC SAC040: Measures to Protect Domain Registration Services Against Exploitation or Misuse',
  ],
  start: '2026-05-01T00:00:00Z',

  topology: {
    servers: {
      'tld-jp': { host: 'a.dns.jp', addresses: ['192.0.2.201'] },
      'ns-legit': { host: 'ns1.example-dns.net', addresses: ['192.0.2.53'] },
      'ns-attacker': { host: 'ns-650.exampledns-017.net', addresses: ['203.0.113.53'] },
    },
    zones: {
      jp: {
        servers: ['tld-jp'],
        text: `
$TTL 86400
@    IN SOA a.dns.jp. hostmaster.jp. 1 3600 900 604800 900
@    IN NS  a.dns.jp.
a.dns IN A  192.0.2.201
`,
      },
      'example.jp': {
        servers: ['ns-legit'],
        text: `
$TTL 86400
@    IN SOA ns1.example-dns.net. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns1.example-dns.net.
www  300 IN A 192.0.2.10
`,
      },
    },
    registries: [
      {
        tld: 'jp',
        registrars: ['reg-a', 'reg-b'],
        nsTtl: NS_TTL,
        domains: [{ name: 'example.jp', registrar: 'reg-a', registrant: 'example-corp', authCode: 'Xy7-secret', ns: ['ns1.example-dns.net'] }],
      },
    ],
    resolvers: {
      'resolver-a': { addresses: ['10.0.1.53'], profile: 'unbound' },
      'resolver-b': { addresses: ['10.0.2.53'], profile: 'unbound' },
      /** An ISP resolver that does not validate (about 2/3 of Japanese resolvers in 2024, S1). */
      'resolver-c': { addresses: ['10.0.3.53'], profile: 'unbound', settings: { validate: false } },
    },
    clients: {
      alice: { addresses: ['10.0.1.10'], resolver: 'resolver-a' },
      bob: { addresses: ['10.0.2.10'], resolver: 'resolver-b' },
      carol: { addresses: ['10.0.3.10'], resolver: 'resolver-c' },
    },
  },

  steps: [
    {
      at: '+0s',
      only: UNSIGNED,
      client: 'alice',
      query: 'www.example.jp A',
      note: "alice's resolver caches the delegation",
      expect: { rcode: 'NOERROR', answer: ['www.example.jp. 300 IN A 192.0.2.10'] },
    },
    {
      at: '+0s',
      only: SIGNED,
      client: 'alice',
      query: 'www.example.jp A',
      note: "alice's resolver validates and caches the delegation and the DS",
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: ['www.example.jp. 300 IN A 192.0.2.10'] },
    },
    { at: '+0s', watch: { name: 'alice', client: 'alice', query: 'www.example.jp A', every: '30m', until: '+30h' } },

    {
      at: '+1h',
      only: ['fixed'],
      operator: 'registry',
      note: 'set earlier after a call-back to the registrant; shown here for the timeline',
      action: { do: 'registry-lock', domain: 'example.jp' },
    },
    {
      at: '+2h',
      only: HIJACKED,
      attacker: 'mallory',
      note: 'logs in at reg-a as the registrant',
      action: { do: 'change-ns', registrar: 'reg-a', registrant: 'example-corp', domain: 'example.jp', ns: ['ns-650.exampledns-017.net'] },
    },
    {
      at: '+2h',
      only: ['signed-ds-removed'],
      attacker: 'mallory',
      note: 'also deletes the DS, so the delegation becomes insecure',
      action: { do: 'change-ds', registrar: 'reg-a', registrant: 'example-corp', domain: 'example.jp', ds: [] },
    },
    {
      at: '+2h',
      only: ['fixed'],
      attacker: 'mallory',
      note: 'logs in at reg-a as the registrant',
      action: {
        do: 'change-ns',
        registrar: 'reg-a',
        registrant: 'example-corp',
        domain: 'example.jp',
        ns: ['ns-650.exampledns-017.net'],
        expect: 'STATUS_PROHIBITS',
      },
    },
    {
      at: '+2h',
      attacker: 'mallory',
      note: 'the look-alike server answers for example.jp (unsigned: the attacker has no key of the owner)',
      action: {
        do: 'serve-zone',
        zone: 'example.jp',
        servers: ['ns-attacker'],
        text: `
$TTL 86400
@    IN SOA ns-650.exampledns-017.net. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns-650.exampledns-017.net.
www  300 IN A ${ATTACKER}
`,
      },
    },
    {
      at: '+2h10m',
      only: ['vulnerable', 'signed-ds-removed'],
      client: 'bob',
      query: 'www.example.jp A',
      note: "bob's resolver fetches the delegation now: hijacked at once",
      expect: { rcode: 'NOERROR', flags: { ad: false }, answer: [`www.example.jp. A ${ATTACKER}`] },
    },
    {
      at: '+2h10m',
      only: ['signed-ds-kept'],
      client: 'bob',
      query: 'www.example.jp A',
      note: "bob's validating resolver fetches the new delegation with the old DS: the attacker's answer is bogus",
      expect: { rcode: 'SERVFAIL', answer: [] },
    },
    { at: '+2h10m', only: ['fixed'], client: 'bob', query: 'www.example.jp A', expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 192.0.2.10'] } },
    {
      at: '+2h10m',
      only: HIJACKED,
      client: 'carol',
      query: 'www.example.jp A',
      note: "carol's resolver does not validate: hijacked at once, DS or not",
      expect: { rcode: 'NOERROR', answer: [`www.example.jp. A ${ATTACKER}`] },
    },
    { at: '+2h10m', only: ['fixed'], client: 'carol', query: 'www.example.jp A', expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 192.0.2.10'] } },
    {
      at: '+2h10m',
      client: 'alice',
      query: 'www.example.jp A',
      note: 'alice still has the old NS cached',
      expect: { answer: ['www.example.jp. A 192.0.2.10'] },
    },
    {
      at: '+20h',
      only: UNSIGNED,
      expectQueries: { client: 'resolver-a', server: 'ns-attacker', none: true },
      note: "alice's resolver has not asked the attacker yet",
    },
    {
      at: '+30h',
      only: ['vulnerable'],
      expectTimeline: {
        watch: 'alice',
        never: { from: '+0s', to: '+23h30m', answerContains: ATTACKER },
        throughout: { from: '+24h30m', to: '+30h', answerContains: ATTACKER },
      },
      note: 'the hijack reached alice when the cached NS (86400 s) expired',
    },
    {
      at: '+30h',
      only: ['signed-ds-kept'],
      expectTimeline: {
        watch: 'alice',
        never: { from: '+0s', to: '+30h', answerContains: ATTACKER },
        throughout: { from: '+3h', to: '+30h', rcode: 'SERVFAIL' },
      },
      note: 'once the cached NS expired (one NS TTL after the change), alice got SERVFAIL (bogus), never the attacker',
    },
    {
      at: '+30h',
      only: ['signed-ds-kept'],
      expectQueries: { client: 'resolver-a', server: 'ns-attacker', since: '+2h', min: 1 },
      note: "alice's resolver did ask the attacker: validation, not luck, kept her safe",
    },
    {
      at: '+30h',
      only: ['signed-ds-removed'],
      expectTimeline: {
        watch: 'alice',
        // To T+23h30m, the last sample before the DS cached at T+0 runs out: on the second it does (T+24h) some
        // products still use it and others not (ttlZeroIsExpired), which is not this story.
        never: { from: '+0s', to: '+23h30m', answerContains: ATTACKER },
        throughout: { from: '+3h', to: '+23h30m', rcode: 'SERVFAIL' },
      },
      note: 'the NS expired within the hour, but the DS cached at T+0 (86400 s) still says "signed": SERVFAIL until it runs out',
    },
    {
      at: '+30h',
      only: ['signed-ds-removed'],
      expectTimeline: { watch: 'alice', throughout: { from: '+24h30m', to: '+30h', answerContains: ATTACKER } },
      note: 'the cached DS expired at +24h: from the next sample on alice is hijacked too',
    },
    { at: '+30h', only: ['fixed'], expectTimeline: { watch: 'alice', never: { from: '+0s', to: '+30h', answerContains: ATTACKER } } },
    { at: '+30h', only: ['fixed'], expectQueries: { server: 'ns-attacker', none: true }, note: 'nobody ever asked the attacker' },
  ],

  variants: {
    vulnerable: {
      description: {
        en: 'unsigned domain, no registry lock: the registry accepts the NS change',
        ja: '非署名・レジストリロックなし: レジストリが NS 変更を受け付ける',
      },
      products: knotKeepsLegitimateServer(
        ['step 16 watch alice: from T+1d30m to T+1d6h clients got answer containing 203.0.113.66'],
        `the answer that finds it expiring (fewer than 1 % of its ${NS_TTL} s left) renews it`,
      ),
    },
    'signed-ds-kept': {
      description: {
        en: 'signed domain, the DS stays at the registry: validating resolvers SERVFAIL, a non-validating one is hijacked',
        ja: '署名済み・DS はレジストリに残る: 検証リゾルバーは SERVFAIL、検証しないリゾルバーは乗っ取られる',
      },
      topology: { zones: { jp: { signed: true }, 'example.jp': { signed: true } }, registries: signedRegistries },
      products: {
        ...BIND_WALKS_AT_T2H,
        powerdns: {
          failingClaims: ['step 17 watch alice: from T+3h to T+1d6h clients got SERVFAIL'],
          because: `${POWERDNS_CHILD_NS}: SERVFAIL from then on, never the attacker`,
        },
        ...knotKeepsLegitimateServer(
          ['step 17 watch alice: from T+3h to T+1d6h clients got SERVFAIL', 'step 18 queries from resolver-a to ns-attacker from T+2h to now'],
          'every validated answer renews it',
        ),
      },
    },
    'signed-ds-removed': {
      description: {
        en: 'signed domain, the attacker also removes the DS: validating resolvers are hijacked once the cached DS expires',
        ja: '署名済み・攻撃者が DS も削除: キャッシュの DS が切れると検証リゾルバーも乗っ取られる',
      },
      topology: { zones: { jp: { signed: true }, 'example.jp': { signed: true } }, registries: signedRegistries },
      products: {
        ...BIND_WALKS_AT_T2H,
        powerdns: {
          failingClaims: ['step 19 watch alice: from T+3h to T+23h30m clients got SERVFAIL'],
          because: `${POWERDNS_CHILD_NS}: by then the DS cached at T+0 has expired too, so alice goes from the right answer straight to the attacker's, with no SERVFAIL in between`,
        },
        ...knotKeepsLegitimateServer(
          [
            'step 19 watch alice: from T+3h to T+23h30m clients got SERVFAIL',
            'step 20 watch alice: from T+1d30m to T+1d6h clients got answer containing 203.0.113.66',
          ],
          'every validated answer renews it',
        ),
      },
    },
    fixed: { description: { en: 'registry lock: the registry refuses the NS change', ja: 'レジストリロックあり: レジストリが NS 変更を拒否する' } },
  },
});
