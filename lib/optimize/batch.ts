/**
 * backtestBatch (docs/optimization.md §3): many backtests at once — symbols × timeframes × explicit parameter sets —
 * on the sweep's worker pool, organised for comparison: a results matrix (one row per parameter set,
 * one column per symbol/timeframe), overall statistics and the top configurations.
 */
import { isBars, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { resample, slice } from '../data';
import { engine, type BacktestResult, type EngineOptions, type StrategyClass } from '../engine';
import { resolveStrategy } from './optimize';
import type { TimeLike } from '../data/slice';
import { mean, quantile } from '../metrics/distribution';
import { availableCores, sweep, type SweepResult, type SweepRow } from '../sweep';
import { displayHtml } from '../viz/display';
import { htmlTable, textTable, type Row } from '../viz/table';

export interface BatchOptions {
  strategy: StrategyClass | string;
  /** Bars, or { SYMBOL: Bars }; `symbols` picks some of them. */
  data: Bars | Record<string, Bars>;
  symbols?: string[];
  /** Resampled from each symbol's bars; default: their own timeframe. */
  timeframes?: string[];
  /** Each set completed with the strategy's defaults. */
  paramSets: Record<string, unknown>[];
  /** Worker threads (default: 4, at most the cores); 0 runs in this thread. */
  concurrency?: number;
  settings?: EngineOptions;
  from?: TimeLike;
  to?: TimeLike;
  /** The metric the matrix and the ranking use (default 'sharpe'). */
  metric?: 'sharpe' | 'returnPct' | 'sortino' | 'calmar' | 'profitFactor' | 'maxDrawdown' | 'winRate';
}

export interface BatchResult {
  metric: string;
  /** Every run, in parameter-set order, then symbol, then timeframe. */
  results: SweepRow[];
  /** Column labels 'SYMBOL timeframe'. */
  columns: string[];
  /** matrix[i][j]: the metric of parameter set i on column j (NaN when it failed). */
  matrix: number[][];
  overall: { runs: number; failed: number; meanReturnPct: number; medianSharpe: number; positiveShare: number; bestSharpe: number };
  /** Parameter sets ranked by their mean metric across columns. */
  top: { params: Record<string, unknown>; mean: number; positiveColumns: number }[];
  elapsedMs: number;
  sweep: SweepResult;
  /** One parameter set backtested again, in this thread, on one column ('SYMBOL timeframe'): trades, equity, everything. */
  result(params: Record<string, unknown>, column: string): BacktestResult;
  toString(): string;
  display(): void;
}

export async function backtestBatch(opts: BatchOptions): Promise<BatchResult> {
  if (!opts || !Array.isArray(opts.paramSets) || opts.paramSets.length === 0) {
    throw new StratlabError('BAD_ARGUMENT', 'backtestBatch: paramSets: expected a non-empty list of parameter objects');
  }
  let data = opts.data;
  if (opts.symbols) {
    if (!data || typeof data !== 'object' || 'close' in data) throw new StratlabError('BAD_ARGUMENT', 'backtestBatch: symbols needs data as { SYMBOL: Bars }');
    const all = data as Record<string, Bars>;
    const missing = opts.symbols.filter((s) => !all[s]);
    if (missing.length) throw new StratlabError('BAD_ARGUMENT', `backtestBatch: no data for ${missing.join(', ')}`, { hint: `data has ${Object.keys(all).join(', ')}` });
    data = Object.fromEntries(opts.symbols.map((s) => [s, all[s]]));
  }
  const metric = opts.metric ?? 'sharpe';
  let sw = sweep(data).strategy(opts.strategy).paramSets(opts.paramSets).workers(opts.concurrency ?? Math.min(4, availableCores())).progress('none');
  if (opts.timeframes) sw = sw.timeframes(opts.timeframes);
  if (opts.settings) sw = sw.settings(opts.settings);
  if (opts.from !== undefined || opts.to !== undefined) sw = sw.between(opts.from, opts.to);
  const res = await sw.run();

  const key = (p: Record<string, unknown>) => JSON.stringify(p);
  const sets = [...new Map(res.results.map((r) => [key(r.params), r.params])).values()];
  const columns = res.datasets.map((d) => `${d.symbol} ${d.timeframe}`);
  const byCell = new Map(res.results.map((r) => [`${key(r.params)}|${r.symbol} ${r.timeframe}`, r]));
  const value = (r: SweepRow | undefined) => (r && r.status === 'ok' ? (r.metrics[metric] as number) : NaN);
  const matrix = sets.map((p) => columns.map((c) => value(byCell.get(`${key(p)}|${c}`))));
  const ordered = sets.flatMap((p) => columns.map((c) => byCell.get(`${key(p)}|${c}`)).filter((r): r is SweepRow => r !== undefined));
  const ok = ordered.filter((r) => r.status === 'ok');
  const sharpes = ok.map((r) => r.metrics.sharpe).filter(Number.isFinite);
  const top = sets
    .map((p, i) => {
      const row = matrix[i].filter(Number.isFinite);
      return { params: p, mean: row.length ? mean(row) : NaN, positiveColumns: row.filter((v) => v > 0).length };
    })
    .sort((a, b) => (Number.isFinite(b.mean) ? b.mean : -Infinity) - (Number.isFinite(a.mean) ? a.mean : -Infinity));
  const overall = {
    runs: ordered.length,
    failed: ordered.length - ok.length,
    meanReturnPct: ok.length ? mean(ok.map((r) => r.metrics.returnPct)) : NaN,
    medianSharpe: sharpes.length ? quantile(sharpes, 0.5) : NaN,
    positiveShare: ok.length ? ok.filter((r) => r.metrics.returnPct > 0).length / ok.length : NaN,
    bestSharpe: sharpes.length ? Math.max(...sharpes) : NaN,
  };
  const tableRows = (): Row[] => sets.map((p, i) => ({ params: JSON.stringify(p), ...Object.fromEntries(columns.map((c, j) => [c, round(matrix[i][j])])) }));
  const text = () => `backtestBatch ${res.strategy}: ${overall.runs} runs (${overall.failed} failed) in ${(res.elapsedMs / 1000).toFixed(2)} s; ` +
    `median Sharpe ${round(overall.medianSharpe)}, ${Math.round(overall.positiveShare * 100)}% positive\n${metric} by parameter set × market:\n${textTable(tableRows())}`;
  return {
    metric, results: ordered, columns, matrix, overall, top, elapsedMs: res.elapsedMs, sweep: res,
    result: (params, column) => {
      const [symbol, timeframe] = column.split(' ');
      const all: Record<string, Bars> = isBars(data) ? { [data.symbol]: data } : (data as Record<string, Bars>);
      const source = Object.values(all).find((b) => b.symbol === symbol) ?? all[symbol];
      if (!source || !columns.includes(column)) {
        throw new StratlabError('BAD_ARGUMENT', `backtestBatch result(): no column '${column}'`, { hint: `columns are: ${columns.join(', ')}`, location: { field: 'column' } });
      }
      // As the sweep prepared it: the period first, then the timeframe.
      const window = opts.from !== undefined || opts.to !== undefined ? slice(source, opts.from, opts.to) : source;
      const bars = timeframe === window.timeframe ? window : resample(window, timeframe);
      return engine(bars).configure(opts.settings ?? {}).strategy(resolveStrategy(opts.strategy), params).run();
    },
    toString: text,
    display: () => {
      if (!displayHtml(htmlTable(tableRows(), { caption: `${res.strategy}: ${metric} by parameter set × market` }), text())) console.log(text());
    },
  };
}

function round(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : v;
}
