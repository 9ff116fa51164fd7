/**
 * Writing bars to CSV, Parquet and JSON. Each writer writes a temporary file next to the target and
 * renames it into place, so a reader never sees half a file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tempPathFor } from '../core/atomic';
import type { Bars } from '../core/bars';
import { appendDoubleColumns, sqlString, withConnection } from './duckdb';

const DAY = 86_400_000;

/** `time,open,high,low,close,volume` with ISO timestamps (`2004-08-19` for daily bars at midnight UTC). */
export async function writeBarsCsv(bars: Bars, file: string): Promise<void> {
  const format = isoFormatter(bars.time);
  await atomicWrite(file, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, 'time,open,high,low,close,volume\n');
      const { time, open, high, low, close, volume } = bars;
      const n = time.length;
      const batch = 50_000;
      for (let start = 0; start < n; start += batch) {
        const lines: string[] = [];
        for (let i = start; i < Math.min(n, start + batch); i++) {
          lines.push(`${format(time[i])},${open[i]},${high[i]},${low[i]},${close[i]},${volume[i]}\n`);
        }
        fs.writeSync(fd, lines.join(''));
      }
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Parquet through DuckDB: `time` as TIMESTAMP WITH TIME ZONE (UTC), prices and volume as DOUBLE. */
export async function writeBarsParquet(bars: Bars, file: string): Promise<void> {
  await atomicWriteAsync(file, (tmp) =>
    withConnection(async (conn) => {
      const names = ['time', 'open', 'high', 'low', 'close', 'volume'];
      await appendDoubleColumns(conn, 'bars_out', names, [bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume]);
      await conn.run(
        `COPY (SELECT epoch_ms(time::BIGINT)::TIMESTAMPTZ AS time, open, high, low, close, volume FROM bars_out) ` +
          `TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      await conn.run('DROP TABLE bars_out');
    }),
  );
}

export interface WriteJsonOptions {
  /**
   * 'columns' (default): `{ symbol, timeframe, time: [epoch ms…], open: […], … }`;
   * 'rows': `[{ time: ISO, open, … }, …]`; 'lines': one row object per line (JSON lines).
   */
  shape?: 'columns' | 'rows' | 'lines';
}

export async function writeBarsJson(bars: Bars, file: string, opts: WriteJsonOptions = {}): Promise<void> {
  const shape = opts.shape ?? 'columns';
  const { time, open, high, low, close, volume } = bars;
  let text: string;
  if (shape === 'columns') {
    const col = (a: Float64Array) => `[${Array.prototype.join.call(a, ',')}]`;
    text =
      `{"symbol":${JSON.stringify(bars.symbol)},"timeframe":${JSON.stringify(bars.timeframe)},` +
      `"time":${col(time)},"open":${col(open)},"high":${col(high)},"low":${col(low)},"close":${col(close)},"volume":${col(volume)}}\n`;
  } else {
    const rows: string[] = [];
    for (let i = 0; i < time.length; i++) {
      rows.push(JSON.stringify({ time: new Date(time[i]).toISOString(), open: open[i], high: high[i], low: low[i], close: close[i], volume: volume[i] }));
    }
    text = shape === 'rows' ? `[\n${rows.join(',\n')}\n]\n` : `${rows.join('\n')}\n`;
  }
  await atomicWrite(file, (tmp) => fs.writeFileSync(tmp, text));
}

/** Date-only output when every timestamp is a UTC midnight, else `…T09:30:00Z` (with ms when needed). */
function isoFormatter(time: Float64Array): (t: number) => string {
  let midnights = true, wholeSeconds = true;
  for (let i = 0; i < time.length; i++) {
    if (time[i] % DAY !== 0) midnights = false;
    if (time[i] % 1000 !== 0) wholeSeconds = false;
  }
  if (midnights) return (t) => new Date(t).toISOString().slice(0, 10);
  if (wholeSeconds) return (t) => `${new Date(t).toISOString().slice(0, 19)}Z`;
  return (t) => new Date(t).toISOString();
}

async function atomicWrite(file: string, write: (tmp: string) => void): Promise<void> {
  await atomicWriteAsync(file, async (tmp) => write(tmp));
}

async function atomicWriteAsync(file: string, write: (tmp: string) => Promise<void>): Promise<void> {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    await write(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
