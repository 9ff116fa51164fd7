/**
 * Things guessed from a file: its format (from the extension), its symbol (from the name), and the
 * bars' timeframe (from the spacing of the timestamps).
 */
import * as path from 'path';
import { StratlabError } from '../core/errors';
import { labelForMs, MS } from '../core/timeframe';
import type { DataFormat } from './raw';

const EXTENSIONS: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.json': 'json',
  '.jsonl': 'json',
  '.ndjson': 'json',
};

/** Strips a compression suffix DuckDB reads transparently (`.csv.gz`). */
function withoutCompression(file: string): string {
  return file.replace(/\.(gz|zst)$/i, '');
}

export function detectFormat(file: string, explicit?: DataFormat): DataFormat {
  if (explicit) return explicit;
  const ext = path.extname(withoutCompression(file)).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format) {
    throw new StratlabError('UNSUPPORTED_FORMAT', `${path.basename(file)}: cannot tell the format from "${ext || 'no extension'}"`, {
      hint: "use .csv, .parquet or .json (or .jsonl), or pass { format: 'csv' | 'parquet' | 'json' }",
      location: { file },
    });
  }
  return format;
}

/** The file stem, upper-cased: `data/GOOG.csv` → `GOOG`, `btc-usd.parquet` → `BTC-USD`. */
export function symbolFromPath(file: string): string {
  const base = path.basename(withoutCompression(file));
  const ext = path.extname(base);
  const stem = ext ? base.slice(0, -ext.length) : base;
  // 'SPY_5m.csv' and 'EURUSD-1h.parquet' name the symbol first and the timeframe after it.
  const withoutTimeframe = stem.replace(/[_\-. ](\d+(s|m|min|h|d|w|M)|daily|hourly|weekly|monthly|minute)$/i, '');
  return (withoutTimeframe || stem).toUpperCase();
}

/**
 * The timeframe label from the most common spacing between consecutive timestamps:
 * 28–31 days → '1M', 7 days → '1w', otherwise `labelForMs` ('1m', '1h', '1d', …).
 * 'irregular' when there are fewer than two rows.
 */
export function detectTimeframe(time: ArrayLike<number>): string {
  const spacing = commonSpacing(time);
  if (!(spacing > 0)) return 'irregular';
  if (spacing >= 28 * MS.DAY && spacing <= 31 * MS.DAY) return '1M';
  return labelForMs(spacing);
}

/** The most common difference between consecutive timestamps (NaN with < 2 rows). */
export function commonSpacing(time: ArrayLike<number>): number {
  const n = time.length;
  if (n < 2) return NaN;
  // Counting every difference of a million rows costs ~10 ms; a sample of evenly spread runs is as good.
  const counts = new Map<number, number>();
  const countRange = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const d = time[i] - time[i - 1];
      if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
    }
  };
  const runs = 64, runLength = 1024;
  if (n - 1 <= runs * runLength) {
    countRange(1, n);
  } else {
    for (let r = 0; r < runs; r++) {
      const from = 1 + Math.floor((r * (n - 1 - runLength)) / (runs - 1));
      countRange(from, from + runLength);
    }
  }
  let best = NaN, bestCount = 0;
  for (const [d, count] of counts) {
    if (count > bestCount || (count === bestCount && d < best)) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}
