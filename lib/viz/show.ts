import type { Bars } from '../core/bars';
import { priceFigure, type PriceFigureOptions } from './charts';
import { displayFigure, displayHtml } from './display';
import type { Figure } from './plotly';
import { htmlTable, textTable, type Row } from './table';

/**
 * Notebook-facing helpers: each displays when run inside a tslab kernel, and prints text in a plain
 * script. They return nothing on purpose: tslab echoes a cell's last value, and a chart's JSON
 * echoed under the chart is noise. Build figures with `priceFigure` to keep them.
 */
export function plotPrice(bars: Bars, opts: PriceFigureOptions = {}): void {
  plot(priceFigure(bars, opts));
}

export function plot(fig: Figure): void {
  if (!displayFigure(fig)) console.log(`[Plotly chart: ${fig.data.length} traces; display it in a tslab notebook]`);
}

export function showTable(rows: Row[], opts: { columns?: string[]; caption?: string } = {}): void {
  if (!displayHtml(htmlTable(rows, opts), textTable(rows, opts))) console.log(textTable(rows, opts));
}

/** Rows [start, end) of a Bars as plain objects with ISO times (negative start counts from the end). */
export function barRows(bars: Bars, start = 0, end?: number): Row[] {
  const n = bars.time.length;
  const s = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
  const e = Math.min(end ?? (start < 0 ? n : s + 10), n);
  const rows: Row[] = [];
  for (let i = s; i < e; i++) {
    rows.push({
      time: new Date(bars.time[i]).toISOString().replace('.000Z', 'Z'),
      open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i], volume: bars.volume[i],
    });
  }
  return rows;
}
