/**
 * What was known when each trade was entered: the features analyzeResults(..., 'deep') tests for
 * separating winners from losers (trade-patterns.ts).
 *
 * Causal by construction. Price-derived features are read at the last bar whose close was known at
 * the entry fill: the entry bar itself when the entry filled at that bar's close (fill('close'): an
 * order placed and filled on the same bar), the bar before it otherwise (next_open, limit/stop fills
 * inside the bar). Every indicator is computed over the result's bars by a causal recursion, so its
 * value at a bar uses bars up to that one only. Calendar features read the entry bar's own timestamp
 * (its start, known when it opens). How long the trade was held is an outcome, never a feature.
 */
import type { BacktestResult } from '../engine';
import { adx, atr, chop, rsi, sma } from '../indicators';

export type FeatureKind = 'numeric' | 'category';

export interface TradeFeature {
  name: string;
  kind: FeatureKind;
  /** One value per trade (in `TradeFeatures.order`); NaN where the indicator had no value yet. */
  values: Float64Array;
  /** Labels of category values (weekday names, months, sides), by value. */
  labels?: Record<number, string>;
}

export interface TradeFeatures {
  /** Trade indexes (into result.tradeLog) sorted by entry bar: the chronological order the split uses. */
  order: Int32Array;
  /** The bar each trade's price features were read at. */
  featureBar: Int32Array;
  /** 1 when the trade made money (pnl > 0), else 0. */
  win: Uint8Array;
  features: TradeFeature[];
}

const DAY = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The features at entry of every closed trade of `result`, in entry order. */
export function tradeFeatures(result: BacktestResult): TradeFeatures {
  const t = result.tradeLog, n = t.length, bars = result.bars;
  const order = Int32Array.from({ length: n }, (_, k) => k).sort((a, b) => t.entryBar[a] - t.entryBar[b] || a - b);

  // Entries filled at the close of the bar they were placed on (fill('close') market orders).
  const atClose = new Set<number>();
  const o = result.orderLog;
  for (let k = 0; k < o.length; k++) {
    if (o.status[k] === 0 && o.fillBar[k] >= 0 && o.bar[k] === o.fillBar[k]) atClose.add(o.fillBar[k] * 2 + (o.side[k] > 0 ? 1 : 0));
  }
  const featureBar = new Int32Array(n), win = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const k = order[j], e = t.entryBar[k];
    featureBar[j] = atClose.has(e * 2 + (t.side[k] > 0 ? 1 : 0)) ? e : e - 1;
    win[j] = t.pnl[k] > 0 ? 1 : 0;
  }

  const { high: h, low: l, close: c, time } = bars;
  const features: TradeFeature[] = [];
  const at = (name: string, series: ArrayLike<number>) => {
    const values = new Float64Array(n);
    for (let j = 0; j < n; j++) values[j] = featureBar[j] >= 0 ? series[featureBar[j]] : NaN;
    features.push({ name, kind: 'numeric', values });
  };

  // Regime, volatility and where the price stood.
  at('ADX(14)', adx(h, l, c, 14));
  at('CHOP(14)', chop(h, l, c, 14));
  const a = atr(h, l, c, 14), atrPct = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) atrPct[i] = (a[i] / c[i]) * 100;
  at('ATR%(14)', atrPct);
  at('RSI(14)', rsi(c, 14));
  const s = sma(c, 50), dist = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) dist[i] = (c[i] / s[i] - 1) * 100;
  at('close vs SMA(50) %', dist);

  // The strategy's own indicators: oscillators as they are, price-level lines as the close's distance from them in %.
  for (const ind of result.indicators) {
    if (isPriceLevel(ind.values, c, ind.plot)) {
      const rel = new Float64Array(c.length);
      for (let i = 0; i < c.length; i++) rel[i] = (c[i] / ind.values[i] - 1) * 100;
      at(`close vs ${ind.name} %`, rel);
    } else at(ind.name, ind.values);
  }

  // Side, when the strategy traded both.
  let longs = 0;
  for (let k = 0; k < n; k++) if (t.side[k] > 0) longs++;
  if (longs > 0 && longs < n) {
    features.push({ name: 'side', kind: 'category', values: Float64Array.from(order, (k) => t.side[k]), labels: { 1: 'long', [-1]: 'short' } });
  }

  // Calendar, where the timeframe has it: hours below daily bars, weekdays below weekly, months below yearly.
  const step = medianStep(time);
  const entryTime = (j: number) => time[t.entryBar[order[j]]];
  const calendar = (name: string, of: (d: Date) => number, labels?: Record<number, string>) => {
    const values = new Float64Array(n);
    for (let j = 0; j < n; j++) values[j] = of(new Date(entryTime(j)));
    features.push({ name, kind: 'category', values, labels });
  };
  if (step < DAY) calendar('hour (UTC)', (d) => d.getUTCHours());
  if (step < 7 * DAY) calendar('weekday', (d) => d.getUTCDay(), { ...WEEKDAYS });
  if (step < 365 * DAY) calendar('month', (d) => d.getUTCMonth(), { ...MONTHS });
  return { order, featureBar, win, features };
}

/** A line drawn over the price (an SMA, a band) rather than an oscillator in its own panel. */
function isPriceLevel(values: Float64Array, close: Float64Array, plot: string): boolean {
  if (plot === 'overlay') return true;
  if (plot === 'panel') return false;
  let inRange = 0, count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v === v) || !(close[i] > 0)) continue;
    count++;
    if (Math.abs(v / close[i] - 1) < 0.5) inRange++;
  }
  return count > 0 && inRange / count > 0.9;
}

function medianStep(time: Float64Array): number {
  if (time.length < 2) return DAY;
  const d = new Float64Array(time.length - 1);
  for (let i = 1; i < time.length; i++) d[i - 1] = time[i] - time[i - 1];
  d.sort();
  return d[d.length >> 1];
}
