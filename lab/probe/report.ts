// Probe reports for people: a text table for the terminal and a standalone
// HTML page (no scripts, no external resources). The JSON form is the
// ProbeReport object itself.

import type { ProbeReport } from './probe.ts';

export function probeText(r: ProbeReport): string {
  const lines = [`dnslab probe through ${r.through} (${r.mode}), authoritative ${r.authority}, ${r.durationMs} ms`, ''];
  for (const c of r.checkpoints) lines.push(`  ${String(c.id)}. ${c.verdict.toUpperCase().padEnd(10)} ${c.title}`, `       ${c.summary}`);
  lines.push(
    '',
    `packets: UDP ${r.packets.udpQueries} sent / ${r.packets.udpAnswers} answered, TCP ${r.packets.tcpQueries} / ${r.packets.tcpAnswers}, ${r.packets.seenAtAuthority} queries reached the authoritative`,
  );
  if (r.notTested.length) lines.push('', 'could not test:', ...r.notTested.map((n) => `  - ${n}`));
  return `${lines.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLOURS = { pass: '#1a7f37', fail: '#cf222e', untestable: '#9a6700' } as const;

export function probeHtml(r: ProbeReport): string {
  const rows = r.checkpoints
    .map(
      (c) =>
        `<tr><td>${c.id}</td><td>${esc(c.title)}</td><td style="color:${COLOURS[c.verdict]};font-weight:bold">${c.verdict}</td><td>${esc(c.summary)}<details><summary>evidence</summary><pre>${esc(JSON.stringify(c.evidence, null, 2))}</pre></details></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dnslab probe ${esc(r.through)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4em;vertical-align:top}pre{font-size:.8em;max-height:20em;overflow:auto}</style></head>
<body><h1>dnslab probe</h1>
<p>Path ${esc(r.through)} (${esc(r.mode)}), probe authoritative ${esc(r.authority)}, started ${esc(r.startedAt)}, ${r.durationMs} ms.</p>
<table><tr><th>#</th><th>checkpoint</th><th>verdict</th><th>what was seen</th></tr>
${rows}
</table>
<p>Packets: UDP ${r.packets.udpQueries} sent / ${r.packets.udpAnswers} answered; TCP ${r.packets.tcpQueries} / ${r.packets.tcpAnswers}; ${r.packets.seenAtAuthority} queries reached the authoritative.</p>
${r.notTested.length ? `<h2>Could not test</h2><ul>${r.notTested.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
