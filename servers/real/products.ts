// Adapters for real recursive resolvers (Debian packages) as the lab's
// resolver under test: Unbound, BIND 9 (named), Knot Resolver (kresd) and
// PowerDNS Recursor. Each adapter writes a config to a fresh temp dir that
// makes the product a lab citizen — listen on the scenario resolver's
// address, send from it too (so the authoritatives' trace names the resolver),
// root hints at the lab root, the lab's trust anchor, nothing forwarded, no
// security polling — and maps the scenario's resolver switches onto the
// product's real options. The caller runs this inside a network namespace
// with no route (netns.ts); the process gets its own process group.
//
// Time: with `faketimeFile`, the process runs under libfaketime
// (LD_PRELOAD, FAKETIME_TIMESTAMP_FILE, FAKETIME_NO_CACHE=1, as Deckard does):
// the file holds a relative offset like "+86400" that the lab rewrites to jump
// the product's clock in step with the lab's RealClock.

import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ManagedProcess, RealSoftwareError, requireBinary } from './netns.ts';

export type Product = 'unbound' | 'bind' | 'knot' | 'powerdns';
export const PRODUCTS: readonly Product[] = ['unbound', 'bind', 'knot', 'powerdns'];

/** The emulated profile (servers/recursive/profiles.ts) that models each product. */
export const PROFILE_OF: Record<Product, string> = { unbound: 'unbound', bind: 'bind', knot: 'knot-resolver', powerdns: 'powerdns' };

export const BINARY: Record<Product, { binary: string; pkg: string }> = {
  unbound: { binary: 'unbound', pkg: 'unbound' },
  bind: { binary: 'named', pkg: 'bind9' },
  knot: { binary: 'kresd', pkg: 'knot-resolver' },
  powerdns: { binary: 'pdns_recursor', pkg: 'pdns-recursor' },
};

/** HMAC key for rndc to this run's named (loopback in a private namespace; not a secret worth guarding). */
const RNDC_SECRET = Buffer.from('dnslab-rndc-key-for-lab-runs-000').toString('base64');

export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * How each product's clock is jumped. libfaketime 0.9.10 (Debian 12) aborts in binaries linked with
 * jemalloc — named and kresd ("Unexpected recursive calls to clock_gettime() without proper
 * initialization") — so those get dnslab's own shim (timeshift.c: realtime only, no allocation, no dlsym),
 * reading the same offset file.
 */
export const TIME_MECHANISM: Record<Product, 'libfaketime' | 'timeshift'> = {
  unbound: 'libfaketime',
  bind: 'timeshift',
  knot: 'timeshift',
  powerdns: 'libfaketime',
};

/** Build servers/real/timeshift.c once per source version into the temp dir; returns the .so path. */
export function timeshiftLibrary(): string {
  const src = join(import.meta.dirname, 'timeshift.c');
  // Kept across runs (a run's own TMPDIR is removed afterwards): DNSLAB_CACHE_DIR when set. Named by the source's
  // content, not its mtime, so every checkout of the same source shares one build instead of leaving one each.
  const digest = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const so = join(process.env.DNSLAB_CACHE_DIR ?? tmpdir(), `dnslab-timeshift-${digest}.so`);
  if (existsSync(so)) return so;
  requireBinary('gcc', 'gcc');
  const tmp = `${so}.${process.pid}.tmp`;
  const r = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', tmp, src], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new RealSoftwareError(`compiling ${src} failed: ${r.stderr}`);
  renameSync(tmp, so);
  return so;
}

/** Scenario switches (servers/recursive/settings.ts names) that have a product option. */
export interface RealSwitches {
  aggressiveNsec?: boolean;
  serveStale?: boolean;
  validate?: boolean;
  ednsBufferSize?: number;
  qnameMinimisation?: boolean;
  /** Cap on cached TTLs, positive and negative (RFC 2308 §5), seconds. */
  maxTtl?: number;
  maxNegativeTtl?: number;
  /** RFC 8767 §5 client response timer, ms: only products in PRODUCT_ONLY_SWITCHES map it. */
  staleClientTimeoutMs?: number;
  /** RFC 8914 Extended DNS Errors in responses. */
  ede?: boolean;
}

export interface RealResolverConfig {
  product: Product;
  /** Address to listen on (port 53) and to send queries from. */
  address: string;
  rootHints: { host: string; address: string }[];
  /** Root DS records in presentation form ('. 86400 IN DS 12345 15 2 ABCD…'); none: no validation possible. */
  trustAnchors: string[];
  switches: RealSwitches;
  /** libfaketime timestamp file (relative offset) — omit to run on host time. */
  faketimeFile?: string;
  /** Lab ms per host ms (Scenario.realClockRate); > 1 runs the product under timeshift.c at that rate. */
  clockRate?: number;
  /**
   * Product-specific lines added last to the main config (unbound `server:`, named `options {}`, kresd Lua,
   * recursor.conf): options a caller maps itself, e.g. a .rpl scenario's CONFIG block (lab/rpl/config.ts).
   */
  extraLines?: string[];
}

/** What a switch became in the product's config, for reports ("aggressiveNsec=false → aggressive-nsec: no"). */
export interface SwitchMapping {
  setting: string;
  value: boolean | number;
  option: string | undefined;
}

export interface GeneratedConfig {
  command: string;
  args: string[];
  files: Record<string, string>;
  mappings: SwitchMapping[];
}

export const SWITCH_NAMES = ['aggressiveNsec', 'serveStale', 'validate', 'ednsBufferSize', 'qnameMinimisation', 'maxTtl', 'maxNegativeTtl', 'ede'] as const;

export type SwitchName = (typeof SWITCH_NAMES)[number];

/**
 * Scenario switches a product has no option for. The product keeps its own fixed behaviour, so such a switch is
 * applied nowhere: not to the product's config, and not to dnslab's resolver when it runs with the product's
 * profile beside it (lab/runner/real.ts withProductSwitches), where the profile's value — the product's fixed
 * behaviour — stays in force. Both runs see the same effective settings; the matrix notes name the switch.
 * Each entry returns why the value cannot be applied, or undefined when the product does it anyway.
 */
export const SWITCHES_WITHOUT_OPTION: Record<Product, Partial<Record<SwitchName, (value: boolean | number) => string | undefined>>> = {
  unbound: {},
  bind: {},
  knot: {
    // The cache always synthesises from validated NSEC (since 2.0.0) and NSEC3 (since 2.4.0); no query flag in
    // kres-gen.lua and no module option turns it off.
    aggressiveNsec: (v) => (v === false ? 'Knot Resolver 5.6 has no option to turn RFC 8198 aggressive use off (always on)' : undefined),
    maxNegativeTtl: () => 'Knot Resolver 5.6 has one TTL cap for positive and negative data (cache.max_ttl), none for negative data alone',
    // lib/resolve.c and the modules set EDE codes on every request (kr_request_set_extended_error); no option.
    ede: (v) => (v === false ? 'Knot Resolver 5.6 has no option to turn EDE off (always on)' : undefined),
  },
  powerdns: {},
};

/**
 * Settings that only some products have an option for. For these products they are switches (mapped into the
 * config); for the others they stay "settings with no product option", as before.
 */
const PRODUCT_ONLY_SWITCHES: Partial<Record<Product, readonly (keyof RealSwitches)[]>> = {
  // named.conf `stale-answer-client-timeout` (BIND 9.18, ARM "stale-answer-client-timeout"; `named -C`: off).
  // Measured: with it, real 9.18.49 answers stale within the 5 s stub timeout throughout facebook-query-storm
  // [serve-stale]; without it, every other minute's client query timed out while the refresh ran.
  bind: ['staleClientTimeoutMs'],
  // modules/serve_stale/serve_stale.lua (5.6.0): `M.timeout` (default 3 s) is the module's own "how long before
  // stale data" — set after loading it as `serve_stale.timeout`. Its check runs only when the query takes its
  // next step (servers/recursive `staleTimerAtStepsOnly`), not on a timer of its own.
  knot: ['staleClientTimeoutMs'],
};

/** A scenario switch the product has no option for, so it is applied neither to the product nor to the emulated run beside it. */
export interface NotApplied {
  setting: keyof RealSwitches;
  value: boolean | number;
  why: string;
}

/**
 * Split a resolver's scenario settings for one product: the switches its adapter maps (SWITCH_NAMES, plus its
 * PRODUCT_ONLY_SWITCHES), the settings with no product option (`unmapped`, "setting=value"), and the switches the
 * product has no option for (`notApplied`, SWITCHES_WITHOUT_OPTION).
 */
export function splitSettingsFor(
  product: Product,
  settings: Record<string, boolean | number>,
): { switches: RealSwitches; unmapped: string[]; notApplied: NotApplied[] } {
  const names: readonly string[] = [...SWITCH_NAMES, ...(PRODUCT_ONLY_SWITCHES[product] ?? [])];
  const without = SWITCHES_WITHOUT_OPTION[product] as Partial<Record<string, (value: boolean | number) => string | undefined>>;
  const switches: Record<string, boolean | number> = {};
  const unmapped: string[] = [];
  const notApplied: NotApplied[] = [];
  for (const [k, v] of Object.entries(settings)) {
    if (!names.includes(k)) {
      unmapped.push(`${k}=${v}`);
      continue;
    }
    const why = without[k]?.(v);
    if (why === undefined) switches[k] = v;
    else notApplied.push({ setting: k as keyof RealSwitches, value: v, why });
  }
  return { switches: switches as RealSwitches, unmapped, notApplied };
}

function dsParts(line: string): { owner: string; keyTag: string; algorithm: string; digestType: string; digest: string } {
  const f = line.trim().split(/\s+/);
  const i = f.indexOf('DS');
  if (i < 0 || f.length < i + 5) throw new RealSoftwareError(`trust anchor "${line}" is not a DS record`);
  return { owner: f[0]!, keyTag: f[i + 1]!, algorithm: f[i + 2]!, digestType: f[i + 3]!, digest: f.slice(i + 4).join('') };
}

/** A DNSKEY trust anchor's fields (named `static-key`), or undefined for a DS. */
function dnskeyParts(line: string): { owner: string; flags: string; protocol: string; algorithm: string; key: string } | undefined {
  const f = line.trim().split(/\s+/);
  const i = f.indexOf('DNSKEY');
  if (i < 0 || f.length < i + 5) return undefined;
  return { owner: f[0]!, flags: f[i + 1]!, protocol: f[i + 2]!, algorithm: f[i + 3]!, key: f.slice(i + 4).join('') };
}

function hintsFile(hints: RealResolverConfig['rootHints']): string {
  const lines: string[] = [];
  for (const h of hints) {
    const host = h.host.endsWith('.') ? h.host : `${h.host}.`;
    lines.push(`.\t3600000\tIN\tNS\t${host}`, `${host}\t3600000\tIN\t${h.address.includes(':') ? 'AAAA' : 'A'}\t${h.address}`);
  }
  return [...new Set(lines)].join('\n') + '\n';
}

/** Write nothing; return the command line and the files for one product (pure, so tests can read it). */
export function generateConfig(cfg: RealResolverConfig, dir: string): GeneratedConfig {
  const s = cfg.switches;
  const validate = s.validate !== false && cfg.trustAnchors.length > 0;
  const maps: SwitchMapping[] = [];
  const map = (setting: keyof RealSwitches, option: string | undefined) => {
    const value = s[setting];
    if (value !== undefined) maps.push({ setting, value, option });
  };
  const v6 = cfg.address.includes(':');
  switch (cfg.product) {
    case 'unbound': {
      const lines = [
        'server:',
        `  interface: ${cfg.address}`,
        `  outgoing-interface: ${cfg.address}`,
        '  port: 53',
        `  do-ip6: ${v6 ? 'yes' : 'no'}`,
        '  username: ""',
        '  chroot: ""',
        `  directory: "${dir}"`,
        `  pidfile: "${join(dir, 'unbound.pid')}"`,
        '  use-syslog: no',
        '  logfile: ""',
        '  verbosity: 1',
        '  do-not-query-localhost: no',
        '  access-control: 0.0.0.0/0 allow',
        '  access-control: ::/0 allow',
        `  root-hints: "${join(dir, 'root.hints')}"`,
        ...(validate ? [`  trust-anchor-file: "${join(dir, 'root.anchor')}"`, '  module-config: "validator iterator"'] : ['  module-config: "iterator"']),
      ];
      if (s.aggressiveNsec !== undefined) lines.push(`  aggressive-nsec: ${s.aggressiveNsec ? 'yes' : 'no'}`);
      map('aggressiveNsec', `aggressive-nsec: ${s.aggressiveNsec ? 'yes' : 'no'}`);
      if (s.serveStale) lines.push('  serve-expired: yes', '  serve-expired-client-timeout: 1800');
      // ede-serve-expired: EDE 3 on expired answers needs its own switch besides ede (doc/example.conf.in, 1.17.1).
      if (s.ede !== undefined) lines.push(`  ede: ${s.ede ? 'yes' : 'no'}`, ...(s.ede && s.serveStale ? ['  ede-serve-expired: yes'] : []));
      map('ede', `ede: ${s.ede ? 'yes' : 'no'}${s.ede && s.serveStale ? ' + ede-serve-expired: yes' : ''}`);
      map('serveStale', s.serveStale ? 'serve-expired: yes + serve-expired-client-timeout: 1800 (RFC 8767 order)' : 'serve-expired: no');
      if (s.ednsBufferSize !== undefined) lines.push(`  edns-buffer-size: ${s.ednsBufferSize}`);
      map('ednsBufferSize', `edns-buffer-size: ${s.ednsBufferSize}`);
      if (s.qnameMinimisation !== undefined) lines.push(`  qname-minimisation: ${s.qnameMinimisation ? 'yes' : 'no'}`);
      map('qnameMinimisation', `qname-minimisation: ${s.qnameMinimisation ? 'yes' : 'no'}`);
      map('validate', validate ? 'module-config: "validator iterator"' : 'module-config: "iterator"');
      if (s.maxTtl !== undefined) lines.push(`  cache-max-ttl: ${s.maxTtl}`);
      map('maxTtl', `cache-max-ttl: ${s.maxTtl}`);
      if (s.maxNegativeTtl !== undefined) lines.push(`  cache-max-negative-ttl: ${s.maxNegativeTtl}`);
      map('maxNegativeTtl', `cache-max-negative-ttl: ${s.maxNegativeTtl}`);
      lines.push(...(cfg.extraLines ?? []));
      // Cache flushes (flush-cache steps) go through unbound-control on a local socket (no TLS certificates needed).
      lines.push('remote-control:', '  control-enable: yes', `  control-interface: "${join(dir, 'unbound.ctl')}"`, '  control-use-cert: no', '');
      return {
        command: 'unbound',
        args: ['-d', '-c', join(dir, 'unbound.conf')],
        files: { 'unbound.conf': lines.join('\n'), 'root.hints': hintsFile(cfg.rootHints), 'root.anchor': cfg.trustAnchors.join('\n') + '\n' },
        mappings: maps,
      };
    }
    case 'bind': {
      const opts = [
        `  directory "${dir}";`,
        `  pid-file "${join(dir, 'named.pid')}";`,
        `  session-keyfile "${join(dir, 'session.key')}";`,
        `  managed-keys-directory "${dir}";`,
        v6 ? '  listen-on { none; };' : `  listen-on port 53 { ${cfg.address}; };`,
        v6 ? `  listen-on-v6 port 53 { ${cfg.address}; };` : '  listen-on-v6 { none; };',
        v6 ? `  query-source-v6 address ${cfg.address};` : `  query-source address ${cfg.address};`,
        '  recursion yes;',
        '  allow-query { any; };',
        '  allow-recursion { any; };',
        `  dnssec-validation ${validate ? 'yes' : 'no'};`,
      ];
      map('validate', `dnssec-validation ${validate ? 'yes' : 'no'};`);
      if (s.aggressiveNsec !== undefined) opts.push(`  synth-from-dnssec ${s.aggressiveNsec ? 'yes' : 'no'};`);
      map('aggressiveNsec', `synth-from-dnssec ${s.aggressiveNsec ? 'yes' : 'no'};`);
      if (s.serveStale) opts.push('  stale-answer-enable yes;', '  stale-cache-enable yes;');
      map('serveStale', s.serveStale ? 'stale-answer-enable yes; stale-cache-enable yes;' : 'stale-answer-enable no; (default)');
      if (s.staleClientTimeoutMs !== undefined) opts.push(`  stale-answer-client-timeout ${s.staleClientTimeoutMs};`);
      map('staleClientTimeoutMs', `stale-answer-client-timeout ${s.staleClientTimeoutMs};`);
      // BIND 9.18 has no option that turns EDE on or off: named adds the codes it knows by itself.
      map('ede', undefined);
      if (s.ednsBufferSize !== undefined) opts.push(`  edns-udp-size ${s.ednsBufferSize};`);
      map('ednsBufferSize', `edns-udp-size ${s.ednsBufferSize};`);
      if (s.qnameMinimisation !== undefined) opts.push(`  qname-minimization ${s.qnameMinimisation ? 'relaxed' : 'off'};`);
      map('qnameMinimisation', `qname-minimization ${s.qnameMinimisation ? 'relaxed' : 'off'};`);
      if (s.maxTtl !== undefined) opts.push(`  max-cache-ttl ${s.maxTtl};`);
      map('maxTtl', `max-cache-ttl ${s.maxTtl};`);
      if (s.maxNegativeTtl !== undefined) opts.push(`  max-ncache-ttl ${s.maxNegativeTtl};`);
      map('maxNegativeTtl', `max-ncache-ttl ${s.maxNegativeTtl};`);
      const anchors = validate
        ? [
            `trust-anchors {`,
            ...cfg.trustAnchors.map((l) => {
              const k = dnskeyParts(l);
              if (k) return `  ${k.owner} static-key ${k.flags} ${k.protocol} ${k.algorithm} "${k.key}";`;
              const d = dsParts(l);
              return `  ${d.owner} static-ds ${d.keyTag} ${d.algorithm} ${d.digestType} "${d.digest}";`;
            }),
            '};',
          ]
        : [];
      // rndc on the resolver's own address, port 953, with a key written for this run (flush-cache steps).
      const key = ['key "dnslab" {', '  algorithm hmac-sha256;', `  secret "${RNDC_SECRET}";`, '};'];
      const controls = [`controls { inet ${cfg.address} port 953 allow { any; } keys { "dnslab"; }; };`];
      opts.push(...(cfg.extraLines ?? []));
      const conf = ['options {', ...opts, '};', ...anchors, `zone "." { type hint; file "${join(dir, 'root.hints')}"; };`, ...key, ...controls, ''].join('\n');
      const rndc = [...key, `options { default-key "dnslab"; default-server ${cfg.address}; default-port 953; };`, ''].join('\n');
      return {
        command: 'named',
        args: ['-g', '-u', 'root', '-c', join(dir, 'named.conf')],
        files: { 'named.conf': conf, 'root.hints': hintsFile(cfg.rootHints), 'rndc.conf': rndc },
        mappings: maps,
      };
    }
    case 'knot': {
      const hints = cfg.rootHints.map((h) => `['${h.host.endsWith('.') ? h.host : `${h.host}.`}'] = '${h.address}'`).join(', ');
      const lines = [
        `net.listen('${cfg.address}', 53, { kind = 'dns' })`,
        v6 ? `net.outgoing_v6('${cfg.address}')` : `net.outgoing_v4('${cfg.address}')`,
        `cache.open(20 * MB, 'lmdb://${join(dir, 'cache')}')`,
        "modules.load('hints > iterate')",
        `hints.root({ ${hints} })`,
        "trust_anchors.remove('.')",
        ...(validate ? cfg.trustAnchors.map((l) => `trust_anchors.add('${l.replace(/\s+/g, ' ').trim()}')`) : []),
      ];
      map('validate', validate ? "trust_anchors.add('. DS …')" : "trust_anchors.remove('.') (no anchor: no validation)");
      // Knot Resolver 5.6 has no switch for RFC 8198 aggressive use: the cache always synthesises from
      // validated NSEC (and NSEC3 since 2.4.0). No query flag in kres-gen.lua turns it off.
      map('aggressiveNsec', s.aggressiveNsec === false ? undefined : '(always on; no option)');
      if (s.serveStale) lines.push("modules.load('serve_stale < cache')");
      map('serveStale', s.serveStale ? "modules.load('serve_stale < cache')" : '(serve_stale module not loaded)');
      // serve_stale.lua M.timeout, in ms (kresd's `sec` is 1000); only meaningful with the module loaded.
      if (s.serveStale && s.staleClientTimeoutMs !== undefined) lines.push(`serve_stale.timeout = ${s.staleClientTimeoutMs}`);
      map('staleClientTimeoutMs', s.serveStale ? `serve_stale.timeout = ${s.staleClientTimeoutMs} (checked at the query's next step)` : undefined);
      map('ede', s.ede === false ? undefined : '(always on; no option)');
      if (s.ednsBufferSize !== undefined) lines.push(`net.bufsize(1232, ${s.ednsBufferSize})`);
      map('ednsBufferSize', `net.bufsize(1232, ${s.ednsBufferSize})`);
      if (s.qnameMinimisation === false) lines.push("option('NO_MINIMIZE', true)");
      map('qnameMinimisation', s.qnameMinimisation === false ? "option('NO_MINIMIZE', true)" : '(default: minimise)');
      if (s.maxTtl !== undefined) lines.push(`cache.max_ttl(${s.maxTtl})`);
      map('maxTtl', `cache.max_ttl(${s.maxTtl})`);
      // Knot Resolver 5.6 has one TTL cap for positive and negative data (cache.max_ttl); none for negative alone.
      map('maxNegativeTtl', undefined);
      lines.push(...(cfg.extraLines ?? []));
      return { command: 'kresd', args: ['-n', '-c', join(dir, 'kresd.conf'), dir], files: { 'kresd.conf': lines.join('\n') + '\n' }, mappings: maps };
    }
    case 'powerdns': {
      const lines = [
        `local-address=${cfg.address}`,
        'local-port=53',
        `query-local-address=${cfg.address}`,
        'allow-from=0.0.0.0/0, ::/0',
        // The default dont-query list holds RFC 1918 and documentation ranges — exactly where lab servers live.
        'dont-query=',
        'security-poll-suffix=',
        `hint-file=${join(dir, 'root.hints')}`,
        `lua-config-file=${join(dir, 'recursor.lua')}`,
        `socket-dir=${dir}`,
        'daemon=no',
        'write-pid=no',
        'disable-syslog=yes',
        'threads=1',
        `dnssec=${validate ? 'validate' : 'off'}`,
        // Lab clock, not product behaviour: after 5 failed address lookups of an NS name PowerDNS skips that
        // name until a housekeeping task prunes the entry 60 s after the last failure (syncres.cc
        // retrieveAddressesForNS, s_nonresolving; non-resolving-ns-max-fails=5, -throttle-time=60). That task
        // runs from the handler thread's loop about every 5 s of wall-clock time (rec-main.cc houseKeeping,
        // pruneNonResolvingTask), and a lab run compresses days into seconds: measured in ns-drop-catch, the
        // entry for ns1.old-provider.net, skipped from T+1d3h30m on, was still there at T+3d, so PowerDNS never looked the
        // name up again after the drop-catch. Off, real PowerDNS is not held by a 60 s throttle for days.
        'non-resolving-ns-max-fails=0',
      ];
      map('validate', `dnssec=${validate ? 'validate' : 'off'}`);
      if (s.aggressiveNsec !== undefined) lines.push(`aggressive-nsec-cache-size=${s.aggressiveNsec ? 100000 : 0}`);
      map('aggressiveNsec', `aggressive-nsec-cache-size=${s.aggressiveNsec ? 100000 : 0}`);
      if (s.serveStale) lines.push('serve-stale-extensions=2880');
      map('serveStale', s.serveStale ? 'serve-stale-extensions=2880 (2880 × 30 s = 1 day)' : 'serve-stale-extensions=0');
      if (s.ede !== undefined) lines.push(`extended-resolution-errors=${s.ede ? 'yes' : 'no'}`);
      map('ede', `extended-resolution-errors=${s.ede ? 'yes' : 'no'}`);
      if (s.ednsBufferSize !== undefined) lines.push(`edns-outgoing-bufsize=${s.ednsBufferSize}`);
      map('ednsBufferSize', `edns-outgoing-bufsize=${s.ednsBufferSize}`);
      if (s.qnameMinimisation !== undefined) lines.push(`qname-minimization=${s.qnameMinimisation ? 'yes' : 'no'}`);
      map('qnameMinimisation', `qname-minimization=${s.qnameMinimisation ? 'yes' : 'no'}`);
      if (s.maxTtl !== undefined) lines.push(`max-cache-ttl=${s.maxTtl}`);
      map('maxTtl', `max-cache-ttl=${s.maxTtl}`);
      if (s.maxNegativeTtl !== undefined) lines.push(`max-negative-ttl=${s.maxNegativeTtl}`);
      map('maxNegativeTtl', `max-negative-ttl=${s.maxNegativeTtl}`);
      lines.push(...(cfg.extraLines ?? []));
      const lua = [
        "clearTA('.')",
        ...(validate
          ? cfg.trustAnchors.flatMap((l) => {
              // PowerDNS takes DS anchors only (addTA); a DNSKEY anchor has no Lua form here.
              if (dnskeyParts(l)) return [];
              const d = dsParts(l);
              return [`addTA('${d.owner}', '${d.keyTag} ${d.algorithm} ${d.digestType} ${d.digest}')`];
            })
          : []),
      ].join('\n');
      return {
        command: 'pdns_recursor',
        args: [`--config-dir=${dir}`],
        files: { 'recursor.conf': lines.join('\n') + '\n', 'recursor.lua': lua + '\n', 'root.hints': hintsFile(cfg.rootHints) },
        mappings: maps,
      };
    }
  }
}

/**
 * generateConfig, with its files written into `dir` (which must exist): the one way a product's config reaches the
 * disk — for the matrix (RealResolver.start, container.ts) and for the tests and benches that start a product
 * themselves (e.g. inside their own network namespace: `ip netns exec NS <command> <args>`).
 */
export function writeConfig(cfg: RealResolverConfig, dir: string): GeneratedConfig {
  const gen = generateConfig(cfg, dir);
  for (const [name, text] of Object.entries(gen.files)) writeFileSync(join(dir, name), text);
  return gen;
}

/**
 * The environment that shifts a product's clock by the offset in `faketimeFile`: libfaketime for Unbound and
 * PowerDNS, the timeshift shim for named and kresd (TIME_MECHANISM). A clock rate other than 1 needs the shim for
 * every product: libfaketime's speed factor counts from its own start in each process, which the lab cannot know
 * (timeshift.c). `library` picks the .so to preload (paths differ between the host and the Docker images,
 * docker/<product>/Dockerfile).
 */
export function timeEnvironment(
  product: Product,
  faketimeFile: string,
  library: (mechanism: 'libfaketime' | 'timeshift') => string,
  clockRate = 1,
): Record<string, string> {
  const mechanism = TIME_MECHANISM[product] === 'libfaketime' && clockRate === 1 ? 'libfaketime' : 'timeshift';
  return mechanism === 'libfaketime'
    ? { LD_PRELOAD: library(mechanism), FAKETIME_TIMESTAMP_FILE: faketimeFile, FAKETIME_NO_CACHE: '1' }
    : { LD_PRELOAD: library(mechanism), DNSLAB_TIMESHIFT_FILE: faketimeFile };
}

/**
 * A command that empties a product's cache. `in: 'product'` runs where the product's control tool is installed
 * (unbound-control, rndc, rec_control); `in: 'lab'` runs with the lab's own node (Knot Resolver's control
 * socket has no client tool in the package): on the Docker path these are different containers.
 */
export interface ControlCommand {
  command: string;
  args: string[];
  in: 'product' | 'lab';
}

/**
 * How to empty the cache (all of it, or `name` and everything below) through the product's own control tool:
 * unbound-control flush_zone, rndc flushtree/flush, kresd's control socket cache.clear(), rec_control
 * wipe-cache NAME$. `dir` is the config dir generateConfig() wrote for; `pid` is the product's process id as
 * the product sees it (kresd names its control socket after it).
 */
export function flushCommands(product: Product, dir: string, name: string | undefined, pid: number | undefined): ControlCommand[] {
  const fqdn = name === undefined || name === '.' ? '.' : name.endsWith('.') ? name : `${name}.`;
  switch (product) {
    case 'unbound':
      return [
        { command: 'unbound-control', args: ['-c', join(dir, 'unbound.conf'), 'flush_zone', fqdn], in: 'product' },
        { command: 'unbound-control', args: ['-c', join(dir, 'unbound.conf'), 'flush_bogus'], in: 'product' },
      ];
    case 'bind':
      return [{ command: 'rndc', args: ['-c', join(dir, 'rndc.conf'), ...(fqdn === '.' ? ['flush'] : ['flushtree', fqdn])], in: 'product' }];
    case 'powerdns':
      return [{ command: 'rec_control', args: [`--socket-dir=${dir}`, 'wipe-cache', `${fqdn}$`], in: 'product' }];
    case 'knot': {
      // kresd listens for Lua on <rundir>/control/<pid> (postconfig.lua); one command, read the reply, close.
      const sock = join(dir, 'control', String(pid));
      const lua = fqdn === '.' ? 'cache.clear()' : `cache.clear('${fqdn}')`;
      const script = `const s=require('net').connect(${JSON.stringify(sock)},()=>s.write(${JSON.stringify(lua + '\n')}));let b='';s.on('data',d=>{b+=d;if(b.includes('>')||b.length>0){s.end();}});s.on('end',()=>process.exit(0));s.on('error',e=>{console.error(e.message);process.exit(1)});setTimeout(()=>process.exit(0),2000);`;
      return [{ command: process.execPath, args: ['-e', script], in: 'lab' }];
    }
  }
}

/** A running real resolver. */
export class RealResolver {
  private constructor(
    readonly config: RealResolverConfig,
    readonly dir: string,
    readonly process: ManagedProcess,
    readonly mappings: SwitchMapping[],
    /** LD_PRELOAD and friends that shift this product's clock (also given to its control tool). */
    readonly timeEnv: NodeJS.ProcessEnv = {},
  ) {}

  /**
   * Write the config, start the product (in this process's namespace), and wait until it answers a
   * CHAOS query on its address (no upstream traffic). Stops it again when it does not come up.
   */
  static async start(cfg: RealResolverConfig, options: { startTimeoutMs?: number } = {}): Promise<RealResolver> {
    const { binary, pkg } = BINARY[cfg.product];
    requireBinary(binary, pkg);
    if (cfg.faketimeFile && !existsSync(LIBFAKETIME)) throw new RealSoftwareError(`${LIBFAKETIME} not found: install the Debian package "faketime"`);
    const dir = mkdtempSync(join(tmpdir(), `dnslab-real-${cfg.product}-`));
    const gen = writeConfig(cfg, dir);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir };
    if (cfg.faketimeFile)
      Object.assign(
        env,
        timeEnvironment(cfg.product, cfg.faketimeFile, (m) => (m === 'timeshift' ? timeshiftLibrary() : LIBFAKETIME), cfg.clockRate),
      );
    const proc = new ManagedProcess(gen.command, gen.args, { env, cwd: dir });
    const timeEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k === 'LD_PRELOAD' || k.startsWith('FAKETIME') || k.startsWith('DNSLAB_')));
    const r = new RealResolver(cfg, dir, proc, gen.mappings, timeEnv);
    try {
      await waitForDns(cfg.address, options.startTimeoutMs ?? 20_000, () => (proc.exited ? String(proc.child.exitCode ?? proc.child.signalCode) : undefined));
    } catch (e) {
      await r.stop();
      throw new RealSoftwareError(`${cfg.product} did not come up on ${cfg.address}: ${(e as Error).message}\n--- output ---\n${proc.log.slice(-3000)}`);
    }
    return r;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /**
   * Empty the cache (all of it, or `name` and everything below), through the product's own control tool:
   * unbound-control flush_zone, rndc flushtree/flush, kresd's control socket cache.clear(), rec_control
   * wipe-cache NAME$. Synchronous (scenario actions are), bounded in time.
   */
  flushCache(name?: string): void {
    for (const c of flushCommands(this.config.product, this.dir, name, this.pid)) {
      // Same clock as the product: rndc's messages carry a timestamp named checks against its own (shifted) time.
      const r = spawnSync(c.command, c.args, { encoding: 'utf8', timeout: 10_000, env: { ...process.env, ...this.timeEnv } });
      if (r.status !== 0) throw new RealSoftwareError(`${c.command} ${c.args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
    }
  }

  /** Stop the process group and remove the temp dir. */
  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Wait until something answers a DNS query (version.bind CH TXT, RD=0) on address:53. `exited` tells whether
 * the product died meanwhile (its exit status), so a crash fails at once instead of at the deadline.
 */
export async function waitForDns(address: string, ms: number, exited?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + ms;
  // Built by hand so this module needs nothing from dns/: id 0x1d1a, no flags, one question version.bind CH TXT.
  const name = Buffer.from('\x07version\x04bind\x00', 'latin1');
  const query = Buffer.concat([Buffer.from([0x1d, 0x1a, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), name, Buffer.from([0, 16, 0, 3])]);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const status = exited?.();
    if (status !== undefined) throw new RealSoftwareError(`process exited (${status})`);
    if (Date.now() > deadline) throw new RealSoftwareError(`no answer within ${ms} ms`);
    const ok = await new Promise<boolean>((resolveP) => {
      const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4');
      const t = setTimeout(() => finish(false), 300);
      const finish = (v: boolean) => {
        clearTimeout(t);
        try {
          sock.close();
        } catch {
          // closed
        }
        resolveP(v);
      };
      sock.on('error', () => finish(false));
      sock.on('message', (m) => finish(m.length >= 12 && m.readUInt16BE(0) === 0x1d1a));
      sock.send(query, 53, address, (err) => err && finish(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The command that prints a product's version (`unbound -V`, `named -v`, `kresd --version`, `pdns_recursor --version`). */
export const VERSION_COMMAND: Record<Product, string[]> = {
  unbound: [BINARY.unbound.binary, '-V'],
  bind: [BINARY.bind.binary, '-v'],
  knot: [BINARY.knot.binary, '--version'],
  powerdns: [BINARY.powerdns.binary, '--version'],
};

/** The version line in what VERSION_COMMAND printed, without a leading syslog-style date (named). */
export function versionLine(text: string): string | undefined {
  return text
    .split('\n')
    .find((l) => /version|BIND|PowerDNS Recursor/i.test(l))
    ?.replace(/^\w{3} \d+ [\d:]+ /, '')
    .trim();
}

/** The installed product's version line. */
export function productVersion(product: Product): string {
  const [c, ...a] = VERSION_COMMAND[product];
  const r = spawnSync(c!, a, { encoding: 'utf8', timeout: 10_000 });
  return versionLine(`${r.stdout ?? ''}\n${r.stderr ?? ''}`) ?? '(not installed)';
}

/**
 * Write a libfaketime relative offset ("+N" / "-N" seconds) atomically enough for a reader that re-reads every
 * call; with a rate, " xRATE aANCHOR_MS mMONO_ANCHOR_NS jJUMPED_S" follows, which only timeshift.c reads.
 */
export function writeFaketimeOffset(
  file: string,
  offsetSeconds: number,
  speed?: { rate: number; anchorMs: number; monoAnchorNs: bigint; jumpedSeconds: number },
): void {
  const n = Math.round(offsetSeconds);
  const tail = speed ? ` x${speed.rate} a${Math.round(speed.anchorMs)} m${speed.monoAnchorNs} j${Math.round(speed.jumpedSeconds)}` : '';
  writeFileSync(file, `${n >= 0 ? '+' : ''}${n}${tail}\n`);
}
