// Incident "Middlebox checkpoints" (docs/incidents.md, S4 — DNSSEC Japan technical WG): a box
// on the DNS path breaks large DNSSEC answers. A home router's DNS proxy caps
// UDP answers at 512 octets (TC=1) and the same router rejects TCP/53, so the
// TC=1 fallback (RFC 7766) cannot work: every signed answer over 512 octets
// is SERVFAIL, small ones keep working — the "some names fail" symptom.
import { defineScenario } from '../lab/scenario/types.ts';

const bigTxt = Array.from({ length: 5 }, (_, i) => `"site-verification-${String(i)}=${'k'.repeat(180)}"`).join(' ');

export default defineScenario({
  id: 'middlebox-large-answers',
  title: {
    en: 'A home router breaks large DNSSEC answers (512-octet cap, no TCP)',
    ja: 'ホームルータが大きな DNSSEC 応答を壊す (512 オクテット制限、TCP 不可)',
  },
  narrative: {
    en: `example.jp is signed. Its www name gives a small answer; its apex TXT set holds several
verification strings, so the signed answer is about 1.2 KB. Between the ISP resolver and the
example.jp server sits a box that behaves like an old home router's DNS proxy: UDP answers larger
than 512 octets are cut down and marked TC=1, and TCP/53 is rejected. The resolver does what it
should — it retries over TCP after TC=1 — and gets a RST, so the large answer is SERVFAIL while
the small one still validates. The DNSSEC Japan working group lists exactly these checks for
equipment on the DNS path: large UDP, fragments, TCP fallback, TCP/53, EDNS0 (dnslab probe runs
them against real equipment). In the fixed variant the box lets TCP/53 through: TC=1, then TCP,
and the answer validates.`,
    ja: `example.jp は署名済み。www の応答は小さいが、apex の TXT には検証用文字列が複数あり、署名付き応答は
約 1.2 KB になる。ISP のリゾルバーと example.jp のサーバーの間に、古いホームルータの DNS プロキシのような
機器がある: 512 オクテットを超える UDP 応答を切り詰めて TC=1 を立て、TCP/53 は拒否する。リゾルバーは
TC=1 を受けて TCP で再問い合わせするが RST が返るため、大きな応答は SERVFAIL、小さな応答は検証に成功する。
DNSSEC ジャパン技術検証 WG は DNS 経路上の機器についてまさにこの項目 (大きな UDP、フラグメント、
TCP フォールバック、TCP/53、EDNS0) の確認を挙げている (dnslab probe で実機を検査できる)。
修正版では機器が TCP/53 を通すため、TC=1 の後に TCP で取得し検証に成功する。`,
  },
  references: [
    'docs/incidents.md: "Middlebox checkpoints" (S4, DNSSEC Japan technical WG: network equipment checks)',
    'RFC 7766 §5 (TCP is mandatory; TC=1 fallback)',
    'RFC 6891 §7 (EDNS0 and UDP sizes)',
    'DNS Flag Day 2020 (1232-octet EDNS buffer, TCP required)',
  ],
  start: '2026-03-01T00:00:00Z',

  topology: {
    servers: {
      'ns-example': { host: 'ns1.example.jp', addresses: ['192.0.2.53'] },
    },
    zones: {
      'example.jp': {
        servers: ['ns-example'],
        signed: true,
        text: `
$TTL 300
@    IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns1.example.jp.
@    IN TXT ${bigTxt}
ns1  IN A   192.0.2.53
www  IN A   192.0.2.10
`,
      },
    },
    resolvers: { isp: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { alice: { addresses: ['10.0.0.10'], resolver: 'isp' } },
    middleboxes: {
      router: { kind: 'home-router', between: ['isp', 'ns-example'], options: { capAnswers: 512, tcp: 'reject', cache: false } },
    },
  },

  steps: [
    {
      at: '+0s',
      client: 'alice',
      query: 'www.example.jp A',
      dnssec: true,
      note: 'a small signed answer fits in 512 octets',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answerIncludes: ['www.example.jp. 300 IN A 192.0.2.10'] },
    },
    {
      at: '+1m',
      only: ['vulnerable'],
      client: 'alice',
      query: 'example.jp TXT',
      dnssec: true,
      note: 'TC=1 from the box, then TCP/53 is rejected',
      expect: { rcode: 'SERVFAIL' },
    },
    {
      at: '+1m',
      only: ['fixed'],
      client: 'alice',
      query: 'example.jp TXT',
      dnssec: true,
      note: 'TC=1, then the full answer over TCP',
      expect: { rcode: 'NOERROR', flags: { ad: true } },
    },
  ],

  variants: {
    vulnerable: { description: { en: 'the box rejects TCP/53', ja: '機器が TCP/53 を拒否する' } },
    fixed: {
      description: { en: 'the box lets TCP/53 through', ja: '機器が TCP/53 を通す' },
      topology: { middleboxes: { router: { options: { tcp: 'allow' } } } },
    },
  },
});
