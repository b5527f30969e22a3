// A connection's bytes as DNS messages (RFC 1035 §4.2.2 length prefix, RFC 7766 §8 framing), for every server and box
// that reads queries or answers off a TCP stream.

import { TcpFrameReader } from '../dns/wire/tcp.ts';
import type { TcpConnection } from './network.ts';

/** Call `handle` with the complete messages each chunk finishes; a stream that cannot be framed is reset, not thrown. */
export function onTcpFrames(conn: TcpConnection, handle: (frames: Buffer[]) => void, reader = new TcpFrameReader()): void {
  conn.onData((chunk) => {
    let frames: Buffer[];
    try {
      frames = reader.push(chunk);
    } catch {
      conn.reset();
      return;
    }
    handle(frames);
  });
}
