// The priming check (RFC 8109): before serving, ask each root hint `. NS`
// (RD=0). A resolver whose hints never answer still starts — real ones do too
// — but every client then waits out the profile's timers for nothing, so the
// operator is told at once instead of learning it from silent clients.

import { makeQuery } from '../../dns/message.ts';
import { nameEquals } from '../../dns/name.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { formatEndpoint, type Endpoint, type Network, type TimerHandle } from '../../net/network.ts';

export interface PrimingResult {
  /** Hints that answered `. NS` authoritatively with the root NS RRset (RFC 8109 §4.2: AA=1, NS in the answer). */
  usable: Endpoint[];
  /** One line per hint that did not: what came back, or that nothing did. */
  problems: string[];
}

/** Ask every hint `. NS` at once from `source` (an address the network owns); wait at most `timeoutMs`. */
export async function primeRootHints(network: Network, source: string, hints: readonly Endpoint[], timeoutMs = 2000): Promise<PrimingResult> {
  const socket = await network.bindUdp({ address: source, port: 0 });
  const ids = hints.map((_, i) => (0x7000 + i * 7919) & 0xffff);
  const outcome = new Map<number, string | true>();
  const clock = network.clock;
  let timer: TimerHandle | undefined;
  const settled = new Promise<void>((resolve) => {
    timer = clock.setTimer(timeoutMs, resolve);
    socket.onMessage((payload, from) => {
      let m;
      try {
        m = decodeMessage(payload);
      } catch {
        return; // not a reply to judge
      }
      const i = ids.indexOf(m.id);
      const hint = hints[i];
      if (!hint || hint.address !== from.address || hint.port !== from.port || outcome.has(i)) return;
      const ns = m.answer.filter((rr) => rr.type === 'NS' && nameEquals(rr.name, '.')).length;
      if (m.rcode !== 'NOERROR') outcome.set(i, `answered ${m.rcode}`);
      else if (ns === 0) outcome.set(i, 'answered without the root NS RRset');
      else if (!m.flags.aa) outcome.set(i, 'answered without AA=1 (not a root server)');
      else outcome.set(i, true);
      if (outcome.size === hints.length) resolve();
    });
  });
  hints.forEach((h, i) => socket.send(encodeMessage(makeQuery('.', 'NS', { id: ids[i]!, rd: false, udpPayloadSize: 1232 })), h));
  await settled;
  if (timer) clock.clearTimer(timer);
  socket.close();
  const usable: Endpoint[] = [];
  const problems: string[] = [];
  hints.forEach((h, i) => {
    const o = outcome.get(i);
    if (o === true) usable.push(h);
    else problems.push(`${formatEndpoint(h)} ${o ?? `did not answer within ${timeoutMs} ms`}`);
  });
  return { usable, problems };
}
