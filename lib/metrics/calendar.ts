/**
 * How many bars make a year, for annualising Sharpe and Sortino. Inferred from the bars' spacing and
 * which days they fall on, or set by the caller:
 *  - 'equities': 252 trading days a year × the bars in a typical session (daily bars: 252);
 *  - '24/7' (crypto): 365 days × the bars in 24 hours;
 *  - '24/5' (forex): 260 weekdays × the bars in 24 hours;
 *  - weekly bars: 52 and monthly bars: 12, whatever the market;
 *  - { periodsPerYear: N } to say it outright.
 */
import { StratlabError } from '../core/errors';

export type CalendarName = 'equities' | '24/7' | '24/5';
export type CalendarOption = 'auto' | CalendarName | { periodsPerYear: number };

export interface Annualisation {
  calendar: CalendarName | 'weekly' | 'monthly' | 'custom';
  periodsPerYear: number;
}

const DAY = 86_400_000;

// Inference scans the whole time column; a sweep asks thousands of times about the same one.
const inferred = new WeakMap<object, Map<string, Annualisation>>();

export function annualisation(time: ArrayLike<number>, calendar: CalendarOption = 'auto'): Annualisation {
  if (typeof calendar === 'object') return custom(calendar);
  let byName = inferred.get(time);
  if (!byName) inferred.set(time, (byName = new Map()));
  let a = byName.get(calendar);
  if (!a) byName.set(calendar, (a = infer(time, calendar)));
  return { ...a };
}

function custom(calendar: { periodsPerYear: number }): Annualisation {
  if (!(calendar.periodsPerYear > 0) || !Number.isFinite(calendar.periodsPerYear)) {
    throw new StratlabError('BAD_ARGUMENT', `calendar: periodsPerYear must be a positive number, got ${calendar.periodsPerYear}`);
  }
  return { calendar: 'custom', periodsPerYear: calendar.periodsPerYear };
}

function infer(time: ArrayLike<number>, calendar: 'auto' | CalendarName): Annualisation {
  const step = medianSpacing(time);
  if (step >= 25 * DAY) return { calendar: 'monthly', periodsPerYear: 12 };
  if (step >= 6 * DAY) return { calendar: 'weekly', periodsPerYear: 52 };
  const name = calendar === 'auto' ? inferCalendar(time, step) : calendar;
  const perDay = step >= 0.8 * DAY ? 1 : name === 'equities' ? medianBarsPerDay(time) : Math.round(DAY / step);
  const days = name === 'equities' ? 252 : name === '24/7' ? 365 : 260;
  return { calendar: name, periodsPerYear: days * Math.max(1, perDay) };
}

/** Weekend bars mean a market that never closes; bars filling whole weekdays mean forex; else equities. */
function inferCalendar(time: ArrayLike<number>, step: number): CalendarName {
  const n = time.length;
  if (n < 2) return 'equities';
  // A strided sample is plenty to tell the share of weekend bars.
  const stride = Math.max(1, Math.floor(n / 20_000));
  let weekend = 0, seen = 0;
  for (let i = 0; i < n; i += stride) {
    const dow = (Math.floor(time[i] / DAY) + 4) % 7; // 1970-01-01 was a Thursday (4)
    if (dow === 0 || dow === 6) weekend++;
    seen++;
  }
  // 24/7 data has 2/7 ≈ 29 % of its bars on weekends; forex opens Sunday evening (≈ 2 %).
  if (weekend / seen > 0.15) return '24/7';
  if (step < 0.8 * DAY && medianBarsPerDay(time) * step >= 20 * 3_600_000) return '24/5';
  return 'equities';
}

function medianSpacing(time: ArrayLike<number>): number {
  const n = time.length;
  if (n < 2) return DAY;
  // A strided sample of 512 gaps keeps this cheap at any length; the spacing is the same throughout.
  const stride = Math.max(1, Math.floor((n - 1) / 512));
  const gaps: number[] = [];
  for (let i = 1; i < n; i += stride) gaps.push(time[i] - time[i - 1]);
  return median(gaps);
}

/** The typical number of bars in one UTC day that has any: a session's length in bars. */
function medianBarsPerDay(time: ArrayLike<number>): number {
  const counts: number[] = [];
  let day = NaN, count = 0;
  for (let i = 0; i < time.length; i++) {
    const d = Math.floor(time[i] / DAY);
    if (d !== day) {
      if (count) counts.push(count);
      day = d;
      count = 0;
    }
    count++;
  }
  if (count) counts.push(count);
  return counts.length ? median(counts) : 1;
}

function median(xs: number[]): number {
  const s = Float64Array.from(xs).sort(); // typed-array sort is numeric and far faster than a comparator
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
