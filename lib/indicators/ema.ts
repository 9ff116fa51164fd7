import { checkPeriod, checkSeries, nanArray, type Series } from './args';

/**
 * Exponential moving average, TA-Lib EMA: k = 2/(period+1), seeded at index period−1 with the
 * simple average of the first `period` values, then ema = (x − ema)·k + ema.
 * A NaN input poisons every later value (as in TA-Lib).
 */
export function ema(x: Series, period: number): Float64Array {
  checkPeriod('ema', 'period', period);
  const n = checkSeries('ema', ['x'], [x]);
  const out = nanArray(n);
  if (n < period) return out;
  const k = emaK(period);
  let sum = 0;
  for (let i = 0; i < period; i++) sum += x[i];
  let prev = sum / period;
  out[period - 1] = prev;
  for (let i = period; i < n; i++) {
    prev = (x[i] - prev) * k + prev;
    out[i] = prev;
  }
  return out;
}

/** TA-Lib's PER_TO_K: the EMA smoothing factor 2/(period+1). */
export function emaK(period: number): number {
  return 2.0 / (period + 1);
}

/** Streaming EMA: `update(x)` returns the average (NaN until `period` values were seen). */
export class EMA {
  readonly period: number;
  private readonly k: number;
  private count = 0;
  private sum = 0;
  private current = NaN;

  constructor(period: number) {
    this.period = checkPeriod('EMA', 'period', period);
    this.k = emaK(period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    const c = ++this.count;
    if (c > this.period) {
      this.current = (x - this.current) * this.k + this.current;
    } else {
      this.sum += x;
      if (c === this.period) this.current = this.sum / this.period;
    }
    return this.current;
  }
}
