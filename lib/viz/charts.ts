import type { Bars } from '../core/bars';
import type { Figure } from './plotly';

export interface PanelSpec {
  /** Panel title, shown as its y-axis label. */
  title: string;
  series: Record<string, ArrayLike<number>>;
  /** Horizontal guide lines, e.g. [30, 70] for RSI. */
  levels?: number[];
  /** Draw these series as bars (e.g. a MACD histogram). */
  bars?: string[];
}

export interface PriceFigureOptions {
  title?: string;
  /** Plot only the last N bars (default 500; charts of a million points help nobody). */
  last?: number;
  /** Lines drawn over the price, e.g. { 'SMA 20': sma20 }. */
  overlays?: Record<string, ArrayLike<number>>;
  /** Extra panels under the price, each with its own y-axis. */
  panels?: PanelSpec[];
  volume?: boolean;
}

// NaN is not JSON; Plotly wants null for "no value here".
function toPlain(x: ArrayLike<number>, start: number, end: number): (number | null)[] {
  const out = new Array<number | null>(end - start);
  for (let i = start; i < end; i++) {
    const v = x[i];
    out[i - start] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** Candlesticks with indicator overlays and stacked indicator panels sharing one time axis. */
export function priceFigure(bars: Bars, opts: PriceFigureOptions = {}): Figure {
  const n = bars.time.length;
  const start = Math.max(0, n - (opts.last ?? 500));
  const x = toPlain(bars.time, start, n);
  const panels = [...(opts.panels ?? [])];
  if (opts.volume) panels.unshift({ title: 'Volume', series: { Volume: bars.volume }, bars: ['Volume'] });

  // Price takes the top 55 %; the panels share the rest equally, with small gaps between.
  const gap = 0.03;
  const priceShare = panels.length ? 0.55 : 1;
  const panelH = panels.length ? (1 - priceShare - gap * panels.length) / panels.length : 0;
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? `${bars.symbol} ${bars.timeframe}` },
    height: 380 + 170 * panels.length,
    showlegend: true,
    legend: { orientation: 'h', y: 1.02, x: 0 },
    xaxis: { type: 'date', rangeslider: { visible: false }, anchor: panels.length ? `y${panels.length + 1}` : 'y' },
    yaxis: { domain: [1 - priceShare, 1], title: { text: 'Price' } },
    hovermode: 'x unified',
  };
  const data: Record<string, unknown>[] = [
    {
      type: 'candlestick', name: bars.symbol, x,
      open: toPlain(bars.open, start, n), high: toPlain(bars.high, start, n),
      low: toPlain(bars.low, start, n), close: toPlain(bars.close, start, n),
      xaxis: 'x', yaxis: 'y',
    },
  ];
  for (const [name, series] of Object.entries(opts.overlays ?? {})) {
    data.push({ type: 'scatter', mode: 'lines', name, x, y: toPlain(series, start, n), line: { width: 1.2 }, xaxis: 'x', yaxis: 'y' });
  }
  panels.forEach((panel, k) => {
    const axis = `y${k + 2}`;
    const top = 1 - priceShare - gap * (k + 1) - panelH * k;
    layout[`yaxis${k + 2}`] = { domain: [Math.max(0, top - panelH), top], title: { text: panel.title } };
    for (const [name, series] of Object.entries(panel.series)) {
      const asBars = panel.bars?.includes(name);
      data.push({ type: asBars ? 'bar' : 'scatter', mode: asBars ? undefined : 'lines', name, x, y: toPlain(series, start, n), xaxis: 'x', yaxis: axis, line: asBars ? undefined : { width: 1.2 } });
    }
    for (const level of panel.levels ?? []) {
      data.push({ type: 'scatter', mode: 'lines', name: `${panel.title} ${level}`, showlegend: false, x: [x[0], x[x.length - 1]], y: [level, level], line: { dash: 'dot', width: 1, color: '#888' }, xaxis: 'x', yaxis: axis, hoverinfo: 'skip' });
    }
  });
  return { data, layout };
}

/** One or more lines against time (equity curves, an indicator alone). */
export function lineFigure(time: ArrayLike<number>, series: Record<string, ArrayLike<number>>, opts: { title?: string; yTitle?: string; last?: number } = {}): Figure {
  const n = time.length;
  const start = Math.max(0, n - (opts.last ?? n));
  const x = toPlain(time, start, n);
  return {
    data: Object.entries(series).map(([name, y]) => ({ type: 'scatter', mode: 'lines', name, x, y: toPlain(y, start, n) })),
    layout: { title: { text: opts.title ?? '' }, xaxis: { type: 'date' }, yaxis: { title: { text: opts.yTitle ?? '' } } },
  };
}
