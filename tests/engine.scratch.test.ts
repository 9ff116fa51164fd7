import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadBars, syntheticBars } from '../lib/data';
import { engine, Strategy, type BarContext } from '../lib/engine';
import { SmaCross } from '../lib/strategies';
import { GOOG } from './helpers/paths';
import { flatRows, makeBars, scripted } from './helpers/scripted';

// A strategy whose every run differs from the one before (it holds for one more bar each time), so a
// result that the next run wrote into would show it.
let runsSoFar = 0;
class LongerEachRun extends Strategy<{ every: number }> {
  static params = z.object({ every: z.number().int().default(20) });
  private hold = 0;
  init(): void {
    this.hold = 5 + runsSoFar++;
  }
  onBar(ctx: BarContext): void {
    if (ctx.position.isFlat && ctx.i % this.params.every === 0) ctx.buy({ tag: `run with hold ${this.hold}` });
    else if (ctx.position.barsHeld >= this.hold) ctx.close();
  }
}

const snapshot = (r: ReturnType<ReturnType<typeof engine>['run']>) => ({
  equity: Array.from(r.equity),
  trades: r.tradeLog.toObjects(r.symbol, r.time),
  orders: r.orderLog.toObjects(r.time),
  finalEquity: r.finalEquity,
});

describe('a builder reuses its run memory', () => {
  it('leaves an earlier result exactly as it was when the same builder runs again (GOOG)', async () => {
    const b = engine(await loadBars(GOOG)).strategy(LongerEachRun);
    const first = b.run();
    const before = snapshot(first);
    const second = b.run();
    const third = b.run();
    expect(snapshot(first)).toEqual(before);
    expect(second.finalEquity).not.toBe(first.finalEquity); // the runs really differ
    expect(third.trades[0].exitBar - third.trades[0].entryBar).toBe(second.trades[0].exitBar - second.trades[0].entryBar + 1);
    expect(first.trades[0].tag).toMatch(/^run with hold \d+$/);
    expect(first.trades[0].tag).not.toBe(second.trades[0].tag);
  });

  it('leaves an earlier result as it was on a long run too (100,000 bars, whose columns are handed over, not copied)', () => {
    const b = engine(syntheticBars({ n: 100_000, timeframe: '1h', seed: 3 })).strategy(LongerEachRun).fractional();
    const first = b.run();
    const before = snapshot(first);
    const second = b.run();
    expect(snapshot(first)).toEqual(before);
    expect(second.finalEquity).not.toBe(first.finalEquity);
    expect(second.equity).not.toBe(first.equity);
    expect(second.tradeLog.pnl.buffer).not.toBe(first.tradeLog.pnl.buffer);
  });

  it('gives each GOOG run one buffer for its equity curve and both logs, sized to what the run recorded', async () => {
    const b = engine(await loadBars(GOOG)).strategy(SmaCross, { fast: 10, slow: 30 }).spread(0).fill('next_open').size(0.9999);
    b.run();
    const r = b.run();
    expect(r.totalTrades).toBe(66);
    const buffer = r.equity.buffer;
    for (const col of [r.tradeLog.pnl, r.tradeLog.side, r.tradeLog.exitReason, r.orderLog.price, r.orderLog.status]) expect(col.buffer).toBe(buffer);
    expect(r.tradeLog.pnl.length).toBeLessThan(66 + 8);
    expect(r.orderLog.price.length).toBeLessThan(r.orderLog.length + 8);
    expect(b.run().equity.buffer).not.toBe(buffer);
  });

  it('gives the same figures as a builder run once (a fresh builder per run)', async () => {
    const bars = await loadBars(GOOG);
    const reused = engine(bars).strategy(SmaCross).commission(0.001);
    reused.run();
    const again = reused.run();
    const fresh = engine(bars).strategy(SmaCross).commission(0.001).run();
    expect(again.metrics()).toEqual(fresh.metrics());
    expect(Array.from(again.equity)).toEqual(Array.from(fresh.equity));
    expect(again.orders).toEqual(fresh.orders);
  });

  it('lets a strategy run the same builder inside its own run (the inner run gets memory of its own)', async () => {
    const bars = await loadBars(GOOG);
    const inner = engine(bars).strategy(SmaCross);
    let innerFinal = NaN;
    class RunsInner extends Strategy {
      onBar(ctx: BarContext): void {
        if (ctx.i === 100) innerFinal = inner.run().finalEquity;
      }
    }
    const expected = inner.run().finalEquity;
    engine(bars).strategy(RunsInner).run();
    expect(innerFinal).toBe(expected);
    class NestsItself extends Strategy {
      onBar(ctx: BarContext): void {
        if (ctx.i === 50 && entered++ === 0) nested = outer.run();
      }
    }
    let entered = 0;
    let nested: ReturnType<typeof outer.run> | undefined;
    const outer = engine(bars).strategy(NestsItself);
    const res = outer.run();
    expect(nested!.barCount).toBe(res.barCount);
    expect(res.equity.length).toBe(bars.close.length);
  });
});

describe('next_open orders, whose objects the broker reuses once filled', () => {
  it('fills later orders with their own sizes and tags, and a cancel in the middle leaves the others in order', () => {
    let cancelled = 0;
    const S = scripted({
      1: (c) => { c.buy({ units: 3, tag: 'a' }); },
      3: (c) => { c.close({ tag: 'b' }); c.sell({ units: 2, tag: 'c' }); },
      5: (c) => {
        c.close({ tag: 'd' });
        cancelled = c.buy({ units: 7, tag: 'e' });
        c.buy({ units: 1, tag: 'f' });
        c.cancel(cancelled);
        c.buy({ units: 4, tag: 'g' });
      },
    });
    const res = engine(makeBars(flatRows(10))).strategy(S).spread(0).fill('next_open').run();
    const filled = res.orders.filter((o) => o.status === 'filled').map((o) => [o.tag, o.side, o.units, o.fillBar]);
    expect(filled).toEqual([
      ['a', 'buy', 3, 2], ['b', 'sell', 3, 4], ['c', 'sell', 2, 4], ['d', 'buy', 2, 6], ['f', 'buy', 1, 6], ['g', 'buy', 4, 6], [null, 'sell', 5, 9],
    ]);
    expect(res.orders.find((o) => o.ref === cancelled)).toMatchObject({ status: 'cancelled', tag: 'e', note: 'cancelled by the strategy at bar 5' });
  });
});
