import { checkSeries, type Series } from './args';

/**
 * On-Balance Volume, TA-Lib OBV: obv[0] = volume[0] (no warm-up), then add the bar's volume on an
 * up close, subtract it on a down close, keep it on an unchanged close.
 * A NaN volume poisons every later value; a NaN close counts as unchanged (comparisons are false).
 */
export function obv(close: Series, volume: Series): Float64Array {
  const n = checkSeries('obv', ['close', 'volume'], [close, volume]);
  const o = new OBV();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = o.update(close[i], volume[i]);
  return out;
}

/** Streaming OBV: `update(close, volume)` returns it; ready from the first bar. */
export class OBV {
  private count = 0;
  private prevClose = NaN;
  private current = NaN;

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count > 0;
  }

  update(close: number, volume: number): number {
    if (this.count++ === 0) this.current = volume;
    else if (close > this.prevClose) this.current += volume;
    else if (close < this.prevClose) this.current -= volume;
    this.prevClose = close;
    return this.current;
  }
}
