import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadBars } from '../lib/data';
import { syntheticBars } from '../lib/data/synthetic';
import { engine, type BacktestResult } from '../lib/engine';
import { drawdownFigure, equityFigure, MAX_POINTS, tradesFigure } from '../lib/engine/figures';
import { SmaCross } from '../lib/strategies/sma-cross';
import type { Figure } from '../lib/viz/plotly';
import { GOOG } from './helpers/paths';

type Trace = Record<string, any>;
const trace = (fig: Figure, name: string): Trace => {
  const t = fig.data.find((d) => d.name === name);
  if (!t) throw new Error(`no trace '${name}' in ${fig.data.map((d) => d.name).join(', ')}`);
  return t;
};
const names = (fig: Figure) => fig.data.map((d) => String(d.name));
const title = (fig: Figure) => (fig.layout?.title as { text: string }).text;

describe('backtest figures of SmaCross(10, 30) on GOOG', () => {
  let res: BacktestResult;
  beforeAll(async () => {
    res = engine(await loadBars(GOOG)).strategy(SmaCross, { fast: 10, slow: 30 }).spread(0.0003).run();
  });

  it('draws equity and buy & hold from the same starting cash, over every bar of a short run', () => {
    const fig = equityFigure(res);
    expect(names(fig)).toEqual(['SmaCross', 'Buy & hold']);
    expect(title(fig)).toBe('Equity: SmaCross vs buy & hold, GOOG 1d');
    const eq = trace(fig, 'SmaCross'), hold = trace(fig, 'Buy & hold');
    expect(eq.x).toHaveLength(res.barCount);
    expect(eq.y[0]).toBe(res.initialCash);
    expect(hold.y[0]).toBe(res.initialCash);
    expect(eq.x[0]).toBe(res.start);
    expect(eq.y[eq.y.length - 1]).toBeCloseTo(res.finalEquity, 2);
    expect(hold.y[hold.y.length - 1]).toBeCloseTo(res.initialCash * (1 + res.buyAndHoldReturnPct / 100), 2);
    // GOOG grew eight-fold: a log scale keeps the early years readable.
    expect(fig.layout?.yaxis).toMatchObject({ type: 'log', title: { text: 'Equity (log scale)' } });
  });

  it('starts both curves at the starting cash with next-open fills and another cash amount too', async () => {
    const r = engine(await loadBars(GOOG)).strategy(SmaCross, { fast: 10, slow: 30 }).cash(25_000).fill('next_open').run();
    const fig = equityFigure(r);
    expect(trace(fig, 'SmaCross').y[0]).toBe(25_000);
    expect(trace(fig, 'Buy & hold').y[0]).toBe(25_000);
  });

  it('draws the drawdown in percent below the running peak, its deepest point marked at the max drawdown', () => {
    const fig = drawdownFigure(res);
    expect(names(fig)).toEqual(['Drawdown', `Max drawdown ${res.maxDrawdown.toFixed(2)} %`]);
    const dd = trace(fig, 'Drawdown').y as number[];
    expect(dd).toHaveLength(res.barCount);
    expect(Math.max(...dd)).toBe(0);
    expect(Math.min(...dd)).toBeCloseTo(res.maxDrawdown, 4);
    expect(trace(fig, names(fig)[1]).y[0]).toBeCloseTo(res.maxDrawdown, 4);
    expect(title(fig)).toBe('Drawdown (max -45.69 %)');
  });

  it('draws the last 1500 bars as candlesticks with the SMAs over the price and one marker per entry and exit in the window', () => {
    const fig = tradesFigure(res);
    const start = res.barCount - 1500;
    expect(title(fig)).toBe('SmaCross on GOOG 1d: trades, last 1500 of 2148 bars');
    expect(trace(fig, 'GOOG').type).toBe('candlestick');
    expect(trace(fig, 'GOOG').x).toHaveLength(1500);
    expect(trace(fig, 'GOOG').x[0]).toBe(res.time[start]);
    expect(trace(fig, 'SMA(10)').yaxis).toBe('y');
    expect(trace(fig, 'SMA(30)').yaxis).toBe('y');
    const longs = res.trades.filter((t) => t.entryBar >= start && t.side === 'long');
    const shorts = res.trades.filter((t) => t.entryBar >= start && t.side === 'short');
    const exits = res.trades.filter((t) => t.exitBar >= start);
    expect(longs.length).toBeGreaterThan(10);
    expect(shorts.length).toBeGreaterThan(10);
    expect(trace(fig, 'Long entry').x).toEqual(longs.map((t) => t.entryTime));
    expect(trace(fig, 'Long entry').y).toEqual(longs.map((t) => t.entryPrice));
    expect(trace(fig, 'Short entry').x).toHaveLength(shorts.length);
    expect(trace(fig, 'Exit').x).toEqual(exits.map((t) => t.exitTime));
    expect(trace(fig, 'Exit').text.at(-1)).toMatch(/^exit \(end\) @ /);
    expect(trace(fig, 'Long entry').marker.symbol).toBe('triangle-up');
    expect(trace(fig, 'Short entry').marker.symbol).toBe('triangle-down');
    // A dotted segment from entry to exit, green for winners and red for losers: three values (with a null break) per trade.
    const segments = trace(fig, 'Winning trade').x.length + trace(fig, 'Losing trade').x.length;
    expect(segments).toBe(3 * (longs.length + shorts.length));
  });

  it('marks all 66 trades when the window covers the whole run', () => {
    const fig = tradesFigure(res, 10_000);
    expect(title(fig)).toBe('SmaCross on GOOG 1d: trades');
    expect(trace(fig, 'Long entry').x.length + trace(fig, 'Short entry').x.length).toBe(66);
    expect(trace(fig, 'Exit').x).toHaveLength(66);
  });
});

describe('backtest figures of a 1,000,000-bar run', () => {
  let res: BacktestResult;
  beforeAll(() => {
    // Fractional units and no spread, so the account never shrinks below one unit and trades to the last bar.
    res = engine(syntheticBars({ n: 1_000_000, seed: 7 })).strategy(SmaCross, { fast: 50, slow: 200 }).spread(0).fractional().run();
  });

  it('samples equity and buy & hold to at most 4000 points, keeping the first and last bars and the highs and lows', () => {
    const fig = equityFigure(res);
    const eq = trace(fig, 'SmaCross'), hold = trace(fig, 'Buy & hold');
    expect(eq.x.length).toBeLessThanOrEqual(MAX_POINTS + 1);
    expect(eq.x.length).toBeGreaterThan(1000);
    expect(eq.y).toHaveLength(eq.x.length);
    expect(hold.y).toHaveLength(eq.x.length);
    expect(eq.x[0]).toBe(res.start);
    expect(eq.x.at(-1)).toBe(res.end);
    expect(eq.y[0]).toBe(res.initialCash);
    expect(hold.y[0]).toBe(res.initialCash);
    for (let k = 1; k < eq.x.length; k++) if (!(eq.x[k] > eq.x[k - 1])) throw new Error(`time not increasing at point ${k}`);
    let lo = Infinity, hi = -Infinity;
    for (const v of res.equity) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(Math.min(...eq.y)).toBeCloseTo(lo, 2);
    expect(Math.max(...eq.y)).toBeCloseTo(hi, 2);
  });

  it('samples the drawdown to at most 4000 points without losing its deepest point', () => {
    const dd = trace(drawdownFigure(res), 'Drawdown').y as number[];
    expect(dd.length).toBeLessThanOrEqual(MAX_POINTS + 1);
    expect(Math.min(...dd)).toBeCloseTo(res.maxDrawdown, 4);
  });

  it('shows the last 1500 bars in the price chart with only the trades in them, and keeps the whole output small', () => {
    const fig = tradesFigure(res);
    expect(trace(fig, 'SYNTH').x).toHaveLength(1500);
    const start = res.barCount - 1500;
    const exits = res.trades.filter((t) => t.exitBar >= start).length;
    expect(exits).toBeGreaterThan(5);
    expect(trace(fig, 'Exit').x).toHaveLength(exits);
    const entries = (fig.data.filter((d) => /entry$/.test(String(d.name))) as Trace[]).reduce((n, t) => n + t.x.length, 0);
    expect(entries).toBe(res.trades.filter((t) => t.entryBar >= start).length);
    const bytes = [equityFigure(res), drawdownFigure(res), fig].reduce((n, f) => n + JSON.stringify(f).length, 0);
    expect(bytes).toBeLessThan(1_000_000);
  });
});

describe('result.display() outside a notebook', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints the text summary and nothing else', async () => {
    const res = engine(await loadBars(GOOG)).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    res.display();
    expect(log).toHaveBeenCalledTimes(1);
    const printed = String(log.mock.calls[0][0]);
    expect(printed).toBe(res.toString());
    expect(printed).toMatch(/^Strategy\s+SmaCross \{"fast":10,"slow":30,"longOnly":false\}$/m);
    expect(printed).toMatch(/^Final equity\s+[\d,]+\.\d\d$/m);
    expect(printed).toMatch(/^Trades\s+66$/m);
  });
});
