// The zone and seeded keys both online.test.ts and online.real.test.ts serve.
import { generateKey } from '../../dns/dnssec/keys.ts';

export const ORIGIN = 'slack.test';
export const ZONE_TEXT = `$TTL 300
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 127.0.5.2
* A 192.0.2.80
www A 192.0.2.1
a.b.ent TXT "x"
sub NS ns.sub
ns.sub A 192.0.2.9
secure NS ns.sub
secure DS 12345 13 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD
`;
export const ksk = generateKey({ algorithm: 13, owner: ORIGIN, ksk: true, seed: 'online-ksk' });
export const zsk = generateKey({ algorithm: 15, owner: ORIGIN, seed: 'online-zsk' });
export const zsk13 = generateKey({ algorithm: 13, owner: ORIGIN, seed: 'online-zsk13' });
