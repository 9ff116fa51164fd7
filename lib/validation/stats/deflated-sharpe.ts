/**
 * The Probabilistic Sharpe Ratio (Bailey & López de Prado 2012, "The Sharpe Ratio Efficient
 * Frontier") and the Deflated Sharpe Ratio (Bailey & López de Prado 2014, "The Deflated Sharpe
 * Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality").
 *
 * Every Sharpe here is PER PERIOD (per bar), not annualised, because the standard error below is in
 * units of one observation. Backtest results hold annualised Sharpes: bring them back with
 * `annualisedToPeriod` (SR / √ppy for the candidate, Var / ppy for the variance across trials).
 * Kurtosis is Pearson (a normal distribution has 3), not excess.
 */
import { StratlabError } from '../../core/errors';
import { normalCdf, normalQuantile } from '../../metrics/distribution';

export const EULER_MASCHERONI = 0.5772156649015329;

export interface ProbabilisticSharpeInput {
  /** Observed Sharpe ratio, per period. */
  sharpe: number;
  /** The Sharpe to beat, per period (default 0). */
  benchmark?: number;
  /** Number of returns the Sharpe was measured on (T). */
  nObs: number;
  /** Skewness of those returns. */
  skew: number;
  /** Pearson kurtosis of those returns (normal = 3). */
  kurtosis: number;
}

/**
 * PSR = Φ((SR − SR*)·√(T − 1) / √(1 − γ3·SR + (γ4 − 1)/4·SR²)): the probability that the true Sharpe
 * exceeds the benchmark SR*, given the track record's length, skewness γ3 and kurtosis γ4.
 */
export function probabilisticSharpe(input: ProbabilisticSharpeInput): number {
  const { sharpe, benchmark = 0, nObs } = input;
  finite('probabilisticSharpe', 'sharpe', sharpe);
  finite('probabilisticSharpe', 'benchmark', benchmark);
  return normalCdf((sharpe - benchmark) / sharpeStdError(input, 'probabilisticSharpe', nObs));
}

/**
 * The standard error of a per-period Sharpe estimate under non-normal returns (Mertens 2002, as used
 * by the PSR): √((1 − γ3·SR + (γ4 − 1)/4·SR²) / (T − 1)).
 */
function sharpeStdError(input: { sharpe: number; skew: number; kurtosis: number }, fn: string, nObs: number): number {
  const { sharpe, skew, kurtosis } = input;
  if (!Number.isInteger(nObs) || nObs < 2) throw new StratlabError('BAD_ARGUMENT', `${fn}: nObs must be an integer ≥ 2, got ${nObs}`);
  finite(fn, 'skew', skew);
  finite(fn, 'kurtosis', kurtosis);
  // Any real distribution has Pearson kurtosis ≥ 1 + skew²; below that the input is almost surely excess kurtosis.
  if (kurtosis < (1 + skew * skew) * (1 - 1e-9)) {
    throw new StratlabError('BAD_ARGUMENT', `${fn}: kurtosis ${kurtosis} is impossible with skew ${skew} (Pearson kurtosis ≥ 1 + skew²)`, {
      hint: 'pass Pearson kurtosis (normal = 3), not excess kurtosis (normal = 0)',
    });
  }
  // ≥ (1 − γ3·SR/2)² ≥ 0 given the check above; zero only for a degenerate two-point distribution.
  const v = 1 - skew * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  return Math.sqrt(Math.max(v, 0) / (nObs - 1));
}

export interface ExpectedMaxSharpeInput {
  /** Number of independent trials (configurations) the best was chosen from; ≥ 1, need not be an integer (an effective count). */
  nTrials: number;
  /** Variance of the trials' Sharpe ratios (per period, like the result). */
  variance: number;
}

/**
 * The expected maximum Sharpe of N trials whose true Sharpe is 0 (the False Strategy theorem):
 * √V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))), γ the Euler–Mascheroni constant. An
 * approximation for N ≫ 1; N = 1 gives 0, and it is never below 0 (the maximum of zero-mean draws).
 */
export function expectedMaxSharpe(input: ExpectedMaxSharpeInput): number {
  const { nTrials, variance } = input;
  if (!(nTrials >= 1) || !Number.isFinite(nTrials)) throw new StratlabError('BAD_ARGUMENT', `expectedMaxSharpe: nTrials must be a number ≥ 1, got ${nTrials}`);
  if (!(variance >= 0) || !Number.isFinite(variance)) throw new StratlabError('BAD_ARGUMENT', `expectedMaxSharpe: variance must be ≥ 0, got ${variance}`);
  if (nTrials === 1 || variance === 0) return 0;
  const z = (1 - EULER_MASCHERONI) * normalQuantile(1 - 1 / nTrials) + EULER_MASCHERONI * normalQuantile(1 - 1 / (nTrials * Math.E));
  return Math.max(0, Math.sqrt(variance) * z);
}

export interface DeflatedSharpeInput {
  /** The selected configuration's Sharpe, per period. */
  sharpe: number;
  /** How many configurations were tried to find it (1: no selection, DSR = PSR). */
  nTrials: number;
  /** Variance of the trials' Sharpes, per period (Var of annualised Sharpes / ppy). Ignored when nTrials is 1. */
  sharpeVariance: number;
  /** Number of returns the Sharpe was measured on (T). */
  nObs: number;
  skew: number;
  /** Pearson kurtosis (normal = 3). */
  kurtosis: number;
}

export interface DeflatedSharpeResult {
  /** PSR against the expected maximum Sharpe of nTrials null strategies: P(true SR > what luck gives). */
  dsr: number;
  /** PSR against 0: P(true SR > 0) ignoring the selection. */
  psr: number;
  /** The benchmark the DSR uses, per period. */
  expectedMaxSharpe: number;
  /** Standard error of the Sharpe estimate, per period. */
  sharpeStdError: number;
  /** (SR − E[max SR]) / standard error: Φ of it is the DSR. */
  zScore: number;
  sharpe: number;
  nTrials: number;
  nObs: number;
}

/** DSR = PSR(SR* = E[max SR of nTrials null trials]). Inputs per period; see `annualisedToPeriod`. */
export function deflatedSharpe(input: DeflatedSharpeInput): DeflatedSharpeResult {
  const { sharpe, nTrials, nObs } = input;
  finite('deflatedSharpe', 'sharpe', sharpe);
  const variance = nTrials === 1 ? 0 : input.sharpeVariance;
  const emax = expectedMaxSharpe({ nTrials, variance });
  const se = sharpeStdError(input, 'deflatedSharpe', nObs);
  const zScore = (sharpe - emax) / se;
  return {
    dsr: normalCdf(zScore),
    psr: normalCdf(sharpe / se),
    expectedMaxSharpe: emax,
    sharpeStdError: se,
    zScore,
    sharpe,
    nTrials,
    nObs,
  };
}

/**
 * Annualised figures back to one period, as the PSR and DSR need them: the candidate's Sharpe
 * divided by √periodsPerYear and the variance of the trials' Sharpes divided by periodsPerYear.
 * `deflatedSharpe({ ...annualisedToPeriod({ sharpe: 2.5, sharpeVariance: 0.5 }, 250), nTrials, nObs, skew, kurtosis })`.
 */
export function annualisedToPeriod(annualised: { sharpe: number; sharpeVariance: number }, periodsPerYear: number): { sharpe: number; sharpeVariance: number } {
  if (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear)) {
    throw new StratlabError('BAD_ARGUMENT', `annualisedToPeriod: periodsPerYear must be a positive number, got ${periodsPerYear}`);
  }
  return { sharpe: annualised.sharpe / Math.sqrt(periodsPerYear), sharpeVariance: annualised.sharpeVariance / periodsPerYear };
}

function finite(fn: string, name: string, x: number): void {
  if (!Number.isFinite(x)) throw new StratlabError('BAD_ARGUMENT', `${fn}: ${name} must be a finite number, got ${x}`);
}
