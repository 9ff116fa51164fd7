/**
 * One-dimensional Parzen estimators for TPE (Bergstra et al. 2011), with Optuna's defaults:
 *
 * - numeric: a mixture of Gaussians truncated to the range, one per observation plus a prior kernel
 *   (centre of the range, σ = the range's width, weight 1). An observation's σ is the larger of the
 *   gaps to its neighbours among the sorted observations, the range ends counting as neighbours except
 *   beside the outermost points ("consider_endpoints = false"); then σ is clipped to
 *   [width / min(100, n + 2), width] — Optuna's "magic clip", which keeps kernels from collapsing
 *   onto a point as observations pile up. Log ranges work in log space.
 * - discrete (integer or stepped ranges): the same mixture, each grid point owning the mass of the
 *   interval [x − step/2, x + step/2]; the range is widened by half a step at both ends.
 * - categorical: each observation is a distribution with its category's count plus
 *   priorWeight / (n + 1) smoothing on every category; the prior is uniform.
 *
 * Mixture weights: 1 per observation, but with 25 or more the older ones fade linearly (the 25 most
 * recent keep 1), as Optuna's default_weights; the prior's weight is priorWeight.
 */
import type { Random } from '../data/random';
import { normalCdf, normalQuantile } from '../metrics/distribution';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Masses below this are treated as this, so a log-ratio never becomes −∞ − (−∞). */
const MASS_FLOOR = 1e-300;

/** P(a < Z < b) for a standard normal, computed on the side of 0 where it keeps its precision. */
export function normalMass(a: number, b: number): number {
  if (a >= 0) return normalCdf(-a) - normalCdf(-b);
  if (b <= 0) return normalCdf(b) - normalCdf(a);
  return 1 - normalCdf(a) - normalCdf(-b);
}

/** Optuna's default_weights: flat for fewer than 25 observations; beyond, older ones ramp from 1/n up to 1. */
export function ageWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n >= 25) {
    const ramp = n - 25;
    for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  }
  return w;
}

function mixtureWeights(n: number, priorWeight: number): Float64Array {
  const age = ageWeights(n);
  const w = new Float64Array(n + 1);
  let sum = priorWeight;
  for (let i = 0; i < n; i++) sum += age[i];
  for (let i = 0; i < n; i++) w[i] = age[i] / sum;
  w[n] = priorWeight / sum;
  return w;
}

function pickComponent(weights: Float64Array, rng: Random): number {
  let u = rng.uniform();
  for (let i = 0; i < weights.length - 1; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/**
 * A truncated-Gaussian mixture on [low, high] (already in log space for log ranges). With `step`, the
 * support is the grid low, low + step, …, high, each point weighing its interval's mass.
 */
export class NumericParzen {
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  readonly weights: Float64Array;
  /** The continuous domain: [low, high], widened by half a step for a grid. */
  private readonly a: number;
  private readonly b: number;
  /** log of each component's mass inside [a, b]. */
  private readonly logZ: Float64Array;

  /** `observations` in trial order (oldest first), in the estimator's space. */
  constructor(observations: ArrayLike<number>, readonly low: number, readonly high: number, readonly step: number | undefined, priorWeight = 1) {
    const n = observations.length;
    const half = step === undefined ? 0 : step / 2;
    this.a = low - half;
    this.b = high + half;
    const width = this.b - this.a;
    this.mus = new Float64Array(n + 1);
    this.sigmas = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) this.mus[i] = observations[i];
    this.mus[n] = 0.5 * (low + high);
    this.sigmas[n] = width;

    // Bandwidth from neighbour gaps among the sorted observations.
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => observations[i] - observations[j]);
    for (let r = 0; r < n; r++) {
      const x = observations[order[r]];
      const left = r > 0 ? x - observations[order[r - 1]] : x - low;
      const right = r < n - 1 ? observations[order[r + 1]] - x : high - x;
      let s = Math.max(left, right);
      if (n >= 2 && r === 0) s = right;
      else if (n >= 2 && r === n - 1) s = left;
      this.sigmas[order[r]] = s;
    }
    const minSigma = width / Math.min(100, n + 2);
    for (let i = 0; i <= n; i++) this.sigmas[i] = Math.min(width, Math.max(minSigma, this.sigmas[i]));
    this.weights = mixtureWeights(n, priorWeight);
    this.logZ = new Float64Array(n + 1);
    for (let i = 0; i <= n; i++) {
      this.logZ[i] = Math.log(Math.max(MASS_FLOOR, normalMass((this.a - this.mus[i]) / this.sigmas[i], (this.b - this.mus[i]) / this.sigmas[i])));
    }
  }

  /** One draw (on the grid when there is a step). */
  sample(rng: Random): number {
    const k = pickComponent(this.weights, rng);
    const mu = this.mus[k], s = this.sigmas[k];
    // Inverse CDF within the truncation; μ lies inside [a, b], so neither bound sits deep in a tail.
    const pa = normalCdf((this.a - mu) / s), pb = normalCdf((this.b - mu) / s);
    let x = mu + s * normalQuantile(pa + rng.uniform() * (pb - pa));
    x = Math.min(this.b, Math.max(this.a, x));
    if (this.step !== undefined) x = Math.min(this.high, Math.max(this.low, this.low + Math.round((x - this.low) / this.step) * this.step));
    return x;
  }

  /** log density at x (log probability of the grid point when there is a step). */
  logPdf(x: number): number {
    const n = this.mus.length;
    const terms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const mu = this.mus[i], s = this.sigmas[i];
      let lp: number;
      if (this.step === undefined) {
        const z = (x - mu) / s;
        lp = -0.5 * z * z - LOG_SQRT_2PI - Math.log(s);
      } else {
        const h = this.step / 2;
        lp = Math.log(Math.max(MASS_FLOOR, normalMass((x - h - mu) / s, (x + h - mu) / s)));
      }
      terms[i] = Math.log(this.weights[i]) + lp - this.logZ[i];
    }
    return logSumExp(terms);
  }
}

/** Smoothed category counts: probabilities over choice indexes 0..k−1. */
export class CategoricalParzen {
  readonly probs: Float64Array;

  constructor(observations: ArrayLike<number>, readonly k: number, priorWeight = 1) {
    const n = observations.length;
    const w = mixtureWeights(n, priorWeight);
    const smooth = priorWeight / (n + 1);
    this.probs = new Float64Array(k);
    // Each observation's row: smooth everywhere, +1 at its category, normalised to sum 1.
    const rowSum = smooth * k + 1;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) this.probs[c] += (w[i] * smooth) / rowSum;
      this.probs[observations[i]] += w[i] / rowSum;
    }
    for (let c = 0; c < k; c++) this.probs[c] += w[n] / k;
  }

  sample(rng: Random): number {
    let u = rng.uniform();
    for (let c = 0; c < this.k - 1; c++) {
      u -= this.probs[c];
      if (u < 0) return c;
    }
    return this.k - 1;
  }

  logPdf(c: number): number {
    return Math.log(Math.max(MASS_FLOOR, this.probs[c]));
  }
}

function logSumExp(xs: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i] - m);
  return m + Math.log(s);
}
