// The --device options shared by `dnslab run`, `probe` and `serve`: one
// function the CLI calls for each flag it does not know itself, and one that
// checks the whole set. Errors are DeviceSetupError (one line, exit 2).

import { DeviceSetupError, nextHost, parseCidr, type Cidr } from './links.ts';
import { CONFIG_FORMATS } from './config.ts';

export const DEVICE_ROLES = ['middlebox', 'resolver', 'forwarder'] as const;
/** Roles the device can stand in, and the ones named by the design but not built yet (refused with a clear line). */
const NOT_BUILT_ROLES = ['authoritative'];
export type DeviceRole = (typeof DEVICE_ROLES)[number];

/** Lab time runs at most this many times faster than the host with a device (a scenario hour in a second). */
export const MAX_TIME_SCALE = 3600;

export interface DeviceOptions {
  role: DeviceRole;
  inside: string;
  outside: string;
  /** Routed box: its address on the inside and on the outside link; absent: a transparent bridge. */
  gateways?: { inside: Cidr; outside: Cidr };
  /** The lab's own link addresses next to the gateways (default: the next host address after each). */
  labAddresses?: { inside: Cidr; outside: Cidr };
  timeScale: number;
  /** Print the address plan and the routes the device needs, then stop. */
  planOnly: boolean;
  /** resolver/forwarder: the scenario resolver the device is (resolver) or stands in front of (forwarder); default the first. */
  deviceFor?: string;
  /** Print the device's configuration in this format (config.ts CONFIG_FORMATS), then stop. */
  printConfig?: string;
}

export type DeviceFlags = Partial<
  Record<'device' | 'inside' | 'outside' | 'deviceAddress' | 'labAddress' | 'timeScale' | 'deviceFor' | 'printConfig', string>
> & {
  plan?: boolean;
};

export const DEVICE_USAGE = `device in the path (needs root; lab/device/README.md):
  --device ROLE            put a real device between the lab's sides: middlebox (between the
                           lab's resolver and the authoritative world), resolver (the device is the
                           scenario's resolver; the lab serves the world on its outside), forwarder
                           (a DNS proxy between the clients and the lab's resolver)
  --inside IFACE           host interface towards the device's inside (resolver and clients)
  --outside IFACE          host interface towards the device's outside (authoritative servers)
  --device-address A[,B]   a routed device's addresses on the inside and outside links
                           (ADDR/PREFIX, default /24); none: a transparent bridge
  --lab-address A,B        the lab's own link addresses (default: the next address after each)
  --time-scale N           run every TTL, timer and wait N times faster (1-${MAX_TIME_SCALE}, default 1)
  --plan                   print the address plan and the routes the device needs, and stop
  --device-for RESOLVER    resolver/forwarder: the scenario resolver the device is, or stands in
                           front of (default: the first)
  --print-config FORMAT    print what the device must be configured with and stop:
                           ${CONFIG_FORMATS.join('|')}
`;

/** The device flags as node:util parseArgs options, for the commands' one option parser (lab/cli/command.ts). */
export const DEVICE_OPTIONS = {
  device: { type: 'string' },
  inside: { type: 'string' },
  outside: { type: 'string' },
  'device-address': { type: 'string' },
  'lab-address': { type: 'string' },
  'time-scale': { type: 'string' },
  plan: { type: 'boolean' },
  'device-for': { type: 'string' },
  'print-config': { type: 'string' },
} as const;

/** The device flags among a command's parsed option values. */
export function deviceFlagsOf(
  v: Partial<Record<'device' | 'inside' | 'outside' | 'device-address' | 'lab-address' | 'time-scale' | 'device-for' | 'print-config', string>> & {
    plan?: boolean;
  },
): DeviceFlags {
  const acc: DeviceFlags = {};
  if (v.device !== undefined) acc.device = v.device;
  if (v.inside !== undefined) acc.inside = v.inside;
  if (v.outside !== undefined) acc.outside = v.outside;
  if (v['device-address'] !== undefined) acc.deviceAddress = v['device-address'];
  if (v['lab-address'] !== undefined) acc.labAddress = v['lab-address'];
  if (v['time-scale'] !== undefined) acc.timeScale = v['time-scale'];
  if (v['device-for'] !== undefined) acc.deviceFor = v['device-for'];
  if (v['print-config'] !== undefined) acc.printConfig = v['print-config'];
  if (v.plan) acc.plan = true;
  return acc;
}

function pair(text: string, flag: string): [Cidr, Cidr] {
  const parts = text.split(',');
  if (parts.length !== 2) throw new DeviceSetupError(`${flag}: give two addresses, INSIDE,OUTSIDE (got "${text}")`);
  return [parseCidr(parts[0]!, flag), parseCidr(parts[1]!, flag)];
}

/** The device options, or undefined when no device flag was given. */
export function deviceOptions(acc: DeviceFlags): DeviceOptions | undefined {
  const given = Object.keys(acc).filter((k) => acc[k as keyof DeviceFlags] !== undefined);
  if (given.length === 0) return undefined;
  if (acc.device === undefined) throw new DeviceSetupError(`--${given[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --device ROLE`);
  if (NOT_BUILT_ROLES.includes(acc.device))
    throw new DeviceSetupError(`--device ${acc.device}: not built yet; the roles that work are ${DEVICE_ROLES.join(', ')}`);
  if (!(DEVICE_ROLES as readonly string[]).includes(acc.device))
    throw new DeviceSetupError(`--device: got "${acc.device}"; expected one of ${DEVICE_ROLES.join(', ')}`);
  if (acc.inside === undefined || acc.outside === undefined)
    throw new DeviceSetupError('--device needs --inside IFACE and --outside IFACE (the host interfaces towards the device)');
  let timeScale = 1;
  if (acc.timeScale !== undefined) {
    timeScale = Number(acc.timeScale);
    if (!Number.isInteger(timeScale) || timeScale < 1 || timeScale > MAX_TIME_SCALE)
      throw new DeviceSetupError(`--time-scale: got "${acc.timeScale}"; expected an integer from 1 to ${MAX_TIME_SCALE}`);
  }
  const o: DeviceOptions = { role: acc.device as DeviceRole, inside: acc.inside, outside: acc.outside, timeScale, planOnly: acc.plan === true };
  if (acc.deviceAddress !== undefined) {
    const [i, out] = pair(acc.deviceAddress, '--device-address');
    o.gateways = { inside: i, outside: out };
    const [li, lo] = acc.labAddress !== undefined ? pair(acc.labAddress, '--lab-address') : [nextHost(i), nextHost(out)];
    o.labAddresses = { inside: li, outside: lo };
  } else if (acc.labAddress !== undefined) throw new DeviceSetupError('--lab-address needs --device-address (a transparent bridge has no link addresses)');
  if (o.role !== 'middlebox' && !o.gateways)
    throw new DeviceSetupError(
      `--device ${o.role} needs --device-address INSIDE,OUTSIDE: the device's own addresses (clients ask the inside one; it sends its queries from the outside one)`,
    );
  if (acc.deviceFor !== undefined) {
    if (o.role === 'middlebox') throw new DeviceSetupError('--device-for: only with --device resolver or forwarder');
    o.deviceFor = acc.deviceFor;
  }
  if (acc.printConfig !== undefined) {
    if (!(CONFIG_FORMATS as readonly string[]).includes(acc.printConfig))
      throw new DeviceSetupError(`--print-config: got "${acc.printConfig}"; expected one of ${CONFIG_FORMATS.join(', ')}`);
    if (o.role === 'middlebox')
      throw new DeviceSetupError('--print-config: a middlebox needs only routes (--plan prints them); use it with resolver or forwarder');
    o.printConfig = acc.printConfig;
  }
  return o;
}
