/**
 * The sweep's worker thread (run by piscina): keeps each dataset's shared bars and indicator memo
 * for the life of the pool, so a later chunk over the same data reuses the indicators an earlier
 * one computed.
 */
import type { Bars } from '../core/bars';
import type { EngineSettings, RunScratch, StrategyClass } from '../engine';
import { IndicatorMemo } from '../indicators';
import type { CaptureOptions } from './capture';
import { runChunk, type ChunkOutput } from './task';
import { sharedView, type SharedBars } from './shared';
import { loadStrategy, type StrategyRef } from './strategy-ref';

export interface ChunkTask {
  dataset: SharedBars;
  strategy: StrategyRef;
  settings: EngineSettings;
  combos: Record<string, unknown>[];
  memoBytes: number;
  /** What to keep besides the metrics (absent: nothing). */
  capture?: CaptureOptions;
}

const datasets = new Map<string, { bars: Bars; memo: IndicatorMemo }>();
// One equity column and one pair of logs for every run this thread does (see RunScratch).
const scratch: RunScratch = {};
const classes = new Map<string, StrategyClass>();

export default function runTask(task: ChunkTask): ChunkOutput {
  let d = datasets.get(task.dataset.id);
  if (!d) {
    // Chunks arrive dataset by dataset: keep the current one and the one before, drop older ones
    // (and their memos).
    if (datasets.size >= 2) datasets.delete(datasets.keys().next().value as string);
    datasets.set(task.dataset.id, (d = { bars: sharedView(task.dataset), memo: new IndicatorMemo(task.memoBytes) }));
  }
  // Keyed by file and modification time: a module edited between two sweeps is loaded again.
  const key = JSON.stringify(task.strategy);
  let S = classes.get(key);
  if (!S) classes.set(key, (S = loadStrategy(task.strategy, true)));
  return runChunk(d.bars, S, task.combos, task.settings, d.memo, scratch, task.capture);
}
