// `dnslab exercise`: a scenario's exercise played live (lab/exercise/README.md). `dnslab exercise ID` starts
// it and runs until Ctrl-C; `dnslab exercise COMMAND … --dir DIR` talks to the running instance.

import { existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isLoopback } from '../../net/ip.ts';
import { LiveWorld } from '../exercise/live.ts';
import { ExerciseBusyError, listenControl, sendCommand, SOCKET_NAME } from '../exercise/control.ts';
import { COMMAND_HELP, Session } from '../exercise/session.ts';
import { ZoneFolder } from '../exercise/zones.ts';
import { findScenario, loadAllScenarios } from '../scenario/load.ts';
import { parseDuration } from '../scenario/duration.ts';
import { planScenario } from '../scenario/validate.ts';
import { EXIT_INPUT, InputError, integerOption, parseCommandLine, parseSeed, UsageError, type CliCommand } from './command.ts';

/** The words that are commands to a running exercise rather than a scenario to start. */
const COMMANDS = ['check', 'hint', 'task', 'status', 'ns', 'ds', 'lock', 'unlock', 'sign', 'unsign', 'transfer', 'flush', 'wait', 'help'];
const DEFAULT_DIR = 'dnslab-exercise';

const USAGE = `usage: dnslab exercise ID|FILE [options]        start an exercise (runs until Ctrl-C)
       dnslab exercise COMMAND [ARGS…] [--dir DIR]   talk to the exercise running in DIR

Start: the scenario's broken state goes live on loopback sockets (its servers,
resolvers and clients, each scenario address mapped to a loopback one, as
dnslab serve does); the zones you may edit are written to DIR/zones/*.zone and
reloaded on every save (a file that does not parse, or that a name server
would refuse, is reported with file:line and the last good version stays live).
The task is printed; type commands on stdin, or run them from another shell.

${COMMAND_HELP}

\`dnslab exercise check\` asks the fixed variant's claims of the live world now
(a claim about the scenario's history, such as an outage duration, is listed
as not checked live) and prints the next hint while some fail.

options (start):
  --dir DIR        working folder (default ./${DEFAULT_DIR}; created if missing)
  --base ADDR      first loopback address (default 127.54.0.1; must be 127.x.y.z)
  --port N         port of every server and resolver (default 53)
  --seed N         seed (DNSSEC keys): a non-negative integer (default 1)
  --lang en|ja     language of the task and hints (default en)
options (commands):
  --dir DIR        the working folder of the running exercise (default ./${DEFAULT_DIR})

exit status: start: 0 stopped with Ctrl-C, 2 unknown scenario, no exercise,
address in use. check: 0 every claim holds, 1 some fail, 2 no exercise running
in DIR or bad command. Other commands: 0 done, 1 refused by the registry, 2 bad
command or no exercise running.
`;

export const exerciseCommand: CliCommand = {
  name: 'exercise',
  summary: "play a scenario's exercise live: fix the broken world by editing zones and acting at the registrar",
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals } = parseCommandLine(
      argv,
      { dir: { type: 'string' }, base: { type: 'string' }, port: { type: 'string' }, seed: { type: 'string' }, lang: { type: 'string' } },
      64,
    );
    const dir = v.dir ?? DEFAULT_DIR;
    const first = positionals[0];
    if (first === undefined) throw new UsageError('expected a scenario ID or FILE to start, or a COMMAND for a running exercise');
    if (COMMANDS.includes(first)) {
      for (const flag of ['base', 'port', 'seed', 'lang'] as const) if (v[flag] !== undefined) throw new UsageError(`--${flag} is for starting an exercise`);
      const reply = await sendCommand(dir, positionals.join(' '));
      if (!reply) {
        io.stderr.write(
          `dnslab exercise: no exercise is running in ${dir} (no answer on ${join(dir, SOCKET_NAME)}; start one with dnslab exercise ID --dir ${dir})\n`,
        );
        return EXIT_INPUT;
      }
      if (reply.output) (reply.code === 2 ? io.stderr : io.stdout).write(`${reply.output}\n`);
      return reply.code;
    }
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}" (a command is one of ${COMMANDS.join(', ')})`);
    const base = v.base ?? '127.54.0.1';
    if (isIP(base) !== 4 || !isLoopback(base)) throw new UsageError(`--base ${base} must be an IPv4 loopback address (127.x.y.z)`);
    const port = v.port === undefined ? 53 : integerOption(v.port, '--port', 1, 65535);
    const seed = v.seed === undefined ? '1' : parseSeed(v.seed);
    const lang = v.lang ?? 'en';
    if (lang !== 'en' && lang !== 'ja') throw new UsageError(`--lang ${lang}: expected en or ja`);
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(`--dir ${dir} is not a directory`);

    const loaded = await findScenario(first);
    const exercise = loaded.scenario.exercise;
    if (!exercise) {
      const withOne = (await loadAllScenarios()).filter((l) => l.scenario.exercise).map((l) => l.scenario.id);
      throw new InputError(`${loaded.file}: scenario ${loaded.scenario.id} has no exercise (scenarios with one: ${withOne.join(', ') || 'none'})`);
    }
    const broken = planScenario(loaded.scenario, loaded.file, exercise.broken);
    const fixed = planScenario(loaded.scenario, loaded.file, exercise.fixed);
    mkdirSync(dir, { recursive: true });

    const live = new LiveWorld({ plan: broken, seed, base, port, onLog: (t) => io.stderr.write(`${t}\n`) });
    const folder = new ZoneFolder(dir, live.world, (t) => io.stdout.write(`${t}\n`));
    const session = new Session(live, folder, exercise, fixed, lang);
    let control: Awaited<ReturnType<typeof listenControl>> | undefined;
    try {
      control = await listenControl(dir, (line) => session.run(line));
      await live.start(parseDuration(exercise.start ?? '+0s') ?? 0);
      folder.start(exercise.zones);
    } catch (e) {
      folder.stop();
      control?.close();
      await live.stop();
      if (e instanceof ExerciseBusyError) throw new InputError(e.message);
      throw e;
    }
    const client = Object.entries(broken.topology.clients).find(([, c]) => c.resolver)?.[1];
    const resolverAddress = client?.resolver ? broken.topology.resolvers?.[client.resolver]?.addresses[0] : undefined;
    io.stdout.write(
      [
        `dnslab exercise: ${loaded.scenario.id} — ${session.text(loaded.scenario.title)}`,
        `broken state: variant ${broken.variant} as of T${live.offsetText()}; check: the claims of variant ${fixed.variant}`,
        '',
        session.text(exercise.task),
        '',
        `your zones (edit and save; reloaded at once):`,
        ...folder.paths().map((f) => `  ${f.path}`),
        ...(resolverAddress ? [`ask as the clients do: dig -p ${port} @${live.mapped(resolverAddress)} NAME TYPE`] : []),
        exercise.registrant ? `at the registrar you act as ${exercise.registrant}` : 'no registrar actions in this exercise',
        '',
        COMMAND_HELP,
        `(from another shell: dnslab exercise check --dir ${dir}) — Ctrl-C to stop`,
        '',
      ]
        .filter((l, i, all) => !(l === '' && all[i - 1] === ''))
        .join('\n'),
    );
    const input = io.stdin ? createInterface({ input: io.stdin, terminal: false }) : undefined;
    input?.on('line', (line) => {
      void session.run(line).then((r) => {
        if (r.output) (r.code === 2 ? io.stderr : io.stdout).write(`${r.output}\n`);
      });
    });
    try {
      await io.waitForInterrupt();
    } finally {
      input?.close();
      folder.stop();
      control.close();
      try {
        unlinkSync(join(dir, SOCKET_NAME));
      } catch {
        // already gone
      }
      await live.stop();
    }
    io.stdout.write('stopped\n');
    return 0;
  },
};
