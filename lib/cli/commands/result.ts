/**
 * `stratlab result --run DIR`: what a run holds, without SQL: the strategy index, one strategy's
 * trades, equity or traces, or run.json. The Python bridge calls this with --json.
 */
import { openRun } from '../../runs/open';
import type { CommandSpec } from '../args';
import { choiceFlag, numberFlag, stringFlag, usageError } from '../flags';
import { limitsFromFlags, QUERY_LIMIT_FLAGS, queryLimitHelp } from '../query-flags';
import { READ_RUN_FLAGS, READ_RUN_HELP, runFlag } from '../run-flags';
import { noteUnverified, printTable } from './query';

const WHAT = ['index', 'trades', 'equity', 'traces', 'manifest'] as const;

export const resultCommand: CommandSpec = {
  name: 'result',
  summary: 'Show a run directory: its strategy index, a strategy\'s trades, equity or traces, or run.json.',
  usage: 'stratlab result --run DIR|latest [--runs DIR] [--what index|trades|equity|traces|manifest] [--strategy HASH] [--limit N] [--timeout S] [--memory-limit SIZE] [--threads N] [--max-rows N] [--json]',
  options: {
    ...READ_RUN_FLAGS,
    what: { type: 'string' },
    strategy: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    ...QUERY_LIMIT_FLAGS,
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    ...READ_RUN_HELP,
    '  --what WHAT        index (default: one row per strategy, best first), trades, equity, traces, or manifest (run.json)',
    '  --strategy HASH    only this strategy (its strategy_hash, or a unique prefix of 4+ digits); for index, its row',
    '  --limit N          at most N rows',
    ...queryLimitHelp(),
    '  --json             { "columns": [{ "name", "type" }], "rows": [...] } (manifest: run.json itself)',
    '  -h, --help         this help',
    '',
    'Example: stratlab result --run runs/sma-cross-goog/20260101-120000-a1b2c3 --what trades --strategy 3f2a',
    'A run whose files changed since it was written (run.json records their row counts and hashes) is refused.',
    'Exit codes: 0 printed; 1 the run is missing, damaged or changed, the strategy is not in it, or a limit was hit; 2 a flag is wrong.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const dir = runFlag(values);
    const what = choiceFlag('what', stringFlag(values, 'what'), WHAT) ?? 'index';
    const strategy = stringFlag(values, 'strategy');
    if (strategy !== undefined && !/^[0-9a-fA-F]{4,16}$/.test(strategy)) throw usageError(`--strategy ${JSON.stringify(strategy)}: expected a strategy hash (16 hex digits, or a unique prefix of 4 or more)`);
    const limit = numberFlag('limit', stringFlag(values, 'limit'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
    if (what === 'manifest' && (strategy !== undefined || limit !== undefined)) throw usageError('--what manifest takes no --strategy or --limit');

    const run = await openRun(dir, limitsFromFlags(values));
    noteUnverified(run, io);
    try {
      if (what === 'manifest') {
        io.out(JSON.stringify(run.manifest, null, 2));
        return 0;
      }
      const view = what === 'index' ? 'strategy_index' : what;
      const order = what === 'index' ? '' : what === 'trades' ? ' ORDER BY strategy_hash, exit_ts, entry_ts' : ' ORDER BY strategy_hash, ts';
      const where = strategy !== undefined ? ` WHERE strategy_hash = '${await run.resolve(strategy)}'` : '';
      const t = await run.queryTable(`SELECT * FROM ${view}${where}${order}${limit !== undefined ? ` LIMIT ${limit}` : ''}`);
      printTable(t, !!values.json, io);
    } finally {
      run.close();
    }
    return 0;
  },
};
