// One running exercise: the live world, the trainee's zone folder, and the commands the trainee types (on the
// exercise's stdin, or as `dnslab exercise COMMAND` through the control socket, control.ts). Each command
// gives text and an exit code: 0 done / all claims hold, 1 some claims fail, 2 bad command.

import { normalizeName, toFqdn } from '../../dns/name.ts';
import type { DsData } from '../../dns/types.ts';
import { parseRdata } from '../../dns/zone/rdata-text.ts';
import type { OpResult } from '../registry/registry.ts';
import { parseDuration } from '../scenario/duration.ts';
import type { Bilingual, Exercise } from '../scenario/types.ts';
import type { Plan } from '../scenario/validate.ts';
import { checkLive } from './check.ts';
import type { LiveWorld } from './live.ts';
import type { ZoneFolder } from './zones.ts';

export interface Reply {
  output: string;
  code: 0 | 1 | 2;
}

export const COMMAND_HELP = `commands (typed here, or from another shell as \`dnslab exercise COMMAND … --dir DIR\`):
  check                      judge the live world by the fixed variant's claims; the next hint if some fail
  hint                       the next hint        task     the task again        status   lab time, zones, machines
  ns DOMAIN HOST…            set the domain's NS at its registrar (glue: HOST=ADDR,ADDR)
  ds DOMAIN none             remove every DS        ds DOMAIN from-zone [ZONE…]   the DS of the signed zone(s)
  ds DOMAIN KEYTAG ALG DIGESTTYPE DIGEST        set one DS record
  lock DOMAIN / unlock DOMAIN                   registrar lock (clientUpdateProhibited, clientTransferProhibited)
  sign ZONE [original-keys]  sign a zone you edit: new keys, or the keys it was first signed with
  unsign ZONE                remove the zone's DNSSEC data (DNSKEY, RRSIG, NSEC)
  transfer DOMAIN REGISTRAR AUTHCODE            move the domain to another registrar
  flush RESOLVER [NAME]      ask a resolver's operator to flush its cache (all, or NAME and below)
  wait DURATION              let lab time pass (e.g. 5m, 2h): cached data ages, TTLs run out`;

export class Session {
  private hintsShown = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly live: LiveWorld,
    readonly folder: ZoneFolder,
    readonly exercise: Exercise,
    readonly fixed: Plan,
    readonly lang: 'en' | 'ja',
  ) {}

  text(b: Bilingual): string {
    return b[this.lang];
  }

  /** Run one command line; commands run one at a time, in arrival order. */
  run(line: string): Promise<Reply> {
    const next = this.queue.then(() => this.dispatch(line.trim().split(/\s+/).filter(Boolean)));
    this.queue = next.catch(() => undefined);
    return next.catch((e: unknown) => ({ output: `error: ${e instanceof Error ? e.message : String(e)}`, code: 2 as const }));
  }

  private async dispatch(words: string[]): Promise<Reply> {
    const [command, ...args] = words;
    const ok = (output: string): Reply => ({ output, code: 0 });
    const bad = (output: string): Reply => ({ output, code: 2 });
    // A save just before the command counts: reload first, without waiting for the next poll.
    await this.folder.settle();
    switch (command) {
      case undefined:
        return ok('');
      case 'help':
        return ok(COMMAND_HELP);
      case 'task':
        return ok(this.text(this.exercise.task));
      case 'hint':
        return ok(this.nextHint());
      case 'status':
        return ok(this.status());
      case 'check':
        return this.check();
      case 'wait': {
        const ms = args.length === 1 ? parseDuration(args[0]!) : undefined;
        if (ms === undefined || ms <= 0) return bad(`wait: expected one duration like 5m or 2h, got "${args.join(' ')}"`);
        this.live.advance(ms);
        return ok(`lab time is now T${this.live.offsetText()}`);
      }
      case 'flush': {
        if (args.length < 1 || args.length > 2) return bad('flush: expected RESOLVER [NAME]');
        const r = this.live.world.resolvers.get(args[0]!);
        if (!r) return bad(`flush: unknown resolver "${args[0]}" (resolvers: ${[...this.live.world.resolvers.keys()].join(', ') || 'none'})`);
        r.flush(args[1] === undefined ? undefined : normalizeName(args[1]));
        return ok(`flushed ${args[1] ? `${toFqdn(args[1])} and below from` : 'the whole cache of'} ${args[0]}`);
      }
      case 'sign':
      case 'unsign': {
        const original = command === 'sign' && args.length === 2 && args[1] === 'original-keys';
        if ((args.length !== 1 && !original) || !this.exercise.zones.includes(args[0]!))
          return bad(
            `${command}: expected one of your zones (${this.exercise.zones.join(', ')})${command === 'sign' ? ' [original-keys]' : ''}, got "${args.join(' ')}"`,
          );
        return ok(command === 'sign' ? this.live.world.signZone(args[0]!, { originalKeys: original }) : this.live.world.unsignZone(args[0]!));
      }
      case 'ns':
      case 'ds':
      case 'lock':
      case 'unlock':
      case 'transfer':
        return this.registrar(command, args);
      default:
        return bad(`unknown command "${command}"\n${COMMAND_HELP}`);
    }
  }

  private nextHint(): string {
    const hints = this.exercise.hints;
    const i = Math.min(this.hintsShown, hints.length - 1);
    this.hintsShown = Math.min(this.hintsShown + 1, hints.length);
    return `hint ${i + 1}/${hints.length}: ${this.text(hints[i]!)}`;
  }

  private async check(): Promise<Reply> {
    const from = parseDuration(this.exercise.checkFrom ?? '+0s') ?? 0;
    const report = await checkLive(this.live, this.fixed, from);
    const lines: string[] = [];
    for (const c of report.claims) {
      const head = `${c.outcome.ok ? 'ok  ' : 'FAIL'} step ${c.step} (${c.asked}): ${c.outcome.what}`;
      lines.push(
        c.outcome.ok
          ? head
          : `${head}\n      expected: ${c.outcome.expected.replace(/\n/g, '\n                ')}\n      actual:   ${c.outcome.actual.replace(/\n/g, '\n                ')}`,
      );
    }
    for (const e of this.folder.errors()) lines.push(`note: ${e}`);
    if (report.notLive.length) lines.push(`not checked live (about the scenario's history): ${report.notLive.join(', ')}`);
    const failed = report.claims.filter((c) => !c.outcome.ok).length;
    if (report.claims.length === 0) {
      lines.push(`no claim of variant ${this.fixed.variant} from ${this.exercise.checkFrom ?? '+0s'} on can be asked live`);
      return { output: lines.join('\n'), code: 2 };
    }
    if (failed === 0) {
      lines.push(`all ${report.claims.length} claims hold (lab time T${this.live.offsetText()}): exercise solved`);
      return { output: lines.join('\n'), code: 0 };
    }
    lines.push(`${failed} of ${report.claims.length} claims fail (lab time T${this.live.offsetText()})`, this.nextHint());
    return { output: lines.join('\n'), code: 1 };
  }

  /** Registrar actions as the exercise's registrant, at the domain's current registrar. */
  private registrar(command: 'ns' | 'ds' | 'lock' | 'unlock' | 'transfer', args: string[]): Reply {
    const registrant = this.exercise.registrant;
    if (!registrant) return { output: `${command}: this exercise has no registrar actions (no registrant to act as)`, code: 2 };
    const domain = args[0];
    if (!domain) return { output: `${command}: expected a DOMAIN`, code: 2 };
    const world = this.live.world;
    const info = world.registries.map((r) => r.info(normalizeName(domain))).find((d) => d !== undefined);
    if (!info) return { output: `${command}: ${domain} is not registered at any registry of this lab`, code: 2 };
    const at = world.registrar(info.registrar);
    let result: OpResult;
    if (command === 'transfer') {
      if (args.length !== 3) return { output: 'transfer: expected DOMAIN REGISTRAR AUTHCODE', code: 2 };
      const gaining = world.registrars.get(args[1]!);
      if (!gaining) return { output: `transfer: unknown registrar "${args[1]}" (registrars: ${[...world.registrars.keys()].join(', ')})`, code: 2 };
      result = gaining.transferIn(domain, args[2]!);
    } else if (command === 'lock' || command === 'unlock') {
      if (args.length !== 1) return { output: `${command}: expected only DOMAIN`, code: 2 };
      result = command === 'lock' ? at.lock(registrant, domain) : at.unlock(registrant, domain);
    } else if (command === 'ns') {
      if (args.length < 2) return { output: 'ns: expected DOMAIN HOST… (glue: HOST=ADDR,ADDR)', code: 2 };
      const hosts = args.slice(1).map((h) => h.split('='));
      const glue = hosts.filter((h) => h[1]).map(([name, addrs]) => ({ name: name!, addresses: addrs!.split(',') }));
      result = at.changeNs(
        registrant,
        domain,
        hosts.map((h) => h[0]!),
        glue,
      );
    } else {
      const ds = this.dsArgument(domain, args.slice(1));
      if (typeof ds === 'string') return { output: `ds: ${ds}`, code: 2 };
      result = at.changeDs(registrant, domain, ds);
    }
    return result.ok
      ? { output: `${info.registrar}: ${command} ${domain} accepted — ${result.message}`, code: 0 }
      : { output: `${info.registrar}: ${command} ${domain} REFUSED (${result.reason}) — ${result.message}`, code: 1 };
  }

  private dsArgument(domain: string, rest: string[]): DsData[] | string {
    if (rest.length === 1 && rest[0] === 'none') return [];
    if (rest[0] === 'from-zone') {
      const zones = rest.length > 1 ? rest.slice(1) : [domain];
      try {
        return zones.flatMap((z) => this.live.world.dsOf(z));
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    }
    if (rest.length === 4) {
      try {
        return [parseRdata('DS', rest, normalizeName(domain)) as DsData];
      } catch (e) {
        return `${rest.join(' ')}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    return `expected none, from-zone [ZONE…], or KEYTAG ALGORITHM DIGESTTYPE DIGEST; got "${rest.join(' ')}"`;
  }

  private status(): string {
    const w = this.live.world;
    const lines = [`lab time T${this.live.offsetText()}; your zones:`];
    for (const f of this.folder.paths()) lines.push(`  ${f.key.padEnd(22)} ${f.path}${w.isSigned(f.key) ? '   (signed)' : ''}`);
    lines.push('machines (scenario address → loopback):');
    for (const m of w.machines())
      lines.push(`  ${m.role.padEnd(8)} ${m.name.padEnd(14)} ${m.addresses.map((a) => `${a} → ${this.live.mapped(a)}`).join(', ')}`);
    return lines.join('\n');
  }
}
