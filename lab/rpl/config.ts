// What a `.rpl` scenario's CONFIG block asks of the resolver under test
// (Deckard doc/scenario_guide.rst "Configuration", pydnstest parse_config),
// mapped onto dnslab's emulator settings and onto each real product's config.
// A key that has no counterpart for a target is listed, never dropped.

import { configValue, type RplScenario } from '../../dns/rpl/reader.ts';
import type { RR } from '../../dns/types.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import type { Product } from '../../servers/real/products.ts';

/** The lab epoch when a scenario names no date (Deckard then runs on the host's clock). */
export const RPL_DEFAULT_EPOCH = Date.UTC(2026, 0, 1);

export interface RplConfig {
  /** Root hint (stub-addr, stub-name); undefined with forward-addr only. */
  rootHint?: { host: string; address: string };
  forwardAddress?: string;
  trustAnchors: RR[];
  /** Trust anchors dnslab's parser refuses (a DS digest whose length does not fit its type), "text: why". */
  refusedAnchors: string[];
  /** Trust anchors as written (presentation form), for the product adapters. */
  trustAnchorText: string[];
  /** Lab time at the first step, ms since the epoch (val-override-date / -timestamp). */
  start: number;
  qnameMinimisation: boolean;
  hardenGlue: boolean;
  doNotQueryLocalhost: boolean;
  doIp6: boolean;
  domainInsecure: string[];
  /** features: min_ttl / max_ttl and the rest (kresd module settings). */
  features: Record<string, string>;
  /** feature-list: policy=… lines (kresd Lua). */
  featureList: { key: string; value: string }[];
}

const bool = (v: string | undefined, dflt: boolean) => (v === undefined ? dflt : ['yes', 'true', 'on', '1'].includes(v.toLowerCase()));

/** "20120420235959" (UTC) → ms since the epoch. */
function overrideDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

/** Read the CONFIG block. Throws with file:line for a value it cannot read. */
export function rplConfig(s: RplScenario): RplConfig {
  const fail = (key: string, what: string): never => {
    const line = s.config.find((c) => c.key === key)?.line ?? 1;
    throw new Error(`${s.file}:${line}: ${key}: ${what}`);
  };
  const trustAnchorText = s.config.filter((c) => c.key === 'trust-anchor').map((c) => c.value);
  const trustAnchors: RR[] = [];
  const refusedAnchors: string[] = [];
  for (const t of trustAnchorText) {
    try {
      trustAnchors.push(parseRecord(t, '.'));
    } catch (e) {
      // Deckard (dnspython) takes any digest length; the products get the text as written, the emulator cannot.
      refusedAnchors.push(`${t}: ${(e as Error).message.replace(/^<record>:\d+:\d+: /, '')}`);
    }
  }
  let start = RPL_DEFAULT_EPOCH;
  const date = configValue(s, 'val-override-date');
  const stamp = configValue(s, 'val-override-timestamp');
  if (date !== undefined) start = overrideDate(date) ?? fail('val-override-date', `expected YYYYMMDDHHMMSS, found "${date}"`);
  if (stamp !== undefined) start = /^\d+$/.test(stamp) ? Number(stamp) * 1000 : fail('val-override-timestamp', `expected a POSIX timestamp, found "${stamp}"`);
  const stub = configValue(s, 'stub-addr');
  const features: Record<string, string> = {};
  for (const c of s.config.filter((c) => c.key === 'features'))
    for (const item of c.value.split(';')) {
      const [k, ...v] = item.split('=');
      if (k!.trim()) features[k!.trim()] = v.join('=').trim();
    }
  const featureList = s.config
    .filter((c) => c.key === 'feature-list')
    .map((c) => {
      const at = c.value.indexOf('=');
      return { key: c.value.slice(0, at).trim(), value: c.value.slice(at + 1).trim() };
    });
  const forward = configValue(s, 'forward-addr');
  return {
    ...(stub !== undefined ? { rootHint: { host: configValue(s, 'stub-name') ?? 'k.root-servers.net', address: stub } } : {}),
    ...(forward !== undefined ? { forwardAddress: forward } : {}),
    trustAnchors,
    refusedAnchors,
    trustAnchorText,
    start,
    qnameMinimisation: bool(configValue(s, 'query-minimization'), true),
    hardenGlue: bool(configValue(s, 'harden-glue'), true),
    doNotQueryLocalhost: bool(configValue(s, 'do-not-query-localhost'), true),
    doIp6: bool(configValue(s, 'do-ip6'), true),
    domainInsecure: s.config.filter((c) => c.key === 'domain-insecure').map((c) => c.value),
    features,
    featureList,
  };
}

/** CONFIG keys every target reads (the lab's own wiring: hints, anchors, clock). */
const LAB_KEYS = new Set(['stub-addr', 'stub-name', 'trust-anchor', 'val-override-date', 'val-override-timestamp', 'do-ip4']);

/**
 * Emulator settings (servers/recursive/settings.ts) for the CONFIG block, and the keys it cannot honour
 * ("key=value: why").
 */
export function emulatorSettings(s: RplScenario, c: RplConfig): { settings: Record<string, number | boolean>; unmapped: string[] } {
  // Deckard's templates: 4096-octet EDNS both ways (kresd net.bufsize(4096), unbound edns-buffer-size and max-udp-size).
  const settings: Record<string, number | boolean> = {
    qnameMinimisation: c.qnameMinimisation,
    hardenGlue: c.hardenGlue,
    queryAaaaForNs: c.doIp6,
    maxUdpResponse: 4096,
    ednsBufferSize: 4096,
  };
  const unmapped: string[] = c.refusedAnchors.map((a) => `trust-anchor ${a}: not given to the emulator`);
  if (c.features.min_ttl !== undefined) settings.minTtl = Number(c.features.min_ttl);
  if (c.features.max_ttl !== undefined) settings.maxTtl = Number(c.features.max_ttl);
  for (const { key, value } of s.config) {
    if (LAB_KEYS.has(key) || ['query-minimization', 'harden-glue', 'do-ip6'].includes(key)) continue;
    if (key === 'features') {
      const other = Object.keys(c.features).filter((k) => k !== 'min_ttl' && k !== 'max_ttl');
      if (other.length) unmapped.push(`features ${other.join(', ')}: Knot Resolver modules the emulator does not have`);
      continue;
    }
    if (key === 'do-not-query-localhost') {
      unmapped.push(`${key}=${value}: the emulator has no loopback filter for servers`);
      continue;
    }
    if (key === 'feature-list') unmapped.push(`feature-list ${value.slice(0, 60)}: Knot Resolver policy Lua, no emulator counterpart`);
    else if (key === 'domain-insecure') unmapped.push(`domain-insecure=${value}: the emulator has no negative trust anchors`);
    else if (key === 'forward-addr') unmapped.push(`forward-addr=${value}: the emulator has no forwarding mode`);
    else unmapped.push(`${key}=${value}: unknown CONFIG key`);
  }
  return { settings, unmapped };
}

/**
 * Lines added to a real product's config (inside unbound's server:, named's options {}, kresd's Lua,
 * recursor.conf) and the CONFIG keys the product cannot honour.
 */
export function productConfigLines(product: Product, s: RplScenario, c: RplConfig): { lines: string[]; unmapped: string[] } {
  const lines: string[] = [];
  const unmapped: string[] = [];
  const knotLua = (l: string) => (product === 'knot' ? lines.push(l) : undefined);
  switch (product) {
    case 'unbound':
      // Deckard's templates: 4096-octet EDNS both ways, so answers to its 4096-octet queries are not truncated.
      lines.push('  edns-buffer-size: 4096', '  max-udp-size: 4096');
      lines.push(`  harden-glue: ${c.hardenGlue ? 'yes' : 'no'}`, `  do-not-query-localhost: ${c.doNotQueryLocalhost ? 'yes' : 'no'}`);
      lines.push(`  do-ip6: ${c.doIp6 ? 'yes' : 'no'}`, '  trust-anchor-signaling: no', '  minimal-responses: no', '  val-clean-additional: yes');
      // testbound's own scenarios lean on these defaults being off for unknown local zones (test., etc.)
      lines.push('  local-zone: "test." nodefault', '  unblock-lan-zones: yes');
      for (const d of c.domainInsecure) lines.push(`  domain-insecure: "${d}"`);
      if (c.features.min_ttl !== undefined) lines.push(`  cache-min-ttl: ${c.features.min_ttl}`);
      if (c.forwardAddress !== undefined) lines.push('forward-zone:', '  name: "."', `  forward-addr: ${c.forwardAddress}`, 'server:');
      break;
    case 'bind':
      lines.push('  minimal-responses no;', '  max-udp-size 4096;', '  edns-udp-size 4096;');
      if (c.forwardAddress !== undefined) lines.push(`  forwarders { ${c.forwardAddress}; };`, '  forward only;');
      if (c.domainInsecure.length) lines.push(`  validate-except { ${c.domainInsecure.map((d) => `"${d}";`).join(' ')} };`);
      if (!c.hardenGlue) unmapped.push('harden-glue=off: named has no such switch');
      if (c.features.min_ttl !== undefined) lines.push(`  min-cache-ttl ${c.features.min_ttl};`);
      break;
    case 'knot':
      knotLua('net.bufsize(4096)');
      if (c.forwardAddress !== undefined) knotLua(`policy.add(policy.all(policy.FORWARD('${c.forwardAddress}')))`);
      knotLua(`mode('${c.hardenGlue ? 'normal' : 'permissive'}')`);
      knotLua(`option('ALLOW_LOCAL', ${c.doNotQueryLocalhost ? 'false' : 'true'})`);
      knotLua(`net.ipv6 = ${c.doIp6 ? 'true' : 'false'}`);
      // Deckard's kresd template: no RFC 5011 / 8145 / 8109 / time-skew queries the scenario does not script.
      for (const m of ['ta_update', 'ta_signal_query', 'priming', 'detect_time_skew']) knotLua(`if ${m} then modules.unload('${m}') end`);
      knotLua("policy.add(policy.suffix(policy.PASS, {todname('test.')}))");
      if (c.domainInsecure.length) knotLua(`trust_anchors.set_insecure({ ${c.domainInsecure.map((d) => `'${d}'`).join(', ')} })`);
      if (c.features.min_ttl !== undefined) knotLua(`cache.min_ttl(${c.features.min_ttl})`);
      if (c.features.dns64_prefix !== undefined) knotLua(`modules.load('dns64'); dns64.config('${c.features.dns64_prefix}')`);
      if (c.features.static_hint_name !== undefined && c.features.static_hint_addr !== undefined)
        knotLua(`hints['${c.features.static_hint_name}'] = '${c.features.static_hint_addr}'`);
      if (c.features.renumber_src !== undefined && c.features.renumber_dst !== undefined)
        knotLua(`modules.load('renumber'); renumber.config({{'${c.features.renumber_src}', '${c.features.renumber_dst}'}})`);
      if (c.features.workarounds !== undefined) knotLua("modules = { 'workarounds < iterate' }");
      for (const f of c.featureList) if (f.key === 'policy') knotLua(f.value);
      break;
    case 'powerdns':
      lines.push(`dont-query=${c.doNotQueryLocalhost ? '127.0.0.0/8, ::1' : ''}`, 'udp-truncation-threshold=4096', 'edns-outgoing-bufsize=4096');
      if (c.forwardAddress !== undefined) lines.push(`forward-zones-recurse=.=${c.forwardAddress}`);
      if (c.domainInsecure.length) unmapped.push('domain-insecure: PowerDNS negative trust anchors live in Lua (addNTA), not mapped');
      if (!c.hardenGlue) unmapped.push('harden-glue=off: pdns_recursor has no such switch');
      if (c.features.min_ttl !== undefined) lines.push(`minimum-ttl-override=${c.features.min_ttl}`);
      break;
  }
  if (product !== 'knot') {
    const other = Object.keys(c.features).filter((k) => k !== 'min_ttl' && k !== 'max_ttl');
    if (other.length) unmapped.push(`features ${other.join(', ')}: Knot Resolver modules`);
    for (const f of c.featureList) unmapped.push(`feature-list ${f.key}=${f.value.slice(0, 60)}: Knot Resolver policy Lua`);
  }
  for (const { key, value } of s.config)
    if (
      !LAB_KEYS.has(key) &&
      !['query-minimization', 'harden-glue', 'do-ip6', 'do-not-query-localhost', 'domain-insecure', 'features', 'feature-list', 'forward-addr'].includes(key)
    )
      unmapped.push(`${key}=${value}: unknown CONFIG key`);
  return { lines, unmapped };
}
