/**
 * How experiment rows look to people: a compact table (HTML in a tslab notebook, aligned text in a
 * terminal). Row arrays stay plain arrays; toHTML/toText/display and the util.inspect hook are
 * attached as non-enumerable properties, so they never show up in JSON or in equality checks.
 */
import { displayHtml } from '../viz/display';
import { fixedLine, splitParams, strategyLabel } from '../viz/labels';
import { htmlTable, textTable, type Row } from '../viz/table';
import { costCell } from './cost-model';
import type { ExperimentRow } from './rows';

export interface Displayable {
  /** An HTML table (what display() shows in a notebook). */
  toHTML(): string;
  /** The same table as aligned text (what a terminal, or a cell ending with the value, shows). */
  toText(): string;
  /** In a tslab notebook: the HTML table; elsewhere: prints the text. */
  display(): void;
}

/** Rows as returned by the tracker's queries: a plain array that also displays as a table. */
export type ExperimentRows<R extends ExperimentRow = ExperimentRow> = R[] & Displayable;

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** The display shows at most this many rows (the array itself holds them all). */
export const DISPLAY_ROWS = 50;

const round = (x: number | undefined, digits: number): number | undefined =>
  x === undefined || !Number.isFinite(x) ? x : Number(x.toFixed(digits));

/** 'fast=10 slow=30', cut to `max` characters. */
export function paramsText(params: Record<string, unknown>, max = 60): string {
  const s = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/**
 * One row's display cells: the identifying columns, the table's metrics (docs/experiments.md §1.2), and where it stands. `varying`
 * (the parameters that differ between the rows shown) makes the label: `SmaCross fast=10 slow=30`.
 */
export function displayRow(r: ExperimentRow & { reason?: string }, varying: readonly string[] = Object.keys(r.params)): Row {
  const m = r.metrics;
  const out: Row = {
    id: r.id,
    experiment: r.experimentId,
    strategy: strategyLabel(r.strategy, r.params, varying),
    symbol: r.symbol,
    tf: r.timeframe,
    score: round(r.score, 3),
    'return %': round(m?.returnPct, 2),
    'ann %': round(m?.annualisedReturn, 2),
    sharpe: round(m?.sharpe, 3),
    'max dd %': round(m?.maxDrawdown, 2),
    trades: m?.totalTrades,
    'win rate': round(m?.winRate, 3),
    PF: round(m?.profitFactor, 3),
    // Every table says which cost model each row ran under (spread, fill): rows of different ones do not compare.
    costs: costCell(r),
    validation: r.validationStatus,
    state: r.status === 'failed' ? 'failed' : r.disqualified.length ? `dq: ${r.disqualified.join(', ')}` : 'ok',
  };
  if (r.reason !== undefined) out.reason = r.reason;
  return out;
}

function shown(rows: readonly ExperimentRow[]): { cells: Row[]; note: string } {
  const list = rows.slice(0, DISPLAY_ROWS);
  const { varying, fixed } = splitParams(list.map((r) => r.params));
  return { cells: list.map((r) => displayRow(r, varying)), note: fixedLine(fixed) };
}

function footer(shownCount: number, total: number): string {
  if (total === 0) return '(no rows)';
  const n = (x: number) => x.toLocaleString('en-US');
  return shownCount < total ? `(${n(shownCount)} of ${n(total)} rows shown)` : `(${n(total)} row${total === 1 ? '' : 's'})`;
}

/** The HTML and text of a table of rows, `total` being how many match (may exceed rows.length). */
export function renderRows(rows: readonly ExperimentRow[], caption: string, total = rows.length): { html: string; text: string } {
  const { cells, note } = shown(rows);
  const foot = footer(cells.length, total);
  const html = htmlTable(cells, { caption: `${caption}${note ? `; ${note}` : ''} ${foot}` });
  const text = `${caption}\n${note ? `${note}\n` : ''}${cells.length ? textTable(cells) + '\n' : ''}${foot}`;
  return { html, text };
}

export function show(html: string, text: string): void {
  if (!displayHtml(html, text)) console.log(text);
}

/** Attaches the display methods to a row array, without copying it. */
export function withDisplay<R extends ExperimentRow>(rows: R[], caption: string): ExperimentRows<R> {
  const render = () => renderRows(rows, caption);
  const methods: Displayable & { [INSPECT](): string } = {
    toHTML: () => render().html,
    toText: () => render().text,
    display: () => {
      const { html, text } = render();
      show(html, text);
    },
    [INSPECT]: () => render().text,
  };
  for (const key of [...Object.keys(methods), INSPECT] as (keyof typeof methods)[]) {
    Object.defineProperty(rows, key, { value: methods[key], enumerable: false, configurable: true, writable: true });
  }
  return rows as ExperimentRows<R>;
}
