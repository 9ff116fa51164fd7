import { checkPeriod, checkSeries, type Series } from './args';

/**
 * Linearly weighted moving average (weights 1..period, newest heaviest), TA-Lib WMA: first value at
 * index period−1, computed with TA-Lib's running weighted sum and running plain sum.
 * Period 1 returns the input unchanged (TA-Lib's special case). A NaN input poisons every later value.
 */
export function wma(x: Series, period: number): Float64Array {
  checkPeriod('wma', 'period', period);
  const n = checkSeries('wma', ['x'], [x]);
  const w = new WMA(period);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = w.update(x[i]);
  return out;
}

/** Streaming WMA: `update(x)` returns the average (NaN until `period` values were seen). */
export class WMA {
  readonly period: number;
  private readonly divider: number;
  private readonly window: Float64Array;
  private count = 0;
  private weightedSum = 0; // TA-Lib periodSum
  private plainSum = 0; // TA-Lib periodSub
  private current = NaN;

  constructor(period: number) {
    this.period = checkPeriod('WMA', 'period', period);
    this.divider = (period * (period + 1)) / 2;
    this.window = new Float64Array(period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    const p = this.period;
    const i = this.count++;
    if (p === 1) return (this.current = x);
    const slot = i % p;
    if (i < p - 1) {
      this.window[slot] = x;
      this.plainSum += x;
      this.weightedSum += x * (i + 1);
      return NaN;
    }
    // the value that left the window at this bar: x[i−period], or 0 on the first output
    const trailing = i >= p ? this.window[slot] : 0.0;
    this.window[slot] = x;
    this.plainSum += x;
    this.plainSum -= trailing;
    this.weightedSum += x * p;
    this.current = this.weightedSum / this.divider;
    this.weightedSum -= this.plainSum;
    return this.current;
  }
}
