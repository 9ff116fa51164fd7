/**
 * Rolling train/test windows over a bar series, for walk-forward validation and optimization.
 * Windows are cut on the calendar (UTC), not on bar counts, so a window of one year is a year
 * whatever the bar size: train [start, start + train), test [start + train, start + train + test),
 * then start moves on by `step`. The last window is the last whose test period ends within the data.
 */
import { StratlabError } from '../core/errors';
import { lowerBound } from './slice';

export type WindowUnit = 'years' | 'months' | 'days';

export interface WindowSpec {
  /** Length of each training (in-sample) period. */
  train: number;
  /** Length of each test (out-of-sample) period. */
  test: number;
  /** How far each window moves on; defaults to `test` (test periods that tile the data). */
  step?: number;
  unit?: WindowUnit;
  /**
   * Where the first window starts: 'calendar' snaps it to the next 1 January / 1st of the month /
   * midnight (train 2020–2021, test 2022; docs/validation.md §5.1); 'data' starts at the first bar. Default 'calendar'
   * for years and months, 'data' for days.
   */
  anchor?: 'calendar' | 'data';
}

/** One window: epoch-ms bounds (end exclusive) and the bar index ranges [start, end). */
export interface TimeWindow {
  index: number;
  trainStart: number;
  trainEnd: number;
  testStart: number;
  testEnd: number;
  /** Bar indexes: train rows [trainFrom, trainTo), test rows [testFrom, testTo). */
  trainFrom: number;
  trainTo: number;
  testFrom: number;
  testTo: number;
}

const DAY = 86_400_000;

/**
 * ```ts
 * rollingWindows(bars.time, { train: 2, test: 1, unit: 'years' })          // walk-forward validation (docs/validation.md §5.1)
 * rollingWindows(bars.time, { train: 365, test: 30, step: 7, unit: 'days' }) // walk-forward optimization (docs/optimization.md §2.1)
 * ```
 * Throws when the lengths are not positive or the data is shorter than one train + test period.
 */
export function rollingWindows(time: Float64Array, spec: WindowSpec): TimeWindow[] {
  const unit = spec.unit ?? 'years';
  const step = spec.step ?? spec.test;
  for (const [name, v] of [['train', spec.train], ['test', spec.test], ['step', step]] as const) {
    if (!(Number.isFinite(v) && v > 0) || (unit !== 'days' && !Number.isInteger(v))) {
      throw new StratlabError('BAD_ARGUMENT', `windows: ${name} must be a positive ${unit === 'days' ? 'number' : 'whole number'} of ${unit}, got ${v}`, { location: { field: name } });
    }
  }
  const n = time.length;
  if (n === 0) throw new StratlabError('EMPTY_DATA', 'windows: no bars');
  const anchor = spec.anchor ?? (unit === 'days' ? 'data' : 'calendar');
  const first = time[0];
  const last = time[n - 1];
  let start = anchor === 'calendar' ? ceilTo(first, unit) : first;
  const out: TimeWindow[] = [];
  for (let k = 0; ; k++) {
    const trainEnd = add(start, spec.train, unit);
    const testEnd = add(trainEnd, spec.test, unit);
    // A test period must be covered by data: its end may be at most one bar past the last bar.
    if (testEnd > last + barGap(time)) break;
    out.push({
      index: k,
      trainStart: start, trainEnd, testStart: trainEnd, testEnd,
      trainFrom: lowerBound(time, start), trainTo: lowerBound(time, trainEnd),
      testFrom: lowerBound(time, trainEnd), testTo: lowerBound(time, testEnd),
    });
    start = add(start, step, unit);
  }
  if (out.length === 0) {
    const span = ((last - first) / DAY).toFixed(0);
    throw new StratlabError('BAD_ARGUMENT', `windows: the data spans ${span} days, shorter than one train + test period (${spec.train} + ${spec.test} ${unit})`, {
      hint: 'use shorter periods or more data',
    });
  }
  return out;
}

/** 'YYYY-MM-DD:YYYY-MM-DD' for [from, to) — the experiments table's train_period / test_period text, end inclusive (docs/experiments.md §1.2). */
export function periodLabel(from: number, toExclusive: number): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return `${day(from)}:${day(toExclusive - 1)}`;
}

function add(ms: number, k: number, unit: WindowUnit): number {
  if (unit === 'days') return ms + k * DAY;
  const d = new Date(ms);
  if (unit === 'years') d.setUTCFullYear(d.getUTCFullYear() + k);
  else d.setUTCMonth(d.getUTCMonth() + k);
  return d.getTime();
}

function ceilTo(ms: number, unit: WindowUnit): number {
  const d = new Date(ms);
  const floor = unit === 'years' ? Date.UTC(d.getUTCFullYear(), 0, 1) : unit === 'months' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return floor === ms ? ms : add(floor, 1, unit);
}

/** The median spacing of the last few bars: how far past the last bar a period may end. */
function barGap(time: Float64Array): number {
  const n = time.length;
  if (n < 2) return DAY;
  const gaps: number[] = [];
  for (let i = Math.max(1, n - 21); i < n; i++) gaps.push(time[i] - time[i - 1]);
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1];
}
