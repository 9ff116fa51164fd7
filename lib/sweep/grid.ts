/**
 * The parameter grid: the cartesian product of each parameter's values, in the order the grid lists
 * them (the last parameter varies fastest, so neighbouring combinations share the indicators of the
 * first ones), filtered by an optional constraint such as fast < slow.
 */
import { StratlabError } from '../core/errors';
import { checkParameterNames, type StrategyClass } from '../engine';

export type ParamGrid = Record<string, readonly unknown[]>;
export type Constraint = (params: Record<string, unknown>) => boolean;

/** Every combination of `grid` that passes `where`, as an array: for small grids (a sweep streams them, see gridCombos). */
export function expandGrid(grid: ParamGrid, where?: Constraint): Record<string, unknown>[] {
  return [...gridCombos(grid, where)];
}

/**
 * The combinations of `grid` that pass `where`, one at a time (an odometer over the value lists, the
 * last parameter fastest), from raw position `start` of the product on: memory stays flat however
 * many there are. Each yielded item carries its raw position, so a chunk can be walked again later.
 */
export function* gridCombos(grid: ParamGrid, where?: Constraint, start = 0): Generator<Record<string, unknown>, void, undefined> {
  for (const { combo } of gridPositions(grid, where, start)) yield combo;
}

/** As gridCombos, with each combination's raw position in the product. */
export function* gridPositions(grid: ParamGrid, where?: Constraint, start = 0): Generator<{ combo: Record<string, unknown>; at: number }, void, undefined> {
  const keys = Object.keys(grid);
  const sizes = keys.map((k) => grid[k].length);
  const total = gridSize(grid);
  if (total === 0 || start >= total) return;
  // The odometer's digits at `start` (mixed radix, the last parameter the lowest digit).
  const idx = new Array<number>(keys.length).fill(0);
  for (let j = keys.length - 1, rest = start; j >= 0; j--) {
    idx[j] = rest % sizes[j];
    rest = Math.floor(rest / sizes[j]);
  }
  for (let at = start; ; at++) {
    const combo: Record<string, unknown> = {};
    for (let j = 0; j < keys.length; j++) combo[keys[j]] = grid[keys[j]][idx[j]];
    if (!where || where(combo)) yield { combo, at };
    let j = keys.length - 1;
    while (j >= 0 && ++idx[j] === sizes[j]) idx[j--] = 0;
    if (j < 0) return;
  }
}

/** Number of combinations before the constraint: the product of the value counts. */
export function gridSize(grid: ParamGrid): number {
  return Object.values(grid).reduce((n, v) => n * v.length, 1);
}

/** How many combinations a sweep runs unless told otherwise (`.maxCombinations(n)`, `maxCombinations:` in a config, `--max-combinations`, $STRATLAB_MAX_COMBINATIONS). */
export const DEFAULT_MAX_COMBINATIONS = 1_000_000;

/** The limit in force: the one given, else $STRATLAB_MAX_COMBINATIONS, else DEFAULT_MAX_COMBINATIONS. */
export function maxCombinationsLimit(given?: number): number {
  if (given !== undefined) return given;
  const env = process.env.STRATLAB_MAX_COMBINATIONS;
  if (env === undefined || env === '') return DEFAULT_MAX_COMBINATIONS;
  const n = Number(env.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) {
    throw new StratlabError('BAD_ARGUMENT', `STRATLAB_MAX_COMBINATIONS=${JSON.stringify(env)}: expected a whole number ≥ 1`, { hint: 'unset it to use the default of 1,000,000', location: { field: 'STRATLAB_MAX_COMBINATIONS' } });
  }
  return n;
}

const RAISE_HINT = 'raise the limit with .maxCombinations(n), maxCombinations: n in the config, --max-combinations N or STRATLAB_MAX_COMBINATIONS, or narrow the grid';

/**
 * Counts what a sweep would run before anything runs, and refuses above `limit`. The raw product
 * is checked first (a product over the limit is refused at once: evaluating `where` 10⁹ times to
 * find out is itself the problem); under it, `where` is evaluated once per combination to count.
 * `datasets` multiplies both (each combination runs on every symbol/timeframe).
 */
export function countCombinations(grid: ParamGrid, where: Constraint | undefined, limit: number, datasets = 1): number {
  const raw = gridSize(grid);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const per = datasets > 1 ? ` × ${datasets} datasets` : '';
  if (raw * datasets > limit) {
    throw new StratlabError('BAD_ARGUMENT', `sweep grid: ${fmt(raw)} combinations${where ? ' before `where`' : ''}${per} is over the limit of ${fmt(limit)}`, { hint: RAISE_HINT, location: { field: 'grid' } });
  }
  if (!where) return raw;
  let n = 0;
  for (const _ of gridCombos(grid, where)) n++;
  return n;
}

/** The same limit for explicit parameter sets (already in memory: only their count is checked). */
export function checkSetCount(count: number, limit: number, datasets = 1): void {
  if (count * datasets > limit) {
    const per = datasets > 1 ? ` × ${datasets} datasets` : '';
    throw new StratlabError('BAD_ARGUMENT', `sweep paramSets: ${count.toLocaleString('en-US')} parameter sets${per} is over the limit of ${limit.toLocaleString('en-US')}`, { hint: RAISE_HINT, location: { field: 'paramSets' } });
  }
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
