/**
 * result.plot(): one Plotly figure of a backtest, panes stacked on one shared time axis (zoom or pan
 * any pane and every pane follows): price (candlesticks, or a close line when there are many bars)
 * with the indicators drawn over it and every entry and exit coloured by the trade's profit; the
 * indicators that need their own pane; volume; equity against buy & hold; drawdown.
 *
 * A browser draws about ten thousand bars comfortably: above MAX_DRAWN_BARS the bars are resampled
 * into buckets of k consecutive bars (open first, high max, low min, close last, volume summed,
 * equity last, drawdown deepest), and the title says so. Trade markers stay at their true times and prices.
 */
import { StratlabError } from '../core/errors';
import type { Figure } from '../viz/plotly';
import { splitIndicators } from './figures';
import type { BacktestResult } from './result';
import type { Trade } from './types';

/** Above this many bars, the drawn bars are resampled into buckets (k bars each) to at most this many. */
export const MAX_DRAWN_BARS = 10_000;
/** Up to this many drawn bars the price is candlesticks; above, a line of the closes. */
export const CANDLE_LIMIT = 5_000;

export interface PlotOptions {
  /** Only the last N bars (default: all of them). */
  last?: number;
  /** Resample above this many bars (default MAX_DRAWN_BARS). */
  maxBars?: number;
  /** 'auto' (default): candlesticks up to CANDLE_LIMIT drawn bars, else a line; or force either. */
  candles?: 'auto' | boolean;
  /** Panes to leave out. */
  volume?: boolean;
  equity?: boolean;
  drawdown?: boolean;
  indicators?: boolean;
}

export const PROFIT_COLOR = '#1e8449';
export const LOSS_COLOR = '#c0392b';
const STRATEGY_COLOR = '#1f77b4';
const HOLD_COLOR = '#7f7f7f';

/** The drawn bars: indexes into the result's bars where each bucket starts and ends (exclusive). */
interface Buckets {
  from: Int32Array;
  to: Int32Array;
  /** Bars per bucket (1: no resampling). */
  size: number;
}

function buckets(start: number, n: number, max: number): Buckets {
  const size = Math.max(1, Math.ceil((n - start) / Math.max(1, max)));
  const m = Math.ceil((n - start) / size);
  const from = new Int32Array(m), to = new Int32Array(m);
  for (let b = 0; b < m; b++) {
    from[b] = start + b * size;
    to[b] = Math.min(n, from[b] + size);
  }
  return { from, to, size };
}

type Reduce = 'first' | 'last' | 'max' | 'min' | 'sum';

// NaN is not JSON: Plotly wants null. Eight significant digits are plenty for a chart.
function reduce(x: ArrayLike<number>, bk: Buckets, how: Reduce): (number | null)[] {
  const out = new Array<number | null>(bk.from.length);
  for (let b = 0; b < out.length; b++) {
    let v = NaN;
    for (let i = bk.from[b]; i < bk.to[b]; i++) {
      const xi = x[i];
      if (xi !== xi) continue;
      if (v !== v) v = xi;
      else if (how === 'last') v = xi;
      else if (how === 'max') v = Math.max(v, xi);
      else if (how === 'min') v = Math.min(v, xi);
      else if (how === 'sum') v += xi;
      if (how === 'first') break;
    }
    out[b] = Number.isFinite(v) ? (v === 0 ? 0 : Number(v.toPrecision(8))) : null;
  }
  return out;
}

export function plotFigure(res: BacktestResult, opts: PlotOptions = {}): Figure {
  for (const key of ['last', 'maxBars'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new StratlabError('BAD_ARGUMENT', `plot(): ${key} must be a whole number of bars ≥ 1, got ${JSON.stringify(v)}`, { location: { field: key } });
    }
  }
  const bars = res.bars;
  const n = bars.close.length;
  const start = Math.max(0, n - (opts.last ?? n));
  const maxBars = opts.maxBars ?? MAX_DRAWN_BARS;
  const bk = buckets(start, n, maxBars);
  const drawn = bk.from.length;
  const x = Array.from(bk.from, (i) => bars.time[i]);
  const candles = opts.candles === undefined || opts.candles === 'auto' ? drawn <= CANDLE_LIMIT : opts.candles;

  let lo = Infinity, hi = -Infinity;
  for (let i = start; i < n; i++) {
    if (bars.low[i] < lo) lo = bars.low[i];
    if (bars.high[i] > hi) hi = bars.high[i];
  }
  const { overlays, panels } = opts.indicators === false ? { overlays: {}, panels: [] } : splitIndicators(res, start, lo, hi);
  let hasVolume = false;
  for (let i = start; i < n && !hasVolume; i++) hasVolume = bars.volume[i] > 0;

  // Panes top to bottom, each with its share of the height.
  const panes: { id: string; title: string; weight: number }[] = [{ id: 'price', title: 'Price', weight: 3 }];
  panels.forEach((p, k) => panes.push({ id: `panel${k}`, title: p.title, weight: 1 }));
  if (opts.volume !== false && hasVolume) panes.push({ id: 'volume', title: 'Volume', weight: 0.8 });
  if (opts.equity !== false) panes.push({ id: 'equity', title: 'Equity', weight: 1.4 });
  if (opts.drawdown !== false) panes.push({ id: 'drawdown', title: 'Drawdown (%)', weight: 1 });
  const axisOf = new Map(panes.map((p, k) => [p.id, k === 0 ? 'y' : `y${k + 1}`]));
  const gap = 0.02;
  const total = panes.reduce((s, p) => s + p.weight, 0);
  const usable = 1 - gap * (panes.length - 1);
  const layout: Record<string, unknown> = {};
  let top = 1;
  panes.forEach((p, k) => {
    const h = (usable * p.weight) / total;
    layout[k === 0 ? 'yaxis' : `yaxis${k + 1}`] = { domain: [Math.max(0, top - h), top], title: { text: p.title }, automargin: true, fixedrange: false };
    top -= h + gap;
  });

  const data: Record<string, unknown>[] = [];
  const y = axisOf.get('price')!;
  if (candles) {
    data.push({
      type: 'candlestick', name: bars.symbol, x, xaxis: 'x', yaxis: y,
      open: reduce(bars.open, bk, 'first'), high: reduce(bars.high, bk, 'max'), low: reduce(bars.low, bk, 'min'), close: reduce(bars.close, bk, 'last'),
      increasing: { line: { color: '#26a69a', width: 1 } }, decreasing: { line: { color: '#ef5350', width: 1 } },
    });
  } else {
    data.push({ type: 'scatter', mode: 'lines', name: `${bars.symbol} close`, x, y: reduce(bars.close, bk, 'last'), line: { color: '#333', width: 1 }, xaxis: 'x', yaxis: y });
  }
  for (const [name, values] of Object.entries(overlays)) {
    data.push({ type: 'scatter', mode: 'lines', name, x, y: reduce(values, bk, 'last'), line: { width: 1.2 }, xaxis: 'x', yaxis: y });
  }
  tradeMarkers(res, start).forEach((t) => data.push({ ...t, xaxis: 'x', yaxis: y }));

  panels.forEach((panel, k) => {
    const axis = axisOf.get(`panel${k}`)!;
    for (const [name, values] of Object.entries(panel.series)) {
      data.push({ type: 'scatter', mode: 'lines', name, x, y: reduce(values, bk, 'last'), line: { width: 1.2 }, xaxis: 'x', yaxis: axis });
    }
    for (const level of panel.levels ?? []) {
      data.push({ type: 'scatter', mode: 'lines', name: `${panel.title} ${level}`, showlegend: false, x: [x[0], x[x.length - 1]], y: [level, level], line: { dash: 'dot', width: 1, color: '#888' }, xaxis: 'x', yaxis: axis, hoverinfo: 'skip' });
    }
  });
  if (axisOf.has('volume')) {
    data.push({ type: 'bar', name: 'Volume', x, y: reduce(bars.volume, bk, 'sum'), marker: { color: '#9e9e9e' }, xaxis: 'x', yaxis: axisOf.get('volume'), showlegend: false });
  }
  if (axisOf.has('equity')) {
    const axis = axisOf.get('equity');
    data.push({ type: 'scatter', mode: 'lines', name: 'Equity', x, y: reduce(res.equity, bk, 'last'), line: { color: STRATEGY_COLOR, width: 1.5 }, xaxis: 'x', yaxis: axis });
    data.push({ type: 'scatter', mode: 'lines', name: 'Buy & hold', x, y: reduce(res.buyAndHoldEquity(), bk, 'last'), line: { color: HOLD_COLOR, width: 1, dash: 'dot' }, xaxis: 'x', yaxis: axis });
  }
  if (axisOf.has('drawdown')) {
    const dd = res.drawdown();
    for (let i = 0; i < dd.length; i++) dd[i] *= 100;
    data.push({ type: 'scatter', mode: 'lines', name: 'Drawdown', x, y: reduce(dd, bk, 'min'), fill: 'tozeroy', line: { color: LOSS_COLOR, width: 1 }, xaxis: 'x', yaxis: axisOf.get('drawdown'), showlegend: false, hovertemplate: '%{y:.2f} %' });
  }

  const window = start > 0 ? `last ${(n - start).toLocaleString('en-US')} of ${n.toLocaleString('en-US')} bars` : `${n.toLocaleString('en-US')} bars`;
  const resampled = bk.size > 1
    ? `; resampled to ${drawn.toLocaleString('en-US')} bars of ${bk.size} (over ${maxBars.toLocaleString('en-US')} bars)`
    : '';
  const pricePane = layout.yaxis as { domain: number[] };
  Object.assign(layout, {
    title: { text: `${res.strategy} on ${res.symbol} ${res.timeframe}: ${window}${resampled}`, xref: 'paper', x: 0, xanchor: 'left', yref: 'container', y: 0.995, yanchor: 'top' },
    height: Math.round(260 + 130 * panes.reduce((s, p) => s + p.weight, 0)),
    margin: { l: 70, r: 20, t: 100, b: 40 },
    showlegend: true,
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1, yanchor: 'bottom' },
    hovermode: 'x unified',
    // One time axis for every pane: zooming any of them zooms all (linked zoom). It sits under the last pane.
    xaxis: { type: 'date', anchor: `y${panes.length === 1 ? '' : panes.length}`, rangeslider: { visible: false }, showspikes: true, spikemode: 'across', spikethickness: 1 },
    annotations: bk.size > 1 ? [{
      xref: 'paper', yref: 'paper', x: 1, xanchor: 'right', y: pricePane.domain[1], yanchor: 'top', showarrow: false, font: { size: 11, color: '#555' },
      text: `resampled: ${bk.size} bars per drawn bar (OHLC first/high/low/last, volume summed); trades at their true times`,
    }] : [],
  });
  return { data, layout, config: { scrollZoom: true } };
}

/**
 * Entries (triangles: up for a long, down for a short) and exits (circles), green when the trade made
 * money and red when it lost, with a dotted line from each entry to its exit. Trades that entered
 * before the window show their exit only.
 */
function tradeMarkers(res: BacktestResult, start: number): Record<string, unknown>[] {
  const inWindow = res.trades.filter((t) => t.exitBar >= start);
  const out: Record<string, unknown>[] = [];
  for (const profit of [true, false]) {
    const color = profit ? PROFIT_COLOR : LOSS_COLOR;
    const group = profit ? 'profit' : 'loss';
    const trades = inWindow.filter((t) => t.pnl > 0 === profit);
    if (!trades.length) continue;
    const entered = trades.filter((t) => t.entryBar >= start);
    const lx: (number | null)[] = [], ly: (number | null)[] = [];
    for (const t of entered) lx.push(t.entryTime, t.exitTime, null), ly.push(t.entryPrice, t.exitPrice, null);
    out.push({ type: 'scatter', mode: 'lines', name: `trades (${group})`, legendgroup: group, showlegend: false, x: lx, y: ly, line: { color, width: 1.5, dash: 'dot' }, hoverinfo: 'skip' });
    if (entered.length) {
      out.push({
        type: 'scatter', mode: 'markers', name: `Entry (${group})`, legendgroup: group,
        x: entered.map((t) => t.entryTime), y: entered.map((t) => t.entryPrice), text: entered.map(entryText),
        hovertemplate: '%{text}<extra></extra>',
        marker: { symbol: entered.map((t) => (t.side === 'long' ? 'triangle-up' : 'triangle-down')), size: 11, color, line: { width: 1, color: '#111' } },
      });
    }
    out.push({
      type: 'scatter', mode: 'markers', name: `Exit (${group})`, legendgroup: group,
      x: trades.map((t) => t.exitTime), y: trades.map((t) => t.exitPrice), text: trades.map(exitText),
      hovertemplate: '%{text}<extra></extra>',
      marker: { symbol: 'circle', size: 8, color, line: { width: 1, color: '#111' } },
    });
  }
  return out;
}

const price = (p: number) => p.toLocaleString('en-US', { maximumFractionDigits: Math.abs(p) >= 100 ? 2 : Math.abs(p) >= 1 ? 4 : 6 });
const entryText = (t: Trade) => `${t.side} entry @ ${price(t.entryPrice)}${t.tag ? ` (${t.tag})` : ''}: trade ${t.pnl >= 0 ? '+' : ''}${t.returnPct.toFixed(2)} %`;
const exitText = (t: Trade) => `exit (${t.exitReason}) @ ${price(t.exitPrice)}: ${t.pnl >= 0 ? '+' : ''}${t.pnl.toFixed(2)} (${t.returnPct.toFixed(2)} %)`;
