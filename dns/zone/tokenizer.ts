// Master-file lexer (RFC 1035 §5.1): splits text into entries (one logical
// line each; parentheses join physical lines), tokens separated by blanks,
// `;` comments, quoted strings. Escapes (`\X`, `\DDD`) are kept verbatim in
// the token text: what they mean depends on the field (a name keeps them, a
// character-string decodes them), so the RDATA parsers interpret them.

import { ZoneSyntaxError } from './errors.ts';

export interface Token {
  /** Raw text: for a quoted token the text between the quotes, escapes kept. */
  text: string;
  /** The whole token was one quoted string ("..."). */
  quoted: boolean;
  line: number;
  column: number;
}

export interface Entry {
  tokens: Token[];
  /** Line where the entry starts. */
  line: number;
  /** The physical line started with a blank: the owner is the previous one (RFC 1035 §5.1). */
  blankOwner: boolean;
}

/**
 * Tokenize a whole master file. Throws ZoneSyntaxError for an unterminated
 * quoted string or unbalanced parentheses.
 */
export function tokenize(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  let current: Entry | undefined;
  let parenDepth = 0;
  let parenLine = 0;
  let parenColumn = 0;
  let atLineStart = true;

  const startEntry = (blank: boolean): Entry => {
    const e: Entry = { tokens: [], line, blankOwner: blank };
    return e;
  };
  const finishEntry = (): void => {
    if (current && current.tokens.length > 0) entries.push(current);
    current = undefined;
  };

  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      i++;
      lineStart = i;
      if (parenDepth === 0) finishEntry();
      atLineStart = true;
      continue;
    }
    if (ch === '\r') {
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      if (atLineStart && parenDepth === 0 && !current) current = startEntry(true);
      atLineStart = false;
      i++;
      continue;
    }
    atLineStart = false;
    if (ch === ';') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (!current) current = startEntry(false);
    if (ch === '(') {
      if (parenDepth === 0) {
        parenLine = line;
        parenColumn = i - lineStart + 1;
      }
      parenDepth++;
      i++;
      continue;
    }
    if (ch === ')') {
      if (parenDepth === 0) {
        throw new ZoneSyntaxError(file, line, i - lineStart + 1, "found ')' without a matching '('");
      }
      parenDepth--;
      i++;
      continue;
    }
    const column = i - lineStart + 1;
    const tokenLine = line;
    if (ch === '"') {
      // A quoted string: blanks, ';' and parentheses are literal inside.
      const q = quotedBody(text, i + 1, () => new ZoneSyntaxError(file, tokenLine, column, UNTERMINATED));
      i = q.end;
      current.tokens.push({ text: q.body, quoted: true, line: tokenLine, column });
      continue;
    }
    // A bare token; a '"' inside it opens a quoted segment that stays part of
    // the token (SVCB `alpn="h2,h3"`, RFC 9460 §2.1).
    let s = '';
    while (i < n) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ';' || c === '(' || c === ')') break;
      if (c === '\\' && i + 1 < n && text[i + 1] !== '\n') {
        s += c + text[i + 1]!;
        i += 2;
        continue;
      }
      if (c === '"') {
        const q = quotedBody(text, i + 1, () => new ZoneSyntaxError(file, tokenLine, column, UNTERMINATED));
        s += `"${q.body}"`;
        i = q.end;
        continue;
      }
      s += c;
      i++;
    }
    current.tokens.push({ text: s, quoted: false, line: tokenLine, column });
  }
  if (parenDepth > 0) {
    throw new ZoneSyntaxError(file, parenLine, parenColumn, "'(' is never closed: expected ')' before the end of the file");
  }
  finishEntry();
  return entries;
}

const UNTERMINATED = "unterminated quoted string: expected a closing '\"' on the same line";

/**
 * The text of a quoted string from `start` (just after its opening '"') to its
 * closing '"', escapes kept raw; `end` is just after the closing quote. A
 * string may not span lines: `unterminated()` is thrown at a newline or EOF.
 */
function quotedBody(text: string, start: number, unterminated: () => Error): { body: string; end: number } {
  let body = '';
  let i = start;
  for (;;) {
    if (i >= text.length || text[i] === '\n') throw unterminated();
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length && text[i + 1] !== '\n') {
      body += c + text[i + 1]!;
      i += 2;
      continue;
    }
    if (c === '"') return { body, end: i + 1 };
    body += c;
    i++;
  }
}
