// The smallest world a scenario unit test needs: one authoritative server for example.jp,
// a resolver and a client. Tests add their steps (and quirks, zones, variants) to it.
import type { Scenario } from '../../lab/scenario/types.ts';

export const UNIT_ZONE = `
$TTL 300
@   IN SOA ns1.example.jp. h.example.jp. 1 3600 900 604800 300
@   IN NS ns1.example.jp.
ns1 IN A 192.0.2.53
www IN A 192.0.2.10
`;

type Quirks = NonNullable<Scenario['topology']['servers'][string]['quirks']>;

/** Server `ns` (ns1.example.jp, 192.0.2.53) serving example.jp (UNIT_ZONE unless `zones`), resolver `r` (unbound profile), client `alice`. */
export function unitScenario(steps: Scenario['steps'], options: { id?: string; zones?: Scenario['topology']['zones']; quirks?: Quirks } = {}): Scenario {
  return {
    id: options.id ?? 'unit',
    title: { en: 't', ja: 't' },
    narrative: { en: 'n', ja: 'n' },
    references: [],
    topology: {
      servers: { ns: { host: 'ns1.example.jp', addresses: ['192.0.2.53'], ...(options.quirks ? { quirks: options.quirks } : {}) } },
      zones: options.zones ?? { 'example.jp': { servers: ['ns'], text: UNIT_ZONE } },
      resolvers: { r: { addresses: ['10.0.0.53'], profile: 'unbound' } },
      clients: { alice: { addresses: ['10.0.0.10'], resolver: 'r' } },
    },
    steps,
  };
}
