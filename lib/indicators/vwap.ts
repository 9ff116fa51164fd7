import { StratlabError } from '../core/errors';
import { checkPeriod, checkSeries, type Series } from './args';

const DAY_MS = 86_400_000;

export interface VwapOptions {
  /** Bar times in epoch ms (UTC): the VWAP restarts at the first bar of each UTC day. */
  time?: Series;
  /** Rolling window in bars instead of a cumulative VWAP; first value at index period−1. */
  period?: number;
}

/**
 * Volume-weighted average price of the typical price (high + low + close)/3.
 * Cumulative from the first bar by default; anchored to each UTC day when `time` is given; over the
 * last `period` bars when `period` is given (not both). NaN while the volume summed so far (or in
 * the window) is zero. A NaN input poisons the sums (until the next daily reset when anchored).
 */
export function vwap(high: Series, low: Series, close: Series, volume: Series, opts: VwapOptions = {}): Float64Array {
  const { time, period } = opts;
  checkVwapOptions('vwap', time !== undefined, period);
  const names = ['high', 'low', 'close', 'volume'];
  const inputs: unknown[] = [high, low, close, volume];
  if (time !== undefined) {
    names.push('time');
    inputs.push(time);
  }
  const n = checkSeries('vwap', names, inputs);
  const v = new VWAP(period === undefined ? {} : { period });
  const out = new Float64Array(n);
  if (time === undefined) {
    for (let i = 0; i < n; i++) out[i] = v.update(high[i], low[i], close[i], volume[i]);
  } else {
    for (let i = 0; i < n; i++) out[i] = v.update(high[i], low[i], close[i], volume[i], time[i]);
  }
  return out;
}

function checkVwapOptions(fn: string, anchored: boolean, period: number | undefined): void {
  if (period === undefined) return;
  checkPeriod(fn, 'period', period);
  if (anchored) {
    throw new StratlabError('BAD_ARGUMENT', `${fn}: pass either time (daily anchor) or period (rolling window), not both`, {
      location: { field: 'period' },
    });
  }
}

/**
 * Streaming VWAP: `update(high, low, close, volume, time?)` returns it. Passing `time` (epoch ms)
 * restarts the VWAP at each new UTC day; `new VWAP({ period })` makes it a rolling window.
 * `.ready` is true exactly when `.value` is defined (it turns false again while no volume trades).
 */
export class VWAP {
  readonly period: number | undefined;
  private readonly pvWindow: Float64Array | null;
  private readonly volWindow: Float64Array | null;
  private count = 0;
  private day = NaN;
  private sumPV = 0;
  private sumVol = 0;
  private volumeBars = 0; // bars with non-zero volume in the rolling window
  private current = NaN;

  constructor(opts: { period?: number } = {}) {
    checkVwapOptions('VWAP', false, opts.period);
    this.period = opts.period;
    this.pvWindow = opts.period === undefined ? null : new Float64Array(opts.period);
    this.volWindow = opts.period === undefined ? null : new Float64Array(opts.period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.current === this.current;
  }

  update(high: number, low: number, close: number, volume: number, time?: number): number {
    const i = this.count++;
    const pv = ((high + low + close) / 3) * volume;
    const p = this.period;
    if (p === undefined) {
      if (time !== undefined) {
        const day = Math.floor(time / DAY_MS);
        if (day !== this.day) {
          this.day = day;
          this.sumPV = 0;
          this.sumVol = 0;
        }
      }
      this.sumPV += pv;
      this.sumVol += volume;
    } else {
      if (time !== undefined) {
        throw new StratlabError('BAD_ARGUMENT', 'VWAP: time is not used by a rolling VWAP (period set); pass one or the other');
      }
      const pvs = this.pvWindow as Float64Array;
      const vols = this.volWindow as Float64Array;
      const slot = i % p;
      if (i >= p) {
        this.sumPV -= pvs[slot];
        this.sumVol -= vols[slot];
        if (vols[slot] !== 0) this.volumeBars--;
      }
      pvs[slot] = pv;
      vols[slot] = volume;
      this.sumPV += pv;
      this.sumVol += volume;
      if (volume !== 0) this.volumeBars++;
      // a window without volume: clear the rounding residue the running sums may carry
      if (this.volumeBars === 0) this.sumPV = this.sumVol = 0;
      if (i + 1 < p) return (this.current = NaN);
    }
    this.current = this.sumVol === 0 ? NaN : this.sumPV / this.sumVol;
    return this.current;
  }
}
