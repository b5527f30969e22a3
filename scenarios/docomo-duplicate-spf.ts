// Incident "docomo duplicate SPF" (docs/incidents.md, S3): a second "v=spf1" TXT record is added
// next to the first instead of editing it; RFC 7208 §4.5 makes that a
// permerror, so receivers stop getting "pass" for the domain's mail.
import { defineScenario } from '../lab/scenario/types.ts';

export default defineScenario({
  id: 'docomo-duplicate-spf',
  title: {
    en: 'Two SPF records: every SPF check of the domain becomes permerror (docomo 2021)',
    ja: 'SPF レコードが 2 つ: そのドメインの SPF 検証がすべて permerror になる (docomo 2021 年)',
  },
  narrative: {
    en: `example.ne.jp sends mail from its own servers (192.0.2.0/24) and publishes one SPF record. To let a
new sending service (198.51.100.0/24) send as example.ne.jp, an operator adds a second TXT record
starting with "v=spf1" — the way one adds an A record — instead of editing the existing one. RFC 7208
§4.5 says a domain with more than one SPF record gives "permerror": receivers can no longer
authenticate ANY mail from the domain, including the old servers' (docomo.ne.jp, 2021-09-16; amazon.com
had the same in 2021-06). What a receiver does with permerror is its choice; many reject or file the
mail as spam. The receiver here is a real RFC 7208 check through its resolver.
Fixed variant: the new range is merged into the one existing record; both senders pass.`,
    ja: `example.ne.jp は自社サーバー (192.0.2.0/24) からメールを送信し、SPF レコードを 1 つ公開している。新しい
配信サービス (198.51.100.0/24) から example.ne.jp として送信できるようにするため、運用者は既存のレコードを
編集するのではなく、A レコードを追加するのと同じ感覚で「v=spf1」で始まる TXT レコードをもう 1 つ追加する。
RFC 7208 §4.5 により SPF レコードが複数あるドメインの検証結果は「permerror」になり、受信側は既存サーバーからの
メールも含め、このドメインのメールを一切認証できなくなる (2021-09-16 の docomo.ne.jp。amazon.com も 2021-06 に
同じ事象)。permerror の扱いは受信側次第で、拒否や迷惑メール扱いが多い。ここでの受信側はリゾルバー経由で
RFC 7208 の検証を実際に行う。修正版: 新しいアドレス範囲を既存の 1 つのレコードに統合し、両方の送信元が pass になる。`,
  },
  references: [
    'docs/incidents.md: "docomo duplicate SPF" (S3; NTT docomo, 2021-09-16)',
    'RFC 7208 §4.5 (selecting records: more than one → permerror), §3.2 (multiple records MUST NOT be published)',
    'RFC 7208 §4.6.4 (DNS lookup limits)',
  ],
  start: '2026-09-16T00:00:00Z',

  topology: {
    servers: {
      'ns-example': { host: 'ns1.example.ne.jp', addresses: ['192.0.2.53'] },
      'ns-esp': { host: 'ns1.mail-service.example', addresses: ['198.51.100.53'] },
    },
    zones: {
      'example.ne.jp': {
        servers: ['ns-example'],
        text: `
$TTL 300
@    3600 IN SOA ns1.example.ne.jp. hostmaster.example.ne.jp. 1 3600 900 604800 300
@    3600 IN NS  ns1.example.ne.jp.
ns1  IN A   192.0.2.53
@    IN MX  10 mx1
mx1  IN A   192.0.2.25
@    IN TXT "v=spf1 ip4:192.0.2.0/24 mx ~all"
@    IN TXT "site-verification=3f1a"
`,
      },
      'mail-service.example': {
        servers: ['ns-esp'],
        text: `
$TTL 300
@    3600 IN SOA ns1.mail-service.example. hostmaster.mail-service.example. 1 3600 900 604800 300
@    3600 IN NS  ns1.mail-service.example.
ns1  IN A   198.51.100.53
_spf IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
`,
      },
    },
    resolvers: { resolver: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { receiver: { addresses: ['10.0.0.25'], resolver: 'resolver' } },
  },

  steps: [
    {
      at: '+0s',
      spf: { client: 'receiver', ip: '192.0.2.10', sender: 'info@example.ne.jp' },
      note: "mail from the domain's own server",
      expect: { result: 'pass' },
    },
    {
      at: '+0s',
      spf: { client: 'receiver', ip: '198.51.100.20', sender: 'info@example.ne.jp' },
      note: 'the new service is not authorised yet',
      expect: { result: 'softfail' },
    },
    {
      at: '+1h',
      only: ['vulnerable'],
      operator: 'mail team',
      note: 'authorise the new service by ADDING a record',
      action: { do: 'add-records', zone: 'example.ne.jp', records: ['@ 300 IN TXT "v=spf1 include:_spf.mail-service.example ~all"'] },
    },
    {
      at: '+1h',
      only: ['fixed'],
      operator: 'mail team',
      note: 'authorise the new service by EDITING the one record (the TXT RRset is replaced as a whole)',
      action: {
        do: 'set-records',
        zone: 'example.ne.jp',
        records: ['@ 300 IN TXT "v=spf1 ip4:192.0.2.0/24 mx include:_spf.mail-service.example ~all"', '@ 300 IN TXT "site-verification=3f1a"'],
      },
    },
    {
      at: '+1h10m',
      only: ['vulnerable'],
      client: 'receiver',
      query: 'example.ne.jp TXT',
      note: 'two records start with v=spf1',
      expect: {
        rcode: 'NOERROR',
        answerIncludes: ['example.ne.jp. TXT "v=spf1 ip4:192.0.2.0/24 mx ~all"', 'example.ne.jp. TXT "v=spf1 include:_spf.mail-service.example ~all"'],
      },
    },
    {
      at: '+1h10m',
      only: ['vulnerable'],
      spf: { client: 'receiver', ip: '192.0.2.10', sender: 'info@example.ne.jp' },
      note: 'even the old, correct server fails now',
      expect: { result: 'permerror', reasonContains: '2 "v=spf1" records' },
    },
    { at: '+1h10m', only: ['vulnerable'], spf: { client: 'receiver', ip: '198.51.100.20', sender: 'info@example.ne.jp' }, expect: { result: 'permerror' } },
    { at: '+1h10m', only: ['fixed'], spf: { client: 'receiver', ip: '192.0.2.10', sender: 'info@example.ne.jp' }, expect: { result: 'pass' } },
    {
      at: '+1h10m',
      only: ['fixed'],
      spf: { client: 'receiver', ip: '198.51.100.20', sender: 'info@example.ne.jp' },
      note: 'through include:_spf.mail-service.example',
      expect: { result: 'pass' },
    },
    {
      at: '+1h10m',
      spf: { client: 'receiver', ip: '203.0.113.9', sender: 'info@example.ne.jp' },
      only: ['fixed'],
      note: 'a stranger still does not pass',
      expect: { result: 'softfail' },
    },
    {
      at: '+1h20m',
      only: ['fixed'],
      expectQueries: { client: 'resolver', server: 'ns-esp', qname: '_spf.mail-service.example', qtype: 'TXT', min: 1 },
      note: 'the include was followed',
    },
  ],

  variants: {
    vulnerable: { description: { en: 'a second v=spf1 record is added', ja: '2 つ目の v=spf1 レコードを追加する' } },
    fixed: { description: { en: 'the existing record is edited (one merged v=spf1 record)', ja: '既存のレコードを編集する (統合した v=spf1 レコード 1 つ)' } },
  },
});
