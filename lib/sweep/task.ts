/**
 * One chunk of a sweep: backtest each parameter set over one dataset and return the metrics as
 * numbers (METRIC_KEYS order) plus the per-block return moments CSCV needs. The same function runs
 * in a worker thread and, for strategies that cannot be loaded there, in the caller's thread.
 */
import type { Bars } from '../core/bars';
import { withIndicatorMemo, type IndicatorMemo } from '../indicators';
import { METRIC_KEYS, parseParams, runBacktest, type EngineSettings, type StrategyClass } from '../engine';
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
}

/**
 * `parse`: the params still need parseParams (they were not validated, or hold values that cannot
 * cross a thread, such as a strategy class given by name).
 */
export function runChunk(bars: Bars, S: StrategyClass, combos: readonly Record<string, unknown>[], settings: EngineSettings, memo: IndicatorMemo, parse: boolean): ChunkOutput {
  const k = combos.length;
  const metrics = new Float64Array(k * METRIC_COUNT).fill(NaN);
  const blocks = new Float64Array(k * BLOCK_WIDTH);
  const errors: (string | null)[] = new Array(k).fill(null);
  withIndicatorMemo(memo, () => {
    for (let c = 0; c < k; c++) {
      try {
        const params = parse ? (parseParams(S, combos[c]) as Record<string, unknown>) : combos[c];
        const res = runBacktest(bars, { ...settings, strategy: S, params });
        const m = res.metrics() as unknown as Record<string, number>;
        for (let j = 0; j < METRIC_COUNT; j++) metrics[c * METRIC_COUNT + j] = m[METRIC_KEYS[j]];
        returnBlocks(res.equity, blocks, c * BLOCK_WIDTH);
      } catch (e) {
        errors[c] = e instanceof Error ? e.message : String(e);
      }
    }
  });
  return { metrics, blocks, errors };
}

/** Sums of the per-bar returns and their squares over RETURN_BLOCKS equal runs of bars, written at `at`. */
export function returnBlocks(equity: Float64Array, out: Float64Array, at: number): void {
  const n = equity.length;
  const S = RETURN_BLOCKS;
  const returns = n - 1;
  if (returns <= 0) return;
  for (let i = 1; i < n; i++) {
    const r = equity[i] / equity[i - 1] - 1;
    const b = Math.floor(((i - 1) * S) / returns);
    out[at + b] += r;
    out[at + S + b] += r * r;
    out[at + 2 * S + b] += 1;
  }
}
