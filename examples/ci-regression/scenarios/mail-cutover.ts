// A user's regression scenario: the mail host moves to a new address; the old record's TTL decides how long
// clients keep reaching the old one. Type-only import: runs with tsx and needs nothing from dnslab at run time.
import type { Scenario } from 'dnslab';

const scenario: Scenario = {
  id: 'mail-cutover',
  title: { en: 'Mail host cutover: clients follow after the old TTL', ja: 'メールホストの移行: 旧 TTL の後にクライアントが追従' },
  narrative: {
    en: 'mail.example.net moves from 192.0.2.25 to 192.0.2.26; the old A record has a TTL of 600 s.',
    ja: 'mail.example.net が 192.0.2.25 から 192.0.2.26 へ移る。旧 A レコードの TTL は 600 秒。',
  },
  references: ['RFC 1034 §4.3.5 (TTL-bounded caching)'],
  start: '2026-01-05T09:00:00Z',
  topology: {
    servers: { 'ns-net': { host: 'ns1.example.net', addresses: ['192.0.2.53'] } },
    zones: {
      'example.net': {
        servers: ['ns-net'],
        text: `
$TTL 3600
@    IN SOA ns1.example.net. hostmaster.example.net. 1 3600 900 604800 300
@    IN NS  ns1.example.net.
ns1  IN A   192.0.2.53
mail 600 IN A 192.0.2.25
`,
      },
    },
    resolvers: { isp: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { laptop: { addresses: ['10.0.0.10'], resolver: 'isp' } },
  },
  steps: [
    { at: '+0s', client: 'laptop', query: 'mail.example.net A', expect: { rcode: 'NOERROR', answer: ['mail.example.net. 600 IN A 192.0.2.25'] } },
    {
      at: '+1m',
      operator: 'mail team',
      note: 'the new host takes over',
      action: { do: 'set-records', zone: 'example.net', records: ['mail 600 IN A 192.0.2.26'] },
    },
    { at: '+5m', client: 'laptop', query: 'mail.example.net A', note: 'still cached', expect: { answer: ['mail.example.net. 300 IN A 192.0.2.25'] } },
    {
      at: '+11m',
      client: 'laptop',
      query: 'mail.example.net A',
      note: 'the old TTL has run out',
      expect: { answer: ['mail.example.net. 600 IN A 192.0.2.26'] },
    },
  ],
};
export default scenario;
