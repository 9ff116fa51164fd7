/**
 * `stratlab sweep --config FILE`: the config's grid over its symbols and timeframes, every result
 * committed to the tracker in batches. Ctrl-C (or SIGTERM) stops it cleanly: the chunks running
 * finish and are committed, nothing new starts, and the same command resumes where it stopped.
 */
import { runFromSweeps, type WrittenRun } from '../../runs/write';
import { StratlabError } from '../../core/errors';
import { countCombinations, sweep as buildSweep, type SweepResult } from '../../sweep';
import { maxCombinationsLimit } from '../../sweep/grid';
import { openTracker } from '../../tracker';
import type { CommandSpec } from '../args';
import { loadConfig, loadConfigData, trackerPathFor } from '../config';
import { numberFlag, stringFlag, usageError } from '../flags';
import { NOTEBOOK_FLAGS, NOTEBOOK_HELP, notebookAfterRun, notebookFlags, notebookJson, notebookLines, runsFlag } from '../run-flags';
import { configNameOf, DEFAULT_EQUITY_TOP, rawConfig } from './run';

/** The exit code of a run stopped by a signal (128 + SIGINT), as shells report Ctrl-C. */
export const INTERRUPTED_EXIT = 130;

export const sweepCommand: CommandSpec = {
  name: 'sweep',
  summary: 'Run a research config\'s parameter sweep, tracked in the experiments database (resumable; Ctrl-C stops cleanly).',
  usage: 'stratlab sweep --config FILE [--db PATH] [--workers N] [--max-combinations N] [--experiment ID] [--write-run [--runs DIR]] [--notebook [--kernel ts|python] [--execute] [--html] [--launch]] [--no-progress] [--json]',
  options: {
    config: { type: 'string' },
    db: { type: 'string' },
    workers: { type: 'string' },
    'max-combinations': { type: 'string' },
    experiment: { type: 'string' },
    'write-run': { type: 'boolean' },
    runs: { type: 'string' },
    ...NOTEBOOK_FLAGS,
    'no-progress': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    '  --config FILE      the research config (YAML or JSON): data, strategy, grid, where, settings, score, rules… (see configs/README.md)',
    '  --db PATH          the experiments database (default: the config\'s tracker, else $STRATLAB_DB, else ./research.db)',
    '  --workers N        worker threads, 0 runs in this thread (default: the config\'s workers, else the cores, at most 4)',
    '  --max-combinations N  refuse a grid of more combinations (after where, over every symbol and timeframe) than N',
    '                     (default: the config\'s maxCombinations, else $STRATLAB_MAX_COMBINATIONS, else 1,000,000); checked before any data loads',
    '  --experiment ID    the experiment id to record under (default: the config\'s experiment)',
    '  --write-run        also write a run directory (DIR/<config file name>/<run-id>/) with every strategy\'s traces and',
    `                     trades and the ${DEFAULT_EQUITY_TOP} best equity curves; every combination then runs again (nothing is resumed),`,
    '                     and those already in the database are not recorded twice',
    '  --runs DIR         where run directories go with --write-run (default ./runs)',
    ...NOTEBOOK_HELP,
    '                     (--notebook writes the run directory too)',
    '  --no-progress      no progress bar (it is drawn on stderr only when stderr is a terminal)',
    '  --json             the summary and the 10 best results as one JSON document',
    '  -h, --help         this help',
    '',
    'Combinations already in the database (same strategy, symbol, timeframe, parameters, period and costs) are',
    'not run again: rerun the same command after an interruption and it resumes. Two of the same command at once',
    '(same config and database) split the work: each claims chunks of the grid, and every result is stored once.',
    'Ctrl-C / SIGTERM: running chunks finish and are committed, then it exits 130; a second Ctrl-C quits at once.',
    '',
    'Example: stratlab sweep --config configs/sma-cross-goog.yaml',
    'Exit codes: 0 done; 1 the data did not load or the run failed; 2 a flag or the config is wrong; 130 interrupted.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'give the config with --config FILE');
    const file = stringFlag(values, 'config');
    if (!file) throw usageError('--config FILE is required', 'see stratlab sweep --help and configs/README.md');
    const workers = numberFlag('workers', stringFlag(values, 'workers'), (x) => Number.isInteger(x) && x >= 0, 'a whole number ≥ 0');
    const maxFlag = numberFlag('max-combinations', stringFlag(values, 'max-combinations'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
    const experimentFlag = stringFlag(values, 'experiment');
    if (experimentFlag !== undefined && experimentFlag.trim() === '') throw usageError('--experiment: expected an experiment id, got ""');

    const config = loadConfig(file);
    const experiment = experimentFlag ?? config.experiment;
    if (!experiment) throw config.error(['experiment'], 'required by stratlab sweep: the id to record results under, e.g. experiment: sma_goog_001 (or pass --experiment ID)');
    for (const plan of config.strategies) {
      if (!plan.grid) throw config.error([...plan.at, 'grid'], 'required by stratlab sweep: the values to try per parameter, e.g. grid: { fast: [5, 10, 20] }');
    }
    const dbPath = trackerPathFor(stringFlag(values, 'db'), config);
    const runsDir = runsFlag(values, 'opt-in');
    // Counted before any data loads: a grid too big for the limit is refused at once (exit 2).
    let maxCombinations = 0;
    try {
      maxCombinations = maxFlag ?? config.maxCombinations ?? maxCombinationsLimit();
      for (const plan of config.strategies) {
        countCombinations(plan.grid!, plan.where?.fn, maxCombinations, config.data.length * (config.timeframes?.length ?? 1));
      }
    } catch (e) {
      if (e instanceof StratlabError && e.code === 'BAD_ARGUMENT') throw usageError(`${file}: ${e.message}`, e.hint?.replace('.maxCombinations(n), ', ''));
      throw e;
    }
    const writeRun = runsDir !== null;
    const nbFlags = notebookFlags(values);

    const data = await loadConfigData(config.data);
    const tracker = openTracker(dbPath);
    for (const note of tracker.migrationNotes) io.err(`note: ${note}`);
    const abort = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) process.exit(INTERRUPTED_EXIT); // the committed batches are safe; the one in flight is dropped
      io.err(`\n${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping after the running chunks (Ctrl-C again to quit at once)`);
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // One tracked sweep per strategy of the config (strategies: [...]); with --write-run, one run of them all.
    const results: SweepResult[] = [];
    try {
      for (const plan of config.strategies) {
      let sw = buildSweep(data).strategy(plan.strategy).grid(plan.grid!).maxCombinations(maxCombinations);
      if (plan.where) sw = sw.where(plan.where.fn);
      if (config.timeframes) sw = sw.timeframes(config.timeframes);
      if (config.between) sw = sw.between(config.between.from, config.between.to);
      const n = workers ?? config.workers;
      if (n !== undefined) sw = sw.workers(n);
      if (config.score) sw = sw.score(config.score);
      if (config.rules) sw = sw.rules(config.rules);
      sw = sw.settings(config.settings);
      if (writeRun) sw = sw.capture({ traces: true, trades: true, equity: DEFAULT_EQUITY_TOP });
      const progress = !values['no-progress'] && process.stderr.isTTY ? 'bar' : 'none';
      const one = await sw.track(tracker, experiment).progress(progress).signal(abort.signal).run();
      results.push(one);
      if (one.interrupted) break;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      tracker.close();
    }

    const result = results.find((r) => r.interrupted) ?? results[0];
    const interrupted = results.some((r) => r.interrupted);
    let written: WrittenRun | null = null;
    if (writeRun && !interrupted) {
      written = await runFromSweeps(results, { runsDir: runsDir ?? undefined, configName: configNameOf(file), config: rawConfig(file), data: config.data.map((d) => data[d.symbol]), paths: config.data.map((d) => d.path) });
    }

    const nb = await notebookAfterRun(written?.dir ?? null, nbFlags, io, !!values.json);
    const top = results.flatMap((r) => r.toJSON().results as Record<string, unknown>[]).sort((a, b) => (b.score as number) - (a.score as number));
    if (values.json) {
      const { results: _results, ...summary } = result.toJSON();
      const each = results.length > 1 ? { strategies: results.map((r) => { const { results: _r, ...rest } = r.toJSON(); return rest; }) } : {};
      io.out(JSON.stringify({ tracker: dbPath, config: file, ...(written ? { runDir: written.dir, notebook: notebookJson(nb) } : {}), summary, ...each, top: top.filter((r) => r.status === 'ok').slice(0, 10) }, null, 2));
    } else {
      io.out(results.map((r) => r.toString()).join('\n\n'));
      if (!result.interrupted) {
        const db = stringFlag(values, 'db') !== undefined ? ` --db ${stringFlag(values, 'db')}` : '';
        if (written) io.out([`\nRun written to ${written.dir}`, ...notebookLines(nb)].join('\n'));
        io.out(`\nRecorded in ${dbPath} as ${experiment}. Next: stratlab top --config ${file}${db}; stratlab validate --top 5 --config ${file}${db}`);
      }
    }
    if (result.interrupted) {
      if (writeRun) io.err('interrupted: no run directory written (it would be incomplete)');
      io.err(`interrupted: ${result.ran.toLocaleString('en-US')} results committed to DB` +
        `${result.resumed ? ` (${result.resumed.toLocaleString('en-US')} were there already)` : ''}; rerun the same command to resume`);
      return INTERRUPTED_EXIT;
    }
    return 0;
  },
};
