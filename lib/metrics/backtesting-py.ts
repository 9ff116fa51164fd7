/**
 * backtesting.py's statistics table (its `compute_stats`), row for row, with its names and its
 * definitions, so a migrating user can compare like with like. Where they differ from stratlab's own
 * metrics (README, "Metrics"): returns are daily (calendar-day last equity), annualised geometrically
 * over 252 or 365 periods; volatility is the annualised variance of that compounding; buy & hold starts
 * at the end of the strategy's indicator warm-up; the average trade is a geometric mean.
 */
import type { TradeColumns } from './trades';

export interface BacktestingPyInput {
  /** Bar times, epoch ms UTC. */
  time: Float64Array;
  close: Float64Array;
  /** Equity at each bar's close. */
  equity: Float64Array;
  trades: TradeColumns & { units: ArrayLike<number>; commission: ArrayLike<number> };
  /** First bar where every indicator has a value: backtesting.py's `_indicator_warmup_nbars`. */
  warmupBars: number;
  riskFreeRate?: number;
}

/** A duration in backtesting.py's shape (pandas Timedelta): kept in ms, printed as pandas does. */
export class Timedelta {
  constructor(readonly ms: number) {}
  get days(): number {
    return this.ms / DAY;
  }
  toString(): string {
    if (!Number.isFinite(this.ms)) return 'NaT';
    const whole = Math.floor(this.ms / DAY);
    let rest = Math.round(this.ms - whole * DAY) / 1000;
    const h = Math.floor(rest / 3600); rest -= h * 3600;
    const m = Math.floor(rest / 60); rest -= m * 60;
    const two = (x: number) => String(Math.floor(x)).padStart(2, '0');
    return `${whole} days ${two(h)}:${two(m)}:${two(rest)}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

export type BacktestingPyValue = number | string | Timedelta;
/** The rows in backtesting.py's order: `Start`, `End`, `Duration`, `Exposure Time [%]`, … `Kelly Criterion`. */
export type BacktestingPyStats = Record<string, BacktestingPyValue>;

const DAY = 86_400_000;

export function backtestingPyStats(input: BacktestingPyInput): BacktestingPyStats {
  const { time, close: c, equity, trades } = input;
  const rf = input.riskFreeRate ?? 0;
  const n = time.length;
  const period = medianStep(time);
  const roundDuration = (ms: number) => new Timedelta(ceilTo(ms, resolution(period)));

  const dd = new Float64Array(n);
  let peak = -Infinity, maxDd = 0;
  for (let i = 0; i < n; i++) {
    if (equity[i] > peak) peak = equity[i];
    dd[i] = 1 - equity[i] / peak;
    if (dd[i] > maxDd) maxDd = dd[i];
  }
  const episodes = drawdownEpisodes(dd, time);

  const s: BacktestingPyStats = {};
  s['Start'] = iso(time[0]);
  s['End'] = iso(time[n - 1]);
  const durationMs = time[n - 1] - time[0];
  s['Duration'] = new Timedelta(durationMs);

  const held = new Uint8Array(n);
  for (let k = 0; k < trades.length; k++) held.fill(1, trades.entryBar[k], trades.exitBar[k] + 1);
  s['Exposure Time [%]'] = (sum(held) / n) * 100;
  s['Equity Final [$]'] = equity[n - 1];
  s['Equity Peak [$]'] = max(equity);
  let commissions = 0;
  for (let k = 0; k < trades.length; k++) commissions += trades.commission[k];
  if (commissions) s['Commissions [$]'] = commissions;
  const returnPct = ((equity[n - 1] - equity[0]) / equity[0]) * 100;
  s['Return [%]'] = returnPct;
  const w = Math.min(Math.max(0, input.warmupBars), n - 1);
  const buyHold = ((c[n - 1] - c[w]) / c[w]) * 100;
  s['Buy & Hold Return [%]'] = buyHold;

  const freqDays = Math.floor(period / DAY);
  const weekends = weekendShare(time) > (2 / 7) * 0.6;
  const periodsPerYear = freqDays === 7 ? 52 : freqDays === 31 ? 12 : freqDays === 365 ? 1 : weekends ? 365 : 252;
  const dayReturns = periodReturns(time, equity, freqDays === 7 ? 'week' : freqDays === 31 ? 'month' : freqDays === 365 ? 'year' : 'day');
  const g = geometricMean(dayReturns);
  const annualised = (1 + g) ** periodsPerYear - 1;
  s['Return (Ann.) [%]'] = annualised * 100;
  const variance = sampleVariance(dayReturns);
  s['Volatility (Ann.) [%]'] = Math.sqrt((variance + (1 + g) ** 2) ** periodsPerYear - (1 + g) ** (2 * periodsPerYear)) * 100;
  const years = durationMs / DAY / 365.25;
  s['CAGR [%]'] = years ? ((equity[n - 1] / equity[0]) ** (1 / years) - 1) * 100 : NaN;
  s['Sharpe Ratio'] = ((s['Return (Ann.) [%]'] as number) - rf * 100) / ((s['Volatility (Ann.) [%]'] as number) || NaN);
  let downside = 0;
  for (const r of dayReturns) downside += Math.min(r, 0) ** 2;
  s['Sortino Ratio'] = (annualised - rf) / (Math.sqrt(downside / dayReturns.length) * Math.sqrt(periodsPerYear));
  s['Calmar Ratio'] = annualised / (maxDd || NaN);

  const beta = logReturnBeta(equity, c);
  s['Alpha [%]'] = returnPct - rf * 100 - beta * (buyHold - rf * 100);
  s['Beta'] = beta;
  s['Max. Drawdown [%]'] = -maxDd * 100;
  s['Avg. Drawdown [%]'] = episodes.length ? -(sum(episodes.map((e) => e.peak)) / episodes.length) * 100 : NaN;
  s['Max. Drawdown Duration'] = roundDuration(episodes.length ? max(episodes.map((e) => e.ms)) : NaN);
  s['Avg. Drawdown Duration'] = roundDuration(episodes.length ? sum(episodes.map((e) => e.ms)) / episodes.length : NaN);

  const m = trades.length;
  const ret: number[] = [], pl: number[] = [], dur: number[] = [];
  for (let k = 0; k < m; k++) {
    ret.push(trades.returnPct[k] / 100);
    pl.push(trades.pnl[k]);
    dur.push(time[trades.exitBar[k]] - time[trades.entryBar[k]]);
  }
  s['# Trades'] = m;
  const winRate = m ? pl.filter((x) => x > 0).length / m : NaN;
  s['Win Rate [%]'] = winRate * 100;
  s['Best Trade [%]'] = m ? max(ret) * 100 : NaN;
  s['Worst Trade [%]'] = m ? Math.min(...ret) * 100 : NaN;
  s['Avg. Trade [%]'] = geometricMean(ret) * 100;
  s['Max. Trade Duration'] = roundDuration(m ? max(dur) : NaN);
  s['Avg. Trade Duration'] = roundDuration(m ? sum(dur) / m : NaN);
  const wins = sum(ret.filter((r) => r > 0)), losses = Math.abs(sum(ret.filter((r) => r < 0)));
  s['Profit Factor'] = wins / (losses || NaN);
  s['Expectancy [%]'] = m ? (sum(ret) / m) * 100 : NaN;
  s['SQN'] = (Math.sqrt(m) * (sum(pl) / m)) / (Math.sqrt(sampleVariance(pl)) || NaN);
  const avgWin = mean(pl.filter((x) => x > 0)), avgLoss = -mean(pl.filter((x) => x < 0));
  s['Kelly Criterion'] = winRate - (1 - winRate) / (avgWin / avgLoss);
  return s;
}

/** Rows as backtesting.py prints them (`print(stats)`): numbers to its 5 decimals, durations as pandas'. */
export function formatBacktestingPyStats(stats: BacktestingPyStats): string {
  const w = Math.max(...Object.keys(stats).map((k) => k.length));
  return Object.entries(stats)
    .map(([k, v]) => `${k.padEnd(w)}  ${typeof v === 'number' ? (Number.isFinite(v) ? String(Number(v.toFixed(5))) : 'NaN') : String(v)}`)
    .join('\n');
}

// ---- pieces, each as backtesting.py computes it ------------------------------------------------

/** Median spacing of the last 100 bars (`_data_period`). */
function medianStep(time: Float64Array): number {
  const from = Math.max(1, time.length - 99);
  const steps: number[] = [];
  for (let i = from; i < time.length; i++) steps.push(time[i] - time[i - 1]);
  if (!steps.length) return NaN;
  steps.sort((a, b) => a - b);
  const h = steps.length >> 1;
  return steps.length % 2 ? steps[h] : (steps[h - 1] + steps[h]) / 2;
}

/** pandas' `resolution_string` of the data period: the unit durations are rounded up to. */
function resolution(period: number): number {
  for (const unit of [DAY, 3_600_000, 60_000, 1000, 1]) if (period % unit === 0) return unit;
  return 1;
}

function ceilTo(ms: number, unit: number): number {
  return Number.isFinite(ms) ? Math.ceil(ms / unit) * unit : NaN;
}

/** Drawdown episodes between bars at a peak (`compute_drawdown_duration_peaks`): their duration and depth. */
function drawdownEpisodes(dd: Float64Array, time: Float64Array): { ms: number; peak: number }[] {
  const at: number[] = [];
  for (let i = 0; i < dd.length; i++) if (dd[i] === 0) at.push(i);
  if (at[at.length - 1] !== dd.length - 1) at.push(dd.length - 1);
  const out: { ms: number; peak: number }[] = [];
  for (let k = 1; k < at.length; k++) {
    const prev = at[k - 1], i = at[k];
    if (i <= prev + 1) continue;
    let deepest = 0;
    for (let j = prev; j <= i; j++) if (dd[j] > deepest) deepest = dd[j];
    out.push({ ms: time[i] - time[prev], peak: deepest });
  }
  return out;
}

function weekendShare(time: Float64Array): number {
  let weekend = 0;
  for (let i = 0; i < time.length; i++) {
    const d = new Date(time[i]).getUTCDay();
    if (d === 0 || d === 6) weekend++;
  }
  return weekend / time.length;
}

/** Returns of the last equity in each calendar day / week (ending Sunday) / month / year, as pandas' resample. */
function periodReturns(time: Float64Array, equity: Float64Array, unit: 'day' | 'week' | 'month' | 'year'): number[] {
  const key = (ms: number): number => {
    const d = new Date(ms);
    if (unit === 'day') return Math.floor(ms / DAY);
    if (unit === 'week') return Math.floor((Math.floor(ms / DAY) + 3) / 7); // epoch day 0 is a Thursday: weeks end on Sunday
    if (unit === 'month') return d.getUTCFullYear() * 12 + d.getUTCMonth();
    return d.getUTCFullYear();
  };
  const last: number[] = [];
  for (let i = 0; i < time.length; i++) {
    if (i + 1 < time.length && key(time[i + 1]) === key(time[i])) continue;
    last.push(equity[i]);
  }
  const out: number[] = [];
  for (let k = 1; k < last.length; k++) {
    const r = last[k] / last[k - 1] - 1;
    if (Number.isFinite(r)) out.push(r);
  }
  return out;
}

function geometricMean(returns: number[]): number {
  if (!returns.length) return NaN;
  let logs = 0;
  for (const r of returns) {
    const x = (Number.isNaN(r) ? 0 : r) + 1;
    if (x <= 0) return 0;
    logs += Math.log(x);
  }
  return Math.exp(logs / returns.length) - 1;
}

/** Beta of the equity's log returns on the market's (close-to-close), as np.cov over every bar. */
function logReturnBeta(equity: Float64Array, close: Float64Array): number {
  const n = equity.length - 1;
  if (n < 2) return NaN;
  let me = 0, mm = 0;
  const e = new Float64Array(n), m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    e[i] = Math.log(equity[i + 1] / equity[i]);
    m[i] = Math.log(close[i + 1] / close[i]);
    me += e[i]; mm += m[i];
  }
  me /= n; mm /= n;
  let cov = 0, varM = 0;
  for (let i = 0; i < n; i++) {
    cov += (e[i] - me) * (m[i] - mm);
    varM += (m[i] - mm) ** 2;
  }
  return cov / varM;
}

function sampleVariance(xs: number[]): number {
  if (xs.length < 2) return NaN;
  const mu = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - mu) ** 2;
  return ss / (xs.length - 1);
}

function mean(xs: number[]): number {
  return xs.length ? sum(xs) / xs.length : NaN;
}

function sum(xs: ArrayLike<number>): number {
  let t = 0;
  for (let i = 0; i < xs.length; i++) t += xs[i];
  return t;
}

function max(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  return m;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
