/**
 * The parameter grid: the cartesian product of each parameter's values, in the order the grid lists
 * them (the last parameter varies fastest, so neighbouring combinations share the indicators of the
 * first ones), filtered by an optional constraint such as fast < slow.
 */
import { StratlabError } from '../core/errors';
import { checkParameterNames, type StrategyClass } from '../engine';

export type ParamGrid = Record<string, readonly unknown[]>;
export type Constraint = (params: Record<string, unknown>) => boolean;

/** Every combination of `grid` that passes `where`. */
export function expandGrid(grid: ParamGrid, where?: Constraint): Record<string, unknown>[] {
  const keys = Object.keys(grid);
  const out: Record<string, unknown>[] = [];
  const idx = new Array<number>(keys.length).fill(0);
  if (keys.some((k) => grid[k].length === 0)) return out;
  for (;;) {
    const combo: Record<string, unknown> = {};
    for (let j = 0; j < keys.length; j++) combo[keys[j]] = grid[keys[j]][idx[j]];
    if (!where || where(combo)) out.push(combo);
    let j = keys.length - 1;
    while (j >= 0 && ++idx[j] === grid[keys[j]].length) idx[j--] = 0;
    if (j < 0) return out;
  }
}

/** Number of combinations before the constraint: the product of the value counts. */
export function gridSize(grid: ParamGrid): number {
  return Object.values(grid).reduce((n, v) => n * v.length, 1);
}

/**
 * Checks a grid against a strategy's parameters before anything runs: each key must be a parameter
 * (snake_case and the strategy's aliases accepted, as in parseParams) and each value list non-empty.
 */
export function checkGrid(S: StrategyClass, grid: unknown): ParamGrid {
  if (grid === null || typeof grid !== 'object' || Array.isArray(grid)) {
    throw new StratlabError('BAD_ARGUMENT', `sweep.grid(…): expected an object of value lists, e.g. { fast: [5, 10], slow: [30, 50] }`);
  }
  checkParameterNames(S, Object.keys(grid), 'sweep grid: ');
  const out: ParamGrid = {};
  for (const [key, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new StratlabError('BAD_ARGUMENT', `sweep grid: '${key}' must be a non-empty list of values, got ${JSON.stringify(values)}`, { location: { field: key } });
    }
    out[key] = values;
  }
  return out;
}

/** `range(2, 100)` → [2, 3, …, 100]; `range(1.5, 3, 0.5)` → [1.5, 2, 2.5, 3] (inclusive, rounded to the step's decimals). */
export function range(from: number, to: number, step = 1): number[] {
  if (!(step > 0) || !Number.isFinite(from) || !Number.isFinite(to)) {
    throw new StratlabError('BAD_ARGUMENT', `range(${from}, ${to}, ${step}): expected finite bounds and a step > 0`);
  }
  const decimals = (String(step).split('.')[1] ?? '').length;
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const x = Number((from + k * step).toFixed(decimals));
    if (x > to + step * 1e-9) return out;
    out.push(x);
  }
}
