import { StratlabError } from '../core/errors';
import { helpText, parseCommandArgs, type CliIO, type CommandSpec } from './args';
import { backtest } from './commands/backtest';
import { bridgeServe } from './commands/bridge';
import { dataInspect } from './commands/data-inspect';
import { demo } from './commands/demo';
import { notebookExecute } from './commands/notebook-execute';
import { notebookGenerate } from './commands/notebook-generate';
import { optimizeCommand } from './commands/optimize';
import { patternsDiscover, patternsList, patternsTest } from './commands/patterns';
import { queryCommand } from './commands/query';
import { resultCommand } from './commands/result';
import { runCommand } from './commands/run';
import { runsCommand } from './commands/runs';
import { sweepCommand } from './commands/sweep';
import { top } from './commands/top';
import { validate } from './commands/validate';
import { walkForwardCommand } from './commands/walk-forward';

/** Commands by their words; two-word commands ('data inspect') are looked up first. */
const COMMANDS: CommandSpec[] = [dataInspect, backtest, sweepCommand, runCommand, runsCommand, queryCommand, resultCommand, patternsList, patternsTest, patternsDiscover, top, validate, optimizeCommand, walkForwardCommand, notebookGenerate, notebookExecute, bridgeServe, demo];

function version(): string {
  return (require('../../package.json') as { version: string }).version;
}

/** `backtest (bt)`: a command's name with its aliases, as --help lists it. */
const label = (c: CommandSpec) => (c.aliases?.length ? `${c.name} (${c.aliases.join(', ')})` : c.name);

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => label(c).length));
  return [
    `stratlab ${version()} — trading-strategy research toolkit`,
    '',
    'usage: stratlab COMMAND [options]   (every command takes --help and --json)',
    '',
    ...COMMANDS.map((c) => `  ${label(c).padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

const stdio: CliIO = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
};

function findCommand(argv: string[]): { spec: CommandSpec; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const spec = COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
    if (spec) return { spec, rest: argv.slice(words) };
  }
  return undefined;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 failure with a one-line error, 2 usage error. */
export async function runCli(argv: string[], io: CliIO = stdio): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(overview());
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(version());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(argv[0] + ' ')).map((c) => c.name);
    const hint = group.length ? `did you mean: ${group.join(', ')}?` : 'see `stratlab --help`';
    const words = group.length && argv[1] && !argv[1].startsWith('-') ? argv.slice(0, 2) : argv.slice(0, 1);
    io.err(`stratlab: unknown command "${words.join(' ')}" (${hint})`);
    return 2;
  }
  const { spec, rest } = found;
  try {
    const { values, positionals } = parseCommandArgs(spec, rest);
    if (values.help) {
      io.out(helpText(spec));
      return 0;
    }
    return await spec.run(values, positionals, io);
  } catch (e) {
    if (e instanceof StratlabError) {
      io.err(`stratlab ${spec.name}: ${e.oneLine()}`);
      return e.code === 'CLI_USAGE' ? 2 : 1;
    }
    io.err(`stratlab ${spec.name}: internal error: ${(e as Error)?.message ?? e}`);
    if (process.env.STRATLAB_DEBUG) io.err(String((e as Error)?.stack));
    return 70;
  }
}

export async function main(argv: string[]): Promise<void> {
  const code = await runCli(argv);
  // Let stdout drain before leaving; a piped `--json` must arrive whole.
  process.stdout.write('', () => process.exit(code));
}
