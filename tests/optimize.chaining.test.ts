import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { loadBars, slice } from '../lib/data';
import { engine } from '../lib/engine';
import { analyzeResults } from '../lib/optimize';
import { backtestBatch } from '../lib/optimize/batch';
import { optimize } from '../lib/optimize/optimize';
import type { Params } from '../lib/optimize/space';
import { walkForwardOptimize } from '../lib/optimize/walk-forward';
import { DonchianBreakout } from '../lib/strategies/donchian-breakout';
import { SmaCross } from '../lib/strategies/sma-cross';
import { BTCUSD, GOOG } from './helpers/paths';

const SPACE = { fast: { min: 2, max: 50 }, slow: { min: 10, max: 200 } };
const where = (p: Params) => (p.fast as number) < (p.slow as number);

let goog: Bars;
let btc: Bars;
beforeAll(async () => {
  goog = slice(await loadBars(GOOG), '2005-01-01', '2011-12-31');
  btc = await loadBars(BTCUSD);
});

describe('result chaining: backtest → optimize({ initialResult }) → analyzeResults', () => {
  it('optimize runs the initial result’s parameters as its first trial and reports the improvement over them', async () => {
    const start = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    const opt = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where, nTrials: 30, seed: 1, initialResult: start });
    expect(opt.trials[0].params).toEqual({ fast: 10, slow: 30 });
    expect(opt.trials.filter((t) => t.params.fast === 10 && t.params.slow === 30)).toHaveLength(1);
    expect(opt.initial!.value).toBe(start.sharpe); // same bars, same settings: the same backtest
    expect(opt.improvement).toBe(opt.bestValue - start.sharpe);
    expect(opt.improvement).toBeGreaterThan(0);
    expect(opt.toString()).toMatch(/^Initial parameters +\{"fast":10,"slow":30\}: [\d.]+; improvement [\d.]+$/m);
    expect(opt.toJSON()).toMatchObject({ initial: { params: { fast: 10, slow: 30 }, trial: 0, state: 'complete' }, improvement: opt.improvement });
  });

  it('refuses an initial result of another strategy, or with parameters outside the space, naming the field', async () => {
    const other = engine(goog).strategy(DonchianBreakout).run();
    await expect(optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, nTrials: 5, initialResult: other })).rejects.toThrow(
      /^optimize: initialResult is a backtest of DonchianBreakout, this study optimizes SmaCross$/,
    );
    const wide = engine(goog).strategy(SmaCross, { fast: 10, slow: 300 }).run();
    await expect(optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, nTrials: 5, initialResult: wide })).rejects.toThrow(/^initialResult\.params\.slow: 300 is outside/);
  });

  it('analyzeResults(optimizeResult): the best parameters backtested again and analysed, with the search and the improvement', async () => {
    const start = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    const opt = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where, nTrials: 20, seed: 2, initialResult: start, rules: { maxDrawdown: 60, minTrades: 10, minTradesPerYear: 2 } });
    const a = analyzeResults(opt, 'advanced');
    expect(a.kind).toBe('optimize');
    expect(a.trials).toEqual({ total: 20, failed: opt.failedTrials, disqualified: opt.disqualifiedTrials });
    expect(a.bestParams).toEqual(opt.bestParams);
    expect(a.improvement).toBe(opt.improvement);
    expect(a.initial).toMatchObject({ params: { fast: 10, slow: 30 } });
    const direct = engine(goog).strategy(SmaCross, opt.bestParams!).run();
    expect(a.best).toEqual(analyzeResults(direct, 'advanced'));
    expect(a.best!.risk.sharpe).toBe(opt.bestValue);
  });

  it('analyzeResults(walkForwardResult): every window’s out-of-sample run, and the stitched curve', async () => {
    const wf = await walkForwardOptimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where, inSampleDays: 730, outSampleDays: 365, stepDays: 365, nTrials: 8, seed: 3 });
    const a = analyzeResults(wf);
    expect(a.kind).toBe('walkForward');
    expect(a.windows.map((w) => w.index)).toEqual(wf.windows.map((w) => w.index));
    wf.windows.forEach((w, k) => {
      expect(a.windows[k].params).toEqual(w.params);
      expect(a.windows[k].outSample).toEqual(analyzeResults(w.outSampleResult));
      expect(a.windows[k].inSample.totalTrades).toBe(w.inSample.metrics.totalTrades);
    });
    expect(a.stitched.bars).toBe(wf.stitchedEquity.time.length);
    expect(a.stitched.returns.count).toBe(wf.stitchedEquity.time.length - 1);
    expect(a.stitched.returnPct).toBe(wf.summary.stitchedReturnPct);
    expect(a.stitched.maxDrawdown!).toBeLessThanOrEqual(0);
  });

  it('analyzeResults(backtestBatch result): the top parameter set on every market, the same runs the batch made', async () => {
    const batch = await backtestBatch({ strategy: 'SmaCross', data: { GOOG: goog, BTCUSD: btc }, paramSets: [{ fast: 5, slow: 20 }, { fast: 10, slow: 30 }, { fast: 3, slow: 12 }], concurrency: 0 });
    const a = analyzeResults(batch);
    expect(a.kind).toBe('batch');
    expect(a.columns).toEqual(batch.columns);
    expect(a.best!.params).toEqual(batch.top[0].params);
    for (const column of batch.columns) {
      const rerun = batch.result(batch.top[0].params, column);
      const row = batch.results.find((r) => `${r.symbol} ${r.timeframe}` === column && JSON.stringify(r.params) === JSON.stringify(batch.top[0].params))!;
      expect(rerun.sharpe).toBe(row.metrics.sharpe); // the batch's own numbers, reproduced
      expect(a.best!.columns[column]).toEqual(analyzeResults(rerun));
    }
    expect(() => analyzeResults({ trials: [] } as never)).toThrow(/^analyzeResults: expected a BacktestResult, or what optimize, walkForwardOptimize or backtestBatch returns$/);
  });
});
