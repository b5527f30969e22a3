// A DNS responder's TCP side for tests that build their own tiny server on a `Network`.
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import type { TcpConnection } from '../../net/network.ts';

/** Answer each DNS message framed on `conn` (RFC 7766 §8: two-octet length prefix) with `answer(query)`. */
export function answerTcpFrames(conn: TcpConnection, answer: (query: Buffer) => Buffer): void {
  const reader = new TcpFrameReader();
  conn.onData((chunk) => {
    for (const query of reader.push(chunk)) conn.write(frameTcp(answer(query)));
  });
}
