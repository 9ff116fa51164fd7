import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBars, type Bars } from '../lib/data';
import { engine, type BacktestResult } from '../lib/engine';
import { SmaCross } from '../lib/strategies';
import { sweep } from '../lib/sweep';
import { openTracker } from '../lib/tracker';
import { toDataFrame } from '../lib/viz';
import { GOOG, ROOT } from './helpers/paths';

describe('DataFrames (danfojs) of trades, equity, sweeps and tracker queries', () => {
  let goog: Bars;
  let res: BacktestResult;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-dataframe-'));
  beforeAll(async () => {
    goog = await loadBars(GOOG);
    res = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 }).run();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds every trade with every field, at full precision, times as ISO strings', () => {
    const df = res.toDataFrame();
    expect(df.shape).toEqual([66, 17]);
    expect(df.columns.slice(0, 4)).toEqual(['symbol', 'side', 'units', 'entryBar']);
    expect(df['pnl'].values).toEqual(res.trades.map((t) => t.pnl));          // float64, not TensorFlow's float32
    expect(df['entryPrice'].values[0]).toBe(res.trades[0].entryPrice);
    expect(df['entryTime'].values[0]).toBe(new Date(res.trades[0].entryTime).toISOString());
    expect(df['pnl'].sum()).toBeCloseTo(res.finalEquity - res.initialCash, 6);
  });

  it('gives the equity curve with drawdown and buy & hold, one row a bar', () => {
    const df = res.toDataFrame('equity');
    expect(df.shape).toEqual([goog.close.length, 4]);
    expect(df['equity'].values.at(-1)).toBe(res.finalEquity);
    expect(df['drawdown'].min() * 100).toBeCloseTo(res.maxDrawdown, 9);
    expect(res.toDataFrame('orders').shape[0]).toBe(res.orders.length);
  });

  it('keeps the column names of a run that made no trade', () => {
    const none = engine(goog).between('2004-08-19', '2004-09-01').strategy(SmaCross).run();
    expect(none.totalTrades).toBe(0);
    expect(none.toDataFrame().shape).toEqual([0, 17]);
    expect(none.toDataFrame().columns).toContain('pnl');
  });

  it('turns a sweep into one row per combination, parameters and metrics as columns', async () => {
    const sw = await sweep(goog).strategy(SmaCross).grid({ fast: [5, 10], slow: [20, 30, 50] }).workers(0).progress('none').run();
    const df = sw.toDataFrame();
    expect(df.shape[0]).toBe(6);
    for (const c of ['symbol', 'fast', 'slow', 'score', 'sharpe', 'totalTrades', 'disqualified']) expect(df.columns).toContain(c);
    expect(df['sharpe'].values).toEqual(sw.results.map((r) => r.metrics!.sharpe));
  });

  it('turns a tracker query into a frame of its rows', async () => {
    const tracker = openTracker(path.join(dir, 'research.db'));
    try {
      await sweep(goog).strategy(SmaCross).grid({ fast: [5, 10], slow: [30, 50] }).workers(0).progress('none').track(tracker, 'df_test').run();
      const q = tracker.experiments().where({ strategy: 'SmaCross' }).orderBy('sharpe');
      const df = q.toDataFrame();
      expect(df.shape[0]).toBe(4);
      expect(df['sharpe'].values).toEqual(q.all().map((r) => r.metrics!.sharpe));
      expect(df['fast'].values).toEqual(q.all().map((r) => r.params.fast));
    } finally {
      tracker.close();
    }
  });

  it('prints as a readable table, not the frame internals, and shows NaN for missing values', () => {
    const df = toDataFrame([{ a: 1, b: 'x', c: null }, { a: 2, b: 'y', c: 3.5 }]);
    const text = String((df as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')]());
    expect(text.split('\n')[0]).toBe('DataFrame 2 rows × 3 columns');
    expect(text).toMatch(/^1\s+x\s+NaN$/m);
  });

  it('is loaded on first use only: importing stratlab and backtesting never loads danfojs', () => {
    const script = `
      const lib = require(${JSON.stringify(path.join(ROOT, 'dist'))});
      const bars = lib.syntheticBars({ n: 500, timeframe: '1d', seed: 1 });
      lib.engine(bars).strategy(lib.strategies.SmaCross).run();
      const before = Object.keys(require.cache).some((k) => k.includes('/danfojs/'));
      lib.engine(bars).strategy(lib.strategies.SmaCross).run().toDataFrame();
      const after = Object.keys(require.cache).some((k) => k.includes('/danfojs/'));
      process.stdout.write(JSON.stringify({ before, after }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ before: false, after: true });
  });
});
