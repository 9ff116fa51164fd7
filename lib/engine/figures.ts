/** Plotly figures of a backtest: equity against buy & hold, drawdown, and the price with trades marked. */
import { lineFigure, priceFigure, type PanelSpec } from '../viz/charts';
import type { Figure } from '../viz/plotly';
import type { BacktestResult } from './result';

/** At most this many points per line: a chart of a million points draws slowly and shows nothing more. */
const MAX_POINTS = 4000;

export function equityFigure(res: BacktestResult): Figure {
  const { time, equity } = sample(res.time, res.equity, res.buyAndHoldEquity());
  const fig = lineFigure(time, { [res.strategy]: equity[0], 'Buy & hold': equity[1] }, { title: `Equity — ${res.symbol} ${res.timeframe}`, yTitle: 'Equity' });
  return fig;
}

export function drawdownFigure(res: BacktestResult): Figure {
  const dd = res.drawdown();
  for (let i = 0; i < dd.length; i++) dd[i] *= 100;
  const { time, equity } = sample(res.time, dd);
  const fig = lineFigure(time, { Drawdown: equity[0] }, { title: `Drawdown (max ${res.maxDrawdown.toFixed(2)} %)`, yTitle: '% below peak' });
  const trace = fig.data[0] as Record<string, unknown>;
  trace.fill = 'tozeroy';
  trace.line = { color: '#c0392b', width: 1 };
  return fig;
}

/** Candlesticks of the last `last` bars with the strategy's indicators and its entries and exits. */
export function tradesFigure(res: BacktestResult, last = 1500): Figure {
  const bars = res.bars;
  const n = bars.close.length;
  const start = Math.max(0, n - last);
  let lo = Infinity, hi = -Infinity;
  for (let i = start; i < n; i++) {
    if (bars.low[i] < lo) lo = bars.low[i];
    if (bars.high[i] > hi) hi = bars.high[i];
  }
  const overlays: Record<string, Float64Array> = {};
  const panels: PanelSpec[] = [];
  for (const ind of res.indicators) {
    const over = ind.plot === 'overlay' || (ind.plot === 'auto' && inRange(ind.values, start, lo, hi));
    if (over) overlays[ind.name] = ind.values;
    else if (ind.plot !== 'none') panels.push({ title: ind.name, series: { [ind.name]: ind.values } });
  }
  const fig = priceFigure(bars, { title: `${res.strategy} on ${res.symbol} ${res.timeframe}`, last, overlays, panels: panels.slice(0, 3) });
  const marks = (pick: (t: BacktestResult['trades'][number]) => boolean, entry: boolean) => {
    const xs: number[] = [], ys: number[] = [], text: string[] = [];
    for (const t of res.trades) {
      const bar = entry ? t.entryBar : t.exitBar;
      if (bar < start || !pick(t)) continue;
      xs.push(entry ? t.entryTime : t.exitTime);
      ys.push(entry ? t.entryPrice : t.exitPrice);
      text.push(entry ? `${t.side} ${t.units} @ ${t.entryPrice.toFixed(4)}` : `${t.exitReason}: ${t.pnl.toFixed(2)} (${t.returnPct.toFixed(2)} %)`);
    }
    return { xs, ys, text };
  };
  const add = (name: string, m: ReturnType<typeof marks>, symbol: string, color: string) => {
    if (!m.xs.length) return;
    fig.data.push({ type: 'scatter', mode: 'markers', name, x: m.xs, y: m.ys, text: m.text, hoverinfo: 'text+x', marker: { symbol, size: 10, color, line: { width: 1, color: '#222' } }, xaxis: 'x', yaxis: 'y' });
  };
  add('Long entry', marks((t) => t.side === 'long', true), 'triangle-up', '#27ae60');
  add('Short entry', marks((t) => t.side === 'short', true), 'triangle-down', '#c0392b');
  add('Exit', marks(() => true, false), 'x', '#34495e');
  return fig;
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

/** Every k-th point (the last always kept), for each series over the same time axis. */
function sample(time: Float64Array, ...series: Float64Array[]): { time: Float64Array; equity: Float64Array[] } {
  const n = time.length;
  if (n <= MAX_POINTS) return { time, equity: series };
  const step = Math.ceil(n / MAX_POINTS);
  const idx: number[] = [];
  for (let i = 0; i < n; i += step) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  const pick = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]);
  return { time: pick(time), equity: series.map(pick) };
}
