// Incident "DNSSEC during an operator transfer" (docs/incidents.md, S4, RFC 6781 §4.3.5, RFC 8901): moving a
// signed domain to another DNS operator (and registrar). Each operator signs
// with its own keys. Cooperative: keys are exchanged and both DS published
// before the NS change — no resolver ever fails. Uncooperative: the NS and DS
// change at once and the losing operator stops serving — resolvers that
// cached the old delegation/keys fail until the old data they still use has
// expired: DNSKEY and DS always; the NS only where a resolver stays with a
// cached delegation whose servers refuse (BIND, Knot Resolver, PowerDNS — not
// Unbound, which asks the parent again). Going insecure first: no failure, but
// an unsigned window.
import { defineScenario, type ActionStep, type Step, type Topology } from '../lab/scenario/types.ts';
import { parseDuration } from '../lab/scenario/duration.ts';

/**
 * Knot Resolver 5.6 (measured in the resolver matrix): the zone cut is the apex NS that the zone's own answers carry
 * (TTL NS_TTL), and each answer refreshes it, so kresd keeps asking the losing operator until it stops answering.
 */
const knotStaysWithOldServers = (recovery: string) => ({
  knot: {
    failingClaims: [
      'step 30 watch www: from T+0s to T+8h clients never got SERVFAIL',
      'step 30 watch www: outage duration',
      'step 31 watch fresh: from T+10m to T+8h clients never got SERVFAIL',
    ],
    because:
      `Knot Resolver 5.6 takes the zone cut from the apex NS (TTL ${NS_TTL}) in ns-old's answers, which keep refreshing it ` +
      '(lib/layer/iterate.c pick_authority, lib/cache/api.c cache_stash, lib/zonecut.c kr_zonecut_find_cached), so it never asks the jp ' +
      `servers for the new NS while ns-old answers; when ns-old stops serving at T+3h10m it answers SERVFAIL until that NS has expired (${recovery})`,
  },
});

/** Steps are written per variant below (easier to read); the runner wants them in time order. */
const inTimeOrder = (steps: Step[]): Step[] =>
  steps
    .map((step, i) => ({ step, i, t: parseDuration(step.at) ?? 0 }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.step);

/** TTLs of the world (seconds). The outage of the uncooperative move ends max(NS, DNSKEY, DS TTL) after the cache was filled (here the DS and DNSKEY TTL, for every resolver). */
const NS_TTL = 3600;
const DS_TTL = 7200;
/** Longer than the NS TTL: a resolver can reach the new servers while still holding the old key set (RFC 6781 §4.3.5.1). */
const DNSKEY_TTL = 7200;

const zone = (ns: string, serial: number, nsTtl: number) => `
$TTL 300
@    3600 IN SOA ${ns}. hostmaster.example.jp. ${serial} 3600 900 604800 300
@    ${nsTtl} IN NS ${ns}.
www  IN A 192.0.2.10
mail IN A 192.0.2.25
`;

const jpZone = `
$TTL 86400
@     IN SOA a.dns.jp. hostmaster.jp. 1 3600 900 604800 900
@     IN NS  a.dns.jp.
a.dns IN A   192.0.2.201
`;

const registries = (nsTtl: number): Topology['registries'] => [
  {
    tld: 'jp',
    registrars: ['reg-losing', 'reg-gaining'],
    nsTtl,
    dsTtl: DS_TTL,
    domains: [{ name: 'example.jp', registrar: 'reg-losing', registrant: 'example-corp', authCode: 'tr4nsfer', ns: ['ns1.old-dns.example'], ds: 'from-zone' }],
  },
];

/**
 * Products that stay with the cached delegation of uncooperative-long-ns while its servers refuse
 * (measured 2026-11-23: no query to tld-jp for example.jp before the NS TTL runs out, recovery after T+4h).
 */
const keepsCachedNs = (product: string) => ({
  failingClaims: [
    'step 15 queries under example.jp from resolver to tld-jp from T+2m to now',
    'step 33 watch www: outage duration',
    'step 33 watch www: time of recovery',
  ],
  because: `${product} does not go back to the parent when every server of the cached delegation refuses: it keeps the cached NS (TTL 14400) and fails until it expires, at T+4h — the window the NS TTL sets (profile switch parentNsFallback: false). Unbound asks the parent again (iterator.c processLastResort) and recovers when the DS and DNSKEY expire`,
});

const transfer = (at: string, only: string[]): ActionStep => ({
  at,
  only,
  operator: 'example-corp',
  note: 'the domain moves to the gaining registrar',
  action: { do: 'transfer', domain: 'example.jp', to: 'reg-gaining', authCode: 'tr4nsfer' },
});
const changeNs = (at: string, only: string[], note: string): ActionStep => ({
  at,
  only,
  operator: 'example-corp',
  note,
  action: { do: 'change-ns', registrar: 'reg-gaining', registrant: 'example-corp', domain: 'example.jp', ns: ['ns1.new-dns.example'] },
});

export default defineScenario({
  id: 'registrar-transfer-dnssec',
  title: {
    en: 'Moving a signed domain to another DNS operator: cooperative, uncooperative, insecure first',
    ja: '署名済みドメインの DNS 事業者移転: 協力的、非協力的、いったん非署名化',
  },
  narrative: {
    en: `example.jp is signed by its DNS operator (the losing operator; its keys, its DS at the jp registry).
The customer moves the domain and its DNS to a gaining operator that signs with its own keys.
Validating resolvers hold the old NS (TTL ${NS_TTL} s), the old DNSKEY set (TTL ${DNSKEY_TTL} s) and the old DS (TTL ${DS_TTL} s)
in their caches, and combine them with whatever they fetch next.
Cooperative (RFC 6781 §4.3.5.1, RFC 8901 model 2): each operator publishes the other's ZSK in its
DNSKEY set, the gaining operator's DS is added beside the old one, and only after the DNSKEY and DS
TTLs have passed does the NS change — every combination of cached and fresh data validates: zero SERVFAIL.
Uncooperative: the losing operator refuses to exchange keys and deletes the zone when the domain
leaves; NS and DS change at once. Resolvers that cached before the switch fail (lame old servers,
or bogus: new signatures, old DS) until the old data they hold has expired — S4's 不通期間
(outage window). The "uncooperative-long-ns" variant raises the NS TTL to 4 hours. Whether that
lengthens the window depends on the resolver: Unbound, once every cached server refuses, asks the
parent for the delegation again and takes the new NS at once, so it is back when the DS and DNSKEY
expire (2 hours); BIND, Knot Resolver and PowerDNS keep asking the old servers until the cached NS
expires (4 hours).
Registrar only (S4: the domain moves, the old operator's NS stay): nothing changes in DNS, nothing fails.
Insecure first: remove the DS, wait the DS TTL, move, then add the new DS once everyone follows the
new NS: no SERVFAIL, but hours in which answers are not validated (AD=0).`,
    ja: `example.jp は DNS 事業者 (移転元) が署名しており、鍵も jp レジストリの DS も移転元のものである。顧客は
ドメイン名と DNS を、自前の鍵で署名する移転先の事業者に移す。検証リゾルバーは古い NS (TTL ${NS_TTL} 秒)、
古い DNSKEY (TTL ${DNSKEY_TTL} 秒)、古い DS (TTL ${DS_TTL} 秒) をキャッシュしており、次に取得するデータと組み合わせて検証する。
協力的な移転 (RFC 6781 §4.3.5.1、RFC 8901 モデル 2): 双方が相手の ZSK を自分の DNSKEY に載せ、移転先の DS を
古い DS と並べて登録し、DNSKEY と DS の TTL が過ぎてから NS を変更する。キャッシュと新データのどの組み合わせでも
検証に成功し、SERVFAIL は一度も起きない。
非協力的な移転: 移転元は鍵の交換を拒み、ドメイン名が移るとゾーンを削除する。NS と DS を同時に変更すると、
切り替え前にキャッシュしたリゾルバーは (古いサーバーがレイムになるか、新しい署名と古い DS の不一致で bogus となり)
キャッシュした古いデータが失効するまで名前解決に失敗する (シード 004 の「不通期間」)。
"uncooperative-long-ns" 版では NS の TTL を 4 時間にする。不通期間が延びるかどうかはリゾルバーによる。
Unbound はキャッシュしたサーバーがすべて拒否すると親ゾーンに委任を問い合わせ直し、新しい NS をすぐに使うため、
DS と DNSKEY が失効した時点 (2 時間) で回復する。BIND、Knot Resolver、PowerDNS はキャッシュした NS が失効するまで
(4 時間) 古いサーバーに問い合わせ続ける。
レジストラのみ変更 (シード 004: ドメイン名だけ移し旧事業者の NS を使い続ける): DNS は何も変わらず、失敗もない。
いったん非署名化: DS を削除して DS の TTL だけ待ち、移転し、全員が新しい NS を使うようになってから新しい DS を
登録する。SERVFAIL は起きないが、応答が検証されない (AD=0) 時間が数時間続く。`,
  },
  references: [
    'docs/incidents.md: "DNSSEC during an operator transfer" (S4: レジストラ移転手順検証, registrar transfer)',
    'RFC 6781 §4.3.5 (changing DNS operators), §4.3.5.1 (cooperating operators)',
    'RFC 8901 (multi-signer DNSSEC models)',
    'RFC 4035 §5 (bogus when no DNSKEY matches the DS)',
  ],
  start: '2026-11-01T00:00:00Z',

  topology: {
    servers: {
      'tld-jp': { host: 'a.dns.jp', addresses: ['192.0.2.201'] },
      'ns-old': { host: 'ns1.old-dns.example', addresses: ['192.0.2.53'] },
      'ns-new': { host: 'ns1.new-dns.example', addresses: ['198.51.100.53'] },
    },
    zones: {
      jp: { servers: ['tld-jp'], signed: true, text: jpZone },
      'example.jp': { servers: ['ns-old'], signed: true, dnskeyTtl: DNSKEY_TTL, text: zone('ns1.old-dns.example', 1, NS_TTL) },
      'example.jp@gaining': { origin: 'example.jp', servers: ['ns-new'], signed: true, dnskeyTtl: DNSKEY_TTL, text: zone('ns1.new-dns.example', 2, NS_TTL) },
    },
    registries: registries(NS_TTL),
    resolvers: {
      resolver: { addresses: ['10.0.0.53'], profile: 'unbound' },
      /** A resolver whose cache is empty until after the switch. */
      fresh: { addresses: ['10.0.1.53'], profile: 'unbound' },
    },
    clients: { alice: { addresses: ['10.0.0.10'], resolver: 'resolver' }, bob: { addresses: ['10.0.1.10'], resolver: 'fresh' } },
  },

  steps: inTimeOrder([
    {
      at: '+0s',
      client: 'alice',
      query: 'www.example.jp A',
      note: 'validated at the losing operator; NS, DNSKEY and DS are now cached',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: ['www.example.jp. 300 IN A 192.0.2.10'] },
    },
    {
      at: '+0s',
      client: 'alice',
      query: 'www.example.jp A',
      to: 'ns-new',
      dnssec: true,
      note: 'the gaining operator already serves the zone, signed with its own keys',
      expect: { rcode: 'NOERROR', flags: { aa: true } },
    },
    { at: '+0s', watch: { name: 'www', client: 'alice', query: 'www.example.jp A', every: '5m', until: '+8h' } },
    { at: '+10m', watch: { name: 'fresh', client: 'bob', query: 'www.example.jp A', every: '5m', until: '+8h' } },

    // Cooperative: exchange ZSKs, double DS, wait, then switch NS.
    {
      at: '+1m',
      only: ['cooperative'],
      operator: 'losing operator',
      note: "publishes the gaining operator's ZSK",
      action: { do: 'publish-keys-of', zone: 'example.jp', of: ['example.jp@gaining'] },
    },
    {
      at: '+1m',
      only: ['cooperative'],
      operator: 'gaining operator',
      note: "publishes the losing operator's ZSK",
      action: { do: 'publish-keys-of', zone: 'example.jp@gaining', of: ['example.jp'] },
    },
    transfer('+1m', ['cooperative']),
    {
      at: '+1m',
      only: ['cooperative'],
      operator: 'example-corp',
      note: "the gaining operator's DS beside the old one",
      action: {
        do: 'change-ds',
        registrar: 'reg-gaining',
        registrant: 'example-corp',
        domain: 'example.jp',
        ds: { fromZones: ['example.jp', 'example.jp@gaining'] },
      },
    },
    changeNs('+2h5m', ['cooperative'], 'NS change once the DNSKEY and DS TTLs have passed'),
    {
      at: '+3h10m',
      only: ['cooperative'],
      operator: 'losing operator',
      note: 'stops serving after the NS TTL has passed',
      action: { do: 'drop-zone', zone: 'example.jp', servers: ['ns-old'] },
    },
    {
      at: '+3h10m',
      only: ['cooperative'],
      operator: 'example-corp',
      note: 'clean-up: the old DS goes',
      action: { do: 'change-ds', registrar: 'reg-gaining', registrant: 'example-corp', domain: 'example.jp', ds: { fromZones: ['example.jp@gaining'] } },
    },
    {
      at: '+5h15m',
      only: ['cooperative'],
      operator: 'gaining operator',
      note: 'clean-up after the DS TTL: the old ZSK goes',
      action: { do: 'publish-keys-of', zone: 'example.jp@gaining', of: [] },
    },

    // Registrar-only: the domain moves, the DNS (NS, keys, DS) stays with the same operator.
    transfer('+1m', ['registrar-only']),
    {
      at: '+7h30m',
      only: ['registrar-only'],
      client: 'alice',
      query: 'mail.example.jp A',
      note: 'still validated with the old keys',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: ['mail.example.jp. A 192.0.2.25'] },
    },
    { at: '+7h30m', only: ['registrar-only'], expectQueries: { client: 'resolver', server: 'ns-new', none: true }, note: 'nobody needs the other operator' },

    // Uncooperative: everything at once, and the losing operator deletes the zone.
    transfer('+1m', ['uncooperative', 'uncooperative-long-ns']),
    changeNs('+1m', ['uncooperative', 'uncooperative-long-ns'], 'NS and DS change together'),
    {
      at: '+1m',
      only: ['uncooperative', 'uncooperative-long-ns'],
      operator: 'example-corp',
      action: { do: 'change-ds', registrar: 'reg-gaining', registrant: 'example-corp', domain: 'example.jp', ds: { fromZones: ['example.jp@gaining'] } },
    },
    {
      at: '+1m',
      only: ['uncooperative', 'uncooperative-long-ns'],
      operator: 'losing operator',
      note: 'refuses to cooperate and deletes the zone',
      action: { do: 'drop-zone', zone: 'example.jp', servers: ['ns-old'] },
    },

    // Insecure first: DS out, wait the DS TTL, move, then the new DS after the NS TTL.
    {
      at: '+1m',
      only: ['insecure-first'],
      operator: 'example-corp',
      note: 'remove the DS first',
      action: { do: 'change-ds', registrar: 'reg-losing', registrant: 'example-corp', domain: 'example.jp', ds: [] },
    },
    transfer('+2h5m', ['insecure-first']),
    changeNs('+2h5m', ['insecure-first'], 'move once the DS TTL has passed'),
    {
      at: '+3h10m',
      only: ['insecure-first'],
      operator: 'losing operator',
      note: 'stops serving after the NS TTL',
      action: { do: 'drop-zone', zone: 'example.jp', servers: ['ns-old'] },
    },
    {
      at: '+3h10m',
      only: ['insecure-first'],
      operator: 'example-corp',
      note: "the gaining operator's DS, once every resolver follows the new NS",
      action: { do: 'change-ds', registrar: 'reg-gaining', registrant: 'example-corp', domain: 'example.jp', ds: { fromZones: ['example.jp@gaining'] } },
    },
    {
      at: '+2h30m',
      only: ['insecure-first'],
      client: 'alice',
      query: 'mail.example.jp A',
      note: 'the unsigned window: answers, but not validated',
      expect: { rcode: 'NOERROR', flags: { ad: false }, answer: ['mail.example.jp. A 192.0.2.25'] },
    },

    {
      at: '+6h',
      client: 'alice',
      query: 'mail.example.jp A',
      to: 'ns-new',
      note: 'the gaining operator answers',
      expect: { rcode: 'NOERROR', flags: { aa: true } },
    },
    {
      at: '+7h30m',
      only: ['cooperative', 'insecure-first', 'uncooperative'],
      client: 'alice',
      query: 'mail.example.jp A',
      note: 'validated again, with the new keys',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: ['mail.example.jp. A 192.0.2.25'] },
    },
    {
      at: '+7h30m',
      only: ['cooperative', 'insecure-first', 'uncooperative'],
      expectQueries: { client: 'resolver', server: 'ns-new', zone: 'example.jp', since: '+6h', min: 1 },
      note: 'the resolver follows the new delegation',
    },

    {
      at: '+8h',
      only: ['cooperative', 'insecure-first', 'registrar-only'],
      expectTimeline: { watch: 'www', never: { from: '+0s', to: '+8h', rcode: 'SERVFAIL' }, outage: { max: '0s' } },
      note: 'no resolver ever failed',
    },
    {
      at: '+8h',
      expectTimeline: { watch: 'fresh', never: { from: '+10m', to: '+8h', rcode: 'SERVFAIL' } },
      note: 'a resolver that first asks after the switch sees only the new, consistent data',
    },
    {
      at: '+8h',
      only: ['uncooperative'],
      expectTimeline: { watch: 'www', outage: { min: '1h50m', max: `${DS_TTL}s` }, recovery: { from: '+2h', to: '+2h10m' } },
      note: `down from the switch (T+1m) until max(NS ${NS_TTL}, DNSKEY ${DNSKEY_TTL}, DS ${DS_TTL}) after the cache was filled (T+0)`,
    },
    {
      at: '+1h',
      only: ['uncooperative-long-ns'],
      expectQueries: { client: 'resolver', server: 'tld-jp', zone: 'example.jp', since: '+2m', min: 1 },
      note: 'the old servers refuse: the resolver asks the jp servers for the delegation again, long before the cached NS expires',
    },
    {
      at: '+8h',
      only: ['uncooperative-long-ns'],
      expectTimeline: { watch: 'www', outage: { min: '1h50m', max: `${DS_TTL}s` }, recovery: { from: '+2h', to: '+2h10m' } },
      note: `the 4-hour NS TTL does not lengthen the window: the new NS come from the parent, and the old DS and DNSKEY (${DS_TTL} s) decide`,
    },
  ]),

  variants: {
    cooperative: {
      description: {
        en: 'keys exchanged and both DS published before the NS change (RFC 6781 §4.3.5.1)',
        ja: 'NS 変更前に鍵を交換し両方の DS を登録 (RFC 6781 §4.3.5.1)',
      },
      products: knotStaysWithOldServers('recovery at T+4h05m'),
    },
    uncooperative: {
      description: { en: 'NS and DS change at once; the losing operator deletes the zone', ja: 'NS と DS を同時に変更し、移転元がゾーンを削除' },
    },
    'uncooperative-long-ns': {
      description: { en: 'as uncooperative, with a 4-hour NS TTL at the registry and in the zone', ja: '非協力的な移転と同じだが NS の TTL が 4 時間' },
      topology: {
        zones: { 'example.jp': { text: zone('ns1.old-dns.example', 1, 14400) }, 'example.jp@gaining': { text: zone('ns1.new-dns.example', 2, 14400) } },
        registries: registries(14400),
      },
      products: { bind: keepsCachedNs('BIND 9.18'), knot: keepsCachedNs('Knot Resolver 5.6'), powerdns: keepsCachedNs('PowerDNS Recursor 4.8') },
    },
    'registrar-only': {
      description: {
        en: "only the registrar changes; NS, keys and DS stay (S4: move the domain, keep the old operator's NS)",
        ja: 'レジストラのみ変更し、NS・鍵・DS はそのまま (シード 004: ドメイン名のみ移転し旧事業者の NS を使い続ける)',
      },
    },
    'insecure-first': {
      description: { en: 'DS removed first, moved unsigned, new DS afterwards', ja: 'DS を先に削除し、非署名で移転してから新しい DS を登録' },
      // Once the zone is insecure an answer's NS no longer outranks the cached one and refreshes it only when it is
      // expiring (lib/cache/entry_list.c entry_h_splice): the fresh resolver re-walks at T+3h15m, alice's at T+4h05m.
      products: knotStaysWithOldServers('T+3h15m for the fresh resolver, T+4h05m for alice, whose NS was last refreshed by a signed answer'),
    },
  },

  exercise: {
    task: {
      en: `Move example.jp from its DNS operator (ns1.old-dns.example, registrar reg-losing) to the gaining operator
(ns1.new-dns.example, which already serves the zone signed with its own keys) and to registrar reg-gaining
(auth code tr4nsfer) — without a single SERVFAIL at validating resolvers, which hold the old NS, DNSKEY and DS.
Both operators agreed to publish whatever keys you ask them to: you edit both zone files.`,
      ja: `example.jp を現在の DNS 事業者 (ns1.old-dns.example、レジストラ reg-losing) から、自前の鍵で署名済みのゾーンを
すでに提供している移転先 (ns1.new-dns.example) とレジストラ reg-gaining (認証コード tr4nsfer) へ移せ。古い NS・DNSKEY・DS を
キャッシュしている検証リゾルバーで SERVFAIL を一度も起こしてはならない。両事業者は頼んだ鍵を載せてくれる: 両方のゾーンファイルを編集できる。`,
    },
    hints: [
      {
        en: "Resolvers validate answers from either operator with whatever DNSKEY set and DS they cached. Each zone must publish the other operator's ZSK: copy the 256 DNSKEY of each server (dig @SERVER example.jp DNSKEY) into the other zone file.",
        ja: 'リゾルバーはどちらの事業者の応答も、キャッシュした DNSKEY と DS で検証する。各ゾーンに相手の ZSK を載せる: 各サーバーの 256 の DNSKEY (dig @SERVER example.jp DNSKEY) を相手のゾーンファイルにコピーする。',
      },
      {
        en: 'Transfer the domain, then publish both DS: "ds example.jp from-zone example.jp example.jp@gaining". Wait until the old DNSKEY and DS have expired from caches (wait 2h5m) before the NS change.',
        ja: 'ドメイン名を移転し、両方の DS を登録する: "ds example.jp from-zone example.jp example.jp@gaining"。NS を変更する前に古い DNSKEY と DS がキャッシュから消えるまで待つ (wait 2h5m)。',
      },
      {
        en: 'Then "ns example.jp ns1.new-dns.example", and wait out the NS TTL (wait 1h5m): resolvers follow the new delegation.',
        ja: 'その後 "ns example.jp ns1.new-dns.example" とし、NS の TTL が過ぎるまで待つ (wait 1h5m)。リゾルバーは新しい委任に従う。',
      },
    ],
    broken: 'uncooperative',
    fixed: 'cooperative',
    checkFrom: '+6h',
    zones: ['example.jp', 'example.jp@gaining'],
    registrant: 'example-corp',
  },
});
