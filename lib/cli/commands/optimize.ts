/**
 * `stratlab optimize --config FILE`: a TPE (or random, or grid) search over the config's
 * optimize.paramSpace on one symbol; prints the best parameters and the best trials.
 */
import { engine } from '../../engine';
import { optimize as runOptimize } from '../../optimize';
import { resolveStrategy as strategyClass } from '../../optimize/optimize';
import { runFromBacktest } from '../../runs/write';
import { NOTEBOOK_FLAGS, NOTEBOOK_HELP, notebookAfterRun, notebookFlags, notebookJson, notebookLines, runsFlag } from '../run-flags';
import { configNameOf, rawConfig } from './run';
import type { CommandSpec } from '../args';
import { chooseSymbol, loadConfig, loadConfigData, researchBars } from '../config';
import { numberFlag, stringFlag, usageError } from '../flags';

export const optimizeCommand: CommandSpec = {
  name: 'optimize',
  aliases: ['opt'],
  summary: 'Optimize a strategy\'s parameters on one symbol (TPE, random or grid search) per a research config\'s optimize section.',
  usage: 'stratlab optimize --config FILE [--symbol S] [--trials N] [--jobs N] [--runs DIR | --no-run] [--notebook [--kernel ts|python] [--execute] [--html] [--launch]] [--no-progress] [--json]',
  options: {
    runs: { type: 'string' },
    'no-run': { type: 'boolean' },
    ...NOTEBOOK_FLAGS,
    'no-progress': { type: 'boolean' },
    config: { type: 'string' },
    symbol: { type: 'string' },
    trials: { type: 'string' },
    jobs: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    '  --config FILE      the research config: data, between, timeframes (the first), strategy, where, settings and',
    '                     optimize: { paramSpace, fixedParams, metric, direction, nTrials, nJobs, sampler, seed, storage, timeoutSeconds }',
    '  --symbol S         the symbol of data to optimize on (default: optimize.symbol, else the first in data)',
    '  --trials N         trials in all, stored ones included (default: optimize.nTrials, else 100)',
    '  --jobs N           trials evaluated at once on worker threads (default: optimize.nJobs, else 1)',
    '  --runs DIR         where the run directory goes: DIR/<config file name>/<run-id>/ with the 10 best trials',
    '                     backtested again (traces, trades, equity; default ./runs)',
    '  --no-run           do not write a run directory',
    ...NOTEBOOK_HELP,
    '  --no-progress      no progress line (it is drawn on stderr only when stderr is a terminal)',
    '  --json             the result as JSON: best parameters and value, every trial, the convergence curve (plus runDir)',
    '  -h, --help         this help',
    '',
    'The config\'s rules (over the default rules, as in a sweep) disqualify trials: never best, listed as such.',
    'With optimize.storage set, trials are appended to that file as they finish; rerun to continue to --trials.',
    'Example: stratlab optimize --config configs/sma-cross-goog.yaml --trials 50   (alias: stratlab opt)',
    'Exit codes: 0 done; 1 the data did not load or the search failed; 2 a flag or the config is wrong.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'give the config with --config FILE');
    const file = stringFlag(values, 'config');
    if (!file) throw usageError('--config FILE is required', 'see stratlab optimize --help');
    const trials = numberFlag('trials', stringFlag(values, 'trials'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
    const jobs = numberFlag('jobs', stringFlag(values, 'jobs'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
    const runsDir = runsFlag(values, 'default');
    const nbFlags = notebookFlags(values);
    const config = loadConfig(file);
    const o = config.optimize;
    if (!o) throw config.error(['optimize'], 'required by stratlab optimize: e.g. optimize: { paramSpace: { fast: { min: 2, max: 50 } }, nTrials: 100 }');
    const spec = chooseSymbol(config, stringFlag(values, 'symbol'));

    const loaded = await loadConfigData([spec]);
    const bars = researchBars(config, loaded[spec.symbol]);
    const tty = process.stderr.isTTY && !values.json && !values['no-progress'];
    const res = await runOptimize({
      strategy: config.strategy, bars, paramSpace: o.paramSpace, fixedParams: o.fixedParams, where: config.where?.fn,
      metric: (o.metric ?? 'sharpe') as 'sharpe', direction: o.direction, nTrials: trials ?? o.nTrials, nJobs: jobs ?? o.nJobs,
      sampler: o.sampler, seed: o.seed, nStartup: o.nStartup, settings: config.settings, storage: o.storage, rules: config.rules ?? {},
      timeoutMs: o.timeoutSeconds === undefined ? undefined : o.timeoutSeconds * 1000,
      onProgress: tty ? (p) => process.stderr.write(`\roptimize: ${p.done}/${p.total} trials, best ${Number.isFinite(p.best) ? p.best.toPrecision(4) : '—'}\x1b[K`) : undefined,
    });
    if (tty) process.stderr.write('\n');
    // The run directory holds the best trials backtested again, so their traces, trades and equity can be read.
    const best = res.ranked().filter((t) => t.state === 'complete').slice(0, 10);
    const written = runsDir !== null && best.length > 0
      ? await runFromBacktest(best.map((t) => engine(bars).configure(config.settings ?? {}).strategy(strategyClass(config.strategy), { ...o.fixedParams, ...t.params }).run()), {
        runsDir, configName: configNameOf(file), kind: 'optimize', config: rawConfig(file), paths: [spec.path],
      })
      : null;
    const nb = await notebookAfterRun(written?.dir ?? null, nbFlags, io, !!values.json);
    if (values.json) io.out(JSON.stringify({ config: file, ...(written ? { runDir: written.dir, notebook: notebookJson(nb) } : {}), ...res.toJSON() }, null, 2));
    else io.out([`${res.toString()}\n\n(top 10 of ${res.trials.length} trials; --json lists every trial)${written ? `\nRun written to ${written.dir}` : ''}`, ...notebookLines(nb)].join('\n'));
    return 0;
  },
};
