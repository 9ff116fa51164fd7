import { StratlabError } from '../core/errors';

/** A price/volume column: a Float64Array from Bars, or any array of numbers. */
export type Series = ArrayLike<number>;

/** Periods above this would allocate absurd ring buffers; no real indicator needs more. */
export const MAX_PERIOD = 10_000_000;

/**
 * Checks that `value` is an integer period in [min, MAX_PERIOD] and returns it.
 * `fn` is the indicator as the caller wrote it ('sma' or 'SMA'), `name` the parameter.
 * Message: `sma: period must be an integer >= 1, got 0`.
 */
export function checkPeriod(fn: string, name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new StratlabError('BAD_ARGUMENT', `${fn}: ${name} must be an integer >= ${min}, got ${show(value)}`, {
      hint: `${name} counts bars, e.g. 14`,
      location: { field: name },
    });
  }
  if (value > MAX_PERIOD) {
    throw new StratlabError('BAD_ARGUMENT', `${fn}: ${name} must be <= ${MAX_PERIOD}, got ${value}`, {
      location: { field: name },
    });
  }
  return value;
}

/** Checks that `value` is a finite number >= 0 (band widths and similar multipliers). */
export function checkMultiplier(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StratlabError('BAD_ARGUMENT', `${fn}: ${name} must be a finite number >= 0, got ${show(value)}`, {
      location: { field: name },
    });
  }
  return value;
}

/**
 * Checks that every input is array-like and that all have the same length; returns that length.
 * Message: `atr: high, low and close must have the same length, got 10, 9 and 10`.
 */
export function checkSeries(fn: string, names: readonly string[], series: readonly unknown[]): number {
  for (let i = 0; i < series.length; i++) {
    const s = series[i] as { length?: unknown } | null | undefined;
    if (s === null || s === undefined || typeof s !== 'object' || typeof s.length !== 'number') {
      throw new StratlabError('BAD_ARGUMENT', `${fn}: ${names[i]} must be a Float64Array or an array of numbers, got ${show(s)}`, {
        location: { field: names[i] },
      });
    }
  }
  const n = (series[0] as Series).length;
  for (let i = 1; i < series.length; i++) {
    if ((series[i] as Series).length !== n) {
      const lengths = series.map((s) => String((s as Series).length));
      throw new StratlabError(
        'BAD_ARGUMENT',
        `${fn}: ${listing(names)} must have the same length, got ${listing(lengths)}`,
        { hint: 'pass columns of the same Bars', location: { field: names[i] } },
      );
    }
  }
  return n;
}

/** A Float64Array of length n filled with NaN (the warm-up value). */
export function nanArray(n: number): Float64Array {
  return new Float64Array(n).fill(NaN);
}

function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'object' || typeof v === 'function') return Array.isArray(v) ? 'an array' : typeof v;
  return String(v);
}
