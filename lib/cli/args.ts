import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StratlabError } from '../core/errors';

export interface CommandSpec {
  name: string;
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
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '');
    throw new StratlabError('CLI_USAGE', `${spec.name}: ${msg}`, { hint: `usage: ${spec.usage}` });
  }
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
  const lines = [`usage: ${spec.usage}`, '', spec.summary];
  if (spec.details?.length) lines.push('', ...spec.details);
  return lines.join('\n');
}
