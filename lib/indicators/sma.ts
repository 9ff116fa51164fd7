import { checkPeriod, checkSeries, nanArray, type Series } from './args';

/**
 * Simple moving average, TA-Lib SMA: first value at index period−1, then a running sum
 * (add the new value, take the average, subtract the value leaving the window), in TA-Lib's order.
 * A NaN input poisons the running sum, so every later value is NaN (as in TA-Lib).
 */
export function sma(x: Series, period: number): Float64Array {
  checkPeriod('sma', 'period', period);
  const n = checkSeries('sma', ['x'], [x]);
  if (n < period) return nanArray(n);
  // NaN only where the warm-up leaves no value: every later slot is written below.
  const out = new Float64Array(n).fill(NaN, 0, period - 1);
  let total = 0;
  for (let i = 0; i < period - 1; i++) total += x[i];
  for (let i = period - 1, trailing = 0; i < n; i++, trailing++) {
    total += x[i];
    out[i] = total / period;
    total -= x[trailing];
  }
  return out;
}

/** Streaming SMA: `update(x)` returns the average (NaN until `period` values were seen). */
export class SMA {
  readonly period: number;
  private readonly window: Float64Array;
  private count = 0;
  private total = 0;
  private current = NaN;

  constructor(period: number) {
    this.period = checkPeriod('SMA', 'period', period);
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
    this.window[i % p] = x;
    this.total += x;
    if (i + 1 < p) return NaN;
    this.current = this.total / p;
    this.total -= this.window[(i + 1) % p]; // x[i−period+1], the oldest value of this window
    return this.current;
  }
}
