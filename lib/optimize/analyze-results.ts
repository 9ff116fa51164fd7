/**
 * analyzeResults: result chaining (docs/optimization.md §4.2) — `backtest → optimize({ initialResult }) → analyzeResults`.
 * It takes what any of the research calls returns and analyses the backtests inside it (analyze.ts):
 *
 *   analyzeResults(res)            a BacktestResult: trades, drawdowns, returns (+ risk, benchmark, Monte Carlo)
 *   analyzeResults(opt)            optimize(): the best parameters backtested again, the search, the improvement
 *                                  over the initial result when there was one
 *   analyzeResults(wf)             walkForwardOptimize(): each window's out-of-sample run, and the stitched curve
 *   analyzeResults(batch)          backtestBatch(): the top parameter set on every column, backtested again
 *
 * Every answer is plain JSON-able data (numbers, strings, null), `kind` saying which it is.
 */
import { StratlabError } from '../core/errors';
import { BacktestResult, type BacktestMetrics } from '../engine';
import { analyzeBacktest, barReturns, fin, iso, returnDistribution, type AdvancedAnalysis, type AnalysisDepth, type AnalyzeOptions, type BasicAnalysis, type DeepAnalysis, type ReturnDistribution } from './analyze';
import type { BatchResult } from './batch';
import { OptimizeResult } from './optimize-result';
import type { Params } from './space';
import { WalkForwardResult } from './walk-forward';

export type BacktestAnalysis = BasicAnalysis | AdvancedAnalysis | DeepAnalysis;

/** The headline metrics of a period, non-finite ones as null. */
export type MetricsSummary = Record<'returnPct' | 'annualisedReturn' | 'sharpe' | 'maxDrawdown' | 'totalTrades' | 'tradesPerYear' | 'winRate' | 'profitFactor', number | null>;

export interface OptimizeAnalysis {
  kind: 'optimize';
  strategy: string;
  symbol: string;
  metric: string;
  direction: string;
  trials: { total: number; failed: number; disqualified: number };
  bestParams: Record<string, unknown> | null;
  bestValue: number | null;
  /** The initialResult's parameters and their value in this study; null without one. */
  initial: { params: Params; value: number | null; state: string | null } | null;
  /** Best value minus the initial one, in the study's direction (≥ 0); null without an initial result. */
  improvement: number | null;
  /** The analysis of the best parameters' backtest; null when no trial qualified. */
  best: BacktestAnalysis | null;
}

export interface WalkForwardAnalysis {
  kind: 'walkForward';
  strategy: string;
  symbol: string;
  metric: string;
  windows: { index: number; params: Record<string, unknown>; inSample: MetricsSummary; outSample: BacktestAnalysis }[];
  /** The stitched out-of-sample equity: its bar returns and its deepest drawdown (percent, ≤ 0). */
  stitched: { start: string; end: string; bars: number; returnPct: number | null; maxDrawdown: number | null; returns: ReturnDistribution };
  skipped: { index: number; reason: string }[];
}

export interface BatchAnalysis {
  kind: 'batch';
  metric: string;
  columns: string[];
  overall: Record<string, number | null>;
  /** The top parameter sets by mean metric across columns (up to five). */
  top: { params: Record<string, unknown>; mean: number | null; positiveColumns: number }[];
  /** The best parameter set, backtested again on every column and analysed; null when every run failed. */
  best: { params: Record<string, unknown>; columns: Record<string, BacktestAnalysis> } | null;
}

export type AnalyzableResult = BacktestResult | OptimizeResult | WalkForwardResult | BatchResult;

export function analyzeResults(result: BacktestResult, depth?: 'basic', opts?: AnalyzeOptions): BasicAnalysis;
export function analyzeResults(result: BacktestResult, depth: 'advanced', opts?: AnalyzeOptions): AdvancedAnalysis;
export function analyzeResults(result: BacktestResult, depth: 'deep', opts?: AnalyzeOptions): DeepAnalysis;
export function analyzeResults(result: BacktestResult, depth?: AnalysisDepth, opts?: AnalyzeOptions): BacktestAnalysis;
export function analyzeResults(result: OptimizeResult, depth?: AnalysisDepth, opts?: AnalyzeOptions): OptimizeAnalysis;
export function analyzeResults(result: WalkForwardResult, depth?: AnalysisDepth, opts?: AnalyzeOptions): WalkForwardAnalysis;
export function analyzeResults(result: BatchResult, depth?: AnalysisDepth, opts?: AnalyzeOptions): BatchAnalysis;
export function analyzeResults(result: AnalyzableResult, depth?: AnalysisDepth, opts?: AnalyzeOptions): BacktestAnalysis | OptimizeAnalysis | WalkForwardAnalysis | BatchAnalysis;
export function analyzeResults(result: AnalyzableResult, depth: AnalysisDepth = 'basic', opts: AnalyzeOptions = {}): BacktestAnalysis | OptimizeAnalysis | WalkForwardAnalysis | BatchAnalysis {
  if (!['basic', 'advanced', 'deep'].includes(depth)) throw new StratlabError('BAD_ARGUMENT', `analyzeResults: depth must be 'basic', 'advanced' or 'deep', got '${String(depth)}'`);
  if (result instanceof BacktestResult) return analyzeBacktest(result, depth, opts);
  // A benchmark aligned with one backtest does not fit the others' bars.
  const inner = { ...opts, benchmark: undefined };
  if (result instanceof OptimizeResult) return optimizeAnalysis(result, depth, inner);
  if (result instanceof WalkForwardResult) return walkForwardAnalysis(result, depth, inner);
  if (isBatch(result)) return batchAnalysis(result, depth, inner);
  throw new StratlabError('BAD_ARGUMENT', 'analyzeResults: expected a BacktestResult, or what optimize, walkForwardOptimize or backtestBatch returns', {
    hint: 'pass the result itself, e.g. analyzeResults(await optimize({ … }))',
  });
}

function optimizeAnalysis(r: OptimizeResult, depth: AnalysisDepth, opts: AnalyzeOptions): OptimizeAnalysis {
  const best = r.bestResult();
  return {
    kind: 'optimize',
    strategy: r.strategy,
    symbol: r.symbol,
    metric: r.metric,
    direction: r.direction,
    trials: { total: r.trials.length, failed: r.failedTrials, disqualified: r.disqualifiedTrials },
    bestParams: r.bestParams ?? null,
    bestValue: fin(r.bestValue),
    initial: r.initial ? { params: r.initial.params, value: fin(r.initial.value), state: r.initial.trial?.state ?? null } : null,
    improvement: fin(r.improvement),
    best: best ? analyzeBacktest(best, depth, opts) : null,
  };
}

function walkForwardAnalysis(r: WalkForwardResult, depth: AnalysisDepth, opts: AnalyzeOptions): WalkForwardAnalysis {
  const { time, equity } = r.stitchedEquity;
  let peak = -Infinity, dd = 0;
  for (let i = 0; i < equity.length; i++) {
    if (equity[i] > peak) peak = equity[i];
    dd = Math.min(dd, (equity[i] / peak - 1) * 100);
  }
  return {
    kind: 'walkForward',
    strategy: r.strategy,
    symbol: r.symbol,
    metric: r.metric,
    windows: r.windows.map((w) => ({ index: w.index, params: w.params, inSample: metricsSummary(w.inSample.metrics), outSample: analyzeBacktest(w.outSampleResult, depth, opts) })),
    stitched: {
      start: iso(time[0]), end: iso(time[time.length - 1]), bars: time.length,
      returnPct: fin(r.summary.stitchedReturnPct), maxDrawdown: equity.length ? dd : null, returns: returnDistribution(barReturns(equity)),
    },
    skipped: r.skipped,
  };
}

function batchAnalysis(r: BatchResult, depth: AnalysisDepth, opts: AnalyzeOptions): BatchAnalysis {
  const top = r.top.slice(0, 5).map((t) => ({ params: t.params, mean: fin(t.mean), positiveColumns: t.positiveColumns }));
  const first = r.top[0];
  const best = first && Number.isFinite(first.mean)
    ? { params: first.params, columns: Object.fromEntries(r.columns.map((c) => [c, analyzeBacktest(r.result(first.params, c), depth, opts)])) }
    : null;
  const overall = Object.fromEntries(Object.entries(r.overall).map(([k, v]) => [k, fin(v)]));
  return { kind: 'batch', metric: r.metric, columns: r.columns, overall, top, best };
}

function metricsSummary(m: BacktestMetrics): MetricsSummary {
  return {
    returnPct: fin(m.returnPct), annualisedReturn: fin(m.annualisedReturn), sharpe: fin(m.sharpe), maxDrawdown: fin(m.maxDrawdown),
    totalTrades: m.totalTrades, tradesPerYear: fin(m.tradesPerYear), winRate: fin(m.winRate), profitFactor: fin(m.profitFactor),
  };
}

function isBatch(x: unknown): x is BatchResult {
  const b = x as BatchResult;
  return !!b && typeof b === 'object' && Array.isArray(b.matrix) && Array.isArray(b.columns) && Array.isArray(b.top) && typeof b.result === 'function';
}
