/**
 * Option objects of the data functions, validated with zod; mistakes become one BAD_ARGUMENT error
 * that names the option, says what was expected and suggests the nearest option name.
 */
import { z } from 'zod';
import { StratlabError } from '../core/errors';
import { timeframeMs } from '../core/timeframe';
import type { ColumnMapping } from './columns';

/** Options of loadBars. */
export interface LoadOptions {
  /** Defaults to the file name's stem, upper-cased, without a timeframe suffix: `GOOG.csv` → `GOOG`, `SPY_5m.csv` → `SPY`. */
  symbol?: string;
  /** Defaults to the most common spacing of the timestamps: '1m', '1h', '1d', '1w', '1M', … */
  timeframe?: string;
  /** Which source column holds a field, when its name is not one we recognise: `{ time: 'When', close: 'Last' }`. */
  columns?: ColumnMapping;
  /** Drop bad rows, sort by time, drop repeated timestamps (keeping the first), and say so in `bars.repairs`. */
  repair?: boolean;
  /** Defaults to the extension: .csv/.tsv/.txt, .parquet/.pq, .json/.jsonl/.ndjson. */
  format?: 'csv' | 'parquet' | 'json';
  /**
   * The IANA zone whose wall clock naive datetimes are written in ('America/New_York'); default UTC.
   * Zoned values ('…Z', '…+02:00'), epoch numbers and calendar dates are never shifted.
   */
  timezone?: string;
}

/** What the file readers need of the load options: which column is which, and the zone of naive times. */
export type ReadOptions = Pick<LoadOptions, 'columns' | 'timezone'>;

/** A timeframe label we can work with: fixed ('5m', '4h', '1d', '1w') or calendar month ('1M'). */
export const timeframeLabel = z.string().refine(
  (tf) => {
    if (tf === '1M') return true;
    try {
      timeframeMs(tf);
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected a timeframe such as '1m', '5m', '1h', '1d', '1w' or '1M'" },
);

const columnName = z.string().min(1);

/** An IANA time zone name that Intl knows ('UTC', 'Europe/London', 'America/New_York'). */
export const timeZoneName = z.string().refine(isTimeZone, { message: "expected an IANA time zone such as 'America/New_York'" });

export const loadOptionsSchema: z.ZodType<LoadOptions> = z
  .object({
    symbol: z.string().min(1).optional(),
    timeframe: timeframeLabel.optional(),
    columns: z
      .object({ time: columnName, open: columnName, high: columnName, low: columnName, close: columnName, volume: columnName })
      .partial()
      .strict()
      .optional(),
    repair: z.boolean().optional(),
    format: z.enum(['csv', 'parquet', 'json']).optional(),
    timezone: timeZoneName.optional(),
  })
  .strict();

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}


/** Parses `value` with `schema`, or throws BAD_ARGUMENT: `loadBars options: format: expected …`. */
export function parseOptions<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
  let message = issue.message;
  let hint: string | undefined;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    message = `unknown option "${key}"`;
    const known = knownKeys(schema, issue.path);
    const near = nearest(key, known);
    hint = near ? `did you mean "${near}"?` : known.length ? `options are: ${known.join(', ')}` : undefined;
  } else if (issue.code === 'invalid_type') {
    message = `expected ${issue.expected}, got ${issue.received}`;
  } else if (issue.code === 'invalid_enum_value') {
    message = `expected ${issue.options.map((o) => `'${String(o)}'`).join(' | ')}, got ${JSON.stringify(issue.received)}`;
  }
  throw new StratlabError('BAD_ARGUMENT', `${where}: ${at}${message}`, { hint, location: { field: issue.path.join('.') || undefined } });
}

function knownKeys(schema: z.ZodTypeAny, at: (string | number)[]): string[] {
  let s: z.ZodTypeAny = schema;
  for (const key of at) {
    s = unwrap(s);
    if (!(s instanceof z.ZodObject)) return [];
    s = s.shape[key as string];
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodEffects || s instanceof z.ZodNullable) {
    s = s instanceof z.ZodEffects ? s.innerType() : s instanceof z.ZodDefault ? s._def.innerType : s.unwrap();
  }
  return s;
}

/** The candidate within edit distance 2 of `word`, if any. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined, bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}
