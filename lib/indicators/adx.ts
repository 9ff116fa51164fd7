import { checkPeriod, checkSeries, type Series } from './args';
import { TA_EPSILON } from './rsi';
import { trueRange } from './true-range';

/**
 * Average Directional Index, TA-Lib ADX exactly: first value at index 2·period−1.
 *  - one-bar DM: diffP = high − prevHigh, diffM = prevLow − low; if diffM > 0 and diffP < diffM the
 *    bar has −DM = diffM, else if diffP > 0 and diffP > diffM it has +DM = diffP (never both);
 *  - +DM, −DM and TR sums start with the period−1 values of bars 1..period−1, then Wilder-smooth:
 *    s = s − s/period + today, from bar `period` on;
 *  - ±DI = 100·(±DM/TR) (skipped while TR ≈ 0, |v| < 1e-14), DX = 100·|−DI − +DI|/(−DI + +DI);
 *  - the first ADX is the sum of the DX of bars period..2·period−1 divided by period, then
 *    adx = (adx·(period−1) + dx)/period; bars with no DX (zero range) leave the ADX unchanged.
 * A NaN input poisons every later value.
 */
export function adx(high: Series, low: Series, close: Series, period = 14): Float64Array {
  checkPeriod('adx', 'period', period);
  const n = checkSeries('adx', ['high', 'low', 'close'], [high, low, close]);
  const a = new ADX(period);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a.update(high[i], low[i], close[i]);
  return out;
}

/**
 * +DI, TA-Lib PLUS_DI: first value at index `period`, 0 while the smoothed true range is ≈ 0.
 * For period 1 TA-Lib drops the ×100 (it returns +DM/TR); we keep the percentage for every period.
 */
export function plusDI(high: Series, low: Series, close: Series, period = 14): Float64Array {
  return directional('plusDI', high, low, close, period, true);
}

/** −DI, TA-Lib MINUS_DI (see `plusDI`). */
export function minusDI(high: Series, low: Series, close: Series, period = 14): Float64Array {
  return directional('minusDI', high, low, close, period, false);
}

function directional(fn: string, high: Series, low: Series, close: Series, period: number, plus: boolean): Float64Array {
  checkPeriod(fn, 'period', period);
  const n = checkSeries(fn, ['high', 'low', 'close'], [high, low, close]);
  const a = new ADX(period);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a.update(high[i], low[i], close[i]);
    out[i] = plus ? a.plusDI : a.minusDI;
  }
  return out;
}

/**
 * Streaming ADX: `update(high, low, close)` returns the ADX (NaN for the first 2·period−1 bars);
 * `.plusDI` and `.minusDI` (TA-Lib PLUS_DI / MINUS_DI) are defined from bar `period`.
 */
export class ADX {
  readonly period: number;
  private count = 0;
  private prevHigh = NaN;
  private prevLow = NaN;
  private prevClose = NaN;
  private plusDM = 0;
  private minusDM = 0;
  private tr = 0;
  private sumDX = 0;
  private plusDIValue = NaN;
  private minusDIValue = NaN;
  private current = NaN;

  constructor(period = 14) {
    this.period = checkPeriod('ADX', 'period', period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count >= 2 * this.period;
  }

  get plusDI(): number {
    return this.plusDIValue;
  }

  get minusDI(): number {
    return this.minusDIValue;
  }

  update(high: number, low: number, close: number): number {
    const i = this.count++;
    const p = this.period;
    const diffP = high - this.prevHigh;
    const diffM = this.prevLow - low;
    const tr = trueRange(high, low, this.prevClose);
    this.prevHigh = high;
    this.prevLow = low;
    this.prevClose = close;
    if (i === 0) return NaN;
    if (i >= p) {
      this.minusDM -= this.minusDM / p;
      this.plusDM -= this.plusDM / p;
    }
    if (diffM > 0 && diffP < diffM) this.minusDM += diffM;
    else if (diffP > 0 && diffP > diffM) this.plusDM += diffP;
    if (i < p) {
      this.tr += tr;
      return NaN;
    }
    this.tr = this.tr - this.tr / p + tr;

    let dx = 0;
    let hasDX = false; // TA-Lib skips the DX of a bar whose smoothed range or DI sum is ≈ 0
    const smoothedTR = this.tr;
    if (-TA_EPSILON < smoothedTR && smoothedTR < TA_EPSILON) {
      this.minusDIValue = 0.0;
      this.plusDIValue = 0.0;
    } else {
      const minus = 100.0 * (this.minusDM / smoothedTR);
      const plus = 100.0 * (this.plusDM / smoothedTR);
      this.minusDIValue = minus;
      this.plusDIValue = plus;
      const sum = minus + plus;
      if (!(-TA_EPSILON < sum && sum < TA_EPSILON)) {
        dx = 100.0 * (Math.abs(minus - plus) / sum);
        hasDX = true;
      }
    }
    if (i < 2 * p - 1) {
      if (hasDX) this.sumDX += dx;
      return NaN;
    }
    if (i === 2 * p - 1) {
      if (hasDX) this.sumDX += dx;
      return (this.current = this.sumDX / p);
    }
    if (hasDX) this.current = (this.current * (p - 1) + dx) / p;
    return this.current;
  }
}
