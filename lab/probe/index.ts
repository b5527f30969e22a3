// Public API of the equipment check suite (`dnslab probe`). See README.md.
export { runProbe, type ProbeOptions, type ProbeReport, type Checkpoint, type Verdict, type ProbeMode } from './probe.ts';
export { ProbeAuthority, PROBE_ZONE, PROBE_MAX_SIZE, sizeQuery, type SeenQuery } from './authority.ts';
export { probeText, probeHtml } from './report.ts';
export { UdpClient, tcpQuery, type Exchange } from './client.ts';
export { probeSetupFault } from './preflight.ts';
