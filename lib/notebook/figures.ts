/**
 * Plotly figures over query rows, for generated analysis notebooks (the Python bridge draws the same
 * charts with the same names). Rows are plain objects as `run.query(sql)` returns them.
 */
import type { Figure } from '../viz/plotly';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : v === null || v === undefined || v === '' ? NaN : Number(v));
const label = (v: unknown): string | number => (typeof v === 'number' || typeof v === 'bigint' ? Number(v) : String(v));

function sortKeys(keys: (string | number)[]): (string | number)[] {
  return keys.every((k) => typeof k === 'number') ? (keys as number[]).sort((a, b) => a - b) : keys.map(String).sort();
}

/**
 * A heatmap of `z` over `x` × `y`, averaging rows that share a cell (several symbols, or parameters
 * not on the axes). Cells with no row stay empty rather than zero.
 */
export function heatmapFigure(rows: Row[], opts: { x: string; y: string; z: string; title?: string; colorscale?: string; zTitle?: string; decimals?: number }): Figure {
  const sums = new Map<string, { s: number; n: number }>();
  const xs = new Map<string, string | number>(), ys = new Map<string, string | number>();
  for (const r of rows) {
    const xv = label(r[opts.x]), yv = label(r[opts.y]), zv = num(r[opts.z]);
    if (!Number.isFinite(zv)) continue;
    xs.set(String(xv), xv);
    ys.set(String(yv), yv);
    const k = `${xv}\u0000${yv}`;
    const c = sums.get(k) ?? { s: 0, n: 0 };
    c.s += zv;
    c.n++;
    sums.set(k, c);
  }
  const xk = sortKeys([...xs.values()]), yk = sortKeys([...ys.values()]);
  const d = opts.decimals ?? 2;
  const z = yk.map((yv) => xk.map((xv) => { const c = sums.get(`${xv}\u0000${yv}`); return c ? +(c.s / c.n).toFixed(6) : null; }));
  return {
    data: [{
      type: 'heatmap', x: xk.map(String), y: yk.map(String), z, colorscale: opts.colorscale ?? 'Viridis',
      colorbar: { title: { text: opts.zTitle ?? opts.z } }, texttemplate: `%{z:.${d}f}`, hovertemplate: `${opts.x} %{x}<br>${opts.y} %{y}<br>${opts.z} %{z:.${d}f}<extra></extra>`,
    }],
    layout: {
      title: { text: opts.title ?? `${opts.z} by ${opts.y} × ${opts.x}` }, height: 420,
      xaxis: { title: { text: opts.x }, type: 'category' }, yaxis: { title: { text: opts.y }, type: 'category' },
    },
  };
}

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
