/**
 * resample: bars to a coarser fixed timeframe in one pass over the typed arrays. Buckets are aligned
 * to multiples of the target since the UTC epoch and labelled by their start; empty buckets are dropped.
 */
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { labelForMs, timeframeMs } from '../core/timeframe';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/**
 * ```ts
 * const m5 = resample(bars1m, '5m');   // first open, max high, min low, last close, summed volume
 * const d1 = resample(bars1m, '1d');   // days start at 00:00 UTC
 * const w1 = resample(d1, '1w');       // weeks start on Monday 00:00 UTC
 * ```
 */
export function resample(bars: Bars, tf: string): Bars {
  const step = targetMs(bars, tf);
  // Weeks start on Monday 00:00 UTC (the epoch was a Thursday; 1970-01-05 was a Monday).
  const offset = step % WEEK === 0 ? 4 * DAY : 0;
  const { time, open, high, low, close, volume } = bars;
  const n = time.length;
  const cap = n === 0 ? 0 : Math.min(n, Math.floor((time[n - 1] - time[0]) / step) + 2);
  const T = new Float64Array(cap), O = new Float64Array(cap), H = new Float64Array(cap);
  const L = new Float64Array(cap), C = new Float64Array(cap), V = new Float64Array(cap);
  let k = -1;
  let bucket = NaN;
  for (let i = 0; i < n; i++) {
    const start = Math.floor((time[i] - offset) / step) * step + offset;
    if (start !== bucket) {
      bucket = start;
      k++;
      T[k] = start;
      O[k] = open[i];
      H[k] = high[i];
      L[k] = low[i];
      C[k] = close[i];
      V[k] = volume[i];
    } else {
      if (high[i] > H[k]) H[k] = high[i];
      if (low[i] < L[k]) L[k] = low[i];
      C[k] = close[i];
      V[k] += volume[i];
    }
  }
  const m = k + 1;
  return {
    symbol: bars.symbol,
    timeframe: tf,
    time: T.slice(0, m),
    open: O.slice(0, m),
    high: H.slice(0, m),
    low: L.slice(0, m),
    close: C.slice(0, m),
    volume: V.slice(0, m),
  };
}

/** The target bucket size in ms, after checking it is a whole multiple of the source spacing. */
function targetMs(bars: Bars, tf: string): number {
  const from = bars.timeframe;
  const refuse = (why: string, hint: string) =>
    new StratlabError('BAD_TIMEFRAME', `resample: cannot resample ${from} bars to ${tf}: ${why}`, { hint, location: { field: 'tf' } });
  let target: number;
  try {
    target = timeframeMs(tf);
  } catch {
    throw refuse(
      tf === '1M' ? 'calendar months are not a fixed-length timeframe' : `"${tf}" is not a timeframe`,
      "use a fixed timeframe such as '5m', '1h', '4h', '1d' or '1w'",
    );
  }
  let source: number;
  try {
    source = timeframeMs(from);
  } catch {
    throw refuse(`the source timeframe "${from}" has no fixed length`, 'resample needs bars with a fixed spacing such as 1m, 1h or 1d');
  }
  if (target < source) throw refuse(`${tf} is finer than ${from}`, 'resample only aggregates to a coarser timeframe');
  if (target % source !== 0) {
    const examples = [2, 4, 6, 12].map((k) => labelForMs(k * source)).join(', ');
    throw refuse(`${tf} is not a whole multiple of ${from}`, `pick a multiple of ${from}, e.g. ${examples}`);
  }
  return target;
}
