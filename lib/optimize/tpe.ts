/**
 * The Tree-structured Parzen Estimator (Bergstra et al. 2011), univariate, as Optuna's default
 * TPESampler: sort the observed trials by loss, call the best γ(n) = min(⌈0.1·n⌉, 25) "good" and the
 * rest "bad" (Optuna's default_gamma — it grows with n but caps, so l(x) stays sharp in long studies),
 * fit a Parzen estimator per parameter to each group (parzen.ts), draw 24 candidates from the good
 * one l(x) and keep the one with the largest l(x) / g(x).
 *
 * Parameters are modelled independently. With a `where` constraint the per-parameter winners may
 * form an infeasible point; then the 24 candidates are taken as joint points (candidate k of every
 * parameter), scored by the sum of their log-ratios, and the best feasible one wins; a batch with no
 * feasible point is redrawn, a bounded number of times.
 */
import type { Random } from '../data/random';
import { CategoricalParzen, NumericParzen } from './parzen';
import { infeasibleError, MAX_CONSTRAINT_TRIES, snap, type Choice, type ParamDef, type Params, type SearchSpace } from './space';

/** A trial the sampler learns from. loss: lower is better; failed and pending trials carry +Infinity. */
export interface Observation {
  params: Params;
  loss: number;
}

export interface TpeOptions {
  /** Candidates drawn from l(x) per suggestion (Optuna: 24). */
  nCandidates?: number;
  /** Size of the good group for n observations (default min(⌈0.1·n⌉, 25)). */
  gamma?: (n: number) => number;
  /** Weight of the prior kernel (default 1). */
  priorWeight?: number;
}

export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

export function tpeSuggest(space: SearchSpace, history: readonly Observation[], rng: Random, opts: TpeOptions = {}): Params {
  const nCandidates = opts.nCandidates ?? 24;
  const priorWeight = opts.priorWeight ?? 1;
  const nGood = Math.max(1, Math.min(history.length - 1, (opts.gamma ?? defaultGamma)(history.length)));
  // Stable sort: equal losses keep trial order. The groups go back to trial order for the age weights.
  const ranked = history.map((_, i) => i).sort((i, j) => cmp(history[i].loss, history[j].loss) || i - j);
  const good = ranked.slice(0, nGood).sort((i, j) => i - j).map((i) => history[i].params);
  const bad = ranked.slice(nGood).sort((i, j) => i - j).map((i) => history[i].params);
  const models = space.params.map((p) => fitPair(p, good, bad, priorWeight));

  const d = space.params.length;
  for (let attempt = 0; attempt * nCandidates < MAX_CONSTRAINT_TRIES; attempt++) {
    const values: Choice[][] = [];
    const scores: Float64Array[] = [];
    for (let j = 0; j < d; j++) {
      const m = models[j];
      const v: Choice[] = new Array(nCandidates);
      const s = new Float64Array(nCandidates);
      for (let k = 0; k < nCandidates; k++) {
        const raw = m.l.sample(rng);
        s[k] = m.l.logPdf(raw) - m.g.logPdf(raw);
        v[k] = m.decode(raw);
      }
      values.push(v);
      scores.push(s);
    }
    // Per-parameter winners first (plain univariate TPE).
    const point: Params = {};
    for (let j = 0; j < d; j++) point[space.params[j].name] = values[j][argmax(scores[j])];
    if (space.feasible(point)) return point;
    // Then the best feasible joint candidate.
    let best = -1, bestScore = -Infinity;
    for (let k = 0; k < nCandidates; k++) {
      const p: Params = {};
      let score = 0;
      for (let j = 0; j < d; j++) {
        p[space.params[j].name] = values[j][k];
        score += scores[j][k];
      }
      if ((best < 0 || score > bestScore) && space.feasible(p)) {
        best = k;
        bestScore = score;
      }
    }
    if (best >= 0) {
      const p: Params = {};
      for (let j = 0; j < d; j++) p[space.params[j].name] = values[j][best];
      return p;
    }
  }
  throw infeasibleError(`${MAX_CONSTRAINT_TRIES} TPE candidates tried`);
}

interface Model {
  l: { sample(rng: Random): number; logPdf(x: number): number };
  g: { sample(rng: Random): number; logPdf(x: number): number };
  /** From the estimator's space (log, choice index) back to the parameter's value. */
  decode(raw: number): Choice;
}

function fitPair(p: ParamDef, good: Params[], bad: Params[], priorWeight: number): Model {
  if (p.kind === 'categorical') {
    const index = (ps: Params[]) => ps.map((x) => Math.max(0, p.choices.indexOf(x[p.name])));
    return {
      l: new CategoricalParzen(index(good), p.choices.length, priorWeight),
      g: new CategoricalParzen(index(bad), p.choices.length, priorWeight),
      decode: (raw) => p.choices[raw],
    };
  }
  if (p.log) {
    // Log integers: continuous in log space over [min − ½, max + ½], rounded at the end (as Optuna).
    const lo = Math.log(p.kind === 'int' ? p.min - 0.5 : p.min), hi = Math.log(p.kind === 'int' ? p.max + 0.5 : p.max);
    const obs = (ps: Params[]) => ps.map((x) => Math.log(x[p.name] as number));
    return {
      l: new NumericParzen(obs(good), lo, hi, undefined, priorWeight),
      g: new NumericParzen(obs(bad), lo, hi, undefined, priorWeight),
      decode: (raw) => snap(p, Math.exp(raw)),
    };
  }
  const obs = (ps: Params[]) => ps.map((x) => x[p.name] as number);
  return {
    l: new NumericParzen(obs(good), p.min, p.max, p.step, priorWeight),
    g: new NumericParzen(obs(bad), p.min, p.max, p.step, priorWeight),
    decode: (raw) => snap(p, raw),
  };
}

// +Infinity (failed, pending) sorts last; NaN never reaches here (the study maps it to +Infinity).
function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function argmax(xs: Float64Array): number {
  let k = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[k]) k = i;
  return k;
}
