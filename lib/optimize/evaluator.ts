/**
 * The seam between the optimizer and whatever runs the backtests. optimize() asks the study for a
 * batch of candidates (nJobs at a time) and hands them to an Evaluator; the default runs them here,
 * one after the other. A worker pool (lib/sweep) plugs in by implementing `Evaluator` for an
 * `EvaluationJob` — everything in a job but `metric` as a function and `base` is plain data a worker
 * can rebuild from (the strategy by name, the bars, the settings, the metric key).
 */
import type { Bars } from '../core/bars';
import { plainParams } from '../engine/result';
import { sharedPool } from '../sweep/pool';
import { shareBars } from '../sweep/shared';
import { strategyRef } from '../sweep/strategy-ref';
import { metricsAt } from '../sweep/task';
import { isStratlabError } from '../core/errors';
import { engine, Engine, METRIC_KEYS, type BacktestMetrics, type BacktestResult, type EngineOptions, type StrategyClass } from '../engine';

export type MetricKey = keyof BacktestMetrics;
export type MetricFn = (result: BacktestResult) => number;

/** What every trial of one optimization shares. */
export interface EvaluationJob {
  strategy: StrategyClass;
  /** The strategy's name, for a worker that resolves built-ins by name. */
  strategyName: string;
  bars: Bars;
  settings: EngineOptions;
  /** A configured engine to start from instead of `bars` + `settings` (in-process only). */
  base?: Engine;
  metric: MetricKey | MetricFn;
}

/** One trial to run: the full parameters handed to the strategy (fixed ones included). */
export interface TrialTask {
  number: number;
  params: Record<string, unknown>;
}

export interface TrialOutcome {
  /** The metric; NaN when the trial failed. */
  value: number;
  /** Every scalar metric of the run (absent when it failed). */
  metrics?: BacktestMetrics;
  /** Why the trial failed: a parameter the strategy refuses, or the backtest's error. */
  error?: string;
  elapsedMs: number;
}

export interface Evaluator {
  /** Runs a batch; resolves one outcome per task, in order. A failing trial resolves with `error`, never rejects. */
  evaluate(batch: readonly TrialTask[]): Promise<TrialOutcome[]>;
  /** Releases workers, if any. */
  close?(): Promise<void>;
}

/** Builds the evaluator for a job; pass your own as `optimize({ evaluator })`. */
export type EvaluatorFactory = (job: EvaluationJob, nJobs: number) => Evaluator;

/**
 * The evaluator optimize() uses when none is given: nJobs > 1 runs trials on the sweep's worker pool
 * when the job is plain data (a metric by name, no Engine base) and the strategy can be loaded in a
 * worker; otherwise trials run here, one after the other.
 */
export const defaultEvaluator: EvaluatorFactory = (job, nJobs) =>
  nJobs > 1 && !job.base && typeof job.metric === 'string' && strategyRef(job.strategy) !== null ? poolEvaluator(job, nJobs) : inProcessEvaluator(job);

/** Trials on nJobs worker threads: the bars shared once (SharedArrayBuffer), one trial per task. */
export function poolEvaluator(job: EvaluationJob, nJobs: number): Evaluator {
  const ref = strategyRef(job.strategy);
  if (ref === null || typeof job.metric !== 'string') return inProcessEvaluator(job);
  const metric = job.metric;
  const pool = sharedPool(nJobs);
  const dataset = shareBars(`optimize:${process.pid}:${Math.random().toString(36).slice(2)}`, job.bars);
  const settings = engine(job.bars).configure(job.settings).config;
  return {
    async evaluate(batch) {
      return Promise.all(batch.map(async (task): Promise<TrialOutcome> => {
        const t0 = performance.now();
        const out = await pool.run({ dataset, strategy: ref, settings, combos: [plainParams(task.params)], memoBytes: 256 * 1024 * 1024 });
        const elapsedMs = performance.now() - t0;
        if (out.errors[0] !== null) return { value: NaN, error: out.errors[0], elapsedMs };
        const metrics = metricsAt(out, 0);
        return { value: metrics[metric], metrics, elapsedMs };
      }));
    },
  };
}

/** Runs each trial synchronously in this thread. */
export function inProcessEvaluator(job: EvaluationJob): Evaluator {
  const base = job.base ?? engine(job.bars).configure(job.settings);
  return {
    async evaluate(batch) {
      return batch.map((task) => runTrial(base, job, task.params));
    },
  };
}

/** One backtest of `params`, caught: a refused parameter or a throwing strategy becomes `error`. */
export function runTrial(base: Engine, job: Pick<EvaluationJob, 'strategy' | 'metric'>, params: Record<string, unknown>): TrialOutcome {
  const t0 = performance.now();
  try {
    const res = base.strategy(job.strategy, params).run();
    const value = typeof job.metric === 'function' ? job.metric(res) : res[job.metric];
    return { value: typeof value === 'number' ? value : NaN, metrics: res.metrics(), elapsedMs: performance.now() - t0 };
  } catch (e) {
    const error = isStratlabError(e) ? e.oneLine() : e instanceof Error ? e.message : String(e);
    return { value: NaN, error, elapsedMs: performance.now() - t0 };
  }
}

export function isMetricKey(k: string): k is MetricKey {
  return (METRIC_KEYS as readonly string[]).includes(k);
}
