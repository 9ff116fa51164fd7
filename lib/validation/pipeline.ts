/**
 * The validation pipeline (docs/validation.md §3.1), cheapest and most decisive first:
 *   1. disqualification rules on the full-period run        → rejected ('disqualified: trades 12 < 30')
 *   2. holdout: test return < 0                              → rejected ('negative_out_of_sample')
 *   3. walk-forward: pass rate < 0.5                         → rejected ('walk_forward_failure')
 *   4. overfitting statistics: DSR < minDsr, PBO > maxPbo,
 *      and (only when asked) a Sharpe CI reaching 0          → rejected ('deflated_sharpe 0.62 < 0.95', …)
 *   5. multi-asset: passes → passed; fails → marginal ('multi_asset 1/3 positive');
 *      no related data → marginal ('multi_asset: no related symbols').
 * The first failure ends the run; `steps` lists the steps that ran.
 */
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { formatTime } from '../data/timestamps';
import { strategyName, type BacktestResult, type StrategyClass } from '../engine';
import { plainParams } from '../engine/result';
import { kurtosis, skewness } from '../metrics/distribution';
import { disqualify, explainDisqualification, type DisqualificationRules } from '../sweep/score';
import { holdout, type HoldoutResult } from './holdout';
import { DEFAULT_MULTI_ASSET_THRESHOLD, multiAsset, relatedSymbols, type MultiAssetResult } from './multi-asset';
import type { PeriodSpec } from './period';
import { ValidationReport, type BootstrapReport, type DeflatedSharpeReport, type ReasonCode, type ValidationVerdict, type ValidationStep } from './report';
import { runner, type ValidationSettings } from './settings';
import { bootstrapSharpe, deflatedSharpe } from './stats';
import { WALK_FORWARD_DEFAULTS, walkForward, type WalkForwardCheck, type WalkForwardSpec } from './walk-forward';

export interface OverfittingOptions {
  /** How many configurations the search tried (tracker.sharpeStats(experimentId).count); default 1, where DSR = PSR. */
  nTrials?: number;
  /** Variance of the trials' ANNUALISED Sharpes (tracker.sharpeStats(experimentId).variance); needed when nTrials > 1. */
  sharpeVariance?: number;
  /** Probability of Backtest Overfitting of the sweep the candidate came from, when known. */
  pbo?: number | null;
  /** Reject below this deflated Sharpe ratio (default 0.95). */
  minDsr?: number;
  /** Reject above this PBO (default 0.5). */
  maxPbo?: number;
}

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  iterations?: number;
  /** Seed of the resampling, so a report is reproducible (default 42). */
  seed?: number;
  /** Confidence of the interval (default 0.95). */
  confidence?: number;
  /**
   * Mean length of the resampled runs of consecutive bars (stationary bootstrap). Default ∛(bars),
   * the usual rule of thumb: a strategy's returns come in runs (in the market, then flat), and
   * resampling single bars would break them up and narrow the interval.
   */
  blockSize?: number;
  /** Reject when the interval's lower bound is ≤ 0 (default false: the interval informs, DSR decides). */
  requirePositiveCi?: boolean;
}

export interface ValidateCandidateOptions {
  strategy: StrategyClass;
  params?: Record<string, unknown>;
  /** The candidate's symbol: a key of `data`. */
  symbol: string;
  /** Checked against the bars' timeframe when given (validating on other bars than were swept is a mistake). */
  timeframe?: string;
  /** Bars by symbol: the candidate's own, and those of the related symbols for the multi-asset check. */
  data: Record<string, Bars>;
  /** Related symbols for the multi-asset check (default relatedSymbols(symbol, universe)). */
  related?: string[];
  /** Overrides RELATED_SYMBOLS entries when `related` is not given. */
  universe?: Record<string, string[]>;
  /** Holdout periods (default: the last 30 % of the time span is the test). */
  holdout?: { train?: PeriodSpec; test?: PeriodSpec; testFraction?: number };
  /** Walk-forward windows (default train 2 years, test 1, pass rate ≥ 0.5); false skips the step (the best verdict is then marginal). */
  walkForward?: WalkForwardSpec | false;
  /** Multi-asset threshold (default 0.6) and an optional common period. */
  multiAsset?: { threshold?: number; period?: PeriodSpec };
  /** Overrides of the disqualification rules (docs/validation.md §2.3). */
  rules?: Partial<DisqualificationRules>;
  settings?: ValidationSettings;
  overfitting?: OverfittingOptions;
  /** The bootstrap Sharpe interval (on by default; false skips it). */
  bootstrap?: BootstrapOptions | false;
}

export const VALIDATION_THRESHOLDS = Object.freeze({ minDsr: 0.95, maxPbo: 0.5 });
export const BOOTSTRAP_DEFAULTS: Readonly<{ iterations: number; seed: number; confidence: number }> = Object.freeze({ iterations: 1000, seed: 42, confidence: 0.95 });

export function validateCandidate(opts: ValidateCandidateOptions): ValidationReport {
  const bars = candidateBars(opts);
  const S = opts.strategy;
  const params = opts.params ?? {};
  const settings = opts.settings ?? {};
  const of = opts.overfitting ?? {};
  const minDsr = of.minDsr ?? VALIDATION_THRESHOLDS.minDsr;
  const maxPbo = of.maxPbo ?? VALIDATION_THRESHOLDS.maxPbo;
  const boot = opts.bootstrap === false ? null : { ...BOOTSTRAP_DEFAULTS, ...opts.bootstrap };
  const wfSpec = opts.walkForward === false ? null : { ...opts.walkForward };
  const multiThreshold = opts.multiAsset?.threshold ?? DEFAULT_MULTI_ASSET_THRESHOLD;
  checkOverfittingOptions(of, minDsr, maxPbo);

  const full = runner(bars, S, params, settings).run();
  const steps: ValidationStep[] = [];
  const notes: string[] = [];
  let holdoutRes: HoldoutResult | null = null;
  let wf: WalkForwardCheck | null = null;
  let ma: MultiAssetResult | null = null;
  let dsr: DeflatedSharpeReport | null = null;
  let ci: BootstrapReport | null = null;
  const pbo = of.pbo ?? null;

  const done = (status: ValidationVerdict, reasonCode: ReasonCode | null, reason: string | null) =>
    new ValidationReport({
      status, reason, reasonCode,
      strategy: strategyName(S), params: plainParams(full.params), symbol: bars.symbol, timeframe: bars.timeframe,
      period: `${formatTime(full.start)} → ${formatTime(full.end)}`,
      steps, notes, full: full.metrics(), disqualified,
      holdout: holdoutRes, walkForward: wf, multiAsset: ma, deflatedSharpe: dsr, bootstrapSharpe: ci, pbo,
      thresholds: {
        minDsr, maxPbo, requirePositiveCi: boot?.requirePositiveCi ?? false,
        minPassRate: wfSpec?.minPassRate ?? WALK_FORWARD_DEFAULTS.minPassRate, multiAssetThreshold: multiThreshold,
      },
    });

  // 1. Hard filters on the whole period.
  steps.push('disqualification');
  const disqualified = disqualify(full, opts.rules);
  if (disqualified.length) {
    return done('rejected', 'disqualified', `disqualified: ${explainDisqualification(full, disqualified, opts.rules).join('; ')}`);
  }

  // 2. Out of sample.
  steps.push('holdout');
  holdoutRes = holdout({ strategy: S, params, bars, ...opts.holdout, settings });
  if (holdoutRes.test.returnPct < 0) return done('rejected', 'negative_out_of_sample', 'negative_out_of_sample');

  // 3. Walk-forward.
  let capReason: [ReasonCode, string] | null = null;
  if (wfSpec) {
    steps.push('walkForward');
    wf = walkForward({ strategy: S, params, bars, settings, ...wfSpec });
    if (!wf.passes) return done('rejected', 'walk_forward_failure', 'walk_forward_failure');
  } else {
    capReason = ['walk_forward_skipped', 'walk_forward: skipped'];
    notes.push('walk-forward skipped (walkForward: false): the verdict is at best marginal');
  }

  // 4. Overfitting statistics. The interval is computed first so that every report reaching this
  // step shows it, whichever test decides.
  steps.push('overfitting');
  dsr = deflated(full, of, notes);
  if (boot) ci = bootstrapped(full, boot);
  if (!(dsr.dsr >= minDsr)) return done('rejected', 'deflated_sharpe', `deflated_sharpe ${shown(dsr.dsr, minDsr)} < ${minDsr}`);
  if (pbo !== null && pbo > maxPbo) return done('rejected', 'pbo', `pbo ${shown(pbo, maxPbo)} > ${maxPbo}`);
  if (pbo === null) notes.push('PBO not given: pass overfitting.pbo from the sweep to check it');
  if (ci && boot?.requirePositiveCi && !(ci.low > 0)) return done('rejected', 'sharpe_ci', `sharpe_ci low ${ci.low.toFixed(2)} ≤ 0`);

  // 5. Related instruments: decides passed or marginal.
  const related = opts.related ?? relatedSymbols(opts.symbol, opts.universe);
  const available: Record<string, Bars> = {};
  const missing: string[] = [];
  for (const s of related) {
    if (s.toUpperCase() === opts.symbol.toUpperCase()) continue;
    const b = lookup(opts.data, s);
    if (b) available[s] = b;
    else missing.push(s);
  }
  if (missing.length) notes.push(`multi-asset: no data for ${missing.join(', ')}`);
  if (Object.keys(available).length === 0) {
    if (!related.length) notes.push(`multi-asset: no related symbols known for ${opts.symbol}; pass related or universe`);
    return done('marginal', 'multi_asset_no_related', 'multi_asset: no related symbols');
  }
  steps.push('multiAsset');
  ma = multiAsset({ strategy: S, params, data: available, threshold: multiThreshold, period: opts.multiAsset?.period, settings });
  if (!ma.passes) return done('marginal', 'multi_asset', `multi_asset ${ma.positiveCount}/${Object.keys(ma.results).length} positive`);
  if (capReason) return done('marginal', capReason[0], capReason[1]);
  return done('passed', null, null);
}

/** Two decimals, or as many more as it takes not to print the threshold itself (0.9496 vs 0.95). */
function shown(x: number, threshold: number): string {
  let d = 2;
  while (d < 6 && Number(x.toFixed(d)) === threshold && x !== threshold) d++;
  return x.toFixed(d);
}

function candidateBars(opts: ValidateCandidateOptions): Bars {
  if (!opts || typeof opts.symbol !== 'string' || !opts.symbol) {
    throw new StratlabError('BAD_ARGUMENT', 'validateCandidate: symbol: expected the candidate\'s symbol', { location: { field: 'symbol' } });
  }
  if (!opts.data || typeof opts.data !== 'object') {
    throw new StratlabError('BAD_ARGUMENT', 'validateCandidate: data: expected { SYMBOL: bars, … }', { location: { field: 'data' } });
  }
  const bars = lookup(opts.data, opts.symbol);
  if (!bars) {
    throw new StratlabError('BAD_ARGUMENT', `validateCandidate: data has no bars for ${opts.symbol} (it has ${Object.keys(opts.data).join(', ') || 'none'})`, {
      hint: `pass { ${opts.symbol}: await loadBars(…), … }`,
      location: { field: 'data' },
    });
  }
  if (opts.timeframe && bars.timeframe !== opts.timeframe) {
    throw new StratlabError('BAD_ARGUMENT', `validateCandidate: timeframe: the candidate was found on ${opts.timeframe} bars, the data for ${opts.symbol} is ${bars.timeframe}`, {
      hint: `resample(bars, '${opts.timeframe}') or load the ${opts.timeframe} data`,
      location: { field: 'timeframe' },
    });
  }
  return bars;
}

/** Case-insensitive: trackers and files spell symbols differently ('eurusd' vs 'EURUSD'). */
function lookup(data: Record<string, Bars>, symbol: string): Bars | undefined {
  if (data[symbol]) return data[symbol];
  const key = Object.keys(data).find((k) => k.toUpperCase() === symbol.toUpperCase());
  return key === undefined ? undefined : data[key];
}

function checkOverfittingOptions(of: OverfittingOptions, minDsr: number, maxPbo: number): void {
  const bad = (field: string, msg: string, hint?: string) => {
    throw new StratlabError('BAD_ARGUMENT', `validateCandidate: overfitting.${field}: ${msg}`, { hint, location: { field: `overfitting.${field}` } });
  };
  if (of.nTrials !== undefined && !(Number.isInteger(of.nTrials) && of.nTrials >= 1)) bad('nTrials', `expected a whole number ≥ 1, got ${of.nTrials}`);
  if (of.sharpeVariance !== undefined && !(of.sharpeVariance >= 0 && Number.isFinite(of.sharpeVariance))) bad('sharpeVariance', `expected a variance ≥ 0, got ${of.sharpeVariance}`);
  if ((of.nTrials ?? 1) > 1 && of.sharpeVariance === undefined) {
    bad('sharpeVariance', `required when nTrials > 1 (${of.nTrials})`, 'pass tracker.sharpeStats(experimentId).variance (the variance of the trials\' annualised Sharpes)');
  }
  if (of.pbo != null && !(of.pbo >= 0 && of.pbo <= 1)) bad('pbo', `expected a probability in [0, 1], got ${of.pbo}`);
  if (!(minDsr >= 0 && minDsr <= 1)) bad('minDsr', `expected a probability in [0, 1], got ${minDsr}`);
  if (!(maxPbo >= 0 && maxPbo <= 1)) bad('maxPbo', `expected a probability in [0, 1], got ${maxPbo}`);
}

/** Per-bar simple returns of the equity curve, as the engine's Sharpe uses them. */
export function barReturns(equity: Float64Array): Float64Array {
  const n = Math.max(0, equity.length - 1);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = equity[i] > 0 ? equity[i + 1] / equity[i] - 1 : 0;
  return r;
}

/**
 * The DSR works on per-period Sharpes: the candidate's annualised Sharpe and the trials' variance
 * are brought back to one bar with the run's periodsPerYear (SR / √ppy, Var / ppy).
 */
function deflated(full: BacktestResult, of: OverfittingOptions, notes: string[]): DeflatedSharpeReport {
  const ppy = full.settings.periodsPerYear;
  const nTrials = of.nTrials ?? 1;
  const sharpeVariance = nTrials > 1 ? of.sharpeVariance ?? 0 : 0;
  if (nTrials === 1) notes.push('nTrials is 1: the deflated Sharpe is the probabilistic Sharpe (no deflation for multiple testing); pass overfitting.nTrials from the sweep');
  const r = barReturns(full.equity);
  let skew = skewness(r), kurt = kurtosis(r);
  if (!Number.isFinite(skew) || !Number.isFinite(kurt)) {
    // A flat curve has no shape; a normal one is the neutral assumption.
    notes.push('return moments undefined (flat equity): DSR assumes normal returns');
    skew = 0;
    kurt = 3;
  }
  const res = deflatedSharpe({ sharpe: full.sharpe / Math.sqrt(ppy), nTrials, sharpeVariance: sharpeVariance / ppy, nObs: r.length, skew, kurtosis: kurt });
  return {
    dsr: res.dsr, psr: res.psr, expectedMaxSharpe: res.expectedMaxSharpe * Math.sqrt(ppy),
    nTrials, sharpeVariance, nObs: r.length, skew, kurtosis: kurt,
  };
}

function bootstrapped(full: BacktestResult, boot: BootstrapOptions & { iterations: number; seed: number; confidence: number }): BootstrapReport {
  const r = barReturns(full.equity);
  const res = bootstrapSharpe(r, {
    iterations: boot.iterations, confidence: boot.confidence, seed: boot.seed,
    periodsPerYear: full.settings.periodsPerYear, blockSize: boot.blockSize ?? Math.max(1, Math.round(Math.cbrt(r.length))),
  });
  return { sharpe: res.sharpe, low: res.low, high: res.high, confidence: res.confidence, standardError: res.standardError, iterations: res.iterations, blockSize: res.blockSize };
}
