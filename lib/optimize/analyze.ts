/**
 * analyzeResults (docs/optimization.md §4.1): a deeper read of one backtest, as a plain JSON-able
 * object (numbers, strings, null; ∞ and undefined statistics are null).
 *
 *  - 'basic': trades (win/loss sizes, streaks), drawdown episodes, the distribution of bar returns;
 *  - 'advanced': + risk (the result's Sharpe, Sortino, Calmar, volatility; historical VaR / CVaR)
 *    and the relation to a benchmark (buy & hold of the traded close unless one is given);
 *  - 'deep': + a Monte Carlo of the trade sequence (trades resampled with replacement), and pattern
 *    detection: which features at entry separate winners from losers, kept only when the rule holds
 *    on held-out later trades (trade-patterns.ts).
 *
 * Whatever the result already holds (Sharpe, win rate, max drawdown …) is read from it, not recomputed.
 */
import { isBars, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { Random } from '../data/random';
import type { BacktestResult } from '../engine';
import { moments, quantileSorted, sortedValues } from '../metrics/distribution';
import { detectPatterns, type PatternAnalysis, type PatternOptions } from './trade-patterns';

export type AnalysisDepth = 'basic' | 'advanced' | 'deep';

export interface AnalyzeOptions {
  /** Benchmark for 'advanced': Bars (their close) or equity/prices aligned bar for bar with result.time. Default: buy & hold of the result's own close. */
  benchmark?: Bars | ArrayLike<number>;
  /** Monte Carlo for 'deep' (defaults: 1,000 paths, seed 1). */
  monteCarlo?: { iterations?: number; seed?: number };
  /** Confidence of VaR / CVaR (default 0.95). */
  confidence?: number;
  /** Pattern detection for 'deep' (defaults: train on the first 70 % of trades, at least 40 trades, alpha 0.05). */
  patterns?: PatternOptions;
}

export interface TradeAnalysis {
  count: number;
  /** Share of trades with pnl > 0 (0–1). */
  winRate: number;
  /** Mean pnl of winning / losing trades, in cash (avgLoss ≤ 0). */
  avgWin: number;
  avgLoss: number;
  /** Mean returnPct of winning / losing trades, in percent of the entry notional. */
  avgWinPct: number;
  avgLossPct: number;
  /** avgWin / |avgLoss|; null without both wins and losses. */
  payoffRatio: number | null;
  /** Mean pnl per trade, in cash. */
  expectancy: number;
  /** Most consecutive winning (pnl > 0) / losing (pnl < 0) trades, in exit order; a break-even trade ends both. */
  longestWinStreak: number;
  longestLossStreak: number;
  /** Best and worst trade returnPct. */
  best: number;
  worst: number;
  avgBarsHeld: number;
}

export interface DrawdownEpisode {
  /** Trough below the peak, in percent (≤ 0). */
  depth: number;
  /** ISO times of the peak, the trough and the bar that regained the peak (null: not regained by the end). */
  start: string;
  trough: string;
  end: string | null;
  startBar: number;
  troughBar: number;
  endBar: number | null;
  /** Bars from the peak to the recovery (or to the last bar). */
  durationBars: number;
  /** Bars from the trough to the recovery; null when not recovered. */
  recoveryBars: number | null;
}

export interface DrawdownAnalysis {
  /** The result's maxDrawdown (percent, ≤ 0) and its longest time under water. */
  max: number;
  maxDurationBars: number;
  maxDurationDays: number;
  /** From the deepest drawdown's trough to the bar that regained its peak; null if it never did. */
  recoveryBars: number | null;
  recoveryDays: number | null;
  /** Drawdown episodes (peak → recovery) of any depth, and those deeper than 5 %. */
  episodes: number;
  deeperThan5Pct: number;
  /** The five deepest episodes, deepest first. */
  top: DrawdownEpisode[];
}

export interface ReturnDistribution {
  /** Bar-to-bar simple returns of the equity curve, as fractions (0.01 = 1 %). */
  count: number;
  mean: number | null;
  /** Sample standard deviation (n − 1). */
  std: number | null;
  skew: number | null;
  /** Pearson kurtosis (normal = 3), not excess. */
  kurtosis: number | null;
  best: number | null;
  worst: number | null;
  /** Share of bars with a return above 0. */
  positiveShare: number | null;
}

export interface RiskAnalysis {
  /** From the result (annualised with periodsPerYear; volatility and annualisedReturn in percent). */
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  volatility: number;
  annualisedReturn: number;
  periodsPerYear: number;
  /** Confidence of the two figures below. */
  confidence: number;
  /** Historical value at risk over one bar, as a positive loss fraction: −(1 − confidence)-quantile of the bar returns. */
  var: number | null;
  /** Historical conditional VaR (expected shortfall) over one bar: −mean of the returns at or below that quantile. */
  cvar: number | null;
}

export interface BenchmarkAnalysis {
  /** 'buy_and_hold' of the result's own close, or the 'benchmark' option. */
  source: 'buy_and_hold' | 'benchmark';
  /** Of the bar returns. */
  correlation: number | null;
  beta: number | null;
  /** Jensen's alpha, annualised (× periodsPerYear), in percent; risk-free rate as the run's. */
  alpha: number | null;
  /** std(strategy − benchmark returns) × √periodsPerYear, in percent. */
  trackingError: number | null;
  /** mean / std of (strategy − benchmark returns) × √periodsPerYear. */
  informationRatio: number | null;
}

export interface Percentiles {
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

export interface MonteCarloAnalysis {
  /**
   * Paths of `trades` trade returns drawn with replacement from the run's trades (returnPct), each
   * compounded from the initial cash as if every trade staked the whole equity.
   */
  iterations: number;
  seed: number;
  trades: number;
  initialCash: number;
  finalEquity: Percentiles;
  /** Max drawdown of each path, in percent (≤ 0): p5 is the bad tail. */
  maxDrawdown: Percentiles;
  /** Share of paths ending below the initial cash. */
  probabilityOfLoss: number;
  /** The same compounding over the trades in their real order. */
  actual: { finalEquity: number; maxDrawdown: number };
}

export interface BasicAnalysis {
  depth: AnalysisDepth;
  strategy: string;
  symbol: string;
  timeframe: string;
  bars: number;
  start: string;
  end: string;
  trades: TradeAnalysis;
  drawdown: DrawdownAnalysis;
  returns: ReturnDistribution;
}

export interface AdvancedAnalysis extends BasicAnalysis {
  risk: RiskAnalysis;
  benchmark: BenchmarkAnalysis;
}

export interface DeepAnalysis extends AdvancedAnalysis {
  monteCarlo: MonteCarloAnalysis;
  /** Features at entry that separate winners from losers and hold out on later trades (trade-patterns.ts). */
  patterns: PatternAnalysis;
}

const DAY = 86_400_000;
const DEPTHS: readonly AnalysisDepth[] = ['basic', 'advanced', 'deep'];

/** analyzeResults of one backtest (analyze-results.ts dispatches the other kinds of result here). */
export function analyzeBacktest(result: BacktestResult, depth: AnalysisDepth = 'basic', opts: AnalyzeOptions = {}): BasicAnalysis | AdvancedAnalysis | DeepAnalysis {
  if (!DEPTHS.includes(depth)) throw new StratlabError('BAD_ARGUMENT', `analyzeResults: depth must be 'basic', 'advanced' or 'deep', got '${String(depth)}'`);
  if (!result || !(result.equity instanceof Float64Array) || !result.tradeLog) {
    throw new StratlabError('BAD_ARGUMENT', 'analyzeResults: result must be a BacktestResult (what engine(...).run() returns)');
  }
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new StratlabError('BAD_ARGUMENT', `analyzeResults: confidence must be between 0 and 1, got ${confidence}`);

  const r = barReturns(result.equity);
  const basic: BasicAnalysis = {
    depth,
    strategy: result.strategy,
    symbol: result.symbol,
    timeframe: result.timeframe,
    bars: result.barCount,
    start: iso(result.start),
    end: iso(result.end),
    trades: tradeAnalysis(result),
    drawdown: drawdownAnalysis(result),
    returns: returnDistribution(r),
  };
  if (depth === 'basic') return basic;

  const advanced: AdvancedAnalysis = { ...basic, risk: riskAnalysis(result, r, confidence), benchmark: benchmarkAnalysis(result, r, opts.benchmark) };
  if (depth === 'advanced') return advanced;
  return { ...advanced, monteCarlo: monteCarlo(result, opts.monteCarlo ?? {}), patterns: detectPatterns(result, opts.patterns) };
}

function tradeAnalysis(res: BacktestResult): TradeAnalysis {
  const t = res.tradeLog, n = t.length;
  let wins = 0, losses = 0, winPct = 0, lossPct = 0, run = 0, longestWin = 0, longestLoss = 0;
  for (let k = 0; k < n; k++) {
    const pnl = t.pnl[k];
    if (pnl > 0) {
      wins++;
      winPct += t.returnPct[k];
      run = run > 0 ? run + 1 : 1;
      if (run > longestWin) longestWin = run;
    } else if (pnl < 0) {
      losses++;
      lossPct += t.returnPct[k];
      run = run < 0 ? run - 1 : -1;
      if (-run > longestLoss) longestLoss = -run;
    } else run = 0;
  }
  return {
    count: res.totalTrades,
    winRate: res.winRate,
    avgWin: res.avgWin,
    avgLoss: res.avgLoss,
    avgWinPct: wins ? winPct / wins : 0,
    avgLossPct: losses ? lossPct / losses : 0,
    payoffRatio: wins && losses && res.avgLoss < 0 ? res.avgWin / -res.avgLoss : null,
    expectancy: res.expectancy,
    longestWinStreak: longestWin,
    longestLossStreak: longestLoss,
    best: res.bestTradePct,
    worst: res.worstTradePct,
    avgBarsHeld: res.avgBarsHeld,
  };
}

/** Drawdown episodes by the same rule as drawdownStats: equity at or above the running peak ends one. */
function drawdownAnalysis(res: BacktestResult): DrawdownAnalysis {
  const eq = res.equity, time = res.time, n = eq.length;
  const episodes: DrawdownEpisode[] = [];
  const episode = (startBar: number, troughBar: number, endBar: number | null, peak: number, trough: number): DrawdownEpisode => ({
    depth: peak > 0 ? (trough / peak - 1) * 100 : 0,
    start: iso(time[startBar]),
    trough: iso(time[troughBar]),
    end: endBar === null ? null : iso(time[endBar]),
    startBar,
    troughBar,
    endBar,
    durationBars: (endBar ?? n - 1) - startBar,
    recoveryBars: endBar === null ? null : endBar - troughBar,
  });
  let peak = -Infinity, peakBar = 0, trough = 0, troughBar = -1;
  for (let i = 0; i < n; i++) {
    const e = eq[i];
    if (e >= peak) {
      if (troughBar >= 0) episodes.push(episode(peakBar, troughBar, i, peak, trough));
      troughBar = -1;
      peak = e;
      peakBar = i;
    } else if (troughBar < 0 || e < trough) {
      trough = e;
      troughBar = i;
    }
  }
  if (troughBar >= 0) episodes.push(episode(peakBar, troughBar, null, peak, trough));

  // Deepest first; among equal depths the earlier one (the one drawdownStats reports).
  const byDepth = episodes.slice().sort((a, b) => a.depth - b.depth);
  const deepest = byDepth[0];
  return {
    max: res.maxDrawdown,
    maxDurationBars: res.maxDrawdownDuration,
    maxDurationDays: res.maxDrawdownDurationDays,
    recoveryBars: deepest?.recoveryBars ?? null,
    recoveryDays: deepest && deepest.endBar !== null ? (time[deepest.endBar] - time[deepest.troughBar]) / DAY : null,
    episodes: episodes.length,
    deeperThan5Pct: episodes.filter((e) => e.depth < -5).length,
    top: byDepth.slice(0, 5),
  };
}

export function returnDistribution(r: Float64Array): ReturnDistribution {
  const m = moments(r);
  let best = -Infinity, worst = Infinity, positive = 0;
  for (let i = 0; i < r.length; i++) {
    if (r[i] > best) best = r[i];
    if (r[i] < worst) worst = r[i];
    if (r[i] > 0) positive++;
  }
  return {
    count: r.length,
    mean: fin(m.mean),
    std: fin(m.std),
    skew: fin(m.skewness),
    kurtosis: fin(m.kurtosis),
    best: fin(best),
    worst: fin(worst),
    positiveShare: r.length ? positive / r.length : null,
  };
}

function riskAnalysis(res: BacktestResult, r: Float64Array, confidence: number): RiskAnalysis {
  const sorted = sortedValues(r);
  let cvar: number | null = null, v: number | null = null;
  if (sorted.length) {
    const q = quantileSorted(sorted, 1 - confidence);
    let sum = 0, count = 0;
    for (let i = 0; i < sorted.length && sorted[i] <= q; i++) {
      sum += sorted[i];
      count++;
    }
    v = -q;
    cvar = -sum / count;
  }
  return {
    sharpe: fin(res.sharpe),
    sortino: fin(res.sortino),
    calmar: fin(res.calmar),
    volatility: res.volatility,
    annualisedReturn: res.annualisedReturn,
    periodsPerYear: res.settings.periodsPerYear,
    confidence,
    var: v,
    cvar,
  };
}

function benchmarkAnalysis(res: BacktestResult, r: Float64Array, benchmark: AnalyzeOptions['benchmark']): BenchmarkAnalysis {
  const n = res.equity.length;
  let values: ArrayLike<number>;
  if (benchmark === undefined) values = res.buyAndHoldEquity();
  else if (isBars(benchmark)) {
    if (benchmark.time.length !== n) {
      throw new StratlabError('BAD_ARGUMENT', `analyzeResults: benchmark has ${benchmark.time.length} bars but the result has ${n}; give bars over the same period`);
    }
    for (let i = 0; i < n; i++) {
      if (benchmark.time[i] !== res.time[i]) {
        throw new StratlabError('BAD_ARGUMENT', `analyzeResults: benchmark bar ${i} is at ${iso(benchmark.time[i])} but the result's is at ${iso(res.time[i])}; the bars must align`);
      }
    }
    values = benchmark.close;
  } else {
    if (typeof benchmark !== 'object' || benchmark === null || typeof benchmark.length !== 'number') {
      throw new StratlabError('BAD_ARGUMENT', 'analyzeResults: benchmark must be Bars or an array of equity/prices aligned with result.time');
    }
    if (benchmark.length !== n) {
      throw new StratlabError('BAD_ARGUMENT', `analyzeResults: benchmark has ${benchmark.length} values but the result has ${n} bars; align it with result.time`);
    }
    values = benchmark;
  }
  const b = barReturns(values);
  const ppy = res.settings.periodsPerYear, rf = res.settings.riskFreeRate / ppy;
  // One pass of pairwise sums around each series' mean (NaN pairs skipped).
  let count = 0, mr = 0, mb = 0;
  for (let i = 0; i < r.length; i++) {
    if (r[i] !== r[i] || b[i] !== b[i]) continue;
    mr += r[i];
    mb += b[i];
    count++;
  }
  if (count < 2) return { source: benchmark === undefined ? 'buy_and_hold' : 'benchmark', correlation: null, beta: null, alpha: null, trackingError: null, informationRatio: null };
  mr /= count;
  mb /= count;
  let srr = 0, sbb = 0, srb = 0, sdd = 0;
  for (let i = 0; i < r.length; i++) {
    if (r[i] !== r[i] || b[i] !== b[i]) continue;
    const dr = r[i] - mr, db = b[i] - mb, dd = dr - db;
    srr += dr * dr;
    sbb += db * db;
    srb += dr * db;
    sdd += dd * dd;
  }
  const beta = sbb > 0 ? srb / sbb : NaN;
  const te = Math.sqrt(sdd / (count - 1));
  return {
    source: benchmark === undefined ? 'buy_and_hold' : 'benchmark',
    correlation: fin(srb / Math.sqrt(srr * sbb)),
    beta: fin(beta),
    alpha: fin((mr - rf - beta * (mb - rf)) * ppy * 100),
    trackingError: fin(te * Math.sqrt(ppy) * 100),
    informationRatio: te > 0 ? fin(((mr - mb) / te) * Math.sqrt(ppy)) : null,
  };
}

function monteCarlo(res: BacktestResult, mc: { iterations?: number; seed?: number }): MonteCarloAnalysis {
  const iterations = mc.iterations ?? 1000, seed = mc.seed ?? 1;
  if (!Number.isInteger(iterations) || iterations < 1) throw new StratlabError('BAD_ARGUMENT', `analyzeResults: monteCarlo.iterations must be an integer ≥ 1, got ${iterations}`);
  if (!Number.isFinite(seed)) throw new StratlabError('BAD_ARGUMENT', `analyzeResults: monteCarlo.seed must be a number, got ${seed}`);
  const t = res.tradeLog, n = t.length, cash = res.initialCash;
  const rets = new Float64Array(n);
  for (let k = 0; k < n; k++) rets[k] = t.returnPct[k] / 100;
  const finals = new Float64Array(iterations), dds = new Float64Array(iterations);
  const rng = new Random(seed);
  let lossCount = 0;
  for (let it = 0; it < iterations; it++) {
    const path = compound(rets, n, cash, rng);
    finals[it] = path.finalEquity;
    dds[it] = path.maxDrawdown;
    if (path.finalEquity < cash) lossCount++;
  }
  finals.sort();
  dds.sort();
  return {
    iterations,
    seed,
    trades: n,
    initialCash: cash,
    finalEquity: percentiles(finals),
    maxDrawdown: percentiles(dds),
    probabilityOfLoss: lossCount / iterations,
    actual: compound(rets, n, cash, null),
  };
}

/** Compound n trade returns from `cash`: drawn with replacement when rng is given, in order otherwise. */
function compound(rets: Float64Array, n: number, cash: number, rng: Random | null): { finalEquity: number; maxDrawdown: number } {
  let eq = cash, peak = cash, worst = 0;
  for (let k = 0; k < n; k++) {
    const r = rng ? rets[Math.floor(rng.uniform() * n)] : rets[k];
    eq = Math.max(0, eq * (1 + r)); // a short can lose more than its stake: ruin stops at 0
    if (eq > peak) peak = eq;
    else if (eq / peak - 1 < worst) worst = eq / peak - 1;
  }
  return { finalEquity: eq, maxDrawdown: worst * 100 };
}

function percentiles(sorted: Float64Array): Percentiles {
  return {
    p5: quantileSorted(sorted, 0.05),
    p25: quantileSorted(sorted, 0.25),
    p50: quantileSorted(sorted, 0.5),
    p75: quantileSorted(sorted, 0.75),
    p95: quantileSorted(sorted, 0.95),
  };
}

/** Bar-to-bar simple returns, as returnStats takes them (0 after a non-positive value). */
export function barReturns(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, x.length - 1));
  for (let i = 1; i < x.length; i++) out[i - 1] = x[i - 1] > 0 ? x[i] / x[i - 1] - 1 : 0;
  return out;
}


export function fin(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
