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
    const { values, positionals } = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
    return { values: values as Record<string, unknown>, positionals };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '');
    throw new StratlabError('CLI_USAGE', `${spec.name}: ${msg}`, { hint: `usage: ${spec.usage}` });
  }
}

export function helpText(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.summary];
  if (spec.details?.length) lines.push('', ...spec.details);
  return lines.join('\n');
}
