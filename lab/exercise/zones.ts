// The trainee's working folder: one master file per editable zone (zones/KEY.zone), written from the live
// world's data and read back on every save. A file that does not parse, or that a name server would refuse
// (dns/zone/check.ts errors), is reported with file:line and the last good version stays live.

import { existsSync, mkdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { toFqdn } from '../../dns/name.ts';
import { checkZone, formatProblem, zoneErrors } from '../../dns/zone/check.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { cloneRecord } from '../../dns/rdata-key.ts';
import type { World } from '../runner/world.ts';

/** How often the folder is polled besides fs.watch (which misses some editors' rename-on-save on some systems). */
export const POLL_MS = 300;
/** Between the two looks at a file before a command runs. */
const SETTLE_MS = 50;

interface Watched {
  key: string;
  path: string;
  /** The text last loaded (or rejected), so a save that changes nothing does nothing. */
  text: string;
  /** A new text seen once: loaded when the next look finds it unchanged (an editor may be mid-write). */
  pending?: string;
  /** Why the file on disk is not what is served, while it is not. */
  error?: string;
}

export class ZoneFolder {
  private readonly files: Watched[] = [];
  private watcher: FSWatcher | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly dir: string,
    private readonly world: World,
    private readonly onReport: (text: string) => void,
  ) {}

  /** Write the zones' current data and start watching them. */
  start(keys: string[]): void {
    mkdirSync(join(this.dir, 'zones'), { recursive: true });
    for (const key of keys) {
      const path = join(this.dir, 'zones', `${key}.zone`);
      const text = zoneText(this.world, key);
      writeFileSync(path, text);
      this.files.push({ key, path, text });
    }
    // A change event is the first look; the second comes from the poll (or the next event).
    this.watcher = watch(join(this.dir, 'zones'), () => this.scan());
    this.watcher.on('error', () => undefined); // the poll below still sees every save
    this.timer = setInterval(() => this.scan(), POLL_MS);
  }

  /**
   * Reload every file whose new text has been seen twice in a row (a save truncates, then writes: the first look
   * may catch it half written). Returns the reports made.
   */
  scan(): string[] {
    const reports: string[] = [];
    for (const f of this.files) {
      if (!existsSync(f.path)) continue; // mid-save (write to temp, rename): the next scan sees the new file
      // Small files: reading them is cheaper than trusting mtimes, which can repeat within one clock tick.
      const text = readFileSync(f.path, 'utf8');
      if (text === f.text) {
        f.pending = undefined;
        continue;
      }
      if (text !== f.pending) {
        f.pending = text;
        continue;
      }
      f.pending = undefined;
      f.text = text;
      const report = this.load(f, text);
      reports.push(report);
      this.onReport(report);
    }
    return reports;
  }

  /** Before a command: load what was saved just before it (two looks, SETTLE_MS apart). */
  async settle(): Promise<void> {
    this.scan();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    this.scan();
  }

  /** Files whose last save was refused, with why. */
  errors(): string[] {
    return this.files.filter((f) => f.error).map((f) => f.error!);
  }

  paths(): { key: string; path: string }[] {
    return this.files.map((f) => ({ key: f.key, path: f.path }));
  }

  private load(f: Watched, text: string): string {
    const master = this.world.zone(f.key);
    let problem: string | undefined;
    try {
      const zone = parseZoneText(text, master.origin, f.path);
      const errors = zoneErrors(checkZone(zone));
      if (errors.length) problem = errors.map((p) => formatProblem(f.path, p)).join('; ');
      else {
        for (const name of [...master.sortedNames()]) master.remove(name);
        for (const rr of zone.records()) master.add(cloneRecord(rr));
        this.world.resign(f.key);
      }
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    if (problem) {
      f.error = `${problem} (still serving the last good version)`;
      return `zone ${f.key} NOT reloaded: ${f.error}`;
    }
    f.error = undefined;
    return `zone ${f.key} reloaded from ${f.path} (${[...master.records()].length} records)`;
  }

  stop(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}

/** A zone's editable data as a master file (RFC 1035 §5): absolute names, one record a line. */
export function zoneText(world: World, key: string): string {
  const zone = world.zone(key);
  const lines = [
    `; zone ${key}${key !== toFqdn(zone.origin).replace(/\.$/, '') ? ` (origin ${toFqdn(zone.origin)})` : ''} — edit and save: the lab reloads it.`,
    '; Unsigned data: when the zone is signed the lab re-signs it on every load (DNSKEY, RRSIG, NSEC are added).',
    `$ORIGIN ${toFqdn(zone.origin)}`,
    ...[...zone.records()].map((rr) => formatRecord(rr)),
    '',
  ];
  return lines.join('\n');
}
