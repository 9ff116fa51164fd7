/** The flags that set a run query's limits (`--timeout`, `--memory-limit`, `--threads`, `--max-rows`), for query and result. */
import { defaultLimits, parseSize, type QueryLimits } from '../runs/limits';
import type { CommandSpec } from './args';
import { numberFlag, stringFlag, usageError } from './flags';

export const QUERY_LIMIT_FLAGS: CommandSpec['options'] = {
  timeout: { type: 'string' },
  'memory-limit': { type: 'string' },
  threads: { type: 'string' },
  'max-rows': { type: 'string' },
};

export function queryLimitHelp(): string[] {
  const d = defaultLimits();
  return [
    `  --timeout SECONDS  stop the query after this long (default ${d.timeoutMs / 1000})`,
    '  --memory-limit SIZE',
    `                     DuckDB's memory limit, e.g. 512MB or 2GB (default ${d.memoryLimit}: 2 GiB or half the memory, if less)`,
    `  --threads N        DuckDB threads (default ${d.threads})`,
    `  --max-rows N       refuse a result with more rows than this (default ${d.maxRows.toLocaleString('en-US')}); it is never cut short silently`,
  ];
}

/** Query limits from the flags, each checked here so the error names the flag. */
export function limitsFromFlags(values: Record<string, unknown>): QueryLimits {
  const limits: QueryLimits = {};
  const timeout = numberFlag('timeout', stringFlag(values, 'timeout'), (x) => x > 0, 'a number of seconds > 0');
  if (timeout !== undefined) limits.timeoutMs = timeout * 1000;
  const memory = stringFlag(values, 'memory-limit');
  if (memory !== undefined) {
    const bytes = parseSize(memory);
    if (bytes === null) throw usageError(`--memory-limit ${JSON.stringify(memory)} is not a size`, 'expected a size such as 512MB or 2GB');
    if (bytes < 16 * 1024 ** 2) throw usageError(`--memory-limit ${memory} is out of range: expected at least 16MB`);
    limits.memoryLimit = memory;
  }
  limits.threads = numberFlag('threads', stringFlag(values, 'threads'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
  limits.maxRows = numberFlag('max-rows', stringFlag(values, 'max-rows'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
  if (limits.threads === undefined) delete limits.threads;
  if (limits.maxRows === undefined) delete limits.maxRows;
  return limits;
}
