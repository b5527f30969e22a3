// Configuration errors of the middleboxes. A middlebox is configured by data
// (docs/ARCHITECTURE.md, "Correct first, then quirky on purpose": a quirk is data); bad data is refused with an error that
// names the setting, what it got and what is allowed, so a scenario author or
// CLI user can fix it without reading the code.

import { DnslabError } from '../../dns/types.ts';

export class MiddleboxConfigError extends DnslabError {
  constructor(
    /** The setting at fault, as the user wrote it (e.g. "maxUdpSize" or "--max-udp"). */
    readonly setting: string,
    /** What is allowed, in words ("an integer 512..65535", "one of drop, truncate"). */
    readonly allowed: string,
    got: unknown,
  ) {
    super('BAD_MIDDLEBOX_CONFIG', `${setting}: got ${describe(got)}; expected ${allowed}`);
    this.name = 'MiddleboxConfigError';
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  return String(v);
}

/** An integer in [min, max] or a MiddleboxConfigError naming `setting`. */
export function intSetting(setting: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MiddleboxConfigError(setting, `an integer ${min}..${max}`, value);
  }
  return value;
}

/** A number in [min, max] (e.g. a probability or milliseconds). */
export function numberSetting(setting: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new MiddleboxConfigError(setting, `a number ${min}..${max}`, value);
  }
  return value;
}

export function oneOf<T extends string>(setting: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new MiddleboxConfigError(setting, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

/** Refuse keys a config object does not know (a typo must not silently do nothing). */
export function knownKeys(where: string, obj: object, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new MiddleboxConfigError(`${where}.${k}`, `one of the settings ${allowed.join(', ')}`, k);
  }
}
