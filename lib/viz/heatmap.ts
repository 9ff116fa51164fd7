/**
 * One heatmap for every grid of results (sweep scores, query rows in generated notebooks): x ascending
 * left to right, y ascending bottom to top, a named colour scale (colorscales.ts) scaled to the
 * qualified cells only, and disqualified cells as a separate grey layer outside that scale, so a −999
 * penalty score neither stretches the colours nor hides the best cell. The Python bridge
 * (kernels/python/stratlab_bridge.py, `heatmap`) draws the same picture with matplotlib.
 */
import { StratlabError } from '../core/errors';
import { colorscale, DISQUALIFIED_COLOR } from './colorscales';
import type { Figure } from './plotly';

export type Aggregate = 'mean' | 'max' | 'min';

export interface HeatCell {
  x: string | number;
  y: string | number;
  /** The value; NaN or null for "no value" (the cell stays empty unless it is disqualified). */
  z: number | null;
  /** Disqualified results are never coloured by the scale: a cell all of whose results are disqualified is drawn grey. */
  disqualified?: boolean;
}

export interface GridHeatmapOptions {
  xTitle: string;
  yTitle: string;
  zTitle: string;
  title: string;
  /** A name from colorscales.ts (default Viridis). */
  colorscale?: string;
  /** How results that share a cell combine (other parameters, several symbols); default 'mean'. */
  agg?: Aggregate;
  decimals?: number;
  /** Centre a diverging scale here (e.g. 0 for returns), keeping it symmetric around it. */
  zmid?: number;
}

/** The aggregated grid: z[row = y][column = x], null where there is no qualified value. */
export interface HeatGrid {
  x: (string | number)[];
  y: (string | number)[];
  z: (number | null)[][];
  /** True where every result of the cell was disqualified. */
  disqualified: boolean[][];
}

function sortKeys(keys: (string | number)[]): (string | number)[] {
  return keys.every((k) => typeof k === 'number') ? (keys as number[]).sort((a, b) => a - b) : keys.map(String).sort();
}

export function aggregateGrid(cells: Iterable<HeatCell>, agg: Aggregate = 'mean'): HeatGrid {
  if (!['mean', 'max', 'min'].includes(agg)) throw new StratlabError('BAD_ARGUMENT', `heatmap agg: expected 'mean' | 'max' | 'min', got '${String(agg)}'`);
  const xs = new Map<string, string | number>(), ys = new Map<string, string | number>();
  const acc = new Map<string, { s: number; n: number; best: number; dq: number }>();
  for (const c of cells) {
    xs.set(String(c.x), c.x);
    ys.set(String(c.y), c.y);
    const k = `${c.x}\u0000${c.y}`;
    const a = acc.get(k) ?? { s: 0, n: 0, best: agg === 'min' ? Infinity : -Infinity, dq: 0 };
    acc.set(k, a);
    if (c.disqualified) { a.dq++; continue; }
    const z = c.z;
    if (z === null || !Number.isFinite(z)) continue;
    a.s += z;
    a.n++;
    a.best = agg === 'min' ? Math.min(a.best, z) : Math.max(a.best, z);
  }
  const x = sortKeys([...xs.values()]), y = sortKeys([...ys.values()]);
  const z = y.map((yv) => x.map((xv) => {
    const a = acc.get(`${xv}\u0000${yv}`);
    if (!a || a.n === 0) return null;
    return agg === 'mean' ? +(a.s / a.n).toPrecision(10) : a.best;
  }));
  const disqualified = y.map((yv) => x.map((xv) => {
    const a = acc.get(`${xv}\u0000${yv}`);
    return Boolean(a && a.n === 0 && a.dq > 0);
  }));
  return { x, y, z, disqualified };
}

export function gridHeatmapFigure(cells: Iterable<HeatCell>, opts: GridHeatmapOptions): Figure {
  const g = aggregateGrid(cells, opts.agg);
  const d = opts.decimals ?? 2;
  const xl = g.x.map(String), yl = g.y.map(String);
  let lo = Infinity, hi = -Infinity;
  for (const row of g.z) for (const v of row) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (opts.zmid !== undefined && lo <= hi) {
    const r = Math.max(Math.abs(hi - opts.zmid), Math.abs(opts.zmid - lo));
    lo = opts.zmid - r;
    hi = opts.zmid + r;
  }
  const hover = `${opts.xTitle} %{x}<br>${opts.yTitle} %{y}<br>${opts.zTitle} %{z:.${d}f}<extra></extra>`;
  const data: Record<string, unknown>[] = [{
    type: 'heatmap', name: opts.zTitle, x: xl, y: yl, z: g.z,
    colorscale: colorscale(opts.colorscale ?? 'Viridis'),
    // The scale spans the qualified cells only (set, not inferred, so nothing else can stretch it).
    // One value alone sits mid-scale.
    ...(lo < hi ? { zmin: lo, zmax: hi } : lo === hi ? { zmin: lo - (Math.abs(lo) || 1), zmax: hi + (Math.abs(hi) || 1) } : {}),
    colorbar: { title: { text: opts.zTitle } }, texttemplate: `%{z:.${d}f}`, hovertemplate: hover, hoverongaps: false, xgap: 1, ygap: 1,
  }];
  const nDq = g.disqualified.flat().filter(Boolean).length;
  if (nDq > 0) {
    data.push({
      type: 'heatmap', name: 'disqualified', x: xl, y: yl,
      z: g.disqualified.map((row) => row.map((dq) => (dq ? 1 : null))),
      colorscale: [[0, DISQUALIFIED_COLOR], [1, DISQUALIFIED_COLOR]], zmin: 0, zmax: 1, showscale: false,
      text: g.disqualified.map((row) => row.map((dq) => (dq ? '×' : ''))), texttemplate: '%{text}', textfont: { color: '#555' },
      hovertemplate: `${opts.xTitle} %{x}<br>${opts.yTitle} %{y}<br>disqualified<extra></extra>`, hoverongaps: false, xgap: 1, ygap: 1,
    });
  }
  return {
    data,
    layout: {
      title: { text: opts.title + (nDq > 0 ? ` (grey ×: disqualified, ${nDq} cell${nDq === 1 ? '' : 's'})` : '') },
      height: 420,
      xaxis: { title: { text: opts.xTitle }, type: 'category' },
      // Ascending upwards, as matplotlib's origin='lower' in the Python notebooks.
      yaxis: { title: { text: opts.yTitle }, type: 'category', autorange: true },
    },
  };
}
