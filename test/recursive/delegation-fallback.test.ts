// What a resolver does when the delegation it has cached no longer leads
// anywhere (servers/real/README.md, "The matrix as measured"):
//  - every server of the cached delegation refuses: Unbound asks the parent
//    again and follows the new NS (parentNsFallback; registrar-transfer-dnssec
//    uncooperative-long-ns), BIND/Knot/PowerDNS wait for the cached NS to expire;
//  - the only nameserver of a zone lies inside it and its address has expired:
//    every product gets the glue from the parent again, but BIND answers a
//    query for that very address SERVFAIL once (nsAddressLoopServfail;
//    subdomain-takeover, the audit at T+1h30m);
//  - glue is never an answer to a client (RFC 2181 §5.4.1).
// Each switch is flipped back to show that it is what makes the difference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunResult } from '../../lab/runner/index.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

/** Every resolver of the scenario on `profile` plus `settings`. */
const run = (id: string, variant: string, profile: string, settings: Partial<ResolverSettings> = {}): Promise<RunResult> =>
  runOnProfile(id, variant, { profile, settings });

const failed = (r: RunResult): string[] => r.assertions.filter((a) => !a.ok).map((a) => a.what);
const at = (r: RunResult, t: number): number => r.start + t * 1000;

/** The claims uncooperative-long-ns declares for products that keep the cached NS. */
const STICKY_FAILURES = ['queries under example.jp from resolver to tld-jp from T+2m to now', 'watch www: outage duration', 'watch www: time of recovery'];

describe('every cached server refuses: back to the parent (registrar-transfer-dnssec uncooperative-long-ns)', () => {
  it('unbound asks tld-jp again at the first failure and recovers when DS/DNSKEY expire; without parentNsFallback it waits for the 4 h NS TTL', async () => {
    assert.equal(settingsFor('unbound').parentNsFallback, true);
    const asIs = await run('registrar-transfer-dnssec', 'uncooperative-long-ns', 'unbound');
    assert.deepEqual(failed(asIs), []);
    // At T+10m: the old server refuses, then the jp server is asked for www.example.jp again (the referral to ns-new).
    const tenMin = asIs.trace.filter((e) => !e.response && e.from === 'resolver' && e.time >= at(asIs, 600) && e.time < at(asIs, 601));
    const refused = tenMin.findIndex((e) => e.to === 'ns-old');
    const parent = tenMin.findIndex((e) => e.to === 'tld-jp' && e.qname === 'www.example.jp');
    assert.ok(refused >= 0 && parent > refused, `ns-old, then tld-jp at T+10m: ${tenMin.map((e) => `${e.to} ${e.qname} ${e.qtype}`).join('; ')}`);
    assert.ok(
      tenMin.slice(parent).some((e) => e.to === 'ns-new'),
      'the new NS is followed at once',
    );
    // From then on the cached NS RRset is the parent's new one: ns-old is never asked again.
    assert.equal(asIs.trace.filter((e) => !e.response && e.to === 'ns-old' && e.time > at(asIs, 601)).length, 0);

    const off = await run('registrar-transfer-dnssec', 'uncooperative-long-ns', 'unbound', { parentNsFallback: false });
    assert.deepEqual(failed(off), STICKY_FAILURES);
  });

  it('bind keeps the cached NS (as measured); with parentNsFallback on it would recover at T+2h like Unbound', async () => {
    assert.equal(settingsFor('bind').parentNsFallback, false);
    assert.deepEqual(failed(await run('registrar-transfer-dnssec', 'uncooperative-long-ns', 'bind')), STICKY_FAILURES);
    assert.deepEqual(failed(await run('registrar-transfer-dnssec', 'uncooperative-long-ns', 'bind', { parentNsFallback: true })), []);
  });
});

describe('the only nameserver is in-zone and its address expired (subdomain-takeover, audit at T+1h30m)', () => {
  /** What the resolver answered alice for ns1.example.jp A during the audit at T+1h30m, in order. */
  const nsAnswers = (r: RunResult): string[] =>
    r.trace
      .filter(
        (e) =>
          e.response &&
          e.from === 'resolver' &&
          e.to === 'alice' &&
          e.qname === 'ns1.example.jp' &&
          e.qtype === 'A' &&
          e.time >= at(r, 5400) &&
          e.time < at(r, 5460),
      )
      .map((e) => e.rcode ?? '');

  it('bind answers SERVFAIL once ("loop detected"), then the address; the audit asks again and finds only the dangling CNAME', async () => {
    assert.equal(settingsFor('bind').nsAddressLoopServfail, true);
    const asIs = await run('subdomain-takeover', 'vulnerable', 'bind');
    assert.deepEqual(nsAnswers(asIs), ['SERVFAIL', 'NOERROR']);
    assert.deepEqual(failed(asIs), [], 'the audit retries after a SERVFAIL, so BIND gives no ns-name-unresolvable finding');
    // The parent was asked for the glue, and ns-customer for the address itself, before the SERVFAIL went out.
    const upstream = asIs.trace
      .filter((e) => !e.response && e.from === 'resolver' && e.qname === 'ns1.example.jp' && e.time >= at(asIs, 5400) && e.time < at(asIs, 5460))
      .map((e) => e.to);
    assert.deepEqual(upstream.slice(0, 2), ['tld-jp', 'ns-customer']);

    const off = await run('subdomain-takeover', 'vulnerable', 'bind', { nsAddressLoopServfail: false });
    assert.deepEqual(nsAnswers(off), ['NOERROR']);
  });

  it('unbound gets the glue from the parent and answers at once', async () => {
    assert.equal(settingsFor('unbound').nsAddressLoopServfail, false);
    const r = await run('subdomain-takeover', 'vulnerable', 'unbound');
    assert.deepEqual(nsAnswers(r), ['NOERROR']);
    assert.deepEqual(failed(r), []);
  });

  it('glue is not an answer (RFC 2181 §5.4.1): ns1.example.jp A at T+30m is asked of ns-customer, not served from the jp referral', async () => {
    for (const profile of ['unbound', 'bind']) {
      const r = await run('subdomain-takeover', 'vulnerable', profile);
      // Up to the client's next question (the AAAA lookup after it sends Unbound's QTYPE A probe again).
      const aaaa =
        r.trace.find((e) => !e.response && e.to === 'resolver' && e.qname === 'ns1.example.jp' && e.qtype === 'AAAA' && e.time >= at(r, 1800))?.time ??
        at(r, 1860);
      const asked = r.trace.filter(
        (e) =>
          !e.response &&
          e.from === 'resolver' &&
          e.to === 'ns-customer' &&
          e.qname === 'ns1.example.jp' &&
          e.qtype === 'A' &&
          e.time >= at(r, 1800) &&
          e.time < aaaa,
      );
      assert.equal(asked.length, 1, `${profile}: one authoritative query for the glue name`);
    }
  });
});
