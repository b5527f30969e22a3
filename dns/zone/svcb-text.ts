// SVCB / HTTPS SvcParams in presentation format (RFC 9460 §2.1, §7, Appendix
// A; RFC 9461 §5 dohpath): read into wire values, printed back as BIND 9.18
// prints them.

import type { SvcParam } from '../types.ts';
import { decodeEscapes, escapeCharString, formatIpv4, formatIpv6, parseBase64, parseIpv4, parseIpv6, quoteCharString } from './text-util.ts';
import type { Fields } from './rdata-fields.ts';

// ---------------------------------------------------------------------------
// SVCB / HTTPS SvcParams (RFC 9460 §2.1, §7; RFC 9461 §5 dohpath)

export const SVC_PARAM_KEYS: Record<string, number> = {
  mandatory: 0,
  alpn: 1,
  'no-default-alpn': 2,
  port: 3,
  ipv4hint: 4,
  ech: 5,
  ipv6hint: 6,
  dohpath: 7,
};
const SVC_KEY_NAMES = new Map<number, string>(Object.entries(SVC_PARAM_KEYS).map(([k, v]) => [v, k]));

function svcKeyFromText(text: string): number | undefined {
  const known = SVC_PARAM_KEYS[text.toLowerCase()];
  if (known !== undefined) return known;
  const m = /^key([0-9]{1,5})$/i.exec(text);
  if (!m || Number(m[1]) > 65535) return undefined;
  return Number(m[1]);
}

function svcKeyName(key: number): string {
  return SVC_KEY_NAMES.get(key) ?? `key${key}`;
}

/** Split a comma-separated value list (RFC 9460 Appendix A.1): `\,` is a literal comma, `\\` a backslash. */
function splitValueList(octets: Buffer): Buffer[] {
  const items: Buffer[] = [];
  let cur: number[] = [];
  for (let i = 0; i < octets.length; i++) {
    const b = octets[i]!;
    if (b === 0x5c && i + 1 < octets.length) {
      cur.push(octets[i + 1]!);
      i++;
    } else if (b === 0x2c) {
      items.push(Buffer.from(cur));
      cur = [];
    } else {
      cur.push(b);
    }
  }
  items.push(Buffer.from(cur));
  return items;
}

/** ipv4hint / ipv6hint: a comma-separated address list, concatenated in wire form (RFC 9460 §7.3). */
function addressList(f: Fields, octets: Buffer, parse: (text: string) => Buffer | undefined, key: string, family: string): Buffer {
  return Buffer.concat(
    octets
      .toString('latin1')
      .split(',')
      .map((a) => parse(a) ?? f.fail(`${key}: '${a}' is not an ${family} address`)),
  );
}

export function parseSvcParams(f: Fields): SvcParam[] {
  const params: SvcParam[] = [];
  while (f.more()) {
    const t = f.next('a SvcParam (key=value)');
    const eq = t.text.indexOf('=');
    const keyText = eq < 0 ? t.text : t.text.slice(0, eq);
    const key = svcKeyFromText(keyText);
    if (key === undefined) f.fail(`unknown SvcParamKey '${keyText}': use a name from RFC 9460 §14.3.2 or keyNNNNN`);
    let rawValue: string | undefined;
    if (eq >= 0) {
      rawValue = t.text.slice(eq + 1);
      if (rawValue.startsWith('"')) {
        if (!rawValue.endsWith('"') || rawValue.length < 2) f.fail(`unterminated quoted value for '${keyText}'`);
        rawValue = rawValue.slice(1, -1);
      } else if (rawValue === '' && f.more() && f.tokens[f.i]!.quoted) {
        // `key= "value"` is not RFC 9460 syntax, but a quoted token right after
        // `key=` can only be the value.
        rawValue = f.next('a SvcParamValue').text;
      }
    } else if (t.quoted) {
      f.fail(`expected a SvcParam (key=value), found quoted string '${t.text}'`);
    }
    let octets: Buffer | undefined;
    if (rawValue !== undefined) {
      try {
        octets = decodeEscapes(rawValue);
      } catch (e) {
        f.fail(`${keyText}: ${(e as Error).message}`);
      }
    }
    const need = (): Buffer => {
      if (octets === undefined || octets.length === 0) f.fail(`SvcParam '${keyText}' needs a value`);
      return octets;
    };
    let value: Buffer;
    // `keyNNNNN=` carries the raw wire value even for a key we know by name
    // (as BIND reads it); named keys use their own syntax (RFC 9460 §7).
    const generic = /^key[0-9]+$/i.test(keyText);
    switch (generic ? -1 : key) {
      case 0: {
        const keys = splitValueList(need()).map((k) => {
          const n = svcKeyFromText(k.toString('latin1'));
          if (n === undefined) f.fail(`mandatory: unknown key '${k.toString('latin1')}'`);
          if (n === 0) f.fail("mandatory must not list 'mandatory' itself (RFC 9460 §8)");
          return n;
        });
        const sorted = [...new Set(keys)].sort((a, b) => a - b);
        if (sorted.length !== keys.length) f.fail('mandatory lists a key twice');
        value = Buffer.alloc(sorted.length * 2);
        sorted.forEach((k, i) => value.writeUInt16BE(k, i * 2));
        break;
      }
      case 1: {
        const ids = splitValueList(need());
        for (const id of ids) {
          if (id.length === 0) f.fail('alpn: empty protocol id');
          if (id.length > 255) f.fail('alpn: protocol id longer than 255 octets');
        }
        value = Buffer.concat(ids.flatMap((id) => [Buffer.from([id.length]), id]));
        break;
      }
      case 2:
        if (octets !== undefined) f.fail('no-default-alpn takes no value');
        value = Buffer.alloc(0);
        break;
      case 3: {
        const s = need().toString('latin1');
        if (!/^[0-9]+$/.test(s) || Number(s) > 65535) f.fail(`port: expected 0..65535, found '${s}'`);
        value = Buffer.alloc(2);
        value.writeUInt16BE(Number(s));
        break;
      }
      case 4:
        value = addressList(f, need(), parseIpv4, 'ipv4hint', 'IPv4');
        break;
      case 5:
        try {
          value = parseBase64(need().toString('latin1'), 'ech');
        } catch (e) {
          f.fail((e as Error).message);
        }
        break;
      case 6:
        value = addressList(f, need(), parseIpv6, 'ipv6hint', 'IPv6');
        break;
      default:
        value = octets ?? Buffer.alloc(0);
    }
    if (params.some((p) => p.key === key)) f.fail(`SvcParamKey '${svcKeyName(key)}' appears twice (RFC 9460 §2.2)`);
    params.push({ key, value });
  }
  params.sort((a, b) => a.key - b.key);
  const mandatory = params.find((p) => p.key === 0);
  if (mandatory) {
    for (let i = 0; i + 1 < mandatory.value.length; i += 2) {
      const k = mandatory.value.readUInt16BE(i);
      if (!params.some((p) => p.key === k)) f.fail(`mandatory lists '${svcKeyName(k)}' but that SvcParam is missing (RFC 9460 §8)`, f.tokens.length - 1);
    }
  }
  return params;
}

export function formatSvcParam(p: SvcParam): string {
  const name = svcKeyName(p.key);
  const v = p.value;
  const escList = (items: Buffer[]): string =>
    `"${items
      .map((it) =>
        escapeCharString(
          Buffer.from(
            it.toString('latin1').replace(/[\\,]/g, (c) => `\\${c}`),
            'latin1',
          ),
        ),
      )
      .join(',')}"`;
  try {
    switch (p.key) {
      case 0: {
        if (v.length % 2 !== 0 || v.length === 0) break;
        const keys: string[] = [];
        for (let i = 0; i < v.length; i += 2) keys.push(svcKeyName(v.readUInt16BE(i)));
        return `${name}=${keys.join(',')}`;
      }
      case 1: {
        const ids: Buffer[] = [];
        let i = 0;
        while (i < v.length) {
          const len = v[i]!;
          if (len === 0 || i + 1 + len > v.length) throw new Error('bad alpn');
          ids.push(v.subarray(i + 1, i + 1 + len));
          i += 1 + len;
        }
        if (ids.length === 0) break;
        return `${name}=${escList(ids)}`;
      }
      case 2:
        if (v.length === 0) return name;
        break;
      case 3:
        if (v.length === 2) return `${name}=${v.readUInt16BE(0)}`;
        break;
      case 4:
      case 6: {
        const size = p.key === 4 ? 4 : 16;
        if (v.length === 0 || v.length % size !== 0) break;
        const a: string[] = [];
        for (let i = 0; i < v.length; i += size) a.push((size === 4 ? formatIpv4 : formatIpv6)(v.subarray(i, i + size)));
        return `${name}=${a.join(',')}`;
      }
      case 5:
        if (v.length > 0) return `${name}=${v.toString('base64')}`;
        break;
      default:
        break;
    }
  } catch {
    // fall through to the generic form
  }
  // Unknown keys, dohpath, and malformed values of known keys: the generic keyNNNNN form.
  // BIND 9.18 prints keys above 6 (dohpath, ohttp) generically; so do we, so our text matches named-checkzone.
  const generic = `key${p.key}`;
  return v.length === 0 ? generic : `${generic}=${quoteCharString(v)}`;
}
