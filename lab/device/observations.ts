// What a resolver or forwarder device did to the answers that crossed it:
// per question, what the lab sent the device (the lab's resolver's answers to
// a forwarder, the servers' answers to a resolver) and what the device's
// clients got from it — sizes, transport, TC, RCODE — with the differences
// in words (e.g. "the device set TC=1 on a 1283-octet answer: its clients
// retried over TCP").

import type { Crossing } from './ttl-scale.ts';

export interface CrossingSummary {
  question: string;
  /** Distinct answers the lab sent the device ("udp 1283 octets NOERROR 6 answers" ×n). */
  toDevice: string[];
  fromDevice: string[];
  /** What the device did, in words (empty: passed them on as they came). */
  findings: string[];
}

function describe(c: Crossing): string {
  return `${c.transport} ${c.size} octets ${c.rcode}${c.tc ? ' TC=1' : ''}${c.ad ? ' AD=1' : ''} ${c.answers} answer${c.answers === 1 ? '' : 's'}${c.edns !== undefined ? ` (EDNS ${c.edns})` : ' (no EDNS)'}`;
}

function counted(list: Crossing[]): string[] {
  const n = new Map<string, number>();
  for (const c of list) n.set(describe(c), (n.get(describe(c)) ?? 0) + 1);
  return [...n].map(([d, k]) => (k > 1 ? `${d} ×${k}` : d));
}

/** Per question, in the order first seen. A resolver device's answers come from many lab answers: only its clients' questions are shown. */
export function summarizeCrossings(crossings: Crossing[], role: 'resolver' | 'forwarder'): CrossingSummary[] {
  const key = (c: Crossing) => `${c.qname} ${c.qtype}`;
  const asked = [...new Set(crossings.filter((c) => c.way === 'from-device').map(key))];
  const keys = role === 'forwarder' ? [...new Set(crossings.map(key))] : asked;
  return keys.map((k) => {
    const to = crossings.filter((c) => c.way === 'to-device' && key(c) === k);
    const from = crossings.filter((c) => c.way === 'from-device' && key(c) === k);
    const findings: string[] = [];
    const maxTo = Math.max(0, ...to.filter((c) => !c.tc).map((c) => c.size));
    const udpFrom = from.filter((c) => c.transport === 'udp');
    if (to.length > 0 && from.length === 0) findings.push('its clients got no answer at all (the device dropped them or timed out)');
    for (const c of udpFrom.filter((c) => c.tc && !to.some((t) => t.tc))) {
      findings.push(
        `the device answered over UDP with TC=1 (${c.size} octets)${maxTo ? ` where the lab had sent it a full ${maxTo}-octet answer` : ''}${from.some((f) => f.transport === 'tcp') ? '; its clients retried over TCP' : ''}`,
      );
    }
    for (const c of from.filter((c) => c.transport === 'tcp' && !c.tc)) findings.push(`over TCP the device passed ${c.size} octets ${c.rcode}`);
    if (role === 'forwarder') {
      for (const c of udpFrom.filter((c) => !c.tc && to.some((t) => !t.tc && t.size === c.size && t.rcode === c.rcode && t.answers === c.answers)))
        findings.push(`the device passed the ${c.size}-octet answer over UDP as it came (size, RCODE, ${c.answers} answer${c.answers === 1 ? '' : 's'})`);
      if (to.some((t) => t.ad) && from.length > 0 && !from.some((c) => c.ad))
        findings.push('the device cleared the AD bit: its clients cannot tell the answer was validated');
    }
    const rcodesTo = new Set(to.map((c) => c.rcode));
    for (const c of from) if (to.length > 0 && !rcodesTo.has(c.rcode) && role === 'forwarder') findings.push(`the device changed the RCODE to ${c.rcode}`);
    if (to.length > 0 && udpFrom.some((c) => c.edns === undefined) && to.some((c) => c.edns !== undefined))
      findings.push('the device removed EDNS (no OPT record) from its answers');
    return { question: k, toDevice: counted(to), fromDevice: counted(from), findings: [...new Set(findings)] };
  });
}

export function renderCrossings(rows: CrossingSummary[], role: 'resolver' | 'forwarder'): string {
  if (rows.length === 0) return '';
  const lab = role === 'forwarder' ? "the lab's resolver sent the device" : 'the servers sent the device';
  const lines = [`what the device did to the answers (${lab} → its clients got):`];
  for (const r of rows) {
    lines.push(`  ${r.question}`);
    if (role === 'forwarder') lines.push(`    lab → device   : ${r.toDevice.join('; ') || 'nothing'}`);
    lines.push(`    device → client: ${r.fromDevice.join('; ') || 'nothing'}`);
    for (const f of r.findings) lines.push(`    → ${f}`);
  }
  return lines.join('\n') + '\n';
}
