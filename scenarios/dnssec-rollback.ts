// Incident "Slack 2021: DS rollback" (docs/incidents.md): turning DNSSEC off in the wrong order. The DS is
// removed at the parent, but the zone is unsigned before the cached DS has
// expired: validating resolvers holding that DS see "signed, but no keys" →
// bogus → SERVFAIL for up to one DS TTL (86400 s). A cache flush ends it early.
import { defineScenario } from '../lab/scenario/types.ts';

/**
 * Real PowerDNS Recursor 4.8.8 has no outage here (measured: `dnslab run dnssec-rollback --resolver
 * emulated,powerdns`, trace=yes; servers/real/README.md). The claims about the outage fail; the rest hold.
 */
const POWERDNS_NO_OUTAGE =
  "PowerDNS Recursor 4.8 asks the .com server about example.com again every hour: it caches the child's apex NS (TTL 3600) from the authority section of its answers in place of the referral's NS and never extends that TTL (recursor_cache.cc MemRecursorCache::replace, ghost-domain protection). Once the DS is removed, that referral's NSEC proves \"no DS\"; the proof goes to the negative cache, which is consulted before the DS cached at T+0 (syncres.cc processRecords, doCacheCheck), so example.com turns insecure at T+1h, before it is unsigned, and nothing fails (profile switches nsFromAnswerAuthority, authNsTtlNotExtended, referralNoDsOverridesCachedDs)";
/** The outage claims of the watch step (its number differs per variant), exactly as the run names them. */
const outageClaims = (step: number, servfailWindow: boolean): string[] => [
  ...(servfailWindow ? [`step ${step} watch alice: from T+1h30m to T+23h30m clients got SERVFAIL`] : []),
  `step ${step} watch alice: outage duration`,
  `step ${step} watch alice: time of recovery`,
];
const powerdnsNoOutage = (claims: string[]) => ({ powerdns: { failingClaims: ['step 7 rcode', ...claims], because: POWERDNS_NO_OUTAGE } });

/**
 * Knot Resolver 5.6 (measured in the resolver matrix): it recovers at T+2h30m, while the DS it cached at T+0 is
 * still valid, by walking down from com again once the child's NS has expired.
 */
const knotWalksDownAgain = (claims: string[]) => ({
  knot: {
    failingClaims: claims,
    because:
      "Knot Resolver 5.6 takes the zone cut from the apex NS (TTL 3600) in example.com's answers (lib/layer/iterate.c pick_authority); " +
      'bogus answers do not refresh it, so it expires at T+2h and at T+2h30m kresd asks com again. The referral proves there is no DS; ' +
      'kresd ranks that NS insecure and no longer looks at the DS cached at T+0 (lib/layer/validate.c update_delegation, lib/zonecut.c ' +
      'kr_zonecut_find_cached): recovery at T+2h30m',
  },
});

export default defineScenario({
  id: 'dnssec-rollback',
  title: {
    en: 'Turning DNSSEC off too fast: the DS rollback outage',
    ja: 'DNSSEC を急いで無効化: DS ロールバックによる障害',
  },
  narrative: {
    en: `example.com is signed and its DS is in the com zone with a TTL of 86400 s. The operator decides to
turn DNSSEC off. The safe order is: (1) remove the DS at the registrar, (2) wait until the DS TTL has
passed since the removal, (3) unsign the zone. Here step 2 is skipped: ten minutes after the DS
removal the zone is unsigned. Validating resolvers that cached the DS still believe example.com is
signed; they find no DNSKEY, the answers are bogus, and every name under example.com is SERVFAIL
until the cached DS expires — almost a day. Non-validating resolvers notice nothing. The "flushed"
variant shows a resolver operator flushing the cache (as Google Public DNS users did in the 2021
Slack outage): recovery at once. The "ttl-capped" variant uses a resolver that caps cached TTLs at
6 hours, so its outage is shorter. The fixed variant waits out the DS TTL before unsigning.`,
    ja: `example.com は署名済みで、DS が com ゾーンに TTL 86400 秒で登録されている。運用者が DNSSEC を
無効化する。安全な手順は (1) レジストラで DS を削除、(2) 削除から DS の TTL が経過するまで待つ、
(3) ゾーンの署名を外す、である。ここでは (2) を省き、DS 削除の 10 分後に署名を外してしまう。
DS をキャッシュしている検証リゾルバーは example.com が署名済みだと考え、DNSKEY が見つからないため
応答を bogus と判断し、キャッシュの DS が失効するまで (約 1 日) example.com 配下がすべて SERVFAIL になる。
検証しないリゾルバーは影響を受けない。flushed 版ではリゾルバー運用者がキャッシュを消去し
(2021 年の Slack 障害で Google Public DNS の利用者が行ったように) 即座に回復する。
ttl-capped 版ではキャッシュ TTL の上限が 6 時間のリゾルバーを使うため、障害はより短い。
修正版では DS の TTL が経過してから署名を外す。`,
  },
  references: [
    'docs/incidents.md: "Slack 2021: DS rollback" (S3; Slack, 2021-09-30)',
    'Slack Engineering: "What happened during Slack\'s DNSSEC rollout" (2021-12)',
    'RFC 6781 §4.3.5 (going insecure)',
    'RFC 4035 §5 (bogus when a DS exists but no matching DNSKEY)',
  ],
  start: '2026-09-30T00:00:00Z',

  topology: {
    servers: {
      'tld-com': { host: 'a.gtld-servers.example', addresses: ['192.0.2.230'] },
      'ns-example': { host: 'ns1.dns-provider.example', addresses: ['192.0.2.53'] },
    },
    zones: {
      com: {
        servers: ['tld-com'],
        signed: true,
        text: `
$TTL 86400
@    IN SOA a.gtld-servers.example. hostmaster.com. 1 1800 900 604800 86400
@    IN NS  a.gtld-servers.example.
`,
      },
      'example.com': {
        servers: ['ns-example'],
        signed: true,
        text: `
$TTL 3600
@    IN SOA ns1.dns-provider.example. hostmaster.example.com. 1 3600 900 604800 300
@    IN NS  ns1.dns-provider.example.
www  300 IN A 192.0.2.10
app  300 IN A 192.0.2.11
`,
      },
    },
    registries: [
      {
        tld: 'com',
        registrars: ['registrar'],
        nsTtl: 86400,
        dsTtl: 86400,
        domains: [
          { name: 'example.com', registrar: 'registrar', registrant: 'example-inc', authCode: 'c0de', ns: ['ns1.dns-provider.example'], ds: 'from-zone' },
        ],
      },
    ],
    resolvers: {
      validating: { addresses: ['10.0.1.53'], profile: 'unbound' },
      nonvalidating: { addresses: ['10.0.2.53'], profile: 'unbound', settings: { validate: false } },
    },
    clients: {
      alice: { addresses: ['10.0.1.10'], resolver: 'validating' },
      bob: { addresses: ['10.0.2.10'], resolver: 'nonvalidating' },
    },
  },

  steps: [
    {
      at: '+0s',
      client: 'alice',
      query: 'www.example.com A',
      note: 'signed and validated: AD=1',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: ['www.example.com. 300 IN A 192.0.2.10'] },
    },
    { at: '+0s', client: 'bob', query: 'www.example.com A', expect: { rcode: 'NOERROR', flags: { ad: false } } },
    { at: '+0s', watch: { name: 'alice', client: 'alice', query: 'www.example.com A', every: '30m', until: '+30h' } },
    { at: '+0s', watch: { name: 'bob', client: 'bob', query: 'www.example.com A', every: '30m', until: '+30h' } },

    {
      at: '+1h',
      operator: 'example-inc',
      note: 'step 1: remove the DS at the registrar',
      action: { do: 'change-ds', registrar: 'registrar', registrant: 'example-inc', domain: 'example.com', ds: [] },
    },
    {
      at: '+1h10m',
      only: ['vulnerable', 'flushed', 'ttl-capped'],
      operator: 'example-inc',
      note: 'step 3 too early: the cached DS (TTL 86400) is still out there',
      action: { do: 'unsign-zone', zone: 'example.com' },
    },
    {
      at: '+2h',
      only: ['vulnerable', 'flushed', 'ttl-capped'],
      client: 'alice',
      query: 'app.example.com A',
      note: 'the whole domain is down for validating resolvers',
      expect: { rcode: 'SERVFAIL' },
    },
    { at: '+2h', client: 'bob', query: 'app.example.com A', expect: { rcode: 'NOERROR', answer: ['app.example.com. A 192.0.2.11'] } },
    {
      at: '+6h',
      only: ['flushed'],
      operator: 'resolver operator',
      note: "users asked for the resolver's cache to be flushed",
      action: { do: 'flush-cache', resolver: 'validating', name: 'example.com' },
    },
    {
      at: '+25h10m',
      only: ['fixed'],
      operator: 'example-inc',
      note: 'step 3 after the DS TTL has passed since the removal',
      action: { do: 'unsign-zone', zone: 'example.com' },
    },

    {
      at: '+30h',
      only: ['vulnerable'],
      expectTimeline: {
        watch: 'alice',
        throughout: { from: '+1h30m', to: '+23h30m', rcode: 'SERVFAIL' },
        outage: { min: '22h', max: '24h' },
        recovery: { from: '+23h', to: '+25h' },
      },
      note: 'SERVFAIL until the DS cached at T+0 expired (T+24h)',
    },
    { at: '+30h', only: ['flushed'], expectTimeline: { watch: 'alice', outage: { min: '4h', max: '5h30m' }, recovery: { from: '+6h', to: '+6h30m' } } },
    {
      at: '+30h',
      only: ['ttl-capped'],
      expectTimeline: { watch: 'alice', outage: { min: '4h', max: '5h30m' }, recovery: { from: '+6h', to: '+7h30m' } },
      note: 'a resolver that caps TTLs at 6 h (21600 s) dropped the DS sooner',
    },
    { at: '+30h', only: ['fixed'], expectTimeline: { watch: 'alice', never: { from: '+0s', to: '+30h', rcode: 'SERVFAIL' } } },
    { at: '+30h', expectTimeline: { watch: 'bob', never: { from: '+0s', to: '+30h', rcode: 'SERVFAIL' } }, note: 'non-validating resolvers are unaffected' },
  ],

  variants: {
    vulnerable: {
      description: { en: 'unsigned 10 minutes after the DS removal', ja: 'DS 削除の 10 分後に署名を外す' },
      products: { ...powerdnsNoOutage(outageClaims(11, true)), ...knotWalksDownAgain(outageClaims(11, true)) },
    },
    flushed: {
      description: { en: 'as vulnerable, but the resolver operator flushes example.com at T+6h', ja: '同上、ただし T+6h にリゾルバーのキャッシュを消去' },
      products: { ...powerdnsNoOutage(outageClaims(12, false)), ...knotWalksDownAgain(outageClaims(12, false)) },
    },
    fixed: { description: { en: 'unsigned only after the DS TTL has passed', ja: 'DS の TTL 経過後に署名を外す' } },
    'ttl-capped': {
      description: {
        en: 'as vulnerable, with a resolver that caps cached TTLs at 6 hours (Google Public DNS profile)',
        ja: '同上、ただしキャッシュ TTL の上限が 6 時間のリゾルバー (Google Public DNS のプロファイル)',
      },
      topology: { resolvers: { validating: { profile: 'google-public-dns' } } },
      products: { ...powerdnsNoOutage(outageClaims(13, false)), ...knotWalksDownAgain(outageClaims(13, false)) },
    },
  },

  exercise: {
    task: {
      en: `You are turning DNSSEC off for example.com. An hour ago you removed its DS at the registrar, and ten
minutes ago you unsigned the zone. Now validating resolvers answer SERVFAIL for every name under
example.com. Bring example.com back for validating resolvers — without waiting a day.`,
      ja: `あなたは example.com の DNSSEC を無効化している。1 時間前にレジストラで DS を削除し、10 分前にゾーンの署名を外した。
いま検証リゾルバーは example.com 配下のすべての名前に SERVFAIL を返している。1 日待たずに、検証リゾルバーから
example.com を引けるように戻せ。`,
    },
    hints: [
      {
        en: 'The validating resolver cached the DS of example.com at T+0 with a TTL of 86400 s. Removing the DS at the registrar does not remove it from caches.',
        ja: '検証リゾルバーは T+0 に example.com の DS を TTL 86400 秒でキャッシュした。レジストラで DS を削除してもキャッシュからは消えない。',
      },
      {
        en: 'A zone signed with new keys does not match the cached DS either. You still hold the keys you signed with: "sign example.com original-keys"; resolvers that just failed cached "no DNSKEY" for the SOA minimum (300 s): wait 6m.',
        ja: '新しい鍵で署名し直しても、キャッシュされた DS とは一致しない。以前の鍵はまだ手元にある: "sign example.com original-keys"。失敗したばかりのリゾルバーは「DNSKEY なし」を SOA の最小値 (300 秒) キャッシュしている (wait 6m)。',
      },
      {
        en: 'To turn DNSSEC off safely: keep the zone signed until the DS TTL has passed since its removal (wait 24h), then "unsign example.com".',
        ja: '安全に無効化するには、DS 削除から DS の TTL が過ぎるまで (wait 24h) 署名を残し、その後 "unsign example.com" する。',
      },
    ],
    broken: 'vulnerable',
    start: '+1h10m',
    fixed: 'fixed',
    checkFrom: '+2h',
    zones: ['example.com'],
    registrant: 'example-inc',
  },
});
