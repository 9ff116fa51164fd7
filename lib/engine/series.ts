/**
 * Look-back accessors over a column, bounded by the bar being decided. A Series holds its values in a
 * private field and reads them only at or before the engine's cursor, so onBar cannot see a later
 * bar whatever it does: `value` is the current bar, `ago(k)` k bars back, `prev` one back.
 */
import { StratlabError } from '../core/errors';

/** The bar being decided; shared by every Series of one run. */
export interface Cursor {
  i: number;
}

export class Series {
  readonly name: string;
  readonly #values: Float64Array;
  readonly #cursor: Cursor;

  constructor(values: Float64Array, cursor: Cursor, name: string) {
    this.#values = values;
    this.#cursor = cursor;
    this.name = name;
  }

  /** The value at the current bar. */
  get value(): number {
    return this.#values[this.#cursor.i];
  }

  /** The value one bar back (NaN at the first bar). */
  get prev(): number {
    const j = this.#cursor.i - 1;
    return j >= 0 ? this.#values[j] : NaN;
  }

  /** The value `k` bars back (0 = current); NaN before the first bar. A negative k would look ahead and throws. */
  ago(k: number): number {
    if (!(k >= 0 && k === Math.floor(k))) {
      throw new StratlabError('BAD_ARGUMENT', `${this.name}.ago(${k}): expected a whole number of bars back, ≥ 0 (a later bar is never visible)`);
    }
    const j = this.#cursor.i - k;
    return j >= 0 ? this.#values[j] : NaN;
  }

  /** Bars seen so far, current one included. */
  get length(): number {
    return this.#cursor.i + 1;
  }

  /** True when this Series was below `other` at the previous bar and is above it now (as crossover). */
  crossedAbove(other: Series): boolean {
    const i = this.#cursor.i;
    if (i < 1) return false;
    const a = this.#values, b = other.#values;
    return a[i - 1] < b[i - 1] && a[i] > b[i];
  }

  /** A copy of the last `n` values up to the current bar, oldest first (fewer at the start). */
  window(n: number): Float64Array {
    const end = this.#cursor.i + 1;
    return this.#values.slice(Math.max(0, end - n), end);
  }

  /** A copy of every value up to the current bar. */
  toArray(): Float64Array {
    return this.#values.slice(0, this.#cursor.i + 1);
  }
}

type Operand = Series | number;

const now = (x: Operand): number => (typeof x === 'number' ? x : x.value);
const before = (x: Operand): number => (typeof x === 'number' ? x : x.prev);

/** True on the bar `a` moves from below `b` to above it (strictly on both bars, as backtesting.py). */
export function crossover(a: Operand, b: Operand): boolean {
  // Two Series (the common case) take one call that reads both arrays directly.
  if (typeof a === 'object' && typeof b === 'object') return a.crossedAbove(b);
  return before(a) < before(b) && now(a) > now(b);
}

/** True on the bar `a` moves from above `b` to below it. */
export function crossunder(a: Operand, b: Operand): boolean {
  if (typeof a === 'object' && typeof b === 'object') return b.crossedAbove(a);
  return before(a) > before(b) && now(a) < now(b);
}
