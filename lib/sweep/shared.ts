/**
 * Bars in one SharedArrayBuffer, so every worker reads the same memory: one copy of the data
 * whatever the worker count. Posting a SharedArrayBuffer to a worker shares it, never copies it.
 */
import type { Bars } from '../core/bars';

const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

export interface SharedBars {
  /** Identifies the dataset in workers' caches. */
  id: string;
  symbol: string;
  timeframe: string;
  length: number;
  buffer: SharedArrayBuffer;
}

export function shareBars(id: string, bars: Bars): SharedBars {
  const n = bars.time.length;
  const buffer = new SharedArrayBuffer(COLUMNS.length * n * 8);
  COLUMNS.forEach((c, j) => new Float64Array(buffer, j * n * 8, n).set(bars[c]));
  return { id, symbol: bars.symbol, timeframe: bars.timeframe, length: n, buffer };
}

/** Bars viewing the shared memory (no copy). */
export function sharedView(s: SharedBars): Bars {
  const n = s.length;
  const col = (j: number) => new Float64Array(s.buffer, j * n * 8, n);
  return { symbol: s.symbol, timeframe: s.timeframe, time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}
