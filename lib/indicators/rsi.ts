import { checkPeriod, checkSeries, nanArray, type Series } from './args';

/** TA-Lib's TA_IS_ZERO: |v| < 1e-14 (TA_EPSILON in the TA-Lib 0.4 sources that npm talib builds). */
export const TA_EPSILON = 1e-14;

/**
 * Relative Strength Index (Wilder), TA-Lib RSI: first value at index `period`, seeded with the
 * simple average of the first `period` gains and losses, then Wilder smoothing
 * avg = (avg·(period−1) + today)/period, and RSI = 100·gain/(gain+loss) (0 when gain+loss ≈ 0).
 * Period 1 (rejected by TA-Lib) uses the same formula: 100 on an up bar, 0 otherwise.
 * A NaN input poisons every later value.
 */
export function rsi(x: Series, period = 14): Float64Array {
  checkPeriod('rsi', 'period', period);
  const n = checkSeries('rsi', ['x'], [x]);
  const out = nanArray(n);
  if (n <= period) return out;
  let gain = 0;
  let loss = 0;
  let prev = x[0];
  for (let i = 1; i <= period; i++) {
    const d = x[i] - prev;
    prev = x[i];
    if (d < 0) loss -= d;
    else gain += d;
  }
  loss /= period;
  gain /= period;
  out[period] = rsiValue(gain, loss);
  const m = period - 1;
  for (let i = period + 1; i < n; i++) {
    const d = x[i] - prev;
    prev = x[i];
    loss *= m;
    gain *= m;
    if (d < 0) loss -= d;
    else gain += d;
    loss /= period;
    gain /= period;
    out[i] = rsiValue(gain, loss);
  }
  return out;
}

function rsiValue(gain: number, loss: number): number {
  const sum = gain + loss;
  return -TA_EPSILON < sum && sum < TA_EPSILON ? 0.0 : 100.0 * (gain / sum);
}

/** Streaming RSI: `update(x)` returns the RSI (NaN for the first `period` values). */
export class RSI {
  readonly period: number;
  private count = 0;
  private prev = NaN;
  private gain = 0;
  private loss = 0;
  private current = NaN;

  constructor(period = 14) {
    this.period = checkPeriod('RSI', 'period', period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count > this.period;
  }

  update(x: number): number {
    const i = this.count++;
    const p = this.period;
    if (i === 0) {
      this.prev = x;
      return NaN;
    }
    const d = x - this.prev;
    this.prev = x;
    if (i > p) {
      this.loss *= p - 1;
      this.gain *= p - 1;
    }
    if (d < 0) this.loss -= d;
    else this.gain += d;
    if (i < p) return NaN;
    this.loss /= p;
    this.gain /= p;
    return (this.current = rsiValue(this.gain, this.loss));
  }
}
