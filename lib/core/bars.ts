/**
 * Columnar OHLCV bars. Hot loops run over these typed arrays; never build arrays of bar objects.
 * `time` is epoch milliseconds, UTC, strictly increasing after validation.
 */
export interface Bars {
  symbol: string;
  /** A timeframe label such as '1m', '5m', '1h', '1d', '1w', '1M', or 'irregular'. */
  timeframe: string;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Present only when the bars were loaded with `repair: true`: what was changed. */
  repairs?: RepairReport;
  /** What loading did that the file does not show, e.g. `column "Date": UTC offsets -05:00, -04:00 normalised to UTC`. */
  loadNotes?: string[];
  /**
   * The file loadBars read these rows from, and the options that shape them, so a run can name its data
   * and a later analysis reload it. Only on the object loadBars returns (not enumerable: it is not data, and
   * a spread copy drops it): a slice or resample is other rows.
   */
  source?: BarsSource;
}

/** Where loaded bars came from: an absolute path and the load options that change what its rows mean. */
export interface BarsSource {
  path: string;
  format?: string;
  timezone?: string;
  columns?: Record<string, string>;
  repair?: boolean;
}

export interface RepairReport {
  /** True when the input was not in time order and has been sorted. */
  sorted: boolean;
  duplicatesDropped: number;
  /** Rows dropped as bad, with the reason; `row` is the 1-based data row in the source. */
  dropped: { row: number; reason: string }[];
  rowsIn: number;
  rowsOut: number;
}

export const BAR_FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
export type BarField = (typeof BAR_FIELDS)[number];

/** True for columnar Bars (what loadBars, resample and syntheticBars return). */
export function isBars(x: unknown): x is Bars {
  return x !== null && typeof x === 'object' && (x as Bars).close instanceof Float64Array && (x as Bars).time instanceof Float64Array;
}

export function barCount(bars: Bars): number {
  return bars.time.length;
}

/** A new Bars over rows [start, end) sharing memory with the source (subarray views, no copy). */
export function viewRows(bars: Bars, start: number, end: number): Bars {
  return {
    symbol: bars.symbol,
    timeframe: bars.timeframe,
    time: bars.time.subarray(start, end),
    open: bars.open.subarray(start, end),
    high: bars.high.subarray(start, end),
    low: bars.low.subarray(start, end),
    close: bars.close.subarray(start, end),
    volume: bars.volume.subarray(start, end),
  };
}
