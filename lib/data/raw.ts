/**
 * Raw columns: what a file reader hands over before validation. Cells that did not convert to a
 * number are NaN here; `text` can tell what they said in the file.
 */
import type { BarField } from '../core/bars';
import type { ResolvedColumns } from './columns';
import type { ZoneSurvey } from './offsets';

export type DataFormat = 'csv' | 'parquet' | 'json';

export interface RawColumns {
  /** The path as given. */
  file: string;
  /** The file's base name, used in messages (`GOOG.csv`). */
  fileName: string;
  format: DataFormat;
  /** Epoch ms UTC; NaN where the timestamp was missing or did not parse. */
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** Zeros when the source has no volume column (see `hasVolume`). */
  volume: Float64Array;
  hasVolume: boolean;
  /** Source column names, for reports. */
  columns?: ResolvedColumns;
  /** Symbol / timeframe stored in the file itself (columnar JSON may carry them). */
  symbol?: string;
  timeframe?: string;
  /**
   * The original text of a cell that is NaN in the columns: a string, null when the cell was empty
   * or missing, undefined when unknown (not looked up).
   */
  text?: (field: BarField, index: number) => string | null | undefined;
  /**
   * Looks up the original text of the given rows (0-based indices) so `text` can answer for them.
   * Readers that keep the text in memory leave this out.
   */
  loadText?: (indices: number[]) => Promise<void>;
  /** The UTC offsets written in a text time column, and where zoned and naive times first appear. */
  zones?: ZoneSurvey;
  /** The file line of a 0-based row index, when lines mean something (CSV). */
  lineOf?: (index: number) => number;
}

export function rowCount(raw: RawColumns): number {
  return raw.time.length;
}
