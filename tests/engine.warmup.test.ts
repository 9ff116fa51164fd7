import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { loadBars, slice } from '../lib/data';
import { engine, type BacktestResult } from '../lib/engine';
import { walkForwardOptimize } from '../lib/optimize/walk-forward';
import type { Params } from '../lib/optimize/space';
import { SmaCross } from '../lib/strategies/sma-cross';
import { walkForward } from '../lib/validation/walk-forward';
import { GOOG } from './helpers/paths';

let goog: Bars;
beforeAll(async () => {
  goog = await loadBars(GOOG);
});

const LONG = { fast: 50, slow: 200 };
const entries = (r: BacktestResult) => r.trades.map((t) => t.entryTime).sort((a, b) => a - b);
/** The entries a run over all the data makes inside [from, to]: SmaCross enters on crossovers only. */
const fullEntries = (params: Record<string, unknown>, from: number, to: number) =>
  entries(engine(goog).strategy(SmaCross, params).run()).filter((t) => t >= from && t <= to);

describe('engine.between(from, to, { warmup }): indicators see history, trades and metrics stay in the window', () => {
  it('a 200-bar look-back trades from the first bars of a half-year window instead of never', () => {
    const base = engine(goog).strategy(SmaCross, LONG);
    const cold = base.between('2010-01-01', '2010-06-30').run();
    const warm = base.between('2010-01-01', '2010-06-30', { warmup: 'auto' }).run();
    expect(cold.totalTrades).toBe(0); // 124 bars: the slow SMA is never ready
    expect(warm.totalTrades).toBeGreaterThan(0);
    // The warm window enters exactly where a run over all the data crosses inside it.
    expect(entries(warm)).toEqual(fullEntries(LONG, warm.start, warm.end));
  });

  it('measures only the window: its bars, equity, trade bar indexes, exposure and buy & hold', () => {
    const window = slice(goog, '2011-01-01', '2011-12-31');
    const n = window.time.length;
    const warm = engine(goog).strategy(SmaCross, { fast: 20, slow: 150 }).between('2011-01-01', '2011-12-31', { warmup: 'auto' }).run();
    expect(warm.barCount).toBe(n);
    expect(Array.from(warm.time)).toEqual(Array.from(window.time));
    expect(warm.equity.length).toBe(n);
    expect(warm.buyAndHoldReturnPct).toBeCloseTo((window.close[n - 1] / window.close[0] - 1) * 100, 10);
    expect(warm.returnPct).toBeCloseTo((warm.equity[n - 1] / 10_000 - 1) * 100, 10);
    for (const t of warm.trades) {
      expect(t.entryTime).toBe(window.time[t.entryBar]);
      expect(t.exitTime).toBe(window.time[t.exitBar]);
    }
    for (const ind of warm.indicators) expect(ind.values.length).toBe(n);
    // The indicators saw the history: SMA(150) has a value on the window's first bar.
    expect(warm.indicators.map((ind) => Number.isFinite(ind.values[0]))).toEqual([true, true]);
    expect(warm.exposurePct).toBeGreaterThan(0);
    expect(warm.exposurePct).toBeLessThanOrEqual(100);
    // A warm-up of a number of bars: 150 bars are enough for SMA(150), so the trades are the same.
    const bars150 = engine(goog).strategy(SmaCross, { fast: 20, slow: 150 }).between('2011-01-01', '2011-12-31', { warmup: 150 }).run();
    expect(bars150.metrics()).toEqual(warm.metrics());
  });

  it('with warm-up 0, metrics equal a run measured on the window alone', () => {
    const base = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 });
    const zero = base.between('2008-01-01', '2009-12-31', { warmup: 0 }).run();
    const alone = engine(slice(goog, '2008-01-01', '2009-12-31')).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    expect(zero.metrics()).toEqual(alone.metrics());
    expect(Array.from(zero.equity)).toEqual(Array.from(alone.equity));
    expect(() => base.between('2008-01-01', '2009-12-31', { warmup: -5 })).toThrow(/warmup: -5 \}\): expected 'auto' or a whole number of bars/);
  });
});

describe('walk-forward windows start warm, with per-window output', () => {
  const SPACE = { fast: { min: 2, max: 50 }, slow: { min: 10, max: 200 } };
  const where = (p: Params) => (p.fast as number) < (p.slow as number);
  const options = () => ({ strategy: 'SmaCross', bars: slice(goog, '2005-01-01', '2011-12-31'), paramSpace: SPACE, where, inSampleDays: 730, outSampleDays: 180, stepDays: 180, nTrials: 20, seed: 1 });

  it('walkForwardOptimize: each out-of-sample run trades where a full run with its parameters crosses, and reports its equity curve', async () => {
    const opts = options();
    const [warm, cold] = await Promise.all([walkForwardOptimize(opts), walkForwardOptimize({ ...opts, warmup: 0 })]);
    expect(warm.warmup).toBe('auto');
    expect(warm.windows.map((w) => w.params)).toEqual(cold.windows.map((w) => w.params)); // same searches
    const idle = (r: typeof warm) => r.windows.filter((w) => w.outSample.metrics.totalTrades === 0).length;
    expect(idle(cold)).toBeGreaterThan(idle(warm));
    for (const w of warm.windows) {
      const oos = w.outSampleResult;
      expect(entries(oos)).toEqual(fullEntries(w.params, w.outSample.from, w.outSample.to));
      expect(w.outSample.metrics).toEqual(oos.metrics());
      expect(w.outSample.equity.time[0]).toBe(w.outSample.from);
      expect(w.outSample.equity.equity.length).toBe(w.outSample.bars);
      expect(w.inSample.equity.equity.length).toBe(w.inSample.bars);
      expect(w.inSample.equity.equity.at(-1)).toBeCloseTo(w.inSample.metrics.finalEquity, 6);
    }
    // The stitched curve chains the windows' counted parts.
    const last = warm.windows.at(-1)!;
    expect(warm.stitchedEquity.time.at(-1)).toBe(last.outSample.to);
    const growth = warm.windows.reduce((g, w) => g * (1 + w.counted.returnPct / 100), 1);
    expect(warm.summary.stitchedReturnPct).toBeCloseTo((growth - 1) * 100, 8);
  });

  it('validation walkForward: fixed parameters, each period warm, its trades where the full run crosses', () => {
    const wf = walkForward({ strategy: SmaCross, params: LONG, bars: goog, train: 2, test: 1, unit: 'years' });
    const cold = walkForward({ strategy: SmaCross, params: LONG, bars: goog, train: 2, test: 1, unit: 'years', warmup: 0 });
    const trades = (c: typeof wf) => c.windows.reduce((s, w) => s + w.testTrades, 0);
    expect(trades(wf)).toBeGreaterThan(trades(cold));
    for (const w of wf.windows) {
      const [from, to] = w.testPeriod.split(':');
      const run = engine(goog).strategy(SmaCross, LONG).between(from, to, { warmup: 'auto' }).run();
      expect(w.testTrades).toBe(run.totalTrades);
      expect(entries(run)).toEqual(fullEntries(LONG, run.start, run.end));
    }
  });
});
