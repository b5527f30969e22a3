// `dnslab zone check|print FILE`: read a master file with dns/zone, report
// syntax errors (file:line:column) and zone problems the way named-checkzone
// does, or print the records in dig/BIND presentation form.

import { UsageError, type CliCommand, type CliIO } from './command.ts';
import { checkRecords } from '../../dns/zone/check.ts';
import { loadZoneFile, readMasterFile, ZoneSyntaxError } from '../../dns/zone/master-file.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';

const usage = `usage: dnslab zone check FILE [--origin NAME]
       dnslab zone print FILE [--origin NAME]

  check   parse FILE and run the zone checks (SOA/NS at the apex, CNAME and
          other data, DNAME with descendants, missing glue, TTL differences …).
          Exit 0 when there are no errors (warnings allowed), 1 otherwise.
  print   parse FILE and print it back: $ORIGIN, then one record per line
          with absolute names (the form BIND and dig print).

  --origin NAME   the zone apex (default: the owner of the file's SOA)`;

export const zoneCommand: CliCommand = {
  name: 'zone',
  summary: 'check or print a zone file (master file syntax, zone checks)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const [action, ...rest] = argv;
    if (action !== 'check' && action !== 'print') throw new UsageError(`expected "check" or "print", found ${action === undefined ? 'nothing' : `"${action}"`}`);
    let file: string | undefined;
    let origin: string | undefined;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === '--origin') {
        origin = rest[++i];
        if (origin === undefined) throw new UsageError('--origin needs a domain name');
      } else if (a.startsWith('-')) {
        throw new UsageError(`unknown option ${a}`);
      } else if (file === undefined) {
        file = a;
      } else {
        throw new UsageError(`unexpected argument "${a}"`);
      }
    }
    if (file === undefined) throw new UsageError('a zone FILE is required');
    try {
      if (action === 'print') {
        io.stdout.write(writeMasterFile(loadZoneFile(file, origin)));
        return 0;
      }
      // Parse without building a Zone so out-of-zone data is reported with the rest.
      const read = readMasterFile(file, origin);
      const problems = checkRecords(read.origin, read.records);
      for (const p of problems) io.stdout.write(`${file}: ${p.severity} ${p.code}: ${p.message}\n`);
      const errors = problems.filter((p) => p.severity === 'error').length;
      io.stdout.write(`zone ${read.origin}: ${read.records.length} records, ${errors} errors, ${problems.length - errors} warnings\n`);
      return errors === 0 ? 0 : 1;
    } catch (e) {
      if (e instanceof ZoneSyntaxError) {
        io.stderr.write(`${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};
