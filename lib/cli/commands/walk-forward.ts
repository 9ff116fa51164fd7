/**
 * `stratlab walk-forward --config FILE`: walk-forward optimization — optimize on each in-sample window,
 * trade the winner on the out-of-sample period after it — per the config's walkForward section (the
 * search space, metric and sampler come from it or from the optimize section).
 */
import { canonicalJson } from '../../core/hash';
import { formatTime } from '../../data';
import { engine, type BacktestMetrics } from '../../engine';
import { walkForwardOptimize, type PeriodResult, type WalkForwardResult } from '../../optimize';
import { resolveStrategy as strategyClass } from '../../optimize/optimize';
import { runFromBacktest } from '../../runs/write';
import { NOTEBOOK_FLAGS, NOTEBOOK_HELP, notebookAfterRun, notebookFlags, notebookJson, notebookLines, runsFlag } from '../run-flags';
import { configNameOf, rawConfig } from './run';
import type { CommandSpec } from '../args';
import { chooseSymbol, loadConfig, loadConfigData, researchBars } from '../config';
import { numberFlag, stringFlag, usageError } from '../flags';

export const walkForwardCommand: CommandSpec = {
  name: 'walk-forward',
  aliases: ['wf'],
  summary: 'Walk-forward optimization on one symbol: optimize in sample, trade out of sample, window after window.',
  usage: 'stratlab walk-forward --config FILE [--symbol S] [--trials N] [--runs DIR | --no-run] [--notebook [--kernel ts|python] [--execute] [--html] [--launch]] [--no-progress] [--json]',
  options: {
    runs: { type: 'string' },
    'no-run': { type: 'boolean' },
    ...NOTEBOOK_FLAGS,
    'no-progress': { type: 'boolean' },
    config: { type: 'string' },
    symbol: { type: 'string' },
    trials: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    '  --config FILE      the research config: data, between, strategy, where, settings, walkForward: { inSampleDays,',
    '                     outSampleDays, stepDays, nTrials, paramSpace } (paramSpace, metric, sampler, seed: else from optimize)',
    '  --symbol S         the symbol of data (default: optimize.symbol, else the first in data)',
    '  --trials N         trials per window (default: walkForward.nTrials, else 50)',
    '  --runs DIR         where the run directory goes: DIR/<config file name>/<run-id>/ with each window\'s winning',
    '                     parameters backtested again over the whole data (traces, trades, equity; default ./runs)',
    '  --no-run           do not write a run directory',
    ...NOTEBOOK_HELP,
    '  --no-progress      no progress line (it is drawn on stderr only when stderr is a terminal)',
    '  --json             windows (parameters, in/out-of-sample metrics and equity curves), summary, significance',
    '                     and the stitched out-of-sample equity as JSON (plus runDir)',
    '  -h, --help         this help',
    '',
    'The config\'s rules (over the default rules, as in a sweep) disqualify in-sample trials; a window whose every',
    'trial breaks them is skipped, with the reason.',
    'Out-of-sample runs warm up on the bars before them: indicators see history, trades stay inside the window.',
    'Example: stratlab walk-forward --config configs/sma-cross-goog.yaml   (alias: stratlab wf)',
    'Exit codes: 0 done; 1 the data did not load or no window could be evaluated; 2 a flag or the config is wrong.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'give the config with --config FILE');
    const file = stringFlag(values, 'config');
    if (!file) throw usageError('--config FILE is required', 'see stratlab walk-forward --help');
    const trials = numberFlag('trials', stringFlag(values, 'trials'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
    const runsDir = runsFlag(values, 'default');
    const nbFlags = notebookFlags(values);
    const config = loadConfig(file);
    const w = config.walkForward;
    if (!w) throw config.error(['walkForward'], 'required by stratlab walk-forward: e.g. walkForward: { inSampleDays: 730, outSampleDays: 180, stepDays: 180, nTrials: 30 }');
    const space = w.paramSpace ?? config.optimize?.paramSpace;
    if (!space) throw config.error(['walkForward', 'paramSpace'], 'required: the space to search in each window (here, or as optimize.paramSpace)');
    const o = config.optimize;
    const spec = chooseSymbol(config, stringFlag(values, 'symbol'));

    const loaded = await loadConfigData([spec]);
    const bars = researchBars(config, loaded[spec.symbol]);
    const tty = process.stderr.isTTY && !values.json && !values['no-progress'];
    const res = await walkForwardOptimize({
      strategy: config.strategy, bars, paramSpace: space, fixedParams: o?.fixedParams, where: config.where?.fn,
      metric: (o?.metric ?? 'sharpe') as 'sharpe', direction: o?.direction, sampler: o?.sampler, seed: o?.seed, nStartup: o?.nStartup,
      settings: config.settings, rules: config.rules ?? {}, nTrials: trials ?? w.nTrials, inSampleDays: w.inSampleDays, outSampleDays: w.outSampleDays, stepDays: w.stepDays,
      onProgress: tty ? (p) => process.stderr.write(`\rwalk-forward: window ${p.windowsDone + 1}/${p.windows}, trial ${p.trialsDone}/${p.trialsPerWindow}\x1b[K`) : undefined,
    });
    if (tty) process.stderr.write('\n');
    // The run holds each distinct window winner backtested over the whole data, so its traces and trades can be read.
    const winners = [...new Map(res.windows.map((x) => [canonicalJson(x.params), x.params])).values()];
    const written = runsDir !== null && winners.length > 0
      ? await runFromBacktest(winners.map((p) => engine(bars).configure(config.settings ?? {}).strategy(strategyClass(config.strategy), { ...o?.fixedParams, ...p }).run()), {
        runsDir, configName: configNameOf(file), kind: 'optimize', config: rawConfig(file), paths: [spec.path],
      })
      : null;
    const nb = await notebookAfterRun(written?.dir ?? null, nbFlags, io, !!values.json);
    if (values.json) io.out(JSON.stringify({ config: file, ...(written ? { runDir: written.dir, notebook: notebookJson(nb) } : {}), ...walkForwardJson(res) }, null, 2));
    else io.out([res.toString(), ...(written ? [`Run written to ${written.dir}`] : []), ...notebookLines(nb)].join('\n'));
    return 0;
  },
};

const num = (x: number) => (Number.isFinite(x) ? x : null);
const iso = (ms: number) => new Date(ms).toISOString();

function period(p: PeriodResult) {
  const m: BacktestMetrics = p.metrics;
  return {
    from: iso(p.from), to: iso(p.to), bars: p.bars,
    returnPct: num(m.returnPct), annualisedReturn: num(m.annualisedReturn), sharpe: num(m.sharpe), maxDrawdown: num(m.maxDrawdown), totalTrades: m.totalTrades,
    tradesPerYear: num(m.tradesPerYear),
    equity: Array.from(p.equity.time, (t, i) => ({ time: formatTime(t), equity: p.equity.equity[i] })),
  };
}

/** The result as camelCase JSON (ISO times, non-finite numbers as null). */
export function walkForwardJson(r: WalkForwardResult): Record<string, unknown> {
  const s = r.summary, g = r.significance;
  return {
    strategy: r.strategy, symbol: r.symbol, metric: r.metric, elapsedMs: r.elapsedMs, warmup: r.warmup,
    summary: {
      windows: s.windows, meanInSampleSharpe: num(s.meanInSampleSharpe), meanOutSampleSharpe: num(s.meanOutSampleSharpe),
      efficiency: num(s.efficiency), positiveShare: num(s.positiveShare), stitchedReturnPct: num(s.stitchedReturnPct),
    },
    significance: { test: g.test, tStat: num(g.tStat), pValue: num(g.pValue), n: g.n, meanReturnPct: num(g.meanReturnPct) },
    windows: r.windows.map((w) => ({
      index: w.index, params: w.params, inSampleValue: num(w.inSampleValue),
      inSample: period(w.inSample), outSample: period(w.outSample),
      degradation: { annualisedReturn: num(w.degradation.annualisedReturn), sharpe: num(w.degradation.sharpe) },
      counted: { from: iso(w.counted.from), to: iso(w.counted.to), returnPct: num(w.counted.returnPct) },
    })),
    skipped: r.skipped,
    stitchedEquity: Array.from(r.stitchedEquity.time, (t, i) => ({ time: formatTime(t), equity: r.stitchedEquity.equity[i] })),
  };
}
