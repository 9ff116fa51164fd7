/**
 * `stratlab query --run DIR --sql "…"`: one read-only SELECT over a run's files (views
 * strategy_index, traces, trades, equity), under time/memory/row limits, as a table or JSON. The
 * Python bridge calls this with --json.
 */
import { openRun, type QueryTable, type Run } from '../../runs/open';
import { textTable } from '../../viz/table';
import type { CliIO, CommandSpec } from '../args';
import { stringFlag, usageError } from '../flags';
import { limitsFromFlags, QUERY_LIMIT_FLAGS, queryLimitHelp } from '../query-flags';
import { READ_RUN_FLAGS, READ_RUN_HELP, runFlag } from '../run-flags';

export const queryCommand: CommandSpec = {
  name: 'query',
  summary: 'Read-only SQL (DuckDB) over a run directory: views strategy_index, traces, trades and equity.',
  usage: 'stratlab query --run DIR|latest [--runs DIR] --sql "SELECT …" [--timeout S] [--memory-limit SIZE] [--threads N] [--max-rows N] [--json]',
  options: {
    ...READ_RUN_FLAGS,
    sql: { type: 'string' },
    json: { type: 'boolean' },
    ...QUERY_LIMIT_FLAGS,
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    ...READ_RUN_HELP,
    '  --sql TEXT         one SELECT (also WITH … SELECT, FROM …, VALUES, DESCRIBE, SUMMARIZE; DuckDB SQL)',
    ...queryLimitHelp(),
    '  --json             { "columns": [{ "name", "type" }], "rows": [{ column: value }] }: numbers as numbers,',
    '                     timestamps as ISO text (UTC), NaN and infinities as null',
    '  -h, --help         this help',
    '',
    'The SQL sees only the run\'s files: it cannot write, attach databases, install or load extensions,',
    'change settings or read other files; anything but one SELECT is refused. The run\'s files are checked',
    'against the row counts and hashes run.json recorded, and a changed file is refused by name.',
    'Columns are those of lib/runs/format.ts (snake_case), e.g. traces: strategy_hash, ts, val, price, metadata.',
    '',
    'Example: stratlab query --run runs/sma-cross-goog/20260101-120000-a1b2c3 --sql "SELECT strategy_hash, count(*) AS n FROM traces GROUP BY 1"',
    'Exit codes: 0 printed; 1 the run is missing, damaged or changed, the SQL was refused, failed or hit a limit; 2 a flag is wrong.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'give the SQL with --sql "…" (quoted)');
    const dir = runFlag(values);
    const sql = stringFlag(values, 'sql');
    if (sql === undefined || sql.trim() === '') throw usageError('--sql TEXT is required', 'e.g. --sql "SELECT * FROM strategy_index LIMIT 5"');
    const run = await openRun(dir, limitsFromFlags(values));
    noteUnverified(run, io);
    try {
      printTable(await run.queryTable(sql), !!values.json, io);
    } finally {
      run.close();
    }
    return 0;
  },
};

/** A run written before run.json recorded its files' hashes: say so on stderr (stdout stays the result). */
export function noteUnverified(run: Run, io: CliIO): void {
  if (!run.verified && run.note) io.err(`note: ${run.note}`);
}

/** Rows as a text table, or { columns, rows } as JSON. */
export function printTable(t: QueryTable, json: boolean, io: CliIO): void {
  if (json) {
    io.out(JSON.stringify(t));
    return;
  }
  io.out(t.rows.length === 0 ? `(no rows; columns: ${t.columns.map((c) => c.name).join(', ')})` : `${textTable(t.rows, { columns: t.columns.map((c) => c.name) })}\n(${t.rows.length} row${t.rows.length === 1 ? '' : 's'})`);
}
