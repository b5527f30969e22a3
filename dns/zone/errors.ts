// Errors raised while reading master files (RFC 1035 §5). Every one names the
// file, line and column and says what was expected, so an operator can fix
// the zone without reading our code (docs/ARCHITECTURE.md, "Bad input never crashes the lab").

import { DnslabError } from '../types.ts';

export class ZoneSyntaxError extends DnslabError {
  constructor(
    /** File name as given to the parser ("<text>" when parsing a string). */
    readonly file: string,
    /** 1-based line of the offending token. */
    readonly line: number,
    /** 1-based column of the offending token. */
    readonly column: number,
    /** What was wrong, without the location prefix. */
    readonly detail: string,
  ) {
    super('ZONE_SYNTAX', `${file}:${line}:${column}: ${detail}`);
    this.name = 'ZoneSyntaxError';
  }
}

/**
 * Raised by RDATA/field parsers that do not know where their text came from;
 * the master-file reader converts it into a ZoneSyntaxError at `tokenIndex`.
 */
export class RdataSyntaxError extends DnslabError {
  constructor(
    message: string,
    /** Index (into the fields handed to the parser) of the offending field, if known. */
    readonly tokenIndex?: number,
  ) {
    super('RDATA_SYNTAX', message);
    this.name = 'RdataSyntaxError';
  }
}
