// What tests hand a command as stdout/stderr (lab/cli/command.ts CommandIo) to read its output afterwards.
import { Writable } from 'node:stream';

/**
 * A writable stream whose `text` is everything written to it so far. The bytes are decoded as a whole, so a
 * UTF-8 character split across two writes (the Japanese narratives) still reads right.
 */
export function textSink(): Writable & { readonly text: string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return Object.defineProperty(w, 'text', { get: () => Buffer.concat(chunks).toString('utf8') }) as Writable & { readonly text: string };
}
