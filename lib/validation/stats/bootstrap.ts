/**
 * A bootstrap confidence interval for the (annualised) Sharpe ratio of a return series.
 *
 * blockSize 1 resamples single returns (i.i.d.). blockSize L > 1 is the stationary bootstrap
 * (Politis & Romano 1994): runs of consecutive returns with geometric lengths of mean L, wrapping
 * around the end, so autocorrelation within a run survives the resampling. The interval is the
 * percentile interval of the resampled Sharpes; the standard error is their standard deviation.
 */
import { StratlabError } from '../../core/errors';
import { Random } from '../../data/random';
import { quantileSorted } from '../../metrics/distribution';

export interface BootstrapSharpeOptions {
  /** Number of resamples (default 2000). */
  iterations?: number;
  /** Coverage of the interval (default 0.95). */
  confidence?: number;
  /** Seed of the resampling: same seed, same interval (default 1). */
  seed?: number;
  /** Bars per year, to annualise (the run's settings.periodsPerYear). */
  periodsPerYear: number;
  /** Mean length of the resampled runs of consecutive returns (default 1: i.i.d.). */
  blockSize?: number;
}

export interface BootstrapSharpeResult {
  /** Sharpe of the returns as given: mean / sample std × √periodsPerYear. */
  sharpe: number;
  /** Percentile interval of the resampled Sharpes. */
  low: number;
  high: number;
  /** Standard deviation of the resampled Sharpes. */
  standardError: number;
  iterations: number;
  confidence: number;
  blockSize: number;
}

/** NaN returns are skipped; no risk-free rate is taken off (pass excess returns for that). Flat resamples have Sharpe 0. */
export function bootstrapSharpe(returns: ArrayLike<number>, opts: BootstrapSharpeOptions): BootstrapSharpeResult {
  const iterations = opts.iterations ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  const seed = opts.seed ?? 1;
  const blockSize = opts.blockSize ?? 1;
  const ppy = opts.periodsPerYear;
  if (!Number.isInteger(iterations) || iterations < 2) throw new StratlabError('BAD_ARGUMENT', `bootstrapSharpe: iterations must be an integer ≥ 2, got ${iterations}`);
  if (!(confidence > 0 && confidence < 1)) throw new StratlabError('BAD_ARGUMENT', `bootstrapSharpe: confidence must be between 0 and 1, got ${confidence}`);
  if (!Number.isFinite(seed)) throw new StratlabError('BAD_ARGUMENT', `bootstrapSharpe: seed must be a number, got ${seed}`);
  if (!(ppy > 0) || !Number.isFinite(ppy)) throw new StratlabError('BAD_ARGUMENT', `bootstrapSharpe: periodsPerYear must be a positive number, got ${ppy}`);
  if (!(blockSize >= 1) || !Number.isFinite(blockSize)) throw new StratlabError('BAD_ARGUMENT', `bootstrapSharpe: blockSize must be ≥ 1, got ${blockSize}`);

  let n = 0;
  for (let i = 0; i < returns.length; i++) if (returns[i] === returns[i]) n++;
  if (n < 2) throw new StratlabError('BAD_ARGUMENT', `bootstrapSharpe: returns must hold at least 2 values (NaN skipped), got ${n}`);
  const r = new Float64Array(n);
  let mean = 0;
  for (let i = 0, k = 0; i < returns.length; i++) {
    if (returns[i] === returns[i]) {
      r[k++] = returns[i];
      mean += returns[i];
    }
  }
  mean /= n;
  // Returns centred on the sample mean: the resample sums then lose no precision.
  for (let i = 0; i < n; i++) r[i] -= mean;

  const scale = Math.sqrt(ppy);
  const sharpeOf = (sum: number, sq: number): number => {
    const v = (sq - (sum * sum) / n) / (n - 1);
    return v > 0 ? ((mean + sum / n) / Math.sqrt(v)) * scale : 0;
  };
  let s0 = 0, q0 = 0;
  for (let i = 0; i < n; i++) q0 += r[i] * r[i];
  const sharpe = sharpeOf(s0, q0);

  const rng = new Random(seed);
  const iid = blockSize === 1, restart = 1 / blockSize;
  const out = new Float64Array(iterations);
  for (let it = 0; it < iterations; it++) {
    let sum = 0, sq = 0, j = 0;
    for (let i = 0; i < n; i++) {
      // A new run starts with probability 1/blockSize; otherwise the run goes on to the next return.
      if (iid || i === 0 || rng.uniform() < restart) j = Math.floor(rng.uniform() * n);
      else if (++j === n) j = 0;
      const x = r[j];
      sum += x;
      sq += x * x;
    }
    out[it] = sharpeOf(sum, sq);
  }
  s0 = 0;
  for (let it = 0; it < iterations; it++) s0 += out[it];
  const m = s0 / iterations;
  let ss = 0;
  for (let it = 0; it < iterations; it++) ss += (out[it] - m) ** 2;
  out.sort();
  const alpha = (1 - confidence) / 2;
  return {
    sharpe,
    low: quantileSorted(out, alpha),
    high: quantileSorted(out, 1 - alpha),
    standardError: Math.sqrt(ss / (iterations - 1)),
    iterations,
    confidence,
    blockSize,
  };
}
