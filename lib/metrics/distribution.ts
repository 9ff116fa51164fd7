/**
 * Sample statistics and the normal and Student-t distributions, for risk figures and significance
 * tests (PSR, DSR, p-values).
 *
 * NaN policy: the sample functions skip NaN (a missing value: a warm-up bar, a bar with no return)
 * and use only the values left; ±Infinity is a value and propagates. Too few values for a statistic
 * (none for the mean, fewer than 2 for the variance) give NaN, never a throw.
 */
import { StratlabError } from '../core/errors';

export interface Moments {
  /** Values used (NaN skipped). */
  count: number;
  mean: number;
  /** Sample variance and standard deviation (n − 1). */
  variance: number;
  std: number;
  /** m3 / m2^1.5 from the population moments (scipy.stats.skew, bias=True). */
  skewness: number;
  /** Pearson kurtosis m4 / m2², NOT excess: a normal sample is ≈ 3 (scipy.stats.kurtosis(fisher=False)). */
  kurtosis: number;
}

/** Mean, variance, skewness and kurtosis in two passes (the second around the mean, so no cancellation). */
export function moments(x: ArrayLike<number>): Moments {
  const n = x.length;
  let count = 0, sum = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v === v) {
      sum += v;
      count++;
    }
  }
  if (count === 0) return { count, mean: NaN, variance: NaN, std: NaN, skewness: NaN, kurtosis: NaN };
  const m = sum / count;
  let s2 = 0, s3 = 0, s4 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== v) continue;
    const d = v - m, d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  const variance = count > 1 ? s2 / (count - 1) : NaN;
  const m2 = s2 / count;
  return {
    count,
    mean: m,
    variance,
    std: Math.sqrt(variance),
    skewness: m2 > 0 ? s3 / count / Math.pow(m2, 1.5) : NaN,
    kurtosis: m2 > 0 ? s4 / count / (m2 * m2) : NaN,
  };
}

export function mean(x: ArrayLike<number>): number {
  let count = 0, sum = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v === v) {
      sum += v;
      count++;
    }
  }
  return count ? sum / count : NaN;
}

/** Sample variance (n − 1). */
export function variance(x: ArrayLike<number>): number {
  return moments(x).variance;
}

/** Sample standard deviation (n − 1). */
export function std(x: ArrayLike<number>): number {
  return Math.sqrt(variance(x));
}

/** Skewness from population moments, m3 / m2^1.5 (as scipy.stats.skew with bias=True). */
export function skewness(x: ArrayLike<number>): number {
  return moments(x).skewness;
}

/** Pearson kurtosis m4 / m2², NOT excess kurtosis: a normal distribution has 3. */
export function kurtosis(x: ArrayLike<number>): number {
  return moments(x).kurtosis;
}

/** The values without NaN, sorted ascending. */
export function sortedValues(x: ArrayLike<number>): Float64Array {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === x[i]) count++;
  const out = new Float64Array(count);
  for (let i = 0, k = 0; i < x.length; i++) if (x[i] === x[i]) out[k++] = x[i];
  return out.sort();
}

/**
 * The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics, numpy's default
 * ('linear', type 7): position (n − 1)·q in the sorted values. NaN when there are no values.
 */
export function quantile(x: ArrayLike<number>, q: number): number {
  return quantileSorted(sortedValues(x), q);
}

/** Several quantiles with one sort. */
export function quantiles(x: ArrayLike<number>, qs: readonly number[]): number[] {
  const s = sortedValues(x);
  return qs.map((q) => quantileSorted(s, q));
}

/** The q-quantile of values already sorted ascending (no NaN), without copying them. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new StratlabError('BAD_ARGUMENT', `quantile: q must be between 0 and 1, got ${q}`);
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo, a = sorted[lo], b = sorted[hi];
  // numpy's lerp: from the nearer end, so q = 1 gives exactly the maximum.
  return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t);
}

// ---------------------------------------------------------------------------------------------
// Special functions. Accuracy near double precision: the normal CDF goes through the regularized
// incomplete gamma function (series below its mean, continued fraction above, so each side keeps
// relative precision in the tails), the t CDF through the regularized incomplete beta function.

const EPS = 1e-16;
const TINY = 1e-300;
const LOG_SQRT_PI = 0.5723649429247001; // ln Γ(1/2)
const HALF_LOG_2PI = 0.9189385332046728;

/**
 * ln Γ(x) for x > 0: Stirling's series from x = 15 (error < 1e-16); below, the Lanczos approximation
 * (g = 7, 9 terms), whose terms stay small, so results near ln Γ = 0 keep ~1e-15 absolute precision.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x >= 15) return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + stirlingTail(x);
  // Lanczos is most accurate from ½ up: Γ(x) = Γ(x + 1) / x below that.
  if (x < 0.5) return logGamma(x + 1) - Math.log(x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π], for x ≥ 15. */
function stirlingTail(x: number): number {
  const r = 1 / x, r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
}

/** ln B(a, b), written so that large arguments (t with many degrees of freedom) lose no precision. */
export function logBeta(a: number, b: number): number {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  if (hi < 15) return logGamma(a) + logGamma(b) - logGamma(a + b);
  const s = lo + hi;
  if (lo >= 15) {
    // Stirling for all three, with the ln terms regrouped as ratios.
    return HALF_LOG_2PI + (lo - 0.5) * Math.log(lo / s) + (hi - 0.5) * Math.log(hi / s) - 0.5 * Math.log(s)
      + stirlingTail(lo) + stirlingTail(hi) - stirlingTail(s);
  }
  // ln Γ(hi) − ln Γ(hi + lo) by Stirling, with log1p for the near-cancelling part.
  const diff = -(hi - 0.5) * Math.log1p(lo / hi) - lo * Math.log(s) + lo + stirlingTail(hi) - stirlingTail(s);
  return logGamma(lo) + diff;
}

/** Upper tail of the standard normal, Q(z) = 1 − Φ(z), for z ≥ 0, with relative precision. */
function normalUpper(z: number): number {
  if (z === Infinity) return 0;
  const u = 0.5 * z * z;
  const front = Math.exp(-u + 0.5 * Math.log(u) - LOG_SQRT_PI);
  if (u < 1.5) {
    // P(½, u) by its series; Q = (1 − P) / 2 loses nothing while Q ≥ 0.04.
    if (u === 0) return 0.5;
    let term = 2, sum = 2; // 1/a with a = ½
    for (let k = 1; k < 500; k++) {
      term *= u / (0.5 + k);
      sum += term;
      if (term < sum * EPS) break;
    }
    return 0.5 * (1 - front * sum);
  }
  // Q(½, u) by its continued fraction (modified Lentz).
  let b = u + 0.5, c = 1 / TINY, d = 1 / b, h = d;
  for (let k = 1; k < 500; k++) {
    const an = -k * (k - 0.5);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return 0.5 * front * h;
}

/** Standard normal CDF Φ(x), relative error ~1e-15 in both tails. */
export function normalCdf(x: number): number {
  if (x !== x) return NaN;
  return x >= 0 ? 1 - normalUpper(x) : normalUpper(-x);
}

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x - HALF_LOG_2PI);
}

// Acklam's rational approximation (relative error 1.15e-9), then one Halley step on the exact CDF.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Inverse of the standard normal CDF, Φ⁻¹(p): accurate to ~1e-15 relative (Acklam plus a Halley step). */
export function normalQuantile(p: number): number {
  if (p !== p) return NaN;
  if (!(p >= 0 && p <= 1)) throw new StratlabError('BAD_ARGUMENT', `normalQuantile: p must be between 0 and 1, got ${p}`);
  // Work in the lower half, where 1 − p is exact and the CDF has full relative precision.
  if (p > 0.5) return -lowerQuantile(1 - p);
  return lowerQuantile(p);
}

function lowerQuantile(p: number): number {
  if (p === 0) return -Infinity;
  if (p === 0.5) return 0;
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else {
    const q = p - 0.5, r = q * q;
    x = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q)
      / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
  // Halley refinement: the error after one step is far below double precision.
  const e = normalCdf(x) - p;
  const u = e * Math.exp(0.5 * x * x + HALF_LOG_2PI);
  return x - u / (1 + 0.5 * x * u);
}

/**
 * Regularized incomplete beta I_x(a, b) by its continued fraction. `y` is 1 − x, passed separately
 * so callers that know it exactly (the t CDF) keep precision when x is close to 1.
 */
export function regularizedBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (!(a > 0) || !(b > 0)) throw new StratlabError('BAD_ARGUMENT', `regularizedBeta: a and b must be positive, got a = ${a}, b = ${b}`);
  if (x !== x) return NaN;
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  // The fraction converges fast only below the mean; above it use I_x(a, b) = 1 − I_y(b, a).
  if (x > (a + 1) / (a + b + 2)) return 1 - betaFraction(y, b, a, x);
  return betaFraction(x, a, b, y);
}

function betaFraction(x: number, a: number, b: number, y: number): number {
  const front = Math.exp(a * Math.log(x) + b * Math.log(y) - logBeta(a, b)) / a;
  const qab = a + b, qap = a + 1, qam = a - 1;
  let c = 1, d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return front * h;
}

/**
 * Student-t CDF with `df` degrees of freedom (any positive real; Infinity is the normal), for
 * p-values: a two-sided p-value of a t statistic is 2·studentTCdf(−|t|, df).
 */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new StratlabError('BAD_ARGUMENT', `studentTCdf: df must be positive, got ${df}`);
  if (t !== t) return NaN;
  if (df === Infinity) return normalCdf(t);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const t2 = t * t;
  // Tail mass ½·I_{df/(df+t²)}(df/2, ½); both x and 1 − x computed directly.
  const tail = 0.5 * regularizedBeta(df / (df + t2), 0.5 * df, 0.5, t2 / (df + t2));
  return t > 0 ? 1 - tail : tail;
}
