import { checkPeriod, checkSeries, nanArray, type Series } from './args';
import { trueRange } from './true-range';

/**
 * Average True Range, TA-Lib ATR: true range from index 1 (it needs the previous close), first ATR
 * at index `period` = mean of TR[1..period], then Wilder smoothing atr = (atr·(period−1) + tr)/period.
 * A NaN high/low poisons every later value.
 */
export function atr(high: Series, low: Series, close: Series, period = 14): Float64Array {
  checkPeriod('atr', 'period', period);
  const n = checkSeries('atr', ['high', 'low', 'close'], [high, low, close]);
  const out = nanArray(n);
  if (n <= period) return out;
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += trueRange(high[i], low[i], close[i - 1]);
  let prev = sum / period;
  out[period] = prev;
  const m = period - 1;
  for (let i = period + 1; i < n; i++) {
    prev *= m;
    prev += trueRange(high[i], low[i], close[i - 1]);
    prev /= period;
    out[i] = prev;
  }
  return out;
}

/** Streaming ATR: `update(high, low, close)` returns the ATR (NaN for the first `period` bars). */
export class ATR {
  readonly period: number;
  private count = 0;
  private prevClose = NaN;
  private sum = 0;
  private current = NaN;

  constructor(period = 14) {
    this.period = checkPeriod('ATR', 'period', period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count > this.period;
  }

  update(high: number, low: number, close: number): number {
    const i = this.count++;
    const prevClose = this.prevClose;
    this.prevClose = close;
    if (i === 0) return NaN;
    const tr = trueRange(high, low, prevClose);
    const p = this.period;
    if (i < p) {
      this.sum += tr;
      return NaN;
    }
    if (i === p) {
      this.sum += tr;
      return (this.current = this.sum / p);
    }
    let a = this.current * (p - 1);
    a += tr;
    return (this.current = a / p);
  }
}
