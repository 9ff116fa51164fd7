/**
 * Which source column holds which bar field: explicit mapping first, then case-insensitive aliases.
 */
import { StratlabError } from '../core/errors';
import type { BarField } from '../core/bars';

export type ColumnMapping = Partial<Record<BarField, string>>;

/** The source column name for each field; `volume` is null when the file has none. */
export interface ResolvedColumns {
  time: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string | null;
}

/** Aliases in order of preference, compared after lower-casing and turning `_`/`-`/spaces into one space. */
export const COLUMN_ALIASES: Record<BarField, readonly string[]> = {
  time: ['time', 'date', 'datetime', 'date time', 'timestamp', 'ts', 'open time', 'opentime', 't', 'unix', 'epoch'],
  open: ['open', 'o', 'open price'],
  high: ['high', 'h', 'high price'],
  low: ['low', 'l', 'low price'],
  close: ['close', 'c', 'close price', 'last', 'price', 'adj close', 'adjclose', 'adjusted close'],
  volume: ['volume', 'vol', 'v', 'base volume'],
};

/** What the MISSING_COLUMN hint suggests. */
const SUGGESTED_NAMES: Record<BarField, string> = {
  time: 'Date, Datetime, Timestamp, time or ts',
  open: 'Open or o',
  high: 'High or h',
  low: 'Low or l',
  close: 'Close, c or Adj Close',
  volume: 'Volume, vol or v',
};

const FIELDS: readonly BarField[] = ['time', 'open', 'high', 'low', 'close', 'volume'];

function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

/**
 * Resolves the columns of `found` (the header, in file order) to bar fields.
 * Throws MISSING_COLUMN naming the file and the columns it has.
 */
export function resolveColumns(
  found: readonly string[],
  explicit: ColumnMapping | undefined,
  fileName: string,
  file: string = fileName,
): ResolvedColumns {
  const byNorm = new Map<string, string>();
  for (const name of found) if (!byNorm.has(normalize(name))) byNorm.set(normalize(name), name);
  const taken = new Set<string>();
  const result: Partial<Record<BarField, string | null>> = {};

  for (const field of FIELDS) {
    const wanted = explicit?.[field];
    if (wanted !== undefined) {
      const hit = found.includes(wanted) ? wanted : byNorm.get(normalize(wanted));
      if (!hit) {
        throw new StratlabError('MISSING_COLUMN', `${fileName}: no column "${wanted}" for ${field} (found: ${found.join(', ')})`, {
          hint: `check the spelling in { columns: { ${field}: '${wanted}' } }`,
          location: { file, field },
        });
      }
      result[field] = hit;
      taken.add(hit);
    }
  }
  for (const field of FIELDS) {
    if (result[field] !== undefined) continue;
    let hit: string | null = null;
    for (const alias of COLUMN_ALIASES[field]) {
      const name = byNorm.get(alias);
      if (name !== undefined && !taken.has(name)) {
        hit = name;
        break;
      }
    }
    if (hit === null && field !== 'volume') {
      throw new StratlabError('MISSING_COLUMN', `${fileName}: no "${field}" column (found: ${found.join(', ') || 'no columns'})`, {
        hint: `name a column ${SUGGESTED_NAMES[field]}, or map one: { columns: { ${field}: 'YourColumn' } }`,
        location: { file, field },
      });
    }
    result[field] = hit;
    if (hit) taken.add(hit);
  }
  return result as ResolvedColumns;
}
