/**
 * Plotly figures over query rows, for generated analysis notebooks (the Python bridge draws the same
 * charts with the same names). Rows are plain objects as `run.query(sql)` returns them.
 */
import type { Figure } from '../viz/plotly';
import { gridHeatmapFigure, type Aggregate, type HeatCell } from '../viz/heatmap';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : v === null || v === undefined || v === '' ? NaN : Number(v));
const label = (v: unknown): string | number => (typeof v === 'number' || typeof v === 'bigint' ? Number(v) : String(v));

/**
 * A heatmap of `z` over `x` × `y`: x ascending to the right, y ascending upwards, rows that share a
 * cell averaged (several symbols, or parameters not on the axes; `agg: 'max'` keeps the best). Cells
 * with no row stay empty rather than zero. `disqualified` names a column whose truthy rows (or a
 * non-empty rule list) are drawn as a grey layer outside the colour scale (lib/viz/heatmap.ts).
 */
export function heatmapFigure(rows: Row[], opts: { x: string; y: string; z: string; title?: string; colorscale?: string; zTitle?: string; decimals?: number; disqualified?: string; agg?: Aggregate }): Figure {
  const cells: HeatCell[] = rows.map((r) => ({ x: label(r[opts.x]), y: label(r[opts.y]), z: num(r[opts.z]), disqualified: opts.disqualified ? isSet(r[opts.disqualified]) : false }));
  const agg = opts.agg ?? 'mean';
  return gridHeatmapFigure(cells, {
    xTitle: opts.x, yTitle: opts.y, zTitle: opts.zTitle ?? opts.z,
    title: opts.title ?? `${opts.z} by ${opts.y} × ${opts.x}${agg === 'mean' ? '' : ` (${agg} per cell)`}`,
    colorscale: opts.colorscale, decimals: opts.decimals, agg,
  });
}

const isSet = (v: unknown): boolean => (typeof v === 'string' ? v.trim() !== '' && v !== '0' && v.toLowerCase() !== 'false' : Boolean(v));

/** One marker per row: `y` against `x`, hover naming the row by `text` (e.g. its parameters). */
export function scatterFigure(rows: Row[], opts: { x: string; y: string; text?: string; color?: string; title?: string }): Figure {
  return {
    data: [{
      type: 'scatter', mode: 'markers', x: rows.map((r) => num(r[opts.x])), y: rows.map((r) => num(r[opts.y])),
      text: opts.text ? rows.map((r) => String(r[opts.text!] ?? '')) : undefined,
      marker: { size: 8, opacity: 0.7, ...(opts.color ? { color: rows.map((r) => num(r[opts.color!])), colorscale: 'Viridis', showscale: true, colorbar: { title: { text: opts.color } } } : {}) },
      hovertemplate: `${opts.x} %{x:.3f}<br>${opts.y} %{y:.3f}${opts.text ? '<br>%{text}' : ''}<extra></extra>`,
    }],
    layout: { title: { text: opts.title ?? `${opts.y} vs ${opts.x}` }, height: 400, xaxis: { title: { text: opts.x } }, yaxis: { title: { text: opts.y } } },
  };
}

/** Bars of `y` by the category `x` (one series), or several series (`y` a list of columns). */
export function barFigure(rows: Row[], opts: { x: string; y: string | string[]; title?: string; yTitle?: string }): Figure {
  const ys = Array.isArray(opts.y) ? opts.y : [opts.y];
  return {
    data: ys.map((col) => ({ type: 'bar', name: col, x: rows.map((r) => String(label(r[opts.x]))), y: rows.map((r) => num(r[col])) })),
    layout: { title: { text: opts.title ?? `${ys.join(', ')} by ${opts.x}` }, height: 380, barmode: 'group', showlegend: ys.length > 1, xaxis: { title: { text: opts.x }, type: 'category' }, yaxis: { title: { text: opts.yTitle ?? ys.join(', ') } } },
  };
}

/** Lines over time: `series` maps a name to [epoch ms, value] rows. */
export function timeFigure(series: Record<string, { t: number[]; y: number[] }>, opts: { title?: string; yTitle?: string; fill?: boolean } = {}): Figure {
  return {
    data: Object.entries(series).map(([name, s], k) => ({
      type: 'scatter', mode: 'lines', name, x: s.t, y: s.y.map((v) => (Number.isFinite(v) ? v : null)),
      line: { width: k === 0 ? 1.6 : 1.2, dash: k === 0 ? 'solid' : 'dot' }, ...(opts.fill ? { fill: 'tozeroy' } : {}),
    })),
    layout: { title: { text: opts.title ?? '' }, height: 380, hovermode: 'x unified', xaxis: { type: 'date' }, yaxis: { title: { text: opts.yTitle ?? '' } }, legend: { orientation: 'h', x: 0, y: 1, yanchor: 'bottom' } },
  };
}
