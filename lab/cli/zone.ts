// `dnslab zone check|print FILE`: read a master file with dns/zone, report
// syntax errors (file:line:column) and zone problems the way named-checkzone
// does, or print the records in dig/BIND presentation form.

import { EXIT_FINDINGS, EXIT_OK, InputError, parseCommandLine, UsageError, type CliCommand, type CliIO } from './command.ts';
import { checkRecords, formatProblem } from '../../dns/zone/check.ts';
import { loadZoneFile, readMasterFile, ZoneSyntaxError } from '../../dns/zone/master-file.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';

const usage = `usage: dnslab zone check FILE [--origin NAME]
       dnslab zone print FILE [--origin NAME]

  check   parse FILE and run the zone checks (SOA/NS at the apex, CNAME and
          other data, DNAME with descendants, missing glue, TTL differences …).
          Every error is reported in one run, in line order (syntax errors
          FILE:LINE:COLUMN, record problems FILE:LINE), then the zone-wide ones.
  print   parse FILE and print it back: $ORIGIN, then one record per line
          with absolute names (the form BIND and dig print).

  --origin NAME   the zone apex (default: the owner of the file's SOA)

exit status: check: 0 no errors (warnings allowed), 1 errors found;
             2 (both) bad option or unreadable file; print: 2 for a syntax error too.`;

export const zoneCommand: CliCommand = {
  name: 'zone',
  summary: 'check or print a zone file (master file syntax, zone checks)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const [action, ...rest] = argv;
    if (action !== 'check' && action !== 'print')
      throw new UsageError(`expected "check" or "print", found ${action === undefined ? 'nothing' : `"${action}"`}`);
    const { values, positionals } = parseCommandLine(rest, { origin: { type: 'string' } }, 1);
    const file = positionals[0];
    const origin = values.origin;
    if (file === undefined) throw new UsageError('a zone FILE is required');
    if (action === 'print') {
      io.stdout.write(writeMasterFile(loadZoneFile(file, origin)));
      return EXIT_OK;
    }
    const syntax: ZoneSyntaxError[] = [];
    let read;
    try {
      // Parse without building a Zone so out-of-zone data is reported with the rest.
      read = readMasterFile(file, origin, syntax);
    } catch (e) {
      // An unreadable file is an input error (exit 2); a file with no SOA to take the origin from is a finding.
      if (e instanceof ZoneSyntaxError && e.line === 0) throw new InputError(`${e.file}: ${e.detail}`);
      if (!(e instanceof ZoneSyntaxError)) throw e;
      syntax.push(e);
    }
    const problems = read ? checkRecords(read.origin, read.records) : [];
    // One list in line order: syntax errors and the problems of single records by file position, zone-wide problems last.
    const lines = [
      ...syntax.map((e) => ({ file: e.file, line: e.line, column: e.column, text: `${e.file}:${e.line}:${e.column}: error SYNTAX: ${e.detail}` })),
      ...problems.map((p) => ({ file: p.source?.file ?? file, line: p.source?.line ?? Infinity, column: 0, text: formatProblem(file, p) })),
    ];
    const fileRank = new Map<string, number>();
    for (const l of lines) if (!fileRank.has(l.file)) fileRank.set(l.file, l.file === file ? 0 : fileRank.size + 1);
    lines.sort((a, b) =>
      (a.line === Infinity) !== (b.line === Infinity)
        ? a.line === Infinity
          ? 1
          : -1
        : fileRank.get(a.file)! - fileRank.get(b.file)! || a.line - b.line || a.column - b.column,
    );
    for (const l of lines) io.stdout.write(`${l.text}\n`);
    const errors = syntax.length + problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - problems.filter((p) => p.severity === 'error').length;
    io.stdout.write(`zone ${read ? read.origin : file}: ${read ? read.records.length : 0} records, ${errors} errors, ${warnings} warnings\n`);
    return errors === 0 ? EXIT_OK : EXIT_FINDINGS;
  },
};
