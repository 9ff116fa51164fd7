/**
 * JSON bars in three shapes: an array of row objects, a columnar object (`{ time: [...], open: [...] }`,
 * optionally with `symbol` and `timeframe`), or JSON lines (one row object per line).
 */
import * as fs from 'fs';
import type { BarField } from '../core/bars';
import { StratlabError } from '../core/errors';
import { resolveColumns } from './columns';
import type { ReadOptions } from './options';
import type { RawColumns } from './raw';
import { surveyValues } from './offsets';
import { parseTimestamp } from './timestamps';

type Row = Record<string, unknown>;
const FIELDS: readonly BarField[] = ['time', 'open', 'high', 'low', 'close', 'volume'];

export async function readJson(file: string, fileName: string, opts: ReadOptions = {}): Promise<RawColumns> {
  const text = await fs.promises.readFile(file, 'utf8');
  const parsed = parseJson(text, fileName, file);

  if (!Array.isArray(parsed) && isColumnar(parsed)) return fromColumns(parsed, file, fileName, opts);
  const rows = Array.isArray(parsed) ? parsed : [parsed];
  rows.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new StratlabError('PARSE_ERROR', `${fileName}: row ${i + 1} is not an object with named fields`, {
        hint: 'use [{"time": …, "open": …}, …], {"time": [...], "open": [...]} or one object per line',
        location: { file, row: i + 1 },
      });
    }
  });
  return fromRows(rows as Row[], file, fileName, opts);
}

function parseJson(text: string, fileName: string, file: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    return JSON.parse(trimmed);
  } catch (whole) {
    if (!trimmed.startsWith('{')) throw jsonError(whole, fileName, file);
  }
  // JSON lines: one object per non-empty line.
  const rows: unknown[] = [];
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    if (lines[k].trim() === '') continue;
    try {
      rows.push(JSON.parse(lines[k]));
    } catch (e) {
      throw jsonError(e, fileName, file, k + 1);
    }
  }
  return rows;
}

function jsonError(e: unknown, fileName: string, file: string, line?: number): StratlabError {
  const why = e instanceof Error ? e.message : String(e);
  return new StratlabError('PARSE_ERROR', `${fileName}: ${line ? `line ${line}: ` : ''}not valid JSON (${why})`, {
    hint: 'use an array of row objects, a columnar object or JSON lines',
    location: { file },
  });
}

function isColumnar(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && Object.values(x as object).some(Array.isArray);
}

function fromColumns(obj: Record<string, unknown>, file: string, fileName: string, opts: ReadOptions): RawColumns {
  const arrays = Object.keys(obj).filter((k) => Array.isArray(obj[k]));
  const cols = resolveColumns(arrays, opts.columns, fileName, file);
  const n = (obj[cols.time] as unknown[]).length;
  for (const field of FIELDS) {
    const name = cols[field];
    if (name !== null && (obj[name] as unknown[]).length !== n) {
      throw new StratlabError('PARSE_ERROR', `${fileName}: column "${name}" has ${(obj[name] as unknown[]).length} values, "${cols.time}" has ${n}`, {
        hint: 'every column of a columnar JSON file needs the same length',
        location: { file, field },
      });
    }
  }
  const get = (field: BarField) => {
    const name = cols[field];
    return name === null ? null : (obj[name] as unknown[]);
  };
  const raw = build(n, get, file, fileName, opts.timezone);
  raw.columns = cols;
  if (typeof obj.symbol === 'string') raw.symbol = obj.symbol;
  if (typeof obj.timeframe === 'string') raw.timeframe = obj.timeframe;
  return raw;
}

function fromRows(rows: Row[], file: string, fileName: string, opts: ReadOptions): RawColumns {
  const keys = new Set<string>();
  for (const r of rows.slice(0, 100)) for (const k of Object.keys(r)) keys.add(k);
  const cols = resolveColumns([...keys], opts.columns, fileName, file);
  const get = (field: BarField) => {
    const name = cols[field];
    return name === null ? null : rows.map((r) => r[name]);
  };
  const raw = build(rows.length, get, file, fileName, opts.timezone);
  raw.columns = cols;
  return raw;
}

/** Converts JS values to typed columns, remembering the original value of every cell that is not a number. */
function build(n: number, get: (field: BarField) => unknown[] | null, file: string, fileName: string, timeZone?: string): RawColumns {
  const texts = new Map<BarField, Map<number, string | null>>();
  const remember = (field: BarField, i: number, v: unknown) => {
    if (!texts.has(field)) texts.set(field, new Map());
    texts.get(field)!.set(i, v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));
  };
  const column = (field: BarField, values: unknown[] | null): Float64Array => {
    const out = new Float64Array(n);
    if (!values) return out;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const x = field === 'time' ? parseTimestamp(v, timeZone) : toNumber(v);
      out[i] = x;
      if (!Number.isFinite(x)) remember(field, i, v);
    }
    return out;
  };
  const volume = get('volume');
  const times = get('time');
  return {
    zones: times ? surveyValues(times) : undefined,
    file,
    fileName,
    format: 'json',
    time: column('time', get('time')),
    open: column('open', get('open')),
    high: column('high', get('high')),
    low: column('low', get('low')),
    close: column('close', get('close')),
    volume: column('volume', volume),
    hasVolume: volume !== null,
    text: (field, i) => {
      const t = texts.get(field);
      return t?.has(i) ? t.get(i) : undefined;
    },
  };
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}
