import { checkMultiplier, checkPeriod, checkSeries, nanArray, type Series } from './args';
import { TA_EPSILON } from './rsi';

export interface BollingerResult {
  upper: Float64Array;
  /** the SMA, bitwise equal to `sma(x, period)` */
  middle: Float64Array;
  lower: Float64Array;
}

/**
 * Bollinger Bands, TA-Lib BBANDS with an SMA middle band: middle ± mult·σ, where σ is the
 * population standard deviation over `period` values computed TA-Lib's way — running sums of x and
 * x², variance = mean(x²) − sma², and σ = 0 when that variance is below 1e-14.
 * First value at index period−1. A NaN input poisons every later value.
 */
export function bollinger(x: Series, period = 20, mult = 2): BollingerResult {
  checkPeriod('bollinger', 'period', period);
  checkMultiplier('bollinger', 'mult', mult);
  const n = checkSeries('bollinger', ['x'], [x]);
  const out: BollingerResult = { upper: nanArray(n), middle: nanArray(n), lower: nanArray(n) };
  const b = new Bollinger(period, mult);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(b.update(x[i]))) continue;
    out.upper[i] = b.upper;
    out.middle[i] = b.middle;
    out.lower[i] = b.lower;
  }
  return out;
}

/**
 * Streaming Bollinger Bands: `update(x)` returns the middle band; `.upper`, `.middle`, `.lower`
 * hold the current values (NaN until `period` values were seen).
 */
export class Bollinger {
  readonly period: number;
  readonly mult: number;
  private readonly window: Float64Array;
  private count = 0;
  private sum = 0;
  private sumSq = 0;
  private upperValue = NaN;
  private middleValue = NaN;
  private lowerValue = NaN;

  constructor(period = 20, mult = 2) {
    this.period = checkPeriod('Bollinger', 'period', period);
    this.mult = checkMultiplier('Bollinger', 'mult', mult);
    this.window = new Float64Array(period);
  }

  get upper(): number {
    return this.upperValue;
  }

  get middle(): number {
    return this.middleValue;
  }

  get lower(): number {
    return this.lowerValue;
  }

  get value(): number {
    return this.middleValue;
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    const p = this.period;
    const i = this.count++;
    this.window[i % p] = x;
    this.sum += x;
    this.sumSq += x * x;
    if (i + 1 < p) return NaN;
    const oldest = this.window[(i + 1) % p]; // x[i−period+1], leaves the sums after this bar
    const middle = this.sum / p;
    this.sum -= oldest;
    let variance = this.sumSq / p;
    this.sumSq -= oldest * oldest;
    variance -= middle * middle;
    const sd = variance < TA_EPSILON ? 0.0 : Math.sqrt(variance);
    const width = sd * this.mult;
    this.middleValue = middle;
    this.upperValue = middle + width;
    this.lowerValue = middle - width;
    return middle;
  }
}
