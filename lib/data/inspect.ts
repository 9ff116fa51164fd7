/**
 * inspectBars: what is in a bars file (or Bars) — rows, span, timeframe, gaps, problems, volume,
 * prices — without throwing on bad rows. Backs `stratlab data inspect FILE [--json]`.
 */
import * as path from 'path';
import { z } from 'zod';
import type { Bars } from '../core/bars';
import { isStratlabError } from '../core/errors';
import type { ResolvedColumns } from './columns';
import { detectTimeframe, symbolFromPath } from './detect';
import { findGaps, type GapSummary } from './gaps';
import { offsetNote } from './offsets';
import { readRawColumns } from './load';
import { parseOptions, timeframeLabel, timeZoneName, type LoadOptions } from './options';
import type { DataFormat, RawColumns } from './raw';
import { repairColumns } from './repair';
import { isoTime, formatTime } from './timestamps';
import { findProblems, firstBadRow, loadCellText, mixedZoneProblem, rawFromBars, type Problem } from './validate';

export interface InspectReport {
  /** The path inspected, absent for in-memory Bars. */
  file?: string;
  format?: DataFormat;
  symbol: string;
  /** Data rows in the file (the header is not counted). */
  rows: number;
  /** Rows that pass validation: what `loadBars(file, { repair: true })` would keep. */
  validRows: number;
  /** First and last timestamp of the valid rows (ISO 8601, UTC). */
  first?: string;
  last?: string;
  timeframe: string;
  /** Source column for each field (files only). */
  columns?: ResolvedColumns;
  /** False when the file has no volume column (volumes load as zeros). */
  volume: boolean;
  close?: { min: number; max: number; first: number; last: number };
  /** UTC offsets written in the time column (±HH:MM, 'Z' for UTC), in order of appearance, when any is not UTC; each time was converted to UTC. */
  offsets?: string[];
  gaps: GapSummary;
  problems: { total: number; shown: Problem[] };
}

export interface InspectOptions extends Pick<LoadOptions, 'columns' | 'format' | 'timeframe' | 'timezone'> {
  /** How many problems to list (default 20); `problems.total` always counts all. */
  limit?: number;
}

const inspectOptionsSchema: z.ZodType<InspectOptions> = z
  .object({
    columns: z.record(z.enum(['time', 'open', 'high', 'low', 'close', 'volume']), z.string().min(1)).optional(),
    format: z.enum(['csv', 'parquet', 'json']).optional(),
    timeframe: timeframeLabel.optional(),
    timezone: timeZoneName.optional(),
    limit: z.number().int().min(0).optional(),
  })
  .strict();

/**
 * ```ts
 * const report = await inspectBars('data/EURUSD.csv');
 * console.log(formatInspectReport(report));
 * ```
 */
export async function inspectBars(source: string | Bars, options: InspectOptions = {}): Promise<InspectReport> {
  const opts = parseOptions(inspectOptionsSchema, options, 'inspectBars options');
  const limit = opts.limit ?? 20;
  let raw: RawColumns;
  let symbol: string;
  if (typeof source === 'string') {
    try {
      raw = await readRawColumns(source, opts);
    } catch (e) {
      if (isStratlabError(e) && e.code === 'EMPTY_DATA') return emptyReport(source, e.message, e.hint ?? '');
      throw e;
    }
    symbol = raw.symbol ?? symbolFromPath(source);
  } else {
    raw = rawFromBars(source);
    raw.hasVolume = source.volume.some((v) => v !== 0);
    symbol = source.symbol;
  }

  const n = raw.time.length;
  let problems = { total: 0, shown: [] as Problem[] };
  let clean: Pick<Bars, 'time' | 'close'> = raw;
  if (n > 0 && firstBadRow(raw) >= 0) {
    await loadCellText(raw, Math.max(limit * 5, 100));
    const found = findProblems(raw, { limit });
    problems = { total: found.total, shown: found.problems };
    try {
      clean = repairColumns(raw);
    } catch {
      clean = { time: new Float64Array(0), close: new Float64Array(0) };
    }
  }
  if (n === 0) problems = { total: 1, shown: [emptyProblem(raw.fileName, 'no data rows')] };
  const mixed = mixedZoneProblem(raw, opts.timezone);
  if (mixed) problems = { total: problems.total + 1, shown: [mixed, ...problems.shown].slice(0, Math.max(limit, 1)) };

  const m = clean.time.length;
  const timeframe = opts.timeframe ?? (typeof source === 'string' ? raw.timeframe : source.timeframe) ?? detectTimeframe(clean.time);
  const report: InspectReport = {
    file: typeof source === 'string' ? source : undefined,
    format: typeof source === 'string' ? raw.format : undefined,
    symbol,
    rows: n,
    validRows: m,
    first: m ? isoTime(clean.time[0]) : undefined,
    last: m ? isoTime(clean.time[m - 1]) : undefined,
    timeframe,
    columns: raw.columns,
    volume: raw.hasVolume,
    close: m ? closeStats(clean.close) : undefined,
    offsets: offsetNote(raw.zones, 'time') ? raw.zones!.offsets : undefined,
    gaps: findGaps(clean.time, timeframe),
    problems,
  };
  return report;
}

function closeStats(close: Float64Array): { min: number; max: number; first: number; last: number } {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < close.length; i++) {
    if (close[i] < min) min = close[i];
    if (close[i] > max) max = close[i];
  }
  return { min, max, first: close[0], last: close[close.length - 1] };
}

function emptyProblem(fileName: string, what: string, hint = 'a bars file needs a header and at least one row'): Problem {
  return { code: 'EMPTY_DATA', row: 0, field: 'time', detail: what, message: `${fileName}: ${what}`, hint };
}

function emptyReport(file: string, message: string, hint: string): InspectReport {
  const p = emptyProblem(path.basename(file), 'the file is empty', hint);
  p.message = message;
  return {
    file,
    symbol: symbolFromPath(file),
    rows: 0,
    validRows: 0,
    timeframe: 'irregular',
    volume: false,
    gaps: { count: 0, closedMarket: 0, other: 0, largest: [] },
    problems: { total: 1, shown: [p] },
  };
}

/** The report as readable text, one fact per line. */
export function formatInspectReport(r: InspectReport): string {
  const num = (x: number) => x.toLocaleString('en-US');
  const price = formatPrice;
  const lines: string[] = [];
  const title = r.file ? path.basename(r.file) : r.symbol;
  lines.push(`${title}${r.format ? ` (${r.format})` : ''}  symbol ${r.symbol}, timeframe ${r.timeframe}`);
  const span = r.first && r.last ? `  ${formatTime(Date.parse(r.first))} → ${formatTime(Date.parse(r.last))}` : '';
  lines.push(`  rows      ${num(r.rows)}${r.validRows !== r.rows ? ` (${num(r.validRows)} valid)` : ''}${span}`);
  if (r.columns) {
    const c = r.columns;
    lines.push(`  columns   time=${c.time} open=${c.open} high=${c.high} low=${c.low} close=${c.close} volume=${c.volume ?? '(none)'}`);
  }
  lines.push(`  volume    ${r.volume ? 'present' : 'absent (loaded as zeros)'}`);
  if (r.close) lines.push(`  close     min ${price(r.close.min)}, max ${price(r.close.max)}, first ${price(r.close.first)}, last ${price(r.close.last)}`);
  if (r.offsets) lines.push(`  offsets   ${r.offsets.join(', ')} normalised to UTC`);
  const g = r.gaps;
  lines.push(`  gaps      ${g.count === 0 ? 'none' : `${num(g.count)} (${num(g.closedMarket)} weekend/closed market, ${num(g.other)} other)`}`);
  for (const gap of g.largest) {
    const bars = `${num(gap.missingBars)} missing bar${gap.missingBars === 1 ? '' : 's'}`;
    lines.push(`            ${formatTime(Date.parse(gap.from))} → ${formatTime(Date.parse(gap.to))}  ${bars}, ${gap.kind}`);
  }
  const p = r.problems;
  lines.push(`  problems  ${p.total === 0 ? 'none' : num(p.total)}`);
  for (const problem of p.shown) lines.push(`            ${problem.code}  ${problem.message}`);
  if (p.total > p.shown.length) lines.push(`            … and ${num(p.total - p.shown.length)} more`);
  if (p.total > 0 && r.rows > 0) lines.push('  hint      pass { repair: true } to loadBars to drop bad rows and sort');
  return lines.join('\n');
}

/**
 * A price for reading: grouped digits (1,234.5), or exponent form when six decimals would hide it
 * (1e-9, never "0") or the digits would run on (1e+15).
 */
export function formatPrice(x: number): string {
  const a = Math.abs(x);
  if (a === 0 || !Number.isFinite(x) || (a >= 1e-4 && a < 1e15)) return x.toLocaleString('en-US', { maximumFractionDigits: 6 });
  const shortest = x.toExponential();
  return shortest.length <= 12 ? shortest : x.toExponential(5);
}
