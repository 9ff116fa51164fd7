/**
 * An ask/tell study, Optuna-style:
 *
 *   const study = createStudy({ space: { x: { min: -5, max: 5, type: 'float' } }, sampler: 'tpe', seed: 1, direction: 'minimize' });
 *   for (let i = 0; i < 60; i++) { const p = study.ask(); study.tell(p, (p.x as number) ** 2); }
 *   study.best;   // { number, params, value }
 *
 * Samplers: 'tpe' (random for the first nStartup trials, then TPE — tpe.ts), 'random', 'grid' (every
 * feasible grid point once, in a seeded random order; `exhausted` once all are asked).
 * A value that is not a finite number (NaN, ±Infinity: a failed trial) counts as the worst and is never
 * `best`. Trials asked and not yet told count as the worst too when TPE suggests (Optuna's "constant
 * liar"), so a batch of asks on the same history spreads out instead of repeating one point.
 * Each suggestion draws from a generator seeded by (seed, trial number): a study replayed from stored
 * trials suggests exactly what an uninterrupted one would have.
 */
import { canonicalJson } from '../core/hash';
import { StratlabError } from '../core/errors';
import { Random } from '../data/random';
import { defineSpace, type Constraint, type Params, type SearchSpace, type SpaceSpec } from './space';
import { tpeSuggest, type Observation, type TpeOptions } from './tpe';

export type SamplerName = 'tpe' | 'random' | 'grid';
export type Direction = 'maximize' | 'minimize';

export interface StudyOptions extends TpeOptions {
  space: SpaceSpec | SearchSpace;
  where?: Constraint;
  sampler?: SamplerName;
  seed?: number;
  direction?: Direction;
  /** TPE: random trials before the model takes over (default 10). */
  nStartup?: number;
}

export interface StudyTrial {
  number: number;
  params: Params;
  /** As told; a non-finite value marks a failed trial. */
  value: number;
}

export function createStudy(opts: StudyOptions): Study {
  return new Study(opts);
}

export class Study {
  readonly space: SearchSpace;
  readonly sampler: SamplerName;
  readonly direction: Direction;
  readonly seed: number;
  readonly nStartup: number;
  private readonly tpe: TpeOptions;
  private readonly told: StudyTrial[] = [];
  private readonly pending: Params[] = [];
  private bestTrial: StudyTrial | undefined;
  private gridOrder: Params[] | undefined;
  /** Grid points before this index have all been visited (visited only grows). */
  private gridCursor = 0;
  private readonly visited = new Set<string>();

  constructor(opts: StudyOptions) {
    this.space = defineSpace(opts.space, { where: opts.where });
    this.sampler = opts.sampler ?? 'tpe';
    if (!['tpe', 'random', 'grid'].includes(this.sampler)) {
      throw new StratlabError('BAD_ARGUMENT', `sampler: expected 'tpe', 'random' or 'grid', got ${JSON.stringify(this.sampler)}`, { location: { field: 'sampler' } });
    }
    this.direction = opts.direction ?? 'maximize';
    if (this.direction !== 'maximize' && this.direction !== 'minimize') {
      throw new StratlabError('BAD_ARGUMENT', `direction: expected 'maximize' or 'minimize', got ${JSON.stringify(this.direction)}`, { location: { field: 'direction' } });
    }
    this.seed = opts.seed ?? 1;
    if (!Number.isInteger(this.seed)) throw new StratlabError('BAD_ARGUMENT', `seed: expected an integer, got ${this.seed}`, { location: { field: 'seed' } });
    this.nStartup = opts.nStartup ?? 10;
    if (!(Number.isInteger(this.nStartup) && this.nStartup >= 1)) {
      throw new StratlabError('BAD_ARGUMENT', `nStartup: expected a whole number ≥ 1, got ${this.nStartup}`, { location: { field: 'nStartup' } });
    }
    this.tpe = { nCandidates: opts.nCandidates, gamma: opts.gamma, priorWeight: opts.priorWeight };
    // Grid: enumerate (and validate steps) now, so a bad space fails at creation.
    if (this.sampler === 'grid') this.gridOrder = shuffle(this.space.grid(), new Random(this.seed));
  }

  /** Every told trial, in the order told. */
  get trials(): readonly StudyTrial[] {
    return this.told;
  }

  /** The best trial with a finite value, or undefined. */
  get best(): StudyTrial | undefined {
    return this.bestTrial;
  }

  /** Grid only: every grid point has been asked. */
  get exhausted(): boolean {
    return this.gridOrder !== undefined && this.nextGridPoint() === undefined;
  }

  /** How many grid points there are (undefined for other samplers). */
  get gridSize(): number | undefined {
    return this.gridOrder?.length;
  }

  /** The next parameters to try. */
  ask(): Params {
    const number = this.told.length + this.pending.length;
    let params: Params;
    if (this.gridOrder) {
      const next = this.nextGridPoint();
      if (!next) throw new StratlabError('BAD_ARGUMENT', `grid search: all ${this.gridOrder.length} grid points have been tried`, { hint: 'check study.exhausted before ask()' });
      params = { ...next };
    } else {
      const rng = new Random(trialSeed(this.seed, number));
      params = this.sampler === 'random' || this.told.length < this.nStartup
        ? this.space.sample(rng)
        : tpeSuggest(this.space, this.observations(), rng, this.tpe);
    }
    this.pending.push(params);
    this.visited.add(this.key(params));
    return params;
  }

  /**
   * Puts `params` in as the next trial (Optuna's enqueue_trial), e.g. a known result's parameters as
   * a baseline: checked against the space, then run and told like an asked trial.
   */
  enqueue(params: Params, where = 'enqueued trial'): Params {
    this.space.check(params, where);
    const p: Params = {};
    for (const name of this.space.names) p[name] = params[name];
    this.pending.push(p);
    this.visited.add(this.key(p));
    return p;
  }

  /**
   * Record a trial's value. `params` is usually what ask() returned; parameters that were never asked
   * (trials replayed from storage, or enqueued by hand) are accepted and learned from too.
   */
  tell(params: Params, value: number): StudyTrial {
    let k = this.pending.indexOf(params);
    if (k < 0) {
      const key = this.key(params);
      k = this.pending.findIndex((p) => this.key(p) === key);
    }
    if (k >= 0) this.pending.splice(k, 1);
    else this.space.check(params);
    this.visited.add(this.key(params));
    const trial: StudyTrial = { number: this.told.length, params, value: typeof value === 'number' ? value : NaN };
    this.told.push(trial);
    if (Number.isFinite(trial.value) && (!this.bestTrial || this.better(trial.value, this.bestTrial.value))) this.bestTrial = trial;
    return trial;
  }

  /** True when a is strictly better than b in the study's direction. */
  better(a: number, b: number): boolean {
    return this.direction === 'maximize' ? a > b : a < b;
  }

  private nextGridPoint(): Params | undefined {
    const order = this.gridOrder!;
    while (this.gridCursor < order.length && this.visited.has(this.key(order[this.gridCursor]))) this.gridCursor++;
    return order[this.gridCursor];
  }

  private observations(): Observation[] {
    const sign = this.direction === 'maximize' ? -1 : 1;
    const out: Observation[] = this.told.map((t) => ({ params: t.params, loss: Number.isFinite(t.value) ? sign * t.value : Infinity }));
    for (const p of this.pending) out.push({ params: p, loss: Infinity });
    return out;
  }

  private key(p: Params): string {
    const o: Params = {};
    for (const name of this.space.names) o[name] = p[name];
    return canonicalJson(o);
  }
}

export interface FunctionOptimizeOptions extends Omit<StudyOptions, 'space' | 'direction'> {
  /** Default 100. */
  nTrials?: number;
}

export interface FunctionOptimizeResult {
  bestParams: Params | undefined;
  bestValue: number;
  trials: readonly StudyTrial[];
  study: Study;
}

/** Minimise a plain function over a space: `minimize((p) => (p.x - 2) ** 2, { x: { min: -5, max: 5, type: 'float' } })`. A throw counts as a failed trial. */
export function minimize(fn: (params: Params) => number, space: SpaceSpec | SearchSpace, opts: FunctionOptimizeOptions = {}): FunctionOptimizeResult {
  return runFunction(fn, space, opts, 'minimize');
}

/** Maximise a plain function over a space (see minimize). */
export function maximize(fn: (params: Params) => number, space: SpaceSpec | SearchSpace, opts: FunctionOptimizeOptions = {}): FunctionOptimizeResult {
  return runFunction(fn, space, opts, 'maximize');
}

function runFunction(fn: (params: Params) => number, space: SpaceSpec | SearchSpace, opts: FunctionOptimizeOptions, direction: Direction): FunctionOptimizeResult {
  const nTrials = opts.nTrials ?? 100;
  if (!(Number.isInteger(nTrials) && nTrials >= 1)) throw new StratlabError('BAD_ARGUMENT', `nTrials: expected a whole number ≥ 1, got ${nTrials}`, { location: { field: 'nTrials' } });
  const study = createStudy({ ...opts, space, direction });
  for (let i = 0; i < nTrials && !study.exhausted; i++) {
    const p = study.ask();
    let v: number;
    try {
      v = fn(p);
    } catch {
      v = NaN;
    }
    study.tell(p, v);
  }
  return { bestParams: study.best?.params, bestValue: study.best?.value ?? NaN, trials: study.trials, study };
}

/** A 32-bit seed for trial `n` of a study seeded `seed` (distinct, well-mixed per trial). */
export function trialSeed(seed: number, n: number): number {
  let h = Math.imul((seed | 0) ^ 0x27d4eb2f, 0x165667b1) ^ Math.imul(n + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

function shuffle<T>(xs: T[], rng: Random): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
