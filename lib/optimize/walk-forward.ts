/**
 * Walk-forward optimization (docs/optimization.md §2): roll a window over the bars; in each,
 * optimize on the in-sample period, then backtest the winner on the out-of-sample period that follows.
 *
 *   const wf = await walkForwardOptimize({ strategy: 'SmaCross', bars: goog,
 *     paramSpace: { fast: { min: 2, max: 50 }, slow: { min: 10, max: 200 } }, where: (p) => p.fast < p.slow,
 *     inSampleDays: 730, outSampleDays: 180, stepDays: 180, nTrials: 50 });
 *   wf.windows; wf.summary; wf.stitchedEquity; wf.significance; wf.display();
 *
 * Windows are cut on the calendar by rollingWindows (lib/data/windows.ts): in-sample
 * [start, start + inSampleDays), out-of-sample the next outSampleDays, start moving by stepDays. Each
 * optimization sees the in-sample bars only; window k's study is seeded seed + k.
 *
 * The out-of-sample backtest starts flat but warm (`warmup: 'auto'`, the default): its indicators see
 * every bar before the period (engine.between(from, to, { warmup })), while trades and metrics stay
 * inside it — a 200-bar SMA trades from the first day of a 125-bar period instead of never.
 * `warmup: 0` restores cold starts; a number of bars limits the history. (The in-sample search runs on
 * the in-sample bars alone, as optimize() does.)
 *
 * Each window reports its parameters, in/out-of-sample metrics and equity curves (`inSample.equity`,
 * `outSample.equity`), the out-of-sample BacktestResult (`outSampleResult`, e.g. for analyzeResults),
 * and the stitched out-of-sample curve is `stitchedEquity`.
 *
 * Stitched equity chains the out-of-sample runs multiplicatively from the starting cash. When
 * stepDays < outSampleDays the out-of-sample periods overlap, so each window contributes only its
 * first stepDays (marked to market where it is cut; the position is not closed there), and the last
 * window all of it — every day is counted once. When stepDays ≥ outSampleDays whole periods are
 * chained (with gaps between them when stepDays is larger).
 *
 * Significance: a one-sided t-test that the mean of those per-window out-of-sample returns (the part
 * each window contributes, so they do not overlap) is above 0, with n − 1 degrees of freedom.
 */
import { viewRows, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { rollingWindows } from '../data/windows';
import { formatTime } from '../data/timestamps';
import { engine, ENGINE_DEFAULTS, Engine, strategyName, type BacktestMetrics, type BacktestResult, type EngineOptions, type Warmup } from '../engine';
import { studentTCdf } from '../metrics/distribution';
import { lineFigure } from '../viz/charts';
import { displayFigure, displayHtml } from '../viz/display';
import { htmlTable, textTable, type Row } from '../viz/table';
import { optimize, resolveStrategy, type OptimizeOptions } from './optimize';

const DAY = 86_400_000;

export interface WalkForwardOptions extends Omit<OptimizeOptions, 'bars' | 'nTrials' | 'settings' | 'storage' | 'timeoutMs' | 'onProgress'> {
  bars: Bars;
  /** Trials per window (default 50). */
  nTrials?: number;
  settings?: EngineOptions;
  inSampleDays?: number;
  outSampleDays?: number;
  stepDays?: number;
  /** History the out-of-sample runs' indicators see: 'auto' (default: every earlier bar), a number of bars, or 0 (cold). */
  warmup?: Warmup;
  onProgress?: (p: WalkForwardProgress) => void;
}

export interface WalkForwardProgress {
  /** Windows finished. */
  windowsDone: number;
  windows: number;
  /** Trials run in the current window. */
  trialsDone: number;
  trialsPerWindow: number;
  elapsedMs: number;
}

export interface PeriodResult {
  /** First and last bar of the period (epoch ms, both inclusive). */
  from: number;
  to: number;
  bars: number;
  metrics: BacktestMetrics;
  /** The period's equity curve (epoch ms, equity after each bar), from the starting cash. */
  equity: { time: Float64Array; equity: Float64Array };
}

export interface WalkForwardWindow {
  index: number;
  inSample: PeriodResult;
  outSample: PeriodResult;
  /** The in-sample winner, fixed parameters included. */
  params: Record<string, unknown>;
  /** The optimized metric's best in-sample value. */
  inSampleValue: number;
  /** Out-of-sample minus in-sample: annualised return (percentage points; annualised so periods of different lengths compare) and Sharpe. Negative: worse out of sample. */
  degradation: { annualisedReturn: number; sharpe: number };
  /** The out-of-sample backtest itself (trades, orders, equity): what analyzeResults reads. */
  outSampleResult: BacktestResult;
  /** The part of the out-of-sample run this window contributes to the stitched equity, and its return in %. */
  counted: { from: number; to: number; returnPct: number };
}

export interface WalkForwardSummary {
  windows: number;
  meanInSampleSharpe: number;
  meanOutSampleSharpe: number;
  /** Walk-forward efficiency: mean out-of-sample annualised return / mean in-sample annualised return. */
  efficiency: number;
  /** Share of windows whose counted out-of-sample return is above 0. */
  positiveShare: number;
  /** Return of the stitched out-of-sample equity, in %. */
  stitchedReturnPct: number;
}

export interface Significance {
  test: string;
  tStat: number;
  /** One-sided p-value (NaN with fewer than two windows). */
  pValue: number;
  n: number;
  meanReturnPct: number;
}

export class WalkForwardResult {
  constructor(
    readonly strategy: string,
    readonly symbol: string,
    readonly metric: string,
    readonly windows: WalkForwardWindow[],
    /** Windows left out, with why (every in-sample trial failed, or a period without bars). */
    readonly skipped: { index: number; reason: string }[],
    readonly summary: WalkForwardSummary,
    readonly stitchedEquity: { time: Float64Array; equity: Float64Array },
    readonly significance: Significance,
    readonly elapsedMs: number,
    /** The out-of-sample runs' warm-up ('auto', bars, or 0: cold). */
    readonly warmup: Warmup = 'auto',
  ) {}

  rows(): Row[] {
    const day = (ms: number) => formatTime(ms).slice(0, 10);
    const r2 = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(2)) : null);
    return this.windows.map((w) => ({
      window: w.index,
      inSample: `${day(w.inSample.from)} → ${day(w.inSample.to)}`,
      outSample: `${day(w.outSample.from)} → ${day(w.outSample.to)}`,
      params: JSON.stringify(w.params),
      isSharpe: r2(w.inSample.metrics.sharpe),
      oosSharpe: r2(w.outSample.metrics.sharpe),
      oosReturnPct: r2(w.counted.returnPct),
      oosTrades: w.outSample.metrics.totalTrades,
    }));
  }

  summaryRows(): [string, string][] {
    const s = this.summary, g = this.significance;
    const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
    return [
      ['Strategy', `${this.strategy} on ${this.symbol}, optimizing ${this.metric}`],
      ['Windows', `${s.windows}${this.skipped.length ? ` (${this.skipped.length} skipped)` : ''}`],
      ['Out-of-sample warm-up', this.warmup === 'auto' ? 'every earlier bar (indicators warm, trades inside the window)' : this.warmup === 0 ? 'none (cold starts)' : `${this.warmup} bars`],
      ['Mean Sharpe in / out of sample', `${f(s.meanInSampleSharpe)} / ${f(s.meanOutSampleSharpe)}`],
      ['Walk-forward efficiency', f(s.efficiency)],
      ['Positive OOS windows', `${f(s.positiveShare * 100, 0)} %`],
      ['Stitched OOS return', `${f(s.stitchedReturnPct)} %`],
      ['OOS mean return > 0', `t = ${f(g.tStat)}, p = ${f(g.pValue, 4)} (n = ${g.n})`],
    ];
  }

  toString(): string {
    const rows = this.summaryRows();
    const w = Math.max(...rows.map((r) => r[0].length));
    return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n\n' + textTable(this.rows());
  }

  equityFigure() {
    return lineFigure(this.stitchedEquity.time, { 'Out-of-sample equity (stitched)': this.stitchedEquity.equity }, {
      title: `Walk-forward: ${this.strategy}, ${this.symbol}, out of sample`, yTitle: 'Equity',
    });
  }

  display(opts: { charts?: boolean } = {}): void {
    const summary = this.summaryRows().map(([metric, value]) => ({ metric, value }));
    const html = htmlTable(summary, { caption: `walk-forward ${this.strategy}` }) + htmlTable(this.rows(), { caption: 'Windows' });
    if (!displayHtml(html, this.toString())) {
      console.log(this.toString());
      return;
    }
    if (opts.charts !== false) displayFigure(this.equityFigure());
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `WalkForwardResult\n${this.toString()}`;
  }
}

export async function walkForwardOptimize(opts: WalkForwardOptions): Promise<WalkForwardResult> {
  const t0 = performance.now();
  const S = resolveStrategy(opts.strategy);
  if ((opts.settings as unknown) instanceof Engine) {
    throw new StratlabError('BAD_ARGUMENT', 'walkForwardOptimize: settings: expected engine settings { cash, spread, … }, not an Engine', {
      location: { field: 'settings' }, hint: 'each window runs on its own bars; pass the settings as an object',
    });
  }
  const bars = opts.bars;
  if (!bars || !(bars.time instanceof Float64Array)) throw new StratlabError('BAD_ARGUMENT', 'walkForwardOptimize: bars: expected Bars', { location: { field: 'bars' } });
  const inSampleDays = opts.inSampleDays ?? 365, outSampleDays = opts.outSampleDays ?? 30, stepDays = opts.stepDays ?? 7;
  const nTrials = opts.nTrials ?? 50;
  const seed = opts.seed ?? 1;
  const settings = opts.settings ?? {};
  const cash = settings.cash ?? ENGINE_DEFAULTS.cash;
  const warmup = opts.warmup ?? 'auto';
  if (!(warmup === 'auto' || (Number.isInteger(warmup) && warmup >= 0))) {
    throw new StratlabError('BAD_ARGUMENT', `walkForwardOptimize: warmup: expected 'auto' or a whole number of bars ≥ 0, got ${JSON.stringify(warmup)}`, { location: { field: 'warmup' } });
  }
  const spans = rollingWindows(bars.time, { train: inSampleDays, test: outSampleDays, step: stepDays, unit: 'days' });

  const windows: WalkForwardWindow[] = [];
  const skipped: { index: number; reason: string }[] = [];
  const oosRuns: { equity: Float64Array; time: Float64Array; testStart: number }[] = [];
  let metricName = typeof opts.metric === 'function' ? opts.metric.name || 'custom' : opts.metric ?? 'sharpe';
  for (const [k, span] of spans.entries()) {
    if (span.trainTo - span.trainFrom < 2 || span.testTo - span.testFrom < 2) {
      skipped.push({ index: span.index, reason: 'fewer than 2 bars in the in-sample or out-of-sample period' });
      continue;
    }
    const isBars = viewRows(bars, span.trainFrom, span.trainTo);
    const oosFrom = bars.time[span.testFrom], oosTo = bars.time[span.testTo - 1];
    const opt = await optimize({
      ...opts, strategy: S, bars: isBars, nTrials, seed: seed + span.index, settings,
      onProgress: opts.onProgress
        ? (p) => opts.onProgress!({ windowsDone: k, windows: spans.length, trialsDone: p.done, trialsPerWindow: nTrials, elapsedMs: performance.now() - t0 })
        : undefined,
    });
    metricName = opt.metric;
    if (!opt.bestParams || !opt.bestTrial) {
      const dq = opt.trials.find((t) => t.state === 'disqualified');
      skipped.push({
        index: span.index,
        reason: opt.trials.some((t) => t.state === 'complete') ? 'no in-sample trial had a finite value'
          : dq ? `every in-sample trial failed or was disqualified (e.g. ${JSON.stringify(dq.params)}: ${dq.disqualified!.join(', ')})`
          : `every in-sample trial failed: ${opt.trials.find((t) => t.error)?.error ?? 'no value'}`,
      });
      continue;
    }
    const is = engine(isBars).configure(settings).strategy(S, opt.bestParams).run();
    const isMetrics = opt.bestTrial.metrics ?? is.metrics();
    // Warm: the indicators see the bars before the period (the in-sample ones and earlier); trades stay inside it.
    const oos = engine(bars).configure(settings).strategy(S, opt.bestParams).between(oosFrom, oosTo, { warmup }).run();
    const oosMetrics = oos.metrics();
    windows.push({
      index: span.index,
      inSample: { from: isBars.time[0], to: isBars.time[isBars.time.length - 1], bars: isBars.time.length, metrics: isMetrics, equity: { time: is.time, equity: is.equity } },
      outSample: { from: oos.start, to: oos.end, bars: oos.barCount, metrics: oosMetrics, equity: { time: oos.time, equity: oos.equity } },
      params: opt.bestParams,
      inSampleValue: opt.bestValue,
      degradation: { annualisedReturn: oosMetrics.annualisedReturn - isMetrics.annualisedReturn, sharpe: oosMetrics.sharpe - isMetrics.sharpe },
      outSampleResult: oos,
      counted: { from: NaN, to: NaN, returnPct: NaN },
    });
    oosRuns.push({ equity: oos.equity, time: oos.time, testStart: span.testStart });
  }
  if (windows.length === 0) {
    throw new StratlabError('BAD_ARGUMENT', `walkForwardOptimize: no window could be evaluated (${skipped.length} skipped: ${skipped[0]?.reason ?? 'none'})`, {
      hint: 'check the parameter space against the strategy, or use longer periods',
    });
  }

  const stitchedEquity = stitch(windows, oosRuns, stepDays * DAY, cash);
  const counted = windows.map((w) => w.counted.returnPct);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const isAnn = mean(windows.map((w) => w.inSample.metrics.annualisedReturn));
  const summary: WalkForwardSummary = {
    windows: windows.length,
    meanInSampleSharpe: mean(windows.map((w) => w.inSample.metrics.sharpe)),
    meanOutSampleSharpe: mean(windows.map((w) => w.outSample.metrics.sharpe)),
    efficiency: isAnn !== 0 ? mean(windows.map((w) => w.outSample.metrics.annualisedReturn)) / isAnn : NaN,
    positiveShare: counted.filter((r) => r > 0).length / counted.length,
    stitchedReturnPct: (stitchedEquity.equity[stitchedEquity.equity.length - 1] / cash - 1) * 100,
  };
  return new WalkForwardResult(strategyName(S), bars.symbol, metricName, windows, skipped, summary, stitchedEquity, tTest(counted), performance.now() - t0, warmup);
}

/**
 * Chains the out-of-sample runs: each window but the last contributes its bars before
 * testStart + step, the last all of its bars. Fills in each window's `counted`.
 */
function stitch(windows: WalkForwardWindow[], runs: { equity: Float64Array; time: Float64Array; testStart: number }[], stepMs: number, cash: number) {
  const parts: { time: Float64Array; equity: Float64Array; scale: number }[] = [];
  let carry = cash;
  for (let k = 0; k < runs.length; k++) {
    const { equity, time, testStart } = runs[k];
    let end = time.length;
    if (k < runs.length - 1) {
      const cut = testStart + stepMs;
      while (end > 1 && time[end - 1] >= cut) end--;
    }
    const scale = carry / cash;
    parts.push({ time: time.subarray(0, end), equity: equity.subarray(0, end), scale });
    const growth = equity[end - 1] / cash;
    windows[k].counted = { from: time[0], to: time[end - 1], returnPct: (growth - 1) * 100 };
    carry *= growth;
  }
  const n = parts.reduce((s, p) => s + p.time.length, 0);
  const outTime = new Float64Array(n), outEquity = new Float64Array(n);
  let o = 0;
  for (const p of parts) {
    outTime.set(p.time, o);
    for (let i = 0; i < p.equity.length; i++) outEquity[o + i] = p.scale * p.equity[i];
    o += p.time.length;
  }
  return { time: outTime, equity: outEquity };
}

/** One-sided one-sample t-test of mean > 0 over per-window returns (in %). */
export function tTest(returns: number[]): Significance {
  const n = returns.length;
  const test = 't-test of per-window OOS returns > 0';
  const mean = n ? returns.reduce((a, b) => a + b, 0) / n : NaN;
  if (n < 2) return { test, tStat: NaN, pValue: NaN, n, meanReturnPct: mean };
  let ss = 0;
  for (const r of returns) ss += (r - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const tStat = sd > 0 ? mean / (sd / Math.sqrt(n)) : mean > 0 ? Infinity : mean < 0 ? -Infinity : NaN;
  // P(T > t) = P(T < −t): the lower tail keeps its precision when p is tiny.
  const pValue = Number.isNaN(tStat) ? NaN : studentTCdf(-tStat, n - 1);
  return { test, tStat, pValue, n, meanReturnPct: mean };
}
