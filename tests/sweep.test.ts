import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadBars } from '../lib/data';
import { engine, Strategy, type BarContext, type InitContext, type Series, type StrategyClass } from '../lib/engine';
import { IndicatorMemo, sma, withIndicatorMemo } from '../lib/indicators';
import { SmaCross } from '../lib/strategies/sma-cross';
import { expandGrid, range, sweep, type SweepRow } from '../lib/sweep';
import { equityReturnBlocks } from '../lib/metrics/blocks';
import type { Bars } from '../lib/core/bars';
import { GOOG, EURUSD } from './helpers/paths';

const requireCjs = createRequire(import.meta.url);
const { AboveSma } = requireCjs('./fixtures/sweep/strategies.cjs') as { AboveSma: StrategyClass };

let goog: Bars;
let eurusd: Bars;
beforeAll(async () => {
  goog = await loadBars(GOOG);
  eurusd = await loadBars(EURUSD);
});

/** The same combination backtested directly with the engine, for comparison. */
function direct(bars: Bars, S: StrategyClass, params: Record<string, unknown>) {
  return engine(bars).strategy(S, params).run();
}

function find(rows: SweepRow[], params: Record<string, unknown>, symbol?: string): SweepRow {
  const hit = rows.find((r) => (!symbol || r.symbol === symbol) && Object.entries(params).every(([k, v]) => r.params[k] === v));
  if (!hit) throw new Error(`no row for ${JSON.stringify(params)}`);
  return hit;
}

describe('grid', () => {
  it('expands the cartesian product, last parameter fastest, filtered by the constraint', () => {
    expect(expandGrid({ a: [1, 2], b: ['x', 'y', 'z'] })).toEqual([
      { a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'z' },
    ]);
    expect(expandGrid({ fast: range(2, 100), slow: range(3, 100) }, (p) => (p.fast as number) < (p.slow as number))).toHaveLength(4851);
    expect(expandGrid({ a: [] })).toEqual([]);
    expect(range(1.5, 3, 0.5)).toEqual([1.5, 2, 2.5, 3]);
    expect(range(0.1, 0.3, 0.1)).toEqual([0.1, 0.2, 0.3]);
  });

  it('refuses unknown parameters with a suggestion, and empty value lists', () => {
    expect(() => sweep(goog).strategy(SmaCross).grid({ fsat: [1, 2] })).toThrow("SmaCross has no parameter 'fsat'. Did you mean 'fast'?");
    expect(() => sweep(goog).strategy(SmaCross).grid({ fast: [] })).toThrow("'fast' must be a non-empty list");
    // snake_case and aliases are accepted as in engine(...).strategy(...)
    expect(() => sweep(goog).strategy('DonchianBreakout').grid({ entry_period: [20], sl_atr: [2] })).not.toThrow();
  });
});

describe('indicator memo', () => {
  it('returns the same array for the same call inside a scope, and computes afresh outside', () => {
    const memo = new IndicatorMemo();
    const [a, b, c] = withIndicatorMemo(memo, () => [sma(goog.close, 20), sma(goog.close, 20), sma(goog.close, 21)]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(memo.hits).toBe(1);
    expect(memo.misses).toBe(2);
    expect(sma(goog.close, 20)).not.toBe(a);
    expect(sma(goog.close, 20)).toEqual(a);
  });

  it('drops everything when over its byte budget rather than grow without bound', () => {
    const memo = new IndicatorMemo(goog.close.byteLength * 2.5);
    withIndicatorMemo(memo, () => [2, 3, 4, 5].forEach((p) => sma(goog.close, p)));
    expect(memo.size).toBeLessThanOrEqual(goog.close.byteLength * 2.5);
  });
});

describe('sweep', () => {
  it('gives exactly the metrics of direct backtests, in the calling thread and on workers', async () => {
    const grid = { fast: [5, 10, 20], slow: [30, 50] };
    const inThread = await sweep(goog).strategy(SmaCross).grid(grid).workers(0).progress('none').run();
    const onWorkers = await sweep(goog).strategy(SmaCross).grid(grid).workers(2).progress('none').run();
    expect(inThread.ran).toBe(6);
    expect(onWorkers.ran).toBe(6);
    expect(onWorkers.inProcess).toBe(false);
    for (const p of expandGrid(grid)) {
      const want = direct(goog, SmaCross, p).metrics();
      expect(find(inThread.results, p).metrics).toEqual(want);
      expect(find(onWorkers.results, p).metrics).toEqual(want);
    }
    // ranked by score (Sharpe, −999 under 30 trades)
    const scores = onWorkers.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const r of onWorkers.results) expect(r.score).toBe(r.metrics.totalTrades < 30 ? -999 : r.metrics.sharpe);
  });

  it('sweeps several symbols and resampled timeframes, data prepared once per pair', async () => {
    const sw = await sweep({ GOOG: goog, EURUSD: eurusd }).strategy(SmaCross).grid({ fast: [5, 10], slow: [20] })
      .timeframes(['1d', '1w']).workers(0).progress('none').run();
    expect(sw.combinations).toBe(2 * 2 * 2);
    expect(sw.datasets.map((d) => `${d.symbol} ${d.timeframe}`).sort()).toEqual(['EURUSD 1d', 'EURUSD 1w', 'GOOG 1d', 'GOOG 1w']);
    const { resample } = await import('../lib/data');
    const weekly = resample(eurusd, '1w');
    expect(find(sw.results, { fast: 10 }, 'EURUSD').metrics).toBeDefined();
    const row = sw.results.find((r) => r.symbol === 'EURUSD' && r.timeframe === '1w' && r.params.fast === 10)!;
    expect(row.metrics).toEqual(direct(weekly, SmaCross, { fast: 10, slow: 20 }).metrics());
  });

  it('records a combination that throws as failed, with its error, and goes on (module strategy on workers)', async () => {
    const sw = await sweep(goog).strategy(AboveSma).grid({ period: [10, 13, 50] }).workers(2).progress('none').run();
    expect(sw.inProcess).toBe(false);
    expect(sw.failed).toBe(1);
    const bad = sw.results.find((r) => r.params.period === 13)!;
    expect(bad.status).toBe('failed');
    expect(bad.error).toContain('period 13 is unlucky');
    expect(bad.score).toBe(-999);
    expect(sw.results[sw.results.length - 1]).toBe(bad);
    expect(find(sw.results, { period: 50 }).metrics).toEqual(direct(goog, AboveSma, { period: 50 }).metrics());
  });

  it('runs a strategy defined in a notebook cell (no importable module) in the calling thread, and says so', async () => {
    const params = z.object({ period: z.number().int().default(10) });
    class CellStrategy extends Strategy<z.infer<typeof params>> {
      static params = params;
      private s!: Series;
      init(ctx: InitContext) {
        this.s = ctx.indicator(sma(ctx.bars.close, this.params.period));
      }
      onBar(ctx: BarContext) {
        if (ctx.data.close.value > this.s.value && ctx.position.isFlat) ctx.buy();
        else if (ctx.data.close.value < this.s.value && ctx.position.isLong) ctx.close();
      }
    }
    const sw = await sweep(goog).strategy(CellStrategy).grid({ period: [10, 20] }).workers(2).progress('none').run();
    expect(sw.inProcess).toBe(true);
    expect(sw.notes.join(' ')).toContain('runs in this thread');
    expect(find(sw.results, { period: 20 }).metrics).toEqual(direct(goog, CellStrategy, { period: 20 }).metrics());
  });

  it('lists grid points the schema refuses instead of running them', async () => {
    const sw = await sweep(goog).strategy(SmaCross).grid({ fast: [10, 40], slow: [30] }).workers(0).progress('none').run();
    expect(sw.ran).toBe(1);
    expect(sw.invalid).toHaveLength(1);
    expect(sw.invalid[0].error).toContain('fast must be shorter than slow');
    expect(sw.notes.join(' ')).toContain('refused');
  });

  it('applies the settings and the date range like the engine', async () => {
    const sw = await sweep(goog).strategy(SmaCross).grid({ fast: [10], slow: [30] }).settings({ spread: 0.001, fill: 'next_open', size: 0.5 })
      .between('2008-01-01', '2011-12-31').workers(0).progress('none').run();
    const want = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 }).spread(0.001).fill('next_open').size(0.5).between('2008-01-01', '2011-12-31').run().metrics();
    expect(sw.results[0].metrics).toEqual(want);
    expect(() => sweep(goog).settings({ spread: 2 })).toThrow('spread(2)');
  });

  it('keeps per-block return moments that add up to the whole run', async () => {
    const res = direct(goog, SmaCross, { fast: 10, slow: 30 });
    const blocks = new Float64Array(48);
    equityReturnBlocks(res.equity, 16, blocks, 0);
    let sum = 0, count = 0;
    for (let i = 1; i < res.equity.length; i++) sum += res.equity[i] / res.equity[i - 1] - 1;
    for (let b = 0; b < 16; b++) count += blocks[32 + b];
    expect(blocks.subarray(0, 16).reduce((a, b) => a + b, 0)).toBeCloseTo(sum, 10);
    expect(count).toBe(res.equity.length - 1);
    const sw = await sweep(goog).strategy(SmaCross).grid({ fast: [10], slow: [30] }).workers(0).progress('none').run();
    expect(Array.from(sw.results[0].blocks!)).toEqual(Array.from(blocks));
  });

  it('stops early on an aborted signal and says it was interrupted', async () => {
    const ac = new AbortController();
    ac.abort();
    const sw = await sweep(goog).strategy(SmaCross).grid({ fast: range(2, 20), slow: [30] }).workers(0).signal(ac.signal).progress('none').run();
    expect(sw.interrupted).toBe(true);
    expect(sw.ran).toBe(0);
  });

  it('reports progress through a callback', async () => {
    const seen: number[] = [];
    await sweep(goog).strategy(SmaCross).grid({ fast: range(2, 20), slow: [30, 40] }).workers(0).progress((p) => seen.push(p.done)).run();
    expect(seen[seen.length - 1]).toBe(38);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('shows a ranked table and a score heatmap', async () => {
    const sw = await sweep(goog).strategy(SmaCross).grid({ fast: [5, 10], slow: [30, 50] }).workers(0).progress('none').run();
    const text = sw.toString();
    expect(text).toContain('SmaCross: 4 combinations');
    expect(text).toMatch(/rank\s+strategy\s+score/);
    expect(text).toContain('SmaCross fast=10 slow=30');
    const fig = sw.heatmap()!;
    expect(fig.data[0].type).toBe('heatmap');
    expect(JSON.parse(JSON.stringify(sw)).results).toHaveLength(4);
  });
});
