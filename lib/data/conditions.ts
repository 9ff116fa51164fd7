/**
 * External market conditions (a VIX series, a rate, a breadth index…) that a run's traces carry in
 * their metadata: named series of (time, value). Each trace row gets, per name, the value as of its
 * time — the last value at or before it, never a later one (no look-ahead) — and null before the
 * series starts (lib/runs/write.ts joins them; this module checks and loads them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isBars, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { loadBars } from './load';
import { parseTimestamp } from './timestamps';

/** A condition as given: bars (their close is the value) or two columns of times and values. */
export type ConditionInput = Bars | { time: ArrayLike<number | Date | string>; value: ArrayLike<number> };

/** A checked condition: times (epoch ms, strictly increasing) and finite values. */
export interface ConditionSeries {
  time: Float64Array;
  value: Float64Array;
  /** The file it came from, when it came from one (recorded in run.json). */
  path?: string | null;
}

/** Names become JSON keys read as `$.conditions.NAME`, so they stay plain identifiers. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks every named condition; `where` names the caller in errors (e.g. 'writeRun: conditions'). */
export function normaliseConditions(input: Record<string, ConditionInput | ConditionSeries> | undefined, where = 'conditions'): Record<string, ConditionSeries> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new StratlabError('BAD_ARGUMENT', `${where}: expected { NAME: bars | { time, value } }, e.g. { VIX: vixBars }`);
  }
  const out: Record<string, ConditionSeries> = {};
  for (const [name, series] of Object.entries(input)) out[name] = conditionSeries(name, series, where);
  return out;
}

/** One named condition, checked: equal lengths, times strictly increasing, values finite. */
export function conditionSeries(name: string, input: ConditionInput | ConditionSeries, where = 'conditions'): ConditionSeries {
  const at = `${where}.${name}`;
  if (!NAME.test(name)) {
    throw new StratlabError('BAD_ARGUMENT', `${where}: name ${JSON.stringify(name)}: expected letters, digits and _ (not starting with a digit), e.g. VIX`, { hint: "it is read back as json_extract(metadata, '$.conditions.NAME')" });
  }
  const src: { time: ArrayLike<number | Date | string>; value: ArrayLike<number>; path?: string | null } =
    isBars(input) ? { time: input.time, value: input.close, path: input.source?.path ?? null } : input;
  if (!src || typeof src !== 'object' || !src.time || !src.value || typeof src.time.length !== 'number' || typeof src.value.length !== 'number') {
    throw new StratlabError('BAD_ARGUMENT', `${at}: expected bars or { time, value } arrays`);
  }
  if (src.time.length !== src.value.length) {
    throw new StratlabError('BAD_ARGUMENT', `${at}: ${src.time.length} times but ${src.value.length} values`, { hint: 'give one value per time' });
  }
  const n = src.time.length;
  const time = new Float64Array(n), value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = parseTimestamp(src.time[i]);
    if (!Number.isFinite(t)) throw new StratlabError('BAD_TIMESTAMP', `${at}: row ${i + 1}: time ${JSON.stringify(String(src.time[i]))} is not a timestamp`, { location: { row: i + 1, field: 'time' } });
    if (i > 0 && t <= time[i - 1]) {
      throw new StratlabError(t === time[i - 1] ? 'DUPLICATE_TIMESTAMP' : 'UNSORTED', `${at}: row ${i + 1}: time ${new Date(t).toISOString()} is not after the row before`, { location: { row: i + 1, field: 'time' }, hint: 'give the series in time order, one value per time' });
    }
    const v = src.value[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StratlabError('NOT_A_NUMBER', `${at}: row ${i + 1}: value ${String(v)} is not a finite number`, { location: { row: i + 1, field: 'value' }, hint: 'drop the rows that have no value (an as-of join then carries the one before)' });
    }
    time[i] = t;
    value[i] = v;
  }
  return { time, value, path: src.path ?? null };
}

/** The index of the last time at or before `t` (−1 when the series starts after it). */
export function asOfIndex(time: Float64Array, t: number): number {
  let lo = 0, hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * A condition from a file: a bars file (its close is the value), or a CSV of two columns (time,
 * value) with a header row.
 */
export async function loadCondition(file: string, name: string): Promise<ConditionSeries> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new StratlabError('FILE_NOT_FOUND', `conditions.${name}: file not found: ${file}`, { location: { file } });
  const text = fs.readFileSync(abs, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  if (header.includes('close')) {
    const bars = await loadBars(abs, { symbol: name });
    return { time: bars.time, value: bars.close, path: abs };
  }
  if (header.length !== 2) {
    throw new StratlabError('MISSING_COLUMN', `${file}: expected a bars file (with a close column) or two columns (time, value), got ${header.length} columns: ${header.join(', ')}`, { location: { file }, hint: 'write the series as "time,value" rows' });
  }
  const times: string[] = [], values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    const v = cells[1] === undefined || cells[1] === '' ? NaN : Number(cells[1]);
    if (cells.length !== 2 || !Number.isFinite(v) || !Number.isFinite(parseTimestamp(cells[0]))) {
      const field = cells.length !== 2 ? undefined : !Number.isFinite(parseTimestamp(cells[0])) ? header[0] : header[1];
      throw new StratlabError(field === header[0] ? 'BAD_TIMESTAMP' : 'NOT_A_NUMBER', `${file}: row ${i}: ${field ? `${field} ${JSON.stringify(cells[field === header[0] ? 0 : 1])} is not ${field === header[0] ? 'a timestamp' : 'a number'}` : `expected 2 cells, got ${cells.length}`}`, { location: { file, row: i, field }, hint: 'each row is time,value, e.g. 2020-03-16,82.69' });
    }
    times.push(cells[0]);
    values.push(v);
  }
  try {
    return { ...conditionSeries(name, { time: times, value: values }, `conditions`), path: abs };
  } catch (e) {
    if (e instanceof StratlabError) throw new StratlabError(e.code, `${file}: ${e.message}`, { location: { ...e.location, file }, hint: e.hint });
    throw e;
  }
}
