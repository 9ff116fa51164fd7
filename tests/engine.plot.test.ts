import { beforeAll, describe, expect, it } from 'vitest';
import { loadBars, syntheticBars } from '../lib/data';
import { CANDLE_LIMIT, engine, MAX_DRAWN_BARS, type BacktestResult } from '../lib/engine';
import { SmaCross } from '../lib/strategies/sma-cross';
import { StochRSIMeanReversion } from '../lib/strategies/stoch-rsi-mean-reversion';
import type { Bars } from '../lib/core/bars';
import type { Figure } from '../lib/viz';
import { GOOG } from './helpers/paths';

type Trace = Record<string, any>;
const trace = (fig: Figure, name: string): Trace => {
  const t = fig.data.find((d) => d.name === name);
  if (!t) throw new Error(`no trace '${name}' in ${fig.data.map((d) => d.name).join(', ')}`);
  return t as Trace;
};
const yAxisKey = (axis: string) => (axis === 'y' ? 'yaxis' : `yaxis${axis.slice(1)}`);

let goog: Bars;
let res: BacktestResult;
beforeAll(async () => {
  goog = await loadBars(GOOG);
  res = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 }).run();
});

describe('result.plot(): the backtest chart', () => {
  it('stacks price with the SMAs over it, volume, equity and drawdown in panes that share one time axis (linked zoom)', () => {
    const fig = res.plotFigure();
    const layout = fig.layout as Record<string, any>;
    expect(fig.data[0]).toMatchObject({ type: 'candlestick', name: 'GOOG', yaxis: 'y' });
    expect((fig.data[0] as Trace).x).toHaveLength(goog.time.length);
    expect(trace(fig, 'SMA(10)').yaxis).toBe('y');
    expect(trace(fig, 'SMA(30)').yaxis).toBe('y');
    const panes = ['Volume', 'Equity', 'Drawdown'].map((n) => trace(fig, n).yaxis);
    expect(new Set(['y', ...panes]).size).toBe(4);
    expect(trace(fig, 'Buy & hold').yaxis).toBe(trace(fig, 'Equity').yaxis);
    // One x axis for every trace: zooming any pane zooms them all.
    expect(new Set(fig.data.map((d) => d.xaxis))).toEqual(new Set(['x']));
    expect(Object.keys(layout).filter((k) => /^xaxis\d/.test(k))).toEqual([]);
    expect(layout.xaxis.type).toBe('date');
    // Panes top to bottom, not overlapping: price, volume, equity, drawdown.
    const domains = ['y', ...panes].map((a) => layout[yAxisKey(a)].domain as number[]);
    for (let k = 1; k < domains.length; k++) expect(domains[k][1]).toBeLessThanOrEqual(domains[k - 1][0]);
    expect(layout.xaxis.anchor).toBe(trace(fig, 'Drawdown').yaxis);
    expect(layout.title.text).toBe('SmaCross on GOOG 1d: 2,148 bars');
    // Equity and drawdown are the result's own, bar for bar.
    expect(trace(fig, 'Equity').y[100]).toBeCloseTo(res.equity[100], 2);
    expect(Math.min(...trace(fig, 'Drawdown').y)).toBeCloseTo(res.maxDrawdown, 4);
  });

  it("marks every entry and exit at the trade's own time and price, green when the trade made money and red when it lost", () => {
    const fig = res.plotFigure();
    const profit = res.trades.filter((t) => t.pnl > 0), loss = res.trades.filter((t) => t.pnl <= 0);
    expect(profit.length).toBeGreaterThan(5);
    expect(loss.length).toBeGreaterThan(5);
    const entries = trace(fig, 'Entry (profit)'), exits = trace(fig, 'Exit (loss)');
    expect(entries.x).toEqual(profit.map((t) => t.entryTime));
    expect(entries.y).toEqual(profit.map((t) => t.entryPrice));
    expect(entries.marker.symbol).toEqual(profit.map((t) => (t.side === 'long' ? 'triangle-up' : 'triangle-down')));
    expect(exits.x).toEqual(loss.map((t) => t.exitTime));
    expect(trace(fig, 'Entry (profit)').marker.color).toBe(trace(fig, 'Exit (profit)').marker.color);
    expect(trace(fig, 'Entry (loss)').marker.color).toBe(exits.marker.color);
    expect(entries.marker.color).not.toBe(exits.marker.color);
    expect(trace(fig, 'Entry (profit)').x.length + trace(fig, 'Entry (loss)').x.length).toBe(res.totalTrades);
  });

  it('draws indicators outside the price range in their own panes, under the price', () => {
    const r = engine(goog).strategy(StochRSIMeanReversion).run();
    const fig = r.plotFigure();
    const k = trace(fig, 'StochRSI %K(14, 14, 3)'), adx = trace(fig, 'ADX(14)');
    expect(k.yaxis).not.toBe('y');
    expect(adx.yaxis).not.toBe('y');
    expect(k.yaxis).not.toBe(adx.yaxis);
    expect(k.xaxis).toBe('x');
    // The indicator panes sit between the price and the volume pane.
    const top = (axis: string) => ((fig.layout as any)[yAxisKey(axis)].domain as number[])[1];
    expect(top(k.yaxis)).toBeLessThan(top('y'));
    expect(top(trace(fig, 'Volume').yaxis)).toBeLessThan(top(adx.yaxis));
  });

  it('resamples above maxBars into OHLC buckets (first open, highest high, lowest low, last close, summed volume), saying so, with trades at their true times', () => {
    const fig = res.plotFigure({ maxBars: 500 });
    const candles = fig.data[0] as Trace;
    const k = Math.ceil(goog.time.length / 500);
    expect(candles.x).toHaveLength(Math.ceil(goog.time.length / k));
    expect(candles.x.length).toBeLessThanOrEqual(500);
    const b = 7, from = b * k, to = from + k;
    const seg = (a: Float64Array) => Array.from(a.subarray(from, to));
    expect(candles.x[b]).toBe(goog.time[from]);
    expect(candles.open[b]).toBeCloseTo(goog.open[from], 6);
    expect(candles.high[b]).toBeCloseTo(Math.max(...seg(goog.high)), 6);
    expect(candles.low[b]).toBeCloseTo(Math.min(...seg(goog.low)), 6);
    expect(candles.close[b]).toBeCloseTo(goog.close[to - 1], 6);
    expect(trace(fig, 'Volume').y[b]).toBeCloseTo(seg(goog.volume).reduce((s, v) => s + v, 0), 0);
    expect((fig.layout as any).title.text).toContain(`resampled to ${candles.x.length} bars of ${k} (over 500 bars)`);
    expect((fig.layout as any).annotations[0].text).toContain('trades at their true times');
    // The deepest drawdown survives the buckets; trade markers are not moved to bucket times.
    expect(Math.min(...trace(fig, 'Drawdown').y)).toBeCloseTo(res.maxDrawdown, 4);
    const profit = res.trades.filter((t) => t.pnl > 0);
    expect(trace(fig, 'Entry (profit)').x).toEqual(profit.map((t) => t.entryTime));
  });

  it(`draws at most ${MAX_DRAWN_BARS.toLocaleString('en-US')} bars by default, and a close line instead of candlesticks above ${CANDLE_LIMIT.toLocaleString('en-US')}`, () => {
    expect(MAX_DRAWN_BARS).toBe(10_000);
    const many = syntheticBars({ n: 25_000, timeframe: '1m', seed: 7 });
    const r = engine(many).strategy(SmaCross, { fast: 20, slow: 60 }).run();
    const fig = r.plotFigure();
    const price = fig.data[0] as Trace;
    expect(price.type).toBe('scatter');
    expect(price.x.length).toBeLessThanOrEqual(MAX_DRAWN_BARS);
    expect(price.x.length).toBe(Math.ceil(25_000 / 3));
    expect((fig.layout as any).title.text).toContain('over 10,000 bars');
    // Below the limit, nothing is resampled and the price is candlesticks.
    const fewer = r.plotFigure({ last: 4_000 });
    expect(fewer.data[0]).toMatchObject({ type: 'candlestick' });
    expect((fewer.data[0] as Trace).x).toHaveLength(4_000);
    expect((fewer.layout as any).title.text).toBe(`SmaCross on ${many.symbol} 1m: last 4,000 of 25,000 bars`);
  });
});

describe('result.plotMonthlyReturns(): year × month heatmap', () => {
  it('has one cell per calendar month of the run, with the percent written in it, compounding to the total return', () => {
    const months = res.monthlyReturns();
    const first = new Date(goog.time[0]), last = new Date(goog.time[goog.time.length - 1]);
    const span = (last.getUTCFullYear() - first.getUTCFullYear()) * 12 + last.getUTCMonth() - first.getUTCMonth() + 1;
    expect(months).toHaveLength(span);
    const compounded = months.reduce((g, m) => g * (1 + m.returnPct / 100), 1);
    expect(100 * (compounded - 1)).toBeCloseTo(res.returnPct, 6);

    const fig = res.monthlyReturnsFigure();
    const hm = fig.data[0] as Trace;
    expect(hm.type).toBe('heatmap');
    expect(hm.x).toEqual(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);
    expect(hm.y).toHaveLength(last.getUTCFullYear() - first.getUTCFullYear() + 1);
    expect(hm.y[0]).toMatch(new RegExp(`^${first.getUTCFullYear()} \\(`));
    expect(hm.texttemplate).toBe('%{z:.1f}');
    const m = months[5];
    expect(hm.z[m.year - first.getUTCFullYear()][m.month - 1]).toBeCloseTo(m.returnPct, 2);
    // Months before the data starts are empty, not zero.
    expect(hm.z[0][0]).toBeNull();
    // A symmetric scale around 0: a loss and a gain of the same size get opposite colours.
    expect(hm.zmin).toBe(-hm.zmax);
  });

  it('plot() refuses a window or a bar limit that is not a whole number of bars, naming the option', () => {
    expect(() => res.plotFigure({ last: 0 })).toThrowError(/plot\(\): last must be a whole number of bars ≥ 1, got 0/);
    expect(() => res.plotFigure({ maxBars: 2.5 })).toThrowError(/maxBars/);
  });
});
