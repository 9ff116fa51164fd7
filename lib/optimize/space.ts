/**
 * A parameter space to search:
 *
 *   defineSpace({
 *     fast: { min: 2, max: 50 },                 // integers: min and max (and step, if given) are whole numbers
 *     slow: { min: 10, max: 200, step: 5 },      // 10, 15, …, 200
 *     stopAtr: { min: 1, max: 4, type: 'float' },// whole-number bounds but a float: say so
 *     lr: { min: 1e-4, max: 1e-1, log: true },   // float, sampled uniformly in log space
 *     mode: ['a', 'b'],                          // categorical
 *     longOnly: [true, false],
 *   }, { where: (p) => p.fast < p.slow });
 *
 * The integer rule: a range is an integer range when min, max and step (if given) are all whole
 * numbers, unless `type: 'float'` says otherwise (JavaScript cannot tell 1.0 from 1). A range's top
 * is the largest point of its step grid ≤ max. `where` is a hard constraint: samplers redraw points
 * that break it (a bounded number of times, then an error that says so).
 */
import { StratlabError } from '../core/errors';
import type { Random } from '../data/random';
import type { Constraint } from '../sweep/grid';

export type Choice = string | number | boolean;
export type Params = Record<string, Choice>;
/** A feasibility rule over the parameters, such as p => p.fast < p.slow (the sweep's Constraint). */
export type { Constraint } from '../sweep/grid';

export interface RangeSpec {
  min: number;
  max: number;
  /** Grid spacing; required for floats in grid search. */
  step?: number;
  /** Sample uniformly in log space (min > 0; no step other than 1 for integers). */
  log?: boolean;
  /** Overrides the integer rule. */
  type?: 'int' | 'float';
}

export type ParamSpec = RangeSpec | readonly Choice[];
export type SpaceSpec = Record<string, ParamSpec>;

export type ParamDef =
  | { kind: 'int' | 'float'; name: string; min: number; max: number; step?: number; log: boolean }
  | { kind: 'categorical'; name: string; choices: readonly Choice[] };

/** How many draws a constrained sampler makes before it gives up on `where`. */
export const MAX_CONSTRAINT_TRIES = 1000;
/** Grids larger than this are refused: enumerate them and nothing else happens for hours. */
export const MAX_GRID_POINTS = 1_000_000;

export class SearchSpace {
  readonly params: readonly ParamDef[];
  readonly where?: Constraint;
  readonly spec: SpaceSpec;

  /** @internal use defineSpace */
  constructor(spec: SpaceSpec, where?: Constraint) {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new StratlabError('BAD_ARGUMENT', `paramSpace: expected an object of parameter ranges, got ${Array.isArray(spec) ? 'an array' : String(spec)}`, {
        hint: "e.g. { fast: { min: 2, max: 50 }, slow: { min: 10, max: 200 }, longOnly: [true, false] }",
      });
    }
    if (where !== undefined && typeof where !== 'function') {
      throw new StratlabError('BAD_ARGUMENT', 'where: expected a function (params) => boolean', { location: { field: 'where' } });
    }
    const names = Object.keys(spec);
    if (names.length === 0) throw new StratlabError('BAD_ARGUMENT', 'paramSpace: no parameters to search', { hint: 'give at least one range or list of choices' });
    this.params = names.map((name) => parseParam(name, spec[name]));
    this.where = where;
    this.spec = spec;
  }

  get names(): string[] {
    return this.params.map((p) => p.name);
  }

  feasible(params: Params): boolean {
    return !this.where || this.where(params) === true;
  }

  /** One point drawn uniformly (per parameter; log ranges uniformly in log space), constraint ignored. */
  sampleUnconstrained(rng: Random): Params {
    const out: Params = {};
    for (const p of this.params) out[p.name] = sampleUniform(p, rng);
    return out;
  }

  /** One feasible point drawn uniformly; throws after MAX_CONSTRAINT_TRIES infeasible draws. */
  sample(rng: Random): Params {
    for (let k = 0; k < MAX_CONSTRAINT_TRIES; k++) {
      const p = this.sampleUnconstrained(rng);
      if (this.feasible(p)) return p;
    }
    throw infeasibleError();
  }

  /** Every feasible point of the grid, in order (first parameter slowest). */
  grid(): Params[] {
    const axes = this.params.map(gridAxis);
    let size = 1;
    for (const a of axes) size *= a.length;
    if (size > MAX_GRID_POINTS) {
      throw new StratlabError('BAD_ARGUMENT', `paramSpace: the grid has ${size.toLocaleString('en-US')} points (more than ${MAX_GRID_POINTS.toLocaleString('en-US')})`, {
        hint: "use larger steps, or sampler 'tpe' / 'random'",
      });
    }
    const out: Params[] = [];
    const idx = new Array<number>(axes.length).fill(0);
    for (let k = 0; k < size; k++) {
      const p: Params = {};
      for (let j = 0; j < axes.length; j++) p[this.params[j].name] = axes[j][idx[j]];
      if (this.feasible(p)) out.push(p);
      for (let j = axes.length - 1; j >= 0; j--) {
        if (++idx[j] < axes[j].length) break;
        idx[j] = 0;
      }
    }
    if (out.length === 0) throw infeasibleError(`none of the ${size.toLocaleString('en-US')} grid points`);
    return out;
  }

  /** Checks a point (e.g. one read back from storage) lies in the space; throws naming the parameter. */
  check(params: Params, where = 'params'): void {
    for (const p of this.params) {
      const v = params[p.name];
      if (p.kind === 'categorical') {
        if (!p.choices.includes(v)) throw new StratlabError('BAD_ARGUMENT', `${where}.${p.name}: ${JSON.stringify(v)} is not one of ${JSON.stringify(p.choices)}`, { location: { field: p.name } });
      } else if (typeof v !== 'number' || !(v >= p.min && v <= p.max) || (p.kind === 'int' && !Number.isInteger(v))) {
        throw new StratlabError('BAD_ARGUMENT', `${where}.${p.name}: ${JSON.stringify(v)} is outside ${describeRange(p)}`, { location: { field: p.name } });
      }
    }
  }
}

export function defineSpace(spec: SpaceSpec | SearchSpace, opts: { where?: Constraint } = {}): SearchSpace {
  if (spec instanceof SearchSpace) return opts.where ? new SearchSpace(spec.spec, opts.where) : spec;
  return new SearchSpace(spec, opts.where);
}

function parseParam(name: string, spec: ParamSpec): ParamDef {
  const bad = (msg: string, hint?: string) => new StratlabError('BAD_ARGUMENT', `paramSpace.${name}: ${msg}`, { hint, location: { field: name } });
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw bad('no choices', 'give at least one value, e.g. [true, false]');
    for (const [i, c] of spec.entries()) {
      if (!['string', 'number', 'boolean'].includes(typeof c) || (typeof c === 'number' && !Number.isFinite(c))) {
        throw bad(`choice [${i}] must be a string, a finite number or a boolean, got ${JSON.stringify(c)}`);
      }
    }
    if (new Set(spec).size !== spec.length) throw bad(`choices repeat: ${JSON.stringify(spec)}`);
    return { kind: 'categorical', name, choices: spec.slice() };
  }
  if (spec === null || typeof spec !== 'object') {
    throw bad(`expected { min, max, step?, log? } or a list of choices, got ${JSON.stringify(spec)}`);
  }
  const r = spec as RangeSpec;
  for (const key of Object.keys(r)) {
    if (!['min', 'max', 'step', 'log', 'type'].includes(key)) throw bad(`unknown key '${key}'`, 'a range takes min, max, step, log and type');
  }
  if (typeof r.min !== 'number' || !Number.isFinite(r.min)) throw bad(`min must be a finite number, got ${JSON.stringify(r.min)}`);
  if (typeof r.max !== 'number' || !Number.isFinite(r.max)) throw bad(`max must be a finite number, got ${JSON.stringify(r.max)}`);
  if (r.min > r.max) throw bad(`min ${r.min} is above max ${r.max}`);
  if (r.step !== undefined && !(typeof r.step === 'number' && Number.isFinite(r.step) && r.step > 0)) throw bad(`step must be a number > 0, got ${JSON.stringify(r.step)}`);
  if (r.type !== undefined && r.type !== 'int' && r.type !== 'float') throw bad(`type must be 'int' or 'float', got ${JSON.stringify(r.type)}`);
  const whole = Number.isInteger(r.min) && Number.isInteger(r.max) && (r.step === undefined || Number.isInteger(r.step));
  const kind = r.type ?? (whole ? 'int' : 'float');
  if (kind === 'int' && !whole) throw bad(`type 'int' needs whole-number min, max and step, got ${describeSpec(r)}`);
  const log = r.log === true;
  if (log && r.min <= 0) throw bad(`log needs min > 0, got ${r.min}`);
  if (log && r.step !== undefined && !(kind === 'int' && r.step === 1)) throw bad('log and step do not mix (a log range has no even grid)', 'drop step, or log');
  let max = r.max;
  if (r.step !== undefined) {
    // The top of the range is the last grid point ≤ max (as Optuna does).
    const k = Math.floor((r.max - r.min) / r.step + 1e-9);
    max = roundToGrid(r.min + k * r.step, r.step, r.min);
  }
  const step = kind === 'int' ? (r.step ?? 1) : r.step;
  return { kind, name, min: r.min, max, step, log };
}

/** A point of the grid min + k·step with binary noise removed (0.1 + 0.2 → 0.3). */
export function roundToGrid(x: number, step: number, min: number): number {
  const k = Math.round((x - min) / step);
  return Number((min + k * step).toPrecision(12));
}

function sampleUniform(p: ParamDef, rng: Random): Choice {
  if (p.kind === 'categorical') return p.choices[Math.floor(rng.uniform() * p.choices.length)];
  if (p.log) {
    // Integers: each whole number owns [k − ½, k + ½) in log space, as Optuna's samplers do.
    const lo = Math.log(p.kind === 'int' ? p.min - 0.5 : p.min), hi = Math.log(p.kind === 'int' ? p.max + 0.5 : p.max);
    return snap(p, Math.exp(lo + rng.uniform() * (hi - lo)));
  }
  if (p.step !== undefined) {
    const n = Math.round((p.max - p.min) / p.step) + 1;
    return roundToGrid(p.min + Math.floor(rng.uniform() * n) * p.step, p.step, p.min);
  }
  return p.min + rng.uniform() * (p.max - p.min);
}

/** A raw number moved onto the parameter's values: clipped to the range, rounded to the step grid. */
export function snap(p: Extract<ParamDef, { kind: 'int' | 'float' }>, x: number): number {
  let v = Math.min(p.max, Math.max(p.min, x));
  if (p.step !== undefined) v = roundToGrid(v, p.step, p.min);
  else if (p.kind === 'int') v = Math.round(v);
  return Math.min(p.max, Math.max(p.min, v));
}

function gridAxis(p: ParamDef): Choice[] {
  if (p.kind === 'categorical') return p.choices.slice();
  if (p.step === undefined) {
    throw new StratlabError('BAD_ARGUMENT', `paramSpace.${p.name}: a float range needs a step for grid search`, {
      hint: `e.g. { min: ${p.min}, max: ${p.max}, step: ${Number(((p.max - p.min) / 10).toPrecision(2))} }`,
      location: { field: p.name },
    });
  }
  const n = Math.round((p.max - p.min) / p.step) + 1;
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(roundToGrid(p.min + k * p.step, p.step, p.min));
  return out;
}

function describeRange(p: Extract<ParamDef, { kind: 'int' | 'float' }>): string {
  return `${p.kind} range ${p.min}..${p.max}${p.step !== undefined && !(p.kind === 'int' && p.step === 1) ? ` step ${p.step}` : ''}`;
}

function describeSpec(r: RangeSpec): string {
  return JSON.stringify({ min: r.min, max: r.max, step: r.step });
}

export function infeasibleError(how = `${MAX_CONSTRAINT_TRIES} draws tried`): StratlabError {
  return new StratlabError('BAD_ARGUMENT', `where: no point of the space satisfies the constraint (${how})`, {
    hint: 'check the constraint against the ranges, e.g. fast < slow needs fast.min < slow.max',
    location: { field: 'where' },
  });
}
