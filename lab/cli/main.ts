// dnslab command line. Subcommands are added by the issues that build them.
process.stderr.write('dnslab: no commands yet\n');
process.exitCode = 2;
