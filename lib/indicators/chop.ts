import { checkPeriod, checkSeries, type Series } from './args';
import { Highest, Lowest } from './extremes';
import { trueRange } from './true-range';

/**
 * Choppiness Index: 100·log10(ΣTR / (highest high − lowest low)) / log10(period), with the sum,
 * highest and lowest over the last `period` bars including the current one. Near 100 = choppy,
 * near 0 = trending. First value at index `period` (every TR in the sum needs a previous close),
 * NaN where highest = lowest. Period ≥ 2 (log10(1) = 0). Not in TA-Lib.
 * A NaN high/low poisons the running TR sum, so every later value is NaN.
 */
export function chop(high: Series, low: Series, close: Series, period = 14): Float64Array {
  checkPeriod('chop', 'period', period, 2);
  const n = checkSeries('chop', ['high', 'low', 'close'], [high, low, close]);
  const c = new CHOP(period);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = c.update(high[i], low[i], close[i]);
  return out;
}

/** Streaming Choppiness Index: `update(high, low, close)` returns it (NaN for the first `period` bars). */
export class CHOP {
  readonly period: number;
  private readonly logPeriod: number;
  private readonly ranges: Float64Array; // the last `period` true ranges
  private readonly highest: Highest;
  private readonly lowest: Lowest;
  private count = 0;
  private prevClose = NaN;
  private sumTR = 0;
  private current = NaN;

  constructor(period = 14) {
    this.period = checkPeriod('CHOP', 'period', period, 2);
    this.logPeriod = Math.log10(period);
    this.ranges = new Float64Array(period);
    this.highest = new Highest(period);
    this.lowest = new Lowest(period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count > this.period;
  }

  update(high: number, low: number, close: number): number {
    const i = this.count++;
    const p = this.period;
    const hh = this.highest.update(high);
    const ll = this.lowest.update(low);
    const prevClose = this.prevClose;
    this.prevClose = close;
    if (i === 0) return NaN;
    const tr = trueRange(high, low, prevClose);
    const slot = i % p;
    this.sumTR += tr;
    if (i > p) this.sumTR -= this.ranges[slot]; // TR of bar i−period
    this.ranges[slot] = tr;
    if (i < p) return NaN;
    const range = hh - ll;
    this.current = range === 0 ? NaN : (100 * Math.log10(this.sumTR / range)) / this.logPeriod;
    return this.current;
  }
}
