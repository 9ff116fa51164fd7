/**
 * slice: the bars between two instants (both inclusive) as views on the same memory.
 */
import { viewRows, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { isDateOnly, parseTimestamp } from './timestamps';

export type TimeLike = Date | number | string;

const DAY = 86_400_000;

/**
 * ```ts
 * slice(bars, '2020-01-01', '2020-12-31')   // the whole of 2020 (a date-only `to` includes that day)
 * slice(bars, new Date('2021-06-01'))       // from June 2021 on
 * slice(bars, undefined, 1609459200000)     // up to and including that epoch ms
 * ```
 * Binary search; the result shares memory with `bars` (subarray views, no copy).
 */
export function slice(bars: Bars, from?: TimeLike | null, to?: TimeLike | null): Bars {
  const t = bars.time;
  const lo = from == null ? -Infinity : toMs(from, 'from', false);
  const hi = to == null ? Infinity : toMs(to, 'to', true);
  const start = lowerBound(t, lo);
  const end = Math.max(start, upperBound(t, hi));
  return viewRows(bars, start, end);
}

function toMs(x: TimeLike, name: 'from' | 'to', endOfDay: boolean): number {
  let ms = NaN;
  if (x instanceof Date) ms = x.getTime();
  else if (typeof x === 'number') ms = x;
  else if (typeof x === 'string') {
    ms = parseTimestamp(x);
    if (endOfDay && isDateOnly(x) && Number.isFinite(ms)) ms += DAY - 1;
  }
  if (!Number.isFinite(ms)) {
    const shown = x instanceof Date ? 'Invalid Date' : JSON.stringify(x);
    throw new StratlabError('BAD_ARGUMENT', `slice: ${name} ${shown} is not a date`, {
      hint: "use a Date, epoch milliseconds or an ISO string such as '2020-01-31' or '2020-01-31T15:30:00Z'",
      location: { field: name },
    });
  }
  return ms;
}

/** First index with t[i] >= x. */
export function lowerBound(t: Float64Array, x: number): number {
  let lo = 0, hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with t[i] > x. */
function upperBound(t: Float64Array, x: number): number {
  let lo = 0, hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
