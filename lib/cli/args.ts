import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StratlabError } from '../core/errors';
import { nearest } from '../data/options';

export interface CommandSpec {
  name: string;
  /** Short names the command also answers to (`bt` for backtest), shown in --help. */
  aliases?: string[];
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Lines shown under the usage by --help. */
  details?: string[];
  run(values: Record<string, unknown>, positionals: string[], io: CliIO): Promise<number>;
}

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

/** Parse a command's flags; unknown or malformed flags become one-line CLI_USAGE errors. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: attachNegativeNumbers(spec, argv), options: spec.options, allowPositionals: true, strict: true });
    return { values: values as Record<string, unknown>, positionals };
  } catch (e) {
    // The CLI prefixes `stratlab <command>: ` itself; the message is only what went wrong.
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '');
    const unknown = /^Unknown option '(--?[^']+)'/.exec(msg)?.[1];
    const better = unknown ? unknownFlagHint(spec, unknown) : undefined;
    throw new StratlabError('CLI_USAGE', better ? `${msg}. ${better}` : msg, { hint: `usage: ${spec.usage}` });
  }
}

/**
 * The one CLI grammar, for flags spelt the old way: `--run DIR|latest` names a run to read, `--runs DIR`
 * is the folder runs are written to, `--no-run` skips writing one, `--write-run` asks a sweep for one.
 */
const RENAMED: Record<string, (spec: CommandSpec) => string | undefined> = {
  '--run': (spec) => spec.options['write-run'] ? 'Did you mean --write-run? (--run DIR names a run to read, as in stratlab query --run latest)'
    : spec.options['no-run'] || spec.options.runs ? `${spec.name} writes its run directory by itself: --runs DIR says where${spec.options['no-run'] ? ', --no-run skips it' : ''} (--run DIR names a run to read, as in stratlab query --run latest)`
      : undefined,
  '--run-dir': (spec) => spec.options.runs ? 'Did you mean --runs DIR? (the folder run directories are written to)' : spec.options.run ? 'Did you mean --run DIR?' : undefined,
};

function unknownFlagHint(spec: CommandSpec, flag: string): string | undefined {
  const renamed = RENAMED[flag]?.(spec);
  if (renamed) return renamed;
  const names = Object.keys(spec.options).map((o) => `--${o}`);
  const near = nearest(flag, names);
  return near ? `Did you mean ${near}?` : undefined;
}

/**
 * `--cash -5` reads as `--cash=-5`: parseArgs refuses a value that starts with a dash as ambiguous,
 * but a negative number after a flag that takes a value can only be that value.
 */
function attachNegativeNumbers(spec: CommandSpec, argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], next = argv[i + 1];
    if (/^--[^=]+$/.test(a) && spec.options[a.slice(2)]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
    if (a === '--') { out.push(...argv.slice(i + 1)); break; }
  }
  return out;
}

export function helpText(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, ...(spec.aliases?.length ? [`alias: stratlab ${spec.aliases.join(', stratlab ')}`] : []), '', spec.summary];
  if (spec.details?.length) lines.push('', ...spec.details);
  return lines.join('\n');
}
