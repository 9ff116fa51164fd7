/**
 * Plotly figures of a backtest: equity against buy & hold, drawdown, and the price with trades marked.
 * Long runs are sampled for the line charts (at most MAX_POINTS points, keeping each stretch's highs and
 * lows so peaks and the deepest drawdown survive) and the price chart shows the last bars only.
 */
import { lineFigure, priceFigure, type PanelSpec } from '../viz/charts';
import type { Figure } from '../viz/plotly';
import type { BacktestResult } from './result';
import type { Trade } from './types';

/** At most this many points per line: a chart of a million points draws slowly and shows nothing more. */
export const MAX_POINTS = 4000;
/** Bars shown by the price chart by default (its candlesticks are not sampled). */
export const TRADES_LAST = 1500;

const STRATEGY_COLOR = '#1f77b4';
const HOLD_COLOR = '#7f7f7f';
const LOSS_COLOR = '#c0392b';
const WIN_COLOR = '#1e8449';
const LEGEND_TOP = { orientation: 'h', x: 0, xanchor: 'left', y: 1, yanchor: 'bottom' };
const MARGIN = { l: 60, r: 20, t: 70, b: 40 };

/** The strategy's equity and what buying at the first close and holding would be worth, both from the same cash. */
/** At most this many indicator panels under the price; more make each too short to read. */
const MAX_PANELS = 4;

export function equityFigure(res: BacktestResult): Figure {
  const hold = res.buyAndHoldEquity();
  const idx = sampleIndices(res.time.length, [res.equity, hold]);
  const eq = round(pick(res.equity, idx)), bh = round(pick(hold, idx));
  // Curves that grow (or shrink) many-fold read better on a log scale: equal moves in percent look equal.
  let lo = Infinity, hi = -Infinity;
  for (const a of [eq, bh]) for (let i = 0; i < a.length; i++) if (a[i] === a[i]) { lo = Math.min(lo, a[i]); hi = Math.max(hi, a[i]); }
  const log = lo > 0 && hi / lo > 5;
  const yTitle = log ? 'Equity (log scale)' : 'Equity';
  const fig = lineFigure(pick(res.time, idx), { [res.strategy]: eq, 'Buy & hold': bh },
    { title: `Equity: ${res.strategy} vs buy & hold, ${res.symbol} ${res.timeframe}`, yTitle });
  style(fig.data[0], { line: { color: STRATEGY_COLOR, width: 1.6 }, hovertemplate: '%{y:,.2f}' });
  style(fig.data[1], { line: { color: HOLD_COLOR, width: 1.2, dash: 'dot' }, hovertemplate: '%{y:,.2f}' });
  Object.assign(fig.layout!, {
    height: 380,
    margin: MARGIN,
    showlegend: true,
    legend: LEGEND_TOP,
    hovermode: 'x unified',
    yaxis: { title: { text: yTitle }, type: log ? 'log' : 'linear', tickformat: ',.0f', ...(log ? { dtick: 'D2' } : {}) },
    // The starting cash, so "above / below where we started" reads at a glance.
    shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: res.initialCash, y1: res.initialCash, line: { color: '#aaa', width: 1, dash: 'dash' } }],
  });
  return fig;
}

/** How far equity is below its running peak, in percent (≤ 0), with the deepest point marked. */
export function drawdownFigure(res: BacktestResult): Figure {
  const dd = res.drawdown();
  let trough = 0;
  for (let i = 0; i < dd.length; i++) {
    dd[i] *= 100;
    if (dd[i] < dd[trough]) trough = i;
  }
  const idx = sampleIndices(dd.length, [dd]);
  const fig = lineFigure(pick(res.time, idx), { Drawdown: round(pick(dd, idx)) }, { title: `Drawdown (max ${res.maxDrawdown.toFixed(2)} %)`, yTitle: 'Drawdown (%)' });
  style(fig.data[0], { fill: 'tozeroy', line: { color: LOSS_COLOR, width: 1 }, hovertemplate: '%{y:.2f} %' });
  if (dd.length && dd[trough] < 0) {
    fig.data.push({
      type: 'scatter', mode: 'markers', name: `Max drawdown ${dd[trough].toFixed(2)} %`,
      x: [res.time[trough]], y: [round1(dd[trough])],
      marker: { symbol: 'diamond', size: 10, color: '#000' }, hovertemplate: '%{y:.2f} %',
    });
  }
  Object.assign(fig.layout!, {
    height: 300,
    margin: MARGIN,
    showlegend: true,
    legend: LEGEND_TOP,
    hovermode: 'x unified',
    yaxis: { title: { text: 'Drawdown (%)' }, ticksuffix: ' %', rangemode: 'tozero' },
  });
  return fig;
}

/**
 * Candlesticks of the last `last` bars with the strategy's indicators, its entries (triangles: up for
 * long, down for short), its exits (crosses) and a line from each entry to its exit, green for a
 * winning trade and red for a losing one. Trades that entered before the window show their exit only.
 */
export function tradesFigure(res: BacktestResult, last = TRADES_LAST): Figure {
  const bars = res.bars;
  const n = bars.close.length;
  const start = Math.max(0, n - last);
  let lo = Infinity, hi = -Infinity;
  for (let i = start; i < n; i++) {
    if (bars.low[i] < lo) lo = bars.low[i];
    if (bars.high[i] > hi) hi = bars.high[i];
  }
  const { overlays, panels } = splitIndicators(res, start, lo, hi);
  const window = start > 0 ? `, last ${n - start} of ${n} bars` : '';
  const fig = priceFigure(bars, { title: `${res.strategy} on ${res.symbol} ${res.timeframe}: trades${window}`, last: n - start, overlays, panels });
  const layout = fig.layout!;
  layout.height = 480 + 170 * panels.length;
  layout.margin = MARGIN;
  layout.legend = LEGEND_TOP;

  const inWindow = res.trades.filter((t) => t.exitBar >= start);
  const entered = inWindow.filter((t) => t.entryBar >= start);
  // Entry → exit segments (null breaks the line between trades).
  const segments = (win: boolean) => {
    const x: (number | null)[] = [], y: (number | null)[] = [];
    for (const t of entered) {
      if (t.pnl > 0 !== win) continue;
      x.push(t.entryTime, t.exitTime, null);
      y.push(t.entryPrice, t.exitPrice, null);
    }
    return { x, y };
  };
  for (const win of [true, false]) {
    const s = segments(win);
    if (!s.x.length) continue;
    fig.data.push({ type: 'scatter', mode: 'lines', name: win ? 'Winning trade' : 'Losing trade', x: s.x, y: s.y, line: { color: win ? WIN_COLOR : LOSS_COLOR, width: 2, dash: 'dot' }, hoverinfo: 'skip', xaxis: 'x', yaxis: 'y' });
  }
  const entryText = (t: Trade) => `${t.side} ${fmtUnits(t.units)} @ ${fmtPrice(t.entryPrice)}${t.tag ? ` (${t.tag})` : ''}`;
  const exitText = (t: Trade) => `exit (${t.exitReason}) @ ${fmtPrice(t.exitPrice)}: ${t.pnl >= 0 ? '+' : ''}${t.pnl.toFixed(2)} (${t.returnPct.toFixed(2)} %)`;
  const markers = (name: string, trades: Trade[], entry: boolean, marker: Record<string, unknown>) => {
    if (!trades.length) return;
    fig.data.push({
      type: 'scatter', mode: 'markers', name,
      x: trades.map((t) => (entry ? t.entryTime : t.exitTime)),
      y: trades.map((t) => (entry ? t.entryPrice : t.exitPrice)),
      text: trades.map(entry ? entryText : exitText),
      hovertemplate: '%{text}<extra></extra>',
      marker, xaxis: 'x', yaxis: 'y',
    });
  };
  // Entries are drawn large and exits as thin crosses on top: when a reversal exits and enters on
  // the same bar, both stay visible.
  markers('Long entry', entered.filter((t) => t.side === 'long'), true, { symbol: 'triangle-up', size: 13, color: WIN_COLOR, line: { width: 1, color: '#111' } });
  markers('Short entry', entered.filter((t) => t.side === 'short'), true, { symbol: 'triangle-down', size: 13, color: LOSS_COLOR, line: { width: 1, color: '#111' } });
  markers('Exit', inWindow, false, { symbol: 'x-thin', size: 11, color: '#111', line: { width: 2, color: '#111' } });
  return fig;
}

/**
 * The strategy's indicators for a price chart from bar `start` on: over the price ('overlay', or 'auto'
 * with values inside the price range lo..hi), or in panels (indicators naming the same panel share it,
 * %K with %D, MACD with its signal). At most MAX_PANELS panels; the last one's title names those left out.
 */
export function splitIndicators(res: BacktestResult, start: number, lo: number, hi: number): { overlays: Record<string, Float64Array>; panels: PanelSpec[] } {
  const overlays: Record<string, Float64Array> = {};
  // Indicators that name the same panel share it (%K with %D, MACD with its signal).
  const byPanel = new Map<string, PanelSpec>();
  for (const ind of res.indicators) {
    const over = ind.plot === 'overlay' || (ind.plot === 'auto' && inRange(ind.values, start, lo, hi));
    if (over) overlays[ind.name] = ind.values;
    else if (ind.plot !== 'none') {
      const title = ind.panel ?? ind.name;
      const panel = byPanel.get(title) ?? { title, series: {}, levels: [] };
      panel.series[ind.name] = ind.values;
      for (const l of ind.levels ?? []) if (!panel.levels!.includes(l)) panel.levels!.push(l);
      byPanel.set(title, panel);
    }
  }
  const panels = [...byPanel.values()];
  if (panels.length > MAX_PANELS) {
    // Say what is left out rather than drop it silently.
    const dropped = panels.splice(MAX_PANELS).map((p) => p.title);
    panels[MAX_PANELS - 1] = { ...panels[MAX_PANELS - 1], title: `${panels[MAX_PANELS - 1].title} (not shown: ${dropped.join(', ')})` };
  }
  return { overlays, panels };
}

function style(trace: Record<string, unknown>, props: Record<string, unknown>): void {
  Object.assign(trace, props);
}

function inRange(values: Float64Array, start: number, lo: number, hi: number): boolean {
  const span = hi - lo;
  let inside = 0, seen = 0;
  for (let i = start; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    seen++;
    if (v >= lo - span && v <= hi + span) inside++;
  }
  return seen > 0 && inside / seen > 0.9;
}

/**
 * Indices of at most `max` points of series over one time axis: the first and last points, and in each
 * of equal stretches between them the lowest and highest point of every series (so a sampled equity
 * curve keeps its peaks and a sampled drawdown its troughs). Null when no sampling is needed.
 */
function sampleIndices(n: number, series: ArrayLike<number>[], max = MAX_POINTS): Int32Array | null {
  if (n <= max) return null;
  const perBucket = 2 * Math.max(1, series.length);
  const buckets = Math.max(1, Math.floor((max - 2) / perBucket));
  const size = (n - 2) / buckets;
  const out: number[] = [0];
  const picked: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    if (from >= to) continue;
    picked.length = 0;
    for (const s of series) {
      let iMin = -1, iMax = -1;
      for (let i = from; i < to; i++) {
        const v = s[i];
        if (v !== v) continue;
        if (iMin < 0 || v < s[iMin]) iMin = i;
        if (iMax < 0 || v > s[iMax]) iMax = i;
      }
      picked.push(iMin < 0 ? from : iMin, iMax < 0 ? from : iMax);
    }
    picked.sort((a, b2) => a - b2);
    for (let k = 0; k < picked.length; k++) if (k === 0 || picked[k] !== picked[k - 1]) out.push(picked[k]);
  }
  out.push(n - 1);
  return Int32Array.from(out);
}

function pick(a: Float64Array, idx: Int32Array | null): Float64Array {
  if (!idx) return a;
  const out = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = a[idx[k]];
  return out;
}

// Eight significant digits are plenty for a chart and halve the JSON of long curves.
function round(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = round1(a[i]);
  return out;
}

function round1(v: number): number {
  return Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(8)) : v;
}

function fmtPrice(p: number): string {
  return p.toLocaleString('en-US', { maximumFractionDigits: Math.abs(p) >= 100 ? 2 : Math.abs(p) >= 1 ? 4 : 6 });
}

function fmtUnits(u: number): string {
  return Number.isInteger(u) ? String(u) : u.toPrecision(6);
}
