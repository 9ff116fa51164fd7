/**
 * One chunk of a sweep: backtest each parameter set over one dataset and return the metrics as
 * numbers (METRIC_KEYS order) plus the per-block return moments CSCV needs. The same function runs
 * in a worker thread and, for strategies that cannot be loaded there, in the caller's thread.
 */
import type { Bars } from '../core/bars';
import { withIndicatorMemo, type IndicatorMemo } from '../indicators';
import { METRIC_KEYS, parseParams, runBacktest, type BacktestMetrics, type EngineSettings, type RunScratch, type StrategyClass } from '../engine';
import { equityReturnBlocks } from '../metrics/blocks';
import { CaptureBuilder, type CaptureOptions, type ChunkCapture } from './capture';
import { RETURN_BLOCKS } from './types';

export const METRIC_COUNT = METRIC_KEYS.length;
export const BLOCK_WIDTH = 3 * RETURN_BLOCKS;

export interface ChunkOutput {
  /** combos × METRIC_COUNT numbers, NaN rows for failed combinations. */
  metrics: Float64Array;
  /** combos × BLOCK_WIDTH numbers (see ExperimentRecord.blocks). */
  blocks: Float64Array;
  /** The error of each failed combination, null for the others. */
  errors: (string | null)[];
  /** 1 where the strategy's schema refused the parameters (never run; `errors` says why). */
  invalid: Uint8Array;
  /** Signal changes and trades of every combination, when the sweep captures them. */
  capture?: ChunkCapture;
}

/**
 * Parameters are validated here (parseParams), not by the caller: on workers the schema checks of
 * thousands of combinations run in parallel too. A refused set is marked `invalid`, not run.
 */
export function runChunk(bars: Bars, S: StrategyClass, combos: readonly Record<string, unknown>[], settings: EngineSettings, memo: IndicatorMemo,
  scratch: RunScratch = {}, capture?: CaptureOptions | null): ChunkOutput {
  const k = combos.length;
  const metrics = new Float64Array(k * METRIC_COUNT).fill(NaN);
  const blocks = new Float64Array(k * BLOCK_WIDTH);
  const errors: (string | null)[] = new Array(k).fill(null);
  const invalid = new Uint8Array(k);
  const captured = capture && (capture.traces || capture.trades) ? new CaptureBuilder(capture) : null;
  withIndicatorMemo(memo, () => {
    for (let c = 0; c < k; c++) {
      let params: Record<string, unknown>;
      try {
        params = parseParams(S, combos[c]) as Record<string, unknown>;
      } catch (e) {
        errors[c] = e instanceof Error ? e.message : String(e);
        invalid[c] = 1;
        captured?.addEmpty();
        continue;
      }
      try {
        const res = runBacktest(bars, { ...settings, strategy: S, params }, scratch); // read at once: scratch memory
        metricsInto(res, metrics, c * METRIC_COUNT);
        equityReturnBlocks(res.equity, RETURN_BLOCKS, blocks, c * BLOCK_WIDTH);
        captured?.add(res.tradeLog);
      } catch (e) {
        errors[c] = e instanceof Error ? e.message : String(e);
        captured?.addEmpty();
      }
    }
  });
  return captured ? { metrics, blocks, errors, invalid, capture: captured.finish() } : { metrics, blocks, errors, invalid };
}

/**
 * Builds a metrics object from METRIC_COUNT numbers at an offset. Generated once from METRIC_KEYS
 * as one object literal: a sweep builds thousands of these on the caller's thread, and a literal
 * gets a fixed shape at once where 31 keyed stores would not.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const metricsFrom = new Function('a', 'o', `return { ${METRIC_KEYS.map((k, j) => `${k}: a[o + ${j}]`).join(', ')} };`) as (a: Float64Array, o: number) => BacktestMetrics;

// The other way round: a result's metrics into METRIC_COUNT numbers at an offset, as named reads (a
// loop over METRIC_KEYS would read every one by a computed key, and build a metrics() object first).
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const metricsInto = new Function('r', 'a', 'o', METRIC_KEYS.map((k, j) => `a[o + ${j}] = r.${k};`).join('\n')) as (r: BacktestMetrics, a: Float64Array, o: number) => void;

/** The metrics of combination k of a chunk's output, as an object. */
export function metricsAt(out: ChunkOutput, k: number): BacktestMetrics {
  return metricsFrom(out.metrics, k * METRIC_COUNT);
}
