/**
 * Validation of raw columns: a fast pass that only says whether (and where) something is wrong, and
 * a slower pass that describes every problem with file, row, line and column.
 */
import { StratlabError, type ErrorCode } from '../core/errors';
import type { Bars, BarField } from '../core/bars';
import { firstMixedRow } from './offsets';
import { formatTime } from './timestamps';
import type { RawColumns } from './raw';

export interface Problem {
  code: ErrorCode;
  /** 1-based data row (the header is not counted). */
  row: number;
  /** File line, for CSV (row + 1 with one header line). */
  line?: number;
  field: BarField;
  /** What is wrong, without the file/row prefix: `column "high": 101.2 is below close 102.5 at 2004-09-14`. */
  detail: string;
  /** The full one-line message: `GOOG_bad.csv: row 17 (line 18), column "high": …`. */
  message: string;
  hint: string;
}

export interface ProblemList {
  /** The first `limit` problems in row order. */
  problems: Problem[];
  /** How many problems there are in all. */
  total: number;
}

/**
 * Prices must lie in [PRICE_MIN, PRICE_MAX]. Outside it the arithmetic stops meaning anything: a
 * subnormal price (1e-320) makes units = cash / price overflow to Infinity and equity NaN, and a
 * price near 1e308 overflows a squared return. The range still holds any real quote: a sub-satoshi
 * token, or an index in a hyperinflating currency.
 */
export const PRICE_MIN = 1e-8;
export const PRICE_MAX = 1e12;
const PRICE_RANGE = '1e-8 … 1e12';

const REPAIR_HINT = 'pass { repair: true } to drop bad rows';
const HINTS: Partial<Record<ErrorCode, string>> = {
  MIXED_TIME_ZONES: "write every time with its UTC offset or none of them: naive times are read as UTC, or as local time with { timezone: 'America/New_York' }",
  UNSORTED: 'sort the rows by time, or pass { repair: true } to sort them on load',
  DUPLICATE_TIMESTAMP: 'pass { repair: true } to drop duplicate rows (the first is kept)',
  PRICE_OUT_OF_RANGE: `prices must lie in ${PRICE_RANGE}: rescale the column (quote it in other units), or ${REPAIR_HINT}`,
  BAD_TIMESTAMP: `use ISO dates or datetimes (2004-08-19, 2017-04-19 09:00:00, …Z, …+02:00) or epoch seconds/milliseconds, or ${REPAIR_HINT}`,
};

/**
 * The fast pass: the 0-based index of the first row with any problem, or -1 when all is well.
 * One loop over the typed arrays, no allocation.
 */
export function firstBadRow(raw: Pick<RawColumns, 'time' | 'open' | 'high' | 'low' | 'close' | 'volume'>): number {
  const { time, open, high, low, close, volume } = raw;
  const n = time.length;
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = time[i], o = open[i], h = high[i], l = low[i], c = close[i], v = volume[i];
    // Written so that NaN fails every comparison.
    if (!(t > prev && t < Infinity)) return i;
    if (!(l >= PRICE_MIN && o >= l && c >= l && h >= o && h >= c && h <= PRICE_MAX)) return i;
    if (!(v >= 0 && v < Infinity)) return i;
    prev = t;
  }
  return -1;
}

/** True when row i's values (not its order) are fine: the fast form of `valueProblems(raw, i).length === 0`. */
export function rowValuesOk(raw: RawColumns, i: number): boolean {
  const t = raw.time[i], o = raw.open[i], h = raw.high[i], l = raw.low[i], c = raw.close[i], v = raw.volume[i];
  return Number.isFinite(t) && l >= PRICE_MIN && o >= l && c >= l && h >= o && h >= c && h <= PRICE_MAX && v >= 0 && v < Infinity;
}

/** The 0-based indices of rows that have a NaN or infinite cell (the cells whose text matters). */
export function nonFiniteRows(raw: RawColumns, limit = Infinity): number[] {
  const cols = [raw.time, raw.open, raw.high, raw.low, raw.close, raw.volume];
  const out: number[] = [];
  const n = raw.time.length;
  for (let i = 0; i < n && out.length < limit; i++) {
    for (const col of cols) {
      if (!Number.isFinite(col[i])) {
        out.push(i);
        break;
      }
    }
  }
  return out;
}

/**
 * Looks up the file's original text of cells that did not convert to numbers (the first `maxRows`
 * such rows), so findProblems can quote it: `"n/a" is not a number` instead of `value is missing or
 * not a number`. A no-op for readers that keep the text anyway (JSON).
 */
export async function loadCellText(raw: RawColumns, maxRows = 1000): Promise<RawColumns> {
  if (raw.loadText) await raw.loadText(nonFiniteRows(raw, maxRows));
  return raw;
}

/**
 * Lists the problems of every row, in row order; `limit` caps the list, `total` counts them all.
 * For CSV/Parquet raw columns, `await loadCellText(raw)` first so bad cells are quoted.
 */
export function findProblems(raw: RawColumns, opts: { limit?: number } = {}): ProblemList {
  const limit = opts.limit ?? Infinity;
  const problems: Problem[] = [];
  let total = 0;
  const report = (p: Problem | null) => {
    if (!p) return;
    total++;
    if (problems.length < limit) problems.push(p);
  };
  const n = raw.time.length;
  let prevIndex = -1;
  for (let i = 0; i < n; i++) {
    if (!rowValuesOk(raw, i) || (prevIndex >= 0 && !(raw.time[i] > raw.time[prevIndex]))) {
      for (const p of problemsAt(raw, i, prevIndex)) report(p);
    }
    if (Number.isFinite(raw.time[i])) prevIndex = i;
  }
  return { problems, total };
}

/**
 * All problems of row i, order first: `prevIndex` is the last earlier row with a valid time (-1 if none).
 * When `firstBadRow` returns i, `problemsAt(raw, i, i - 1)[0]` is the error to show.
 */
export function problemsAt(raw: RawColumns, i: number, prevIndex: number): Problem[] {
  const out: Problem[] = [];
  if (prevIndex >= 0 && Number.isFinite(raw.time[i])) {
    const order = orderProblem(raw, i, prevIndex);
    if (order) out.push(order);
  }
  out.push(...valueProblems(raw, i));
  return out;
}

/** The problem (if any) of row i's time against the previous row with a valid time. */
export function orderProblem(raw: RawColumns, i: number, prevIndex: number): Problem | null {
  const t = raw.time[i], prev = raw.time[prevIndex];
  if (t < prev) {
    return problem(raw, 'UNSORTED', i, 'time', `${formatTime(t)} comes before ${formatTime(prev)} in row ${prevIndex + 1}`);
  }
  if (t === prev) {
    return problem(raw, 'DUPLICATE_TIMESTAMP', i, 'time', `${formatTime(t)} repeats row ${prevIndex + 1}`);
  }
  return null;
}

/** Everything wrong with row i apart from its order: missing/bad cells, prices, high/low, volume. */
export function valueProblems(raw: RawColumns, i: number): Problem[] {
  const out: Problem[] = [];
  const t = raw.time[i];
  if (!Number.isFinite(t)) out.push(badTime(raw, i));
  const when = Number.isFinite(t) ? ` at ${formatTime(t)}` : '';

  const fields = raw.hasVolume ? (['open', 'high', 'low', 'close', 'volume'] as const) : (['open', 'high', 'low', 'close'] as const);
  let allPricesOk = true;
  for (const field of fields) {
    const x = raw[field][i];
    if (!Number.isFinite(x)) {
      out.push(badNumber(raw, i, field));
      if (field !== 'volume') allPricesOk = false;
    } else if (field !== 'volume' && x <= 0) {
      out.push(problem(raw, 'NON_POSITIVE_PRICE', i, field, `${x} is not a positive price${when}`));
      allPricesOk = false;
    } else if (field !== 'volume' && !(x >= PRICE_MIN && x <= PRICE_MAX)) {
      out.push(problem(raw, 'PRICE_OUT_OF_RANGE', i, field, `${x} is outside the price range ${PRICE_RANGE}${when}`));
      allPricesOk = false;
    }
  }
  if (allPricesOk) {
    const o = raw.open[i], h = raw.high[i], l = raw.low[i], c = raw.close[i];
    if (h < l) {
      out.push(problem(raw, 'HIGH_BELOW', i, 'high', `${h} is below low ${l}${when}`));
    } else {
      if (h < Math.max(o, c)) {
        const [name, x] = c >= o ? ['close', c] : ['open', o];
        out.push(problem(raw, 'HIGH_BELOW', i, 'high', `${h} is below ${name} ${x}${when}`));
      }
      if (l > Math.min(o, c)) {
        const [name, x] = c <= o ? ['close', c] : ['open', o];
        out.push(problem(raw, 'LOW_ABOVE', i, 'low', `${l} is above ${name} ${x}${when}`));
      }
    }
  }
  const v = raw.volume[i];
  if (raw.hasVolume && v < 0) out.push(problem(raw, 'NEGATIVE_VOLUME', i, 'volume', `${v} is negative${when}`));
  return out;
}

function badTime(raw: RawColumns, i: number): Problem {
  const text = raw.text?.('time', i);
  if (text === null || (typeof text === 'string' && text.trim() === '')) {
    return problem(raw, 'MISSING_VALUE', i, 'time', 'timestamp is missing');
  }
  if (text === undefined) return problem(raw, 'BAD_TIMESTAMP', i, 'time', 'timestamp is missing or not a timestamp');
  return problem(raw, 'BAD_TIMESTAMP', i, 'time', `"${text}" is not a timestamp`);
}

function badNumber(raw: RawColumns, i: number, field: BarField): Problem {
  const x = raw[field][i];
  const text = raw.text?.(field, i);
  if (text === null || (typeof text === 'string' && text.trim() === '')) {
    return problem(raw, 'MISSING_VALUE', i, field, 'value is missing');
  }
  if (text === undefined) {
    return problem(raw, 'MISSING_VALUE', i, field, Number.isNaN(x) ? 'value is missing or not a number' : `value is ${x}`);
  }
  if (/^[+-]?(nan|inf|infinity)$/i.test(text.trim())) {
    return problem(raw, 'MISSING_VALUE', i, field, `value is missing ("${text}")`);
  }
  return problem(raw, 'NOT_A_NUMBER', i, field, `"${text}" is not a number`);
}

function problem(raw: RawColumns, code: ErrorCode, i: number, field: BarField, what: string): Problem {
  const row = i + 1;
  const line = raw.lineOf?.(i);
  const detail = `column "${field}": ${what}`;
  const where = line === undefined ? `row ${row}` : `row ${row} (line ${line})`;
  return { code, row, line, field, detail, message: `${raw.fileName}: ${where}, ${detail}`, hint: HINTS[code] ?? REPAIR_HINT };
}

/**
 * A time column that mixes zoned and naive times, without `{ timezone }` to place the naive ones:
 * the first row unlike row 1 (null when the column is consistent).
 */
export function mixedZoneProblem(raw: RawColumns, timeZone?: string): Problem | null {
  const z = raw.zones;
  if (timeZone !== undefined || !z) return null;
  const i = firstMixedRow(z);
  if (i < 0) return null;
  const naive = z.firstNaive!.index === i;
  const other = naive ? z.firstZoned! : z.firstNaive!;
  const text = naive ? z.firstNaive!.text : z.firstZoned!.text;
  const what = naive
    ? `"${text}" has no UTC offset, but row ${other.index + 1} ("${other.text}") has one`
    : `"${text}" has a UTC offset, but row ${other.index + 1} ("${other.text}") has none`;
  return problem(raw, 'MIXED_TIME_ZONES', i, 'time', what);
}

/** The StratlabError a user sees for a problem. */
export function problemError(raw: RawColumns, p: Problem): StratlabError {
  return new StratlabError(p.code, p.message, { hint: p.hint, location: { file: raw.file, row: p.row, field: p.field } });
}

/** Raw columns over existing Bars, so Bars can be checked with the same rules. */
export function rawFromBars(bars: Bars, fileName = bars.symbol): RawColumns {
  return {
    file: fileName,
    fileName,
    format: 'json',
    time: bars.time,
    open: bars.open,
    high: bars.high,
    low: bars.low,
    close: bars.close,
    volume: bars.volume,
    hasVolume: true,
  };
}

/** Checks Bars built in code: throws the first problem as a StratlabError, like loadBars does. */
export function validateBars(bars: Bars): Bars {
  const raw = rawFromBars(bars);
  const bad = firstBadRow(raw);
  if (bad < 0) return bars;
  throw problemError(raw, problemsAt(raw, bad, bad - 1)[0]);
}
