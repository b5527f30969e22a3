// PowerDNS's packet cache of SERVFAIL answers (`servfailCacheS`): a question that just failed is answered SERVFAIL
// again from this cache, with no resolution, for a few whole seconds.

import { isSubdomain, nameEquals } from '../../dns/name.ts';
import type { Name } from '../../dns/types.ts';
import type { Clock } from '../../net/network.ts';
import type { Outcome } from './resolution.ts';
import type { ResolverSettings } from './settings.ts';

export class ServfailCache {
  /** Question + flags → the SERVFAIL outcome and until when (whole lab seconds) it is answered again. */
  private readonly entries = new Map<string, { qname: Name; outcome: Outcome; until: number }>();
  /** Bumped whenever an entry comes or goes (see ResolverCache.generation). */
  generation = 0;

  constructor(
    private readonly settings: ResolverSettings,
    private readonly clock: Clock,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** The cached SERVFAIL for `key` (RD=1 questions only) while it lasts; an expired entry is dropped. */
  get(key: string, rd: boolean): Outcome | undefined {
    const cached = this.settings.servfailCacheS > 0 && rd ? this.entries.get(key) : undefined;
    const hit = cached !== undefined && this.nowSeconds() < cached.until;
    if (cached !== undefined && !hit) {
      this.entries.delete(key);
      this.generation++;
    }
    return hit ? cached.outcome : undefined;
  }

  /** Keep a client's SERVFAIL verdict for `servfailCacheS` seconds. */
  store(key: string, qname: Name, rd: boolean, verdict: Outcome): void {
    if (verdict.rcode === 'SERVFAIL' && this.settings.servfailCacheS > 0 && rd) {
      this.entries.set(key, { qname, outcome: verdict, until: this.nowSeconds() + this.settings.servfailCacheS });
      this.generation++;
    }
  }

  /** A flush also drops cached SERVFAILs (rec_control wipe-cache wipes the packet cache too). */
  forget(name: Name, tree: boolean): void {
    this.generation++;
    for (const [k, e] of this.entries) {
      if (tree ? isSubdomain(e.qname, name) : nameEquals(e.qname, name)) this.entries.delete(k);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
