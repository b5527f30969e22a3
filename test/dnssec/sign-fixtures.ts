// The zone both sign.test.ts and sign.real.test.ts sign: apex, wildcard, empty
// non-terminals, a delegation with glue and occluded data, a DNAME, a signed delegation.
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { RrsigData } from '../../dns/types.ts';
import type { Zone } from '../../dns/zone/zone.ts';

export const ORIGIN = 'example.test';
export const ZONE = `$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.1
www A 192.0.2.2
*.wild TXT "w"
a.b.c A 192.0.2.3
sub NS ns.sub
sub A 192.0.2.99
ns.sub A 192.0.2.77
deeper.ns.sub TXT "occluded"
dn DNAME elsewhere.test.
x.dn A 192.0.2.4
secure NS ns1
secure DS 12345 13 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD
`;
export const zone = () => parseZoneText(ZONE, ORIGIN);

export function sigsAt(z: Zone, name: string): RrsigData[] {
  return (z.get(name, 'RRSIG')?.records ?? []).map((r) => r.data as RrsigData);
}
