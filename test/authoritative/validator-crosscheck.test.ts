// Independent check of DNSSEC serving: zones signed in-process by
// dns/dnssec/sign.ts, answers from answerQuery, verified by
// dns/dnssec/validate.ts (signatures over every RRset, and each denial proof).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKey } from '../../dns/dnssec/keys.ts';
import { signZone } from '../../dns/dnssec/sign.ts';
import { verifyDenial, type DenialKind } from '../../dns/dnssec/denial.ts';
import { verifyRRsets } from '../../dns/dnssec/validate.ts';
import type { RR, RRTypeName } from '../../dns/types.ts';
import { Zone } from '../../dns/zone/zone.ts';
import { answerQuery } from '../../servers/authoritative/answer.ts';
import { ZoneSet } from '../../servers/authoritative/zone-set.ts';
import { query, rr, SOA } from './helpers.ts';

const NOW = 1_790_000_000;
const keys = [
  generateKey({ algorithm: 13, owner: 'example', ksk: true, seed: 'auth-ksk' }),
  generateKey({ algorithm: 13, owner: 'example', seed: 'auth-zsk' }),
];

function unsigned(): Zone {
  return new Zone('example', [
    rr('example', 'SOA', SOA),
    rr('example', 'NS', 'ns1.example'),
    rr('ns1.example', 'A', '192.0.2.1'),
    rr('www.example', 'A', '192.0.2.10'),
    rr('alias.example', 'CNAME', 'www.example'),
    rr('*.wild.example', 'A', '192.0.2.20'),
    rr('ent.deep.example', 'A', '192.0.2.30'),
    rr('sub.example', 'NS', 'ns.sub.example'),
    rr('sub.example', 'DS', { keyTag: 1, algorithm: 13, digestType: 2, digest: Buffer.alloc(32, 9) }),
    rr('ns.sub.example', 'A', '192.0.2.40'),
    rr('insecure.example', 'NS', 'ns.insecure.example'),
    rr('ns.insecure.example', 'A', '192.0.2.41'),
  ]);
}

function signed(denial: 'nsec' | 'nsec3', optOut = false): ZoneSet {
  const z = signZone(unsigned(), keys, { inception: NOW - 3600, expiration: NOW + 86400 * 30, denial, nsec3: { optOut, salt: Buffer.from('ab', 'hex') } });
  return new ZoneSet([z]);
}

const dnskeys = (set: ZoneSet): RR[] => set.get('example')!.get('example', 'DNSKEY')!.records;

const CASES: Array<{ label: string; qname: string; qtype: RRTypeName; kind?: DenialKind; rcode: string }> = [
  { label: 'positive', qname: 'www.example', qtype: 'A', rcode: 'NOERROR' },
  { label: 'CNAME', qname: 'alias.example', qtype: 'A', rcode: 'NOERROR' },
  { label: 'NXDOMAIN', qname: 'a.nx.example', qtype: 'A', kind: 'nxdomain', rcode: 'NXDOMAIN' },
  { label: 'NODATA', qname: 'www.example', qtype: 'TXT', kind: 'nodata', rcode: 'NOERROR' },
  { label: 'ENT NODATA', qname: 'deep.example', qtype: 'A', kind: 'nodata', rcode: 'NOERROR' },
  { label: 'wildcard answer', qname: 'x.y.wild.example', qtype: 'A', kind: 'wildcard-answer', rcode: 'NOERROR' },
  { label: 'wildcard NODATA', qname: 'x.wild.example', qtype: 'TXT', kind: 'wildcard-nodata', rcode: 'NOERROR' },
  { label: 'no DS at insecure cut', qname: 'www.insecure.example', qtype: 'A', kind: 'no-ds', rcode: 'NOERROR' },
  { label: 'DS NODATA at insecure cut', qname: 'insecure.example', qtype: 'DS', kind: 'no-ds', rcode: 'NOERROR' },
];

for (const [mode, optOut] of [
  ['nsec', false],
  ['nsec3', false],
  ['nsec3', true],
] as const) {
  describe(`answers from a zone signed with ${mode}${optOut ? ' (opt-out)' : ''} validate`, () => {
    const set = signed(mode, optOut);
    for (const c of CASES) {
      it(c.label, () => {
        const r = answerQuery(set, query(c.qname, c.qtype, { do: true, size: 4096 }));
        assert.equal(r.rcode, c.rcode);
        // Every RRset we send in answer/authority carries a signature that verifies
        // (except the unsigned NS RRset of a referral, RFC 4035 §2.2).
        const signedPart = [...r.answer, ...r.authority].filter((x) => !(x.type === 'NS' && !r.flags.aa));
        // The synthesized wildcard RRSIG verifies for the expanded owner too.
        const v = verifyRRsets(signedPart, dnskeys(set), 'example', NOW);
        assert.equal(v.status, 'secure', v.reason);
        if (c.kind) {
          const zoneName = 'example';
          const qname = c.kind === 'no-ds' ? c.qname.replace(/^www\./, '') : c.qname;
          const d = verifyDenial(
            c.kind,
            { qname, qtype: c.kind === 'no-ds' ? 'DS' : c.qtype, zone: zoneName },
            r.authority.filter((x) => x.type === 'NSEC' || x.type === 'NSEC3'),
          );
          assert.notEqual(d.status, 'bogus', `${c.label}: ${d.reason}`);
          // In an opt-out zone every NSEC3 carries the opt-out flag, so a proof
          // resting on a covering NSEC3 is only "insecure" (RFC 5155 §9.2);
          // proofs resting on a matching NSEC3 stay secure.
          const coverBased = c.kind === 'nxdomain' || c.kind === 'no-ds' || c.kind.startsWith('wildcard');
          if (optOut && coverBased) assert.ok(d.status === 'secure' || (d.status === 'insecure' && d.optOut === true), d.reason);
          else assert.equal(d.status, 'secure', d.reason);
        }
      });
    }
  });
}
