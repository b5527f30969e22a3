// Typed errors of the wire codec. Every failure to decode or encode a DNS
// message surfaces as a WireError, never as a RangeError or a plain Error, so
// a server can answer FORMERR (RFC 1035 §4.1.1) and a lab never crashes on
// what a system under test sends.

import { DnslabError } from '../types.ts';

export type WireErrorCode =
  /** The input ended before a header, count, name or RDATA was complete. */
  | 'TRUNCATED'
  /** Octets left over after the last record the header counts announced. */
  | 'TRAILING_BYTES'
  /** RDATA shorter or longer than its RDLENGTH, or a fixed-size type with the wrong RDLENGTH. */
  | 'BAD_RDLENGTH'
  /** Bad label type (0x40/0x80), label > 63, name > 255 octets, empty label on encode, bad escape. */
  | 'BAD_NAME'
  /** Compression pointer loop, forward/self pointer, pointer into the header, or pointer where RFC 3597 §4 forbids one. */
  | 'BAD_POINTER'
  /** RDATA that does not parse for its type, or a field out of range on encode. */
  | 'BAD_RDATA'
  /** OPT RR misplaced, duplicated, not owned by the root, or with malformed options (RFC 6891 §6.1.1). */
  | 'BAD_OPT'
  /** A type, class, rcode or opcode mnemonic we cannot map to a number. */
  | 'BAD_MNEMONIC';

export class WireError extends DnslabError {
  constructor(
    override readonly code: WireErrorCode,
    message: string,
    /** Octet offset in the input (decode) or output (encode) where the problem was found; -1 if none. */
    readonly offset: number = -1,
  ) {
    super(code, offset >= 0 ? `${message} (at octet ${offset})` : message);
    this.name = 'WireError';
  }
}

export function isWireError(e: unknown): e is WireError {
  return e instanceof WireError;
}
