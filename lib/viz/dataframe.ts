/**
 * DataFrames for notebooks (danfojs): trades, equity, sweep results and tracker rows as a table a
 * researcher can filter, group and describe. danfojs carries a TensorFlow.js build that takes seconds
 * to load, so it is required on first use only: a backtest or a sweep never pays for it.
 */
import { displayHtml } from './display';
import { htmlTable, textTable, type Row } from './table';

/**
 * The part of danfojs's DataFrame that stratlab's own types name. The frame is danfojs's own (every
 * method of its API works: `df['pnl'].sum()`, `df.groupby(['side'])`, `df.query(…)`); its type
 * declarations are not re-exported because they pull in TensorFlow's WebGL types, which tslab's
 * TypeScript 5.0 refuses to check.
 */
export interface DataFrame {
  readonly shape: number[];
  readonly columns: string[];
  readonly values: unknown[][];
  head(rows?: number): DataFrame;
  tail(rows?: number): DataFrame;
  describe(): DataFrame;
  print(): void;
  /** In a tslab notebook: the first 50 rows as an HTML table; elsewhere printed as text. */
  display(): void;
  /** Columns (danfojs Series) and the rest of danfojs's API. */
  [member: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- danfojs's own API, untyped here on purpose (see above)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loaded lazily with require(), typed by use
let danfo: any;

/** Rows (objects with the same keys) or columns (name → values) as a danfojs DataFrame, shown as a table in tslab. */
export function toDataFrame(data: readonly Row[] | Record<string, ArrayLike<unknown>>, opts: { columns?: string[] } = {}): DataFrame {
  danfo ??= require('danfojs');
  const columns = Array.isArray(data) ? (opts.columns ?? columnsOf(data as readonly Row[])) : Object.keys(data);
  const cols: Record<string, unknown[]> = {};
  if (Array.isArray(data)) {
    for (const c of columns) cols[c] = (data as readonly Row[]).map((r) => cell(r[c]));
  } else {
    for (const c of columns) cols[c] = Array.from((data as Record<string, ArrayLike<unknown>>)[c], cell);
  }
  // danfojs refuses empty columns: an empty table is made from no rows, keeping its column names.
  const empty = columns.length === 0 || cols[columns[0]].length === 0;
  const df = (empty ? new danfo.DataFrame([], { columns }) : new danfo.DataFrame(cols)) as DataFrame;
  return notebookFriendly(df);
}

/** The keys of every row, in first-seen order. */
function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** danfojs takes numbers, strings and booleans: null/undefined/NaN become NaN, anything else its JSON. */
function cell(v: unknown): unknown {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

const SHOWN = 50;

/**
 * A cell ending with the frame shows it: the first rows as an HTML table in tslab (danfojs's own print is
 * a box-drawing text table), as text elsewhere. `display()` does the same on demand.
 */
function notebookFriendly(df: DataFrame): DataFrame {
  const rows = (): Row[] => {
    const head = df.shape[0] > SHOWN ? df.head(SHOWN) : df;
    const names = head.columns, values = head.values as unknown[][];
    return values.map((v) => Object.fromEntries(names.map((c, j) => [c, v[j]])) as Row);
  };
  const caption = () => `DataFrame ${df.shape[0]} rows × ${df.shape[1]} columns${df.shape[0] > SHOWN ? ` (first ${SHOWN} shown)` : ''}`;
  Object.defineProperty(df, 'display', {
    value: () => {
      const r = rows();
      if (!displayHtml(htmlTable(r, { caption: caption() }), textTable(r))) console.log(`${caption()}\n${textTable(r)}`);
    },
  });
  Object.defineProperty(df, Symbol.for('nodejs.util.inspect.custom'), { value: () => `${caption()}\n${textTable(rows())}` });
  return df;
}
