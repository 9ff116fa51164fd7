/**
 * Parameter optimization of a strategy on one bar series (docs/optimization.md §1; natively: TPE,
 * random or grid search from study.ts, no Python):
 *
 *   const res = await optimize({
 *     strategy: 'SmaCross', bars: goog,
 *     paramSpace: { fast: { min: 2, max: 50 }, slow: { min: 10, max: 200 } },
 *     where: (p) => p.fast < p.slow, metric: 'sharpe', nTrials: 100, seed: 1,
 *     storage: 'runs/smacross-goog.jsonl',      // resume: rerun and it continues to nTrials in all
 *   });
 *   res.bestParams; res.bestValue; res.trials; res.convergence; res.display();
 *
 * A trial whose parameters the strategy refuses, or whose backtest throws, is recorded as failed with
 * its error and counts as the worst value; the study goes on. A metric that is not a finite number
 * (a NaN Sharpe without trades, an infinite profit factor without a loss) is kept as the trial's value
 * but also counts as the worst, and is never best. nJobs > 1 asks nJobs candidates at once
 * (TPE treats the ones still running as the worst: Optuna's constant liar) and hands the batch to the
 * Evaluator (evaluator.ts). The timeout is checked between batches: a running batch finishes.
 *
 * With `rules` (a sweep's disqualification rules, e.g. a config's { minTrades: 10 }, over the
 * defaults as in a sweep) a trial whose backtest breaks a rule is recorded as 'disqualified', with the
 * rules it broke; it counts as the worst for the sampler and is never best. Without `rules` none apply.
 *
 * `initialResult` (result chaining, docs/optimization.md §4.2: backtest → optimize → analyzeResults) runs that result's
 * parameters as the first trial, on these bars and settings, and the result reports `initial` and
 * `improvement`: how much better the best trial is than those parameters.
 */
import { isBars, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { nearest } from '../data/options';
import { BacktestResult, checkEngineOptions, engine, checkParameterNames, Engine, strategyName, type EngineOptions, type StrategyClass } from '../engine';
import { DISQUALIFICATION_RULES, disqualify, type DisqualificationRules } from '../sweep/score';
import { strategyByName } from '../strategies/registry';
import { defaultEvaluator, isMetricKey, type EvaluatorFactory, type MetricFn, type MetricKey } from './evaluator';
import { OptimizeResult, type OptimizeProgress, type OptimizeTrial } from './optimize-result';
import type { Constraint, Params, SearchSpace, SpaceSpec } from './space';
import { appendTrial, openStudyFile } from './storage';
import { createStudy, type Direction, type SamplerName } from './study';

export interface OptimizeOptions {
  /** A Strategy class or a built-in's name ('SmaCross'). */
  strategy: StrategyClass | string;
  /** The bars to backtest on; leave out when `settings` is an Engine (it carries its own). */
  bars?: Bars;
  paramSpace: SpaceSpec | SearchSpace;
  /** Parameters held fixed in every trial. */
  fixedParams?: Record<string, unknown>;
  /** A constraint on the sampled parameters (fixed ones included), e.g. (p) => p.fast < p.slow. */
  where?: Constraint;
  /** A numeric metric of the backtest (default 'sharpe'), or a function of the result. */
  metric?: MetricKey | MetricFn;
  direction?: Direction;
  /** Trials in all, stored ones included (default 100). */
  nTrials?: number;
  /** Trials evaluated at once (default 1). */
  nJobs?: number;
  sampler?: SamplerName;
  seed?: number;
  /** TPE: random trials before the model takes over (default 10). */
  nStartup?: number;
  /** Engine settings (spread defaults to 0.0003 as everywhere), or a configured engine to start from. */
  settings?: EngineOptions | Engine;
  /** Stop starting new trials after this long; the result says timedOut. */
  timeoutMs?: number;
  onProgress?: (p: OptimizeProgress) => void;
  /** A JSON-lines file of trials: appended as each finishes, replayed on start (resume). */
  storage?: string;
  /** Who runs the backtests (default: in this process). */
  evaluator?: EvaluatorFactory;
  /** Disqualification rules, over the defaults as in a sweep ({} = the defaults; docs/optimization.md §1.3); none apply when left out. */
  rules?: Partial<DisqualificationRules>;
  /** A result to start from: its parameters are the first trial, and the result reports the improvement over them. */
  initialResult?: BacktestResult;
}

export async function optimize(opts: OptimizeOptions): Promise<OptimizeResult> {
  const t0 = performance.now();
  if (opts === null || typeof opts !== 'object') throw bad('optimize(options): expected an options object');
  const S = resolveStrategy(opts.strategy);
  const name = strategyName(S);
  const base = opts.settings instanceof Engine ? opts.settings : undefined;
  const settings = base ? {} : checkSettings(opts.settings ?? {});
  if (base && opts.bars !== undefined) throw bad('optimize: pass bars, or an Engine as settings (it carries its bars), not both', 'bars');
  if (!base && !isBars(opts.bars)) throw bad('optimize: bars: expected Bars (from loadBars, resample or syntheticBars)', 'bars', 'or pass settings: engine(bars)… to start from a configured engine');
  const fixedParams = { ...(opts.fixedParams ?? {}) };
  const metric = opts.metric ?? 'sharpe';
  if (typeof metric !== 'function' && !isMetricKey(String(metric))) {
    const near = nearest(String(metric), ['sharpe', 'sortino', 'calmar', 'returnPct', 'annualisedReturn', 'profitFactor', 'maxDrawdown', 'winRate', 'sqn', 'expectancy', 'finalEquity']);
    throw bad(`optimize: metric: '${String(metric)}' is not a metric of a backtest.` + (near ? ` Did you mean '${near}'?` : ''), 'metric', 'any numeric key of BacktestMetrics (METRIC_KEYS), or a function (result) => number');
  }
  const nTrials = opts.nTrials ?? 100;
  const nJobs = opts.nJobs ?? 1;
  if (!(Number.isInteger(nTrials) && nTrials >= 1)) throw bad(`optimize: nTrials: expected a whole number ≥ 1, got ${nTrials}`, 'nTrials');
  if (!(Number.isInteger(nJobs) && nJobs >= 1)) throw bad(`optimize: nJobs: expected a whole number ≥ 1, got ${nJobs}`, 'nJobs');
  if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0)) throw bad(`optimize: timeoutMs: expected a time > 0, got ${opts.timeoutMs}`, 'timeoutMs');

  const userWhere = opts.where;
  const study = createStudy({
    space: opts.paramSpace,
    where: userWhere ? (p) => userWhere({ ...(fixedParams as Params), ...p }) : undefined,
    sampler: opts.sampler, seed: opts.seed, direction: opts.direction, nStartup: opts.nStartup,
  });
  // Checked once up front, or every trial would fail with the same error.
  checkParameterNames(S, [...study.space.names, ...Object.keys(fixedParams)]);
  const metricName = typeof metric === 'function' ? metric.name || 'custom' : metric;
  const rules = opts.rules;
  if (rules !== undefined) {
    if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) throw bad('optimize: rules: expected disqualification rules such as { minTrades: 10 }', 'rules');
    const names = Object.keys(DISQUALIFICATION_RULES);
    for (const [k, v] of Object.entries(rules)) {
      const near = nearest(k, names);
      if (!names.includes(k)) throw bad(`optimize: rules: unknown rule '${k}'.` + (near ? ` Did you mean '${near}'?` : ''), `rules.${k}`, `rules are: ${names.join(', ')}`);
      if (typeof v !== 'number' || !(v >= 0)) throw bad(`optimize: rules.${k}: expected a number ≥ 0, got ${JSON.stringify(v)}`, `rules.${k}`);
    }
  }
  const initialParams = initialParamsOf(opts.initialResult, name, study.space.names);
  // A trial's state from its outcome: an error fails it, a broken rule disqualifies it.
  const judge = (o: { error?: string; metrics?: OptimizeTrial['metrics'] }): Pick<OptimizeTrial, 'state' | 'disqualified'> => {
    if (o.error !== undefined) return { state: 'failed' };
    const broken = rules && o.metrics ? disqualify(o.metrics, rules) : [];
    return broken.length ? { state: 'disqualified', disqualified: broken } : { state: 'complete' };
  };

  // Resume: stored trials go back into the study first, so it suggests what it would have.
  const trials: OptimizeTrial[] = [];
  const warnings: string[] = [];
  if (opts.storage) {
    const loaded = openStudyFile(opts.storage, { strategy: name, metric: metricName, direction: study.direction, fixedParams });
    for (const w of loaded.warnings) console.warn(`stratlab optimize: ${w}`);
    warnings.push(...loaded.warnings);
    for (const t of loaded.trials) {
      study.space.check(t.params, `storage trial ${t.number}`);
      // Judged again under this run's rules: the stored metrics say what the rules need.
      const { disqualified: _stored, ...rest } = t;
      const verdict = t.state === 'failed' ? { state: 'failed' as const } : judge({ metrics: t.metrics });
      study.tell(t.params, verdict.state === 'complete' ? t.value : NaN);
      trials.push({ ...rest, ...verdict, number: trials.length });
    }
  }
  const resumedTrials = trials.length;

  const job = { strategy: S, strategyName: name, bars: base ? (undefined as unknown as Bars) : opts.bars!, settings, base, metric };
  const evaluator = (opts.evaluator ?? defaultEvaluator)(job, nJobs);
  let timedOut = false;
  const bestSoFar = () => study.best?.value ?? NaN;
  try {
    while (trials.length < nTrials && !study.exhausted) {
      if (opts.timeoutMs !== undefined && performance.now() - t0 >= opts.timeoutMs) {
        timedOut = true;
        break;
      }
      const batch: Params[] = [];
      const key = (p: Params) => JSON.stringify(study.space.names.map((n) => p[n]));
      if (initialParams && !trials.some((t) => key(t.params) === key(initialParams))) batch.push(study.enqueue(initialParams, 'initialResult.params'));
      while (batch.length < Math.min(nJobs, nTrials - trials.length) && !study.exhausted) batch.push(study.ask());
      const outcomes = await evaluator.evaluate(batch.map((p, i) => ({ number: trials.length + i, params: { ...fixedParams, ...p } })));
      if (!Array.isArray(outcomes) || outcomes.length !== batch.length) {
        throw new StratlabError('BAD_ARGUMENT', `optimize: the evaluator returned ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes for a batch of ${batch.length}`, { hint: 'an Evaluator resolves one outcome per task, in order' });
      }
      batch.forEach((params, i) => {
        const o = outcomes[i];
        const verdict = judge(o);
        const failed = verdict.state === 'failed';
        const trial: OptimizeTrial = {
          number: trials.length, params, value: failed ? NaN : o.value, ...verdict,
          ...(failed ? { error: o.error } : {}), elapsedMs: o.elapsedMs, ...(o.metrics ? { metrics: o.metrics } : {}),
        };
        // A disqualified trial keeps its value for the record but is the worst to the sampler.
        study.tell(params, verdict.state === 'complete' ? trial.value : NaN);
        trials.push(trial);
        if (opts.storage) appendTrial(opts.storage, trial);
      });
      opts.onProgress?.({ done: trials.length, total: nTrials, best: bestSoFar(), elapsedMs: performance.now() - t0 });
    }
  } finally {
    await evaluator.close?.();
  }

  return new OptimizeResult({
    strategy: name,
    symbol: base ? '' : opts.bars!.symbol,
    metric: metricName,
    direction: study.direction,
    sampler: study.sampler,
    fixedParams,
    trials,
    elapsedMs: performance.now() - t0,
    timedOut,
    resumedTrials,
    warnings,
    study,
    rules,
    initialParams,
    rerun: (params) => (base ?? engine(opts.bars!).configure(settings)).strategy(S, { ...fixedParams, ...params }).run(),
  });
}

/** The search-space part of an initial result's parameters; the result must be a backtest of the same strategy. */
function initialParamsOf(result: BacktestResult | undefined, strategy: string, names: readonly string[]): Params | undefined {
  if (result === undefined) return undefined;
  if (!(result instanceof BacktestResult)) throw bad('optimize: initialResult: expected a BacktestResult (what engine(bars)…run() returns)', 'initialResult');
  if (result.strategy !== strategy) {
    throw bad(`optimize: initialResult is a backtest of ${result.strategy}, this study optimizes ${strategy}`, 'initialResult', 'chain a result of the strategy being optimized');
  }
  const out: Params = {};
  for (const n of names) out[n] = result.params[n] as Params[string];
  return out;
}

export function resolveStrategy(strategy: StrategyClass | string): StrategyClass {
  if (typeof strategy === 'string') return strategyByName(strategy);
  if (typeof strategy === 'function' && strategy.params && typeof strategy.params.safeParse === 'function') return strategy;
  throw bad('optimize: strategy: expected a Strategy class or a built-in strategy name', 'strategy', "e.g. strategy: 'SmaCross' or strategy: strategies.SmaCross");
}

export function checkSettings(s: EngineOptions | Engine): EngineOptions {
  return s instanceof Engine ? {} : checkEngineOptions(s);
}


function bad(message: string, field?: string, hint?: string): StratlabError {
  return new StratlabError('BAD_ARGUMENT', message, { hint, location: field ? { field } : {} });
}
