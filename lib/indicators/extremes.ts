import { checkPeriod, checkSeries, type Series } from './args';

/**
 * Highest value over the last `period` values including the current one, TA-Lib MAX: first value
 * at index period−1. O(n) with a monotonic deque. A NaN input makes the windows that contain it NaN
 * (the deque skips it, so values after it leaves the window are exact again).
 */
export function highest(x: Series, period: number): Float64Array {
  checkPeriod('highest', 'period', period);
  const n = checkSeries('highest', ['x'], [x]);
  return run(new Highest(period), x, n);
}

/** Lowest value over the last `period` values including the current one, TA-Lib MIN. See `highest`. */
export function lowest(x: Series, period: number): Float64Array {
  checkPeriod('lowest', 'period', period);
  const n = checkSeries('lowest', ['x'], [x]);
  return run(new Lowest(period), x, n);
}

function run(w: RollingExtreme, x: Series, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = w.update(x[i]);
  return out;
}

/**
 * Sliding-window maximum of sign·x over a ring-buffer deque (the minimum is the maximum of −x;
 * negation is exact, so values come back bitwise). Candidates are kept in decreasing order, so the
 * front is the answer; each value is pushed and popped once. `update` allocates nothing.
 */
class RollingExtreme {
  readonly period: number;
  private readonly sign: number;
  private readonly values: Float64Array;
  private readonly indices: Float64Array;
  private head = 0;
  private size = 0;
  private count = 0;
  private lastNaN = -Infinity;
  private current = NaN;

  constructor(fn: string, period: number, sign: 1 | -1) {
    this.period = checkPeriod(fn, 'period', period);
    this.sign = sign;
    this.values = new Float64Array(period);
    this.indices = new Float64Array(period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    const p = this.period;
    const i = this.count++;
    // drop the candidate that left the window (at most one per bar)
    if (this.size > 0 && this.indices[this.head] <= i - p) {
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      this.size--;
    }
    if (x !== x) {
      this.lastNaN = i;
    } else {
      const v = this.sign * x;
      // drop candidates that can never be the extreme again
      while (this.size > 0) {
        let back = this.head + this.size - 1;
        if (back >= p) back -= p;
        if (this.values[back] > v) break;
        this.size--;
      }
      let slot = this.head + this.size;
      if (slot >= p) slot -= p;
      this.values[slot] = v;
      this.indices[slot] = i;
      this.size++;
    }
    if (i + 1 < p) return NaN;
    this.current = i - this.lastNaN < p ? NaN : this.sign * this.values[this.head];
    return this.current;
  }
}

/** Streaming highest value over `period` values: `update(x)` returns it (NaN during warm-up). */
export class Highest extends RollingExtreme {
  constructor(period: number) {
    super('Highest', period, 1);
  }
}

/** Streaming lowest value over `period` values: `update(x)` returns it (NaN during warm-up). */
export class Lowest extends RollingExtreme {
  constructor(period: number) {
    super('Lowest', period, -1);
  }
}
