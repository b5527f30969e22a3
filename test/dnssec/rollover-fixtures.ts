// The zone, seeded keys and signing times rollover.test.ts and
// rollover.real.test.ts share.
import { generateKey } from '../../dns/dnssec/keys.ts';
import { signWithState, type KeyState } from '../../dns/dnssec/rollover.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';

export const ORIGIN = 'roll.test';
export const ZONE = `$TTL 300
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.1
`;
export const NOW = 1_790_000_000; // before the host clock, so dnssec-verify accepts the signature times
export const times = { inception: NOW - 3600, expiration: NOW + 3650 * 86400 };
export const k = (name: string, ksk: boolean, alg: 13 | 15 = 13) => generateKey({ algorithm: alg, owner: ORIGIN, ksk, seed: name });
export const ksk1 = k('ksk1', true);
export const ksk2 = k('ksk2', true);
export const zsk1 = k('zsk1', false);
export const zsk2 = k('zsk2', false);

export function sign(state: KeyState): Zone {
  return signWithState(parseZoneText(ZONE, ORIGIN), state, times);
}
