/**
 * loadBars: a CSV, Parquet or JSON file → validated Bars. The fast path is DuckDB plus one check
 * loop over the typed arrays; only a file with a problem takes the slow path that says where it is.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { detectFormat, detectTimeframe, symbolFromPath } from './detect';
import { readJson } from './json';
import { loadOptionsSchema, parseOptions, timeframeLabel, type LoadOptions } from './options';
import type { RawColumns } from './raw';
import { repairColumns } from './repair';
import { readTable } from './read-table';
import { offsetNote } from './offsets';
import { firstBadRow, loadCellText, mixedZoneProblem, problemError, problemsAt } from './validate';

export type { LoadOptions } from './options';

/**
 * Loads OHLCV bars from a CSV, Parquet or JSON file.
 *
 * ```ts
 * const goog = await loadBars('data/GOOG.csv');                       // symbol GOOG, timeframe '1d'
 * const eur  = await loadBars('eurusd.parquet', { symbol: 'EURUSD' });
 * const mine = await loadBars('ticks.csv', { columns: { time: 'When', close: 'Last' }, repair: true });
 * const spy  = await loadBars('spy_1m.csv', { timezone: 'America/New_York' }); // naive times are NY wall clock
 * mine.repairs; // { sorted, duplicatesDropped, dropped: [{ row, reason }], rowsIn, rowsOut }
 * ny.loadNotes;  // ['column "Date": UTC offsets -05:00, -04:00 normalised to UTC'] when the file has offsets
 * ```
 * Throws a StratlabError naming the file, row, line (CSV) and column of the first problem.
 */
export async function loadBars(file: string, options?: LoadOptions): Promise<Bars> {
  const opts = parseOptions(loadOptionsSchema, options, 'loadBars options');
  const raw = await readRawColumns(file, opts);
  if (raw.time.length === 0) throw emptyError(raw);
  const mixed = mixedZoneProblem(raw, opts.timezone);
  if (mixed) throw problemError(raw, mixed);

  let columns: Pick<Bars, 'time' | 'open' | 'high' | 'low' | 'close' | 'volume'> = raw;
  let repairs: Bars['repairs'];
  const bad = firstBadRow(raw);
  if (bad >= 0 && !opts.repair) {
    await raw.loadText?.([bad]);
    throw problemError(raw, problemsAt(raw, bad, bad - 1)[0]);
  }
  if (opts.repair) {
    if (bad >= 0) {
      await loadCellText(raw);
      const repaired = repairColumns(raw);
      columns = repaired;
      repairs = repaired.report;
    } else {
      const n = raw.time.length;
      repairs = { sorted: false, duplicatesDropped: 0, dropped: [], rowsIn: n, rowsOut: n };
    }
  }

  const bars: Bars = {
    symbol: opts.symbol ?? raw.symbol ?? symbolFromPath(file),
    timeframe: opts.timeframe ?? storedTimeframe(raw) ?? detectTimeframe(columns.time),
    time: columns.time,
    open: columns.open,
    high: columns.high,
    low: columns.low,
    close: columns.close,
    volume: columns.volume,
  };
  if (repairs) bars.repairs = repairs;
  const note = offsetNote(raw.zones, raw.columns?.time ?? 'time');
  if (note) bars.loadNotes = [note];
  // Not enumerable: metadata, so two loads of the same rows from different files still compare equal.
  Object.defineProperty(bars, 'source', { value: sourceOf(file, opts), enumerable: false, writable: true, configurable: true });
  return bars;
}

/** What a run records to reload these bars later: the absolute path and the options that shape the rows. */
function sourceOf(file: string, opts: LoadOptions): NonNullable<Bars['source']> {
  const src: NonNullable<Bars['source']> = { path: path.resolve(file) };
  if (opts.format) src.format = opts.format;
  if (opts.timezone) src.timezone = opts.timezone;
  if (opts.columns) src.columns = { ...opts.columns } as Record<string, string>;
  if (opts.repair) src.repair = true;
  return src;
}

/** Reads a file into raw columns without validating them (inspect uses this on broken files). */
export async function readRawColumns(file: string, opts: Pick<LoadOptions, 'columns' | 'format' | 'timezone'> = {}): Promise<RawColumns> {
  if (typeof file !== 'string' || file === '') {
    throw new StratlabError('BAD_ARGUMENT', 'loadBars: expected a file path', { hint: "e.g. loadBars('data/GOOG.csv')" });
  }
  const fileName = path.basename(file);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    throw new StratlabError('FILE_NOT_FOUND', `${file}: file not found`, {
      hint: `looked for ${path.resolve(file)}`,
      location: { file },
    });
  }
  if (stat.isDirectory()) {
    throw new StratlabError('BAD_ARGUMENT', `${file}: is a directory, not a data file`, { location: { file } });
  }
  const format = detectFormat(file, opts.format);
  if (stat.size === 0) {
    throw new StratlabError('EMPTY_DATA', `${fileName}: the file is empty`, {
      hint: 'a bars file needs a header and at least one row',
      location: { file },
    });
  }
  return format === 'json' ? readJson(file, fileName, opts) : readTable(file, fileName, format, opts);
}

function emptyError(raw: RawColumns): StratlabError {
  const what = raw.format === 'csv' ? 'no data rows, only a header line' : 'no data rows';
  return new StratlabError('EMPTY_DATA', `${raw.fileName}: ${what}`, {
    hint: 'a bars file needs a header and at least one row',
    location: { file: raw.file },
  });
}

function storedTimeframe(raw: RawColumns): string | undefined {
  return raw.timeframe !== undefined && timeframeLabel.safeParse(raw.timeframe).success ? raw.timeframe : undefined;
}
