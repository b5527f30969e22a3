// Every middlebox setting, as `dnslab middlebox` flags would give it, put on
// the path between a validating RecursiveResolver (EDNS 1232, DO=1) and the
// RSA-2048-signed `mb.` server on the VirtualNetwork: what the resolver ends
// up with for a ~950-octet signed answer (www.mb A) and a ~2.3 KB one
// (big.mb TXT), and why.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attachBetween, validateSettings, type MiddleboxSettings } from '../../servers/middlebox/index.ts';
import { buildMbWorld, drive } from './world.ts';

const MB = '10.1.0.2';
type Outcome = 'secure' | 'SERVFAIL';

const CASES: { settings: MiddleboxSettings; www: Outcome; big: Outcome; why: string }[] = [
  { settings: {}, www: 'secure', big: 'secure', why: 'no box' },
  {
    settings: { maxUdp: 900, oversize: 'drop' },
    www: 'SERVFAIL',
    big: 'secure',
    why: '950-octet answers vanish and the unbound profile never drops EDNS on timeouts (ednsOffAfterTimeouts: false, outside_network.c serviced_udp_callback); big answers exceed 1232, come TC=1 and are fetched over TCP',
  },
  { settings: { maxUdp: 900, oversize: 'truncate' }, www: 'secure', big: 'secure', why: 'TC=1 from the box, then TCP' },
  { settings: { ednsRewrite: 512 }, www: 'secure', big: 'secure', why: 'the server truncates to 512, TCP fetches the rest' },
  { settings: { mtu: 1500, fragments: 'drop' }, www: 'secure', big: 'secure', why: 'with EDNS 1232 nothing needs fragmenting' },
  { settings: { mtu: 1500, fragments: 'first' }, www: 'secure', big: 'secure', why: 'same: 1232 avoids fragments' },
  { settings: { tcp: 'reject' }, www: 'secure', big: 'SERVFAIL', why: 'www fits in 1232; big needs TCP, which is refused' },
  { settings: { tcp: 'blackhole' }, www: 'secure', big: 'SERVFAIL', why: 'big needs TCP, which never answers' },
  {
    settings: { strip: ['opt'] },
    www: 'SERVFAIL',
    big: 'secure',
    why: 'a UDP-only DNS ALG: the small answer comes without EDNS, so unsigned (bogus); big answers exceed 512, come TC=1 and are fetched over TCP, which the box does not touch',
  },
  { settings: { strip: ['do'] }, www: 'SERVFAIL', big: 'SERVFAIL', why: 'no DO → no RRSIGs' },
  { settings: { strip: ['rrsig'] }, www: 'SERVFAIL', big: 'SERVFAIL', why: 'RRSIGs removed' },
  { settings: { formerrEdns: true }, www: 'SERVFAIL', big: 'SERVFAIL', why: 'FORMERR to EDNS → the resolver retries without EDNS → unsigned answers' },
  { settings: { capAnswers: 512 }, www: 'secure', big: 'secure', why: 'TC=1 at 512, TCP allowed' },
  { settings: { latencyMs: 150, jitterMs: 100, seed: 1 }, www: 'secure', big: 'secure', why: 'slow but fine' },
];

describe('each middlebox setting between a validating resolver and a signed zone', { timeout: 180_000 }, () => {
  for (const [i, c] of CASES.entries()) {
    it(`${JSON.stringify(c.settings)} → www ${c.www}, big ${c.big} (${c.why})`, async () => {
      const w = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: `table-${i}` });
      attachBetween(w.net, 'resolver', 'mb0', validateSettings(c.settings), `box${i}`);
      const outcome = async (qname: string, qtype: 'A' | 'TXT'): Promise<string> => {
        const r = await drive(w.clock, w.resolver.resolve(qname, qtype, { do: true }));
        return r.rcode === 'NOERROR' && r.ad ? 'secure' : r.rcode === 'NOERROR' ? 'insecure' : r.rcode;
      };
      assert.equal(await outcome('www.mb', 'A'), c.www, 'www.mb A');
      w.resolver.flushAll();
      assert.equal(await outcome('big.mb', 'TXT'), c.big, 'big.mb TXT');
      await w.stop();
    });
  }
});
