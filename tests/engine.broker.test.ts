import { describe, expect, it } from 'vitest';
import { StratlabError } from '../lib/core/errors';
import { loadBars } from '../lib/data';
import { engine } from '../lib/engine';
import { SmaCross } from '../lib/strategies';
import { GOOG } from './helpers/paths';
import { flatRows, makeBars, scripted } from './helpers/scripted';

// Bars with distinct opens and closes so every fill price says where it came from.
const ROWS: [number, number, number, number][] = [
  [100, 101, 99, 100],
  [100, 102, 99, 101], // bar 1: close 101
  [102, 104, 101, 103], // bar 2: open 102
  [103, 105, 102, 104],
  [104, 106, 103, 105],
  [105, 107, 104, 106],
];
const bars = makeBars(ROWS);
const base = engine(bars).cash(10_000).spread(0).commission(0);

describe('market fills', () => {
  it('fills a close order at the bar close plus half the spread', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy() })).spread(0.002).run();
    const o = res.orders[0];
    expect(o.fillBar).toBe(1);
    expect(o.basePrice).toBe(101);
    expect(o.price).toBeCloseTo(101 * 1.001, 12);
    expect(o.units).toBe(Math.floor(10_000 / (101 * 1.001)));
    expect(o.spreadCost).toBeCloseTo(o.units * 101 * 0.001, 9);
  });

  it('fills a next_open order at the next bar open plus half the spread', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy() })).spread(0.002).fill('next_open').run();
    const o = res.orders[0];
    expect(o.bar).toBe(1);
    expect(o.fillBar).toBe(2);
    expect(o.price).toBeCloseTo(102 * 1.001, 12);
  });

  it('fills a sell at the price minus half the spread', () => {
    const res = base.strategy(scripted({ 1: (c) => c.sell({ units: 10 }) })).spread(0.002).run();
    expect(res.orders[0].side).toBe('sell');
    expect(res.orders[0].price).toBeCloseTo(101 * 0.999, 12);
    expect(res.trades[0].side).toBe('short');
  });

  it('charges commission on each fill and books it in the trade', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ units: 10 }), 3: (c) => c.close() })).commission(0.001).run();
    const [entry, exit] = res.orders;
    expect(entry.commission).toBeCloseTo(0.001 * 10 * 101, 12);
    expect(exit.commission).toBeCloseTo(0.001 * 10 * 104, 12);
    const t = res.trades[0];
    expect(t.commission).toBeCloseTo(entry.commission + exit.commission, 12);
    expect(t.pnl).toBeCloseTo(10 * (104 - 101) - t.commission, 9);
    expect(t.returnPct).toBeCloseTo((t.pnl / (10 * 101)) * 100, 9);
    expect(res.finalEquity).toBeCloseTo(10_000 + t.pnl, 9);
  });

  it('marks equity at each close: cash + units × close', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ units: 10 }) })).run();
    expect(res.equity[0]).toBe(10_000);
    expect(res.equity[1]).toBe(10_000); // bought at the close it is marked at
    expect(res.equity[3]).toBe(10_000 + 10 * (104 - 101));
  });

  it('ignores close() with no position: no order is recorded', () => {
    const res = base.strategy(scripted({ 1: (c) => c.close() })).run();
    expect(res.orders).toHaveLength(0);
  });
});

describe('sizing', () => {
  it('sizes by a fraction of equity in whole units, costs included', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ size: 0.5 }) })).spread(0.001).commission(0.001).run();
    const pf = 101 * 1.0005;
    expect(res.orders[0].units).toBe(Math.floor((0.5 * 10_000) / (pf * 1.001)));
  });

  it('uses the engine default size', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy() })).size(0.25).run();
    expect(res.orders[0].units).toBe(Math.floor(2500 / 101));
  });

  it('sizes by units and by cash', () => {
    const byUnits = base.strategy(scripted({ 1: (c) => c.buy({ units: 7 }) })).run();
    expect(byUnits.orders[0].units).toBe(7);
    const byCash = base.strategy(scripted({ 1: (c) => c.buy({ cash: 1000 }) })).run();
    expect(byCash.orders[0].units).toBe(9); // ⌊1000 / 101⌋
  });

  it('trades fractional units only when asked', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ cash: 1000 }) })).fractional().run();
    expect(res.orders[0].units).toBeCloseTo(1000 / 101, 12);
    expect(() => base.strategy(scripted({ 1: (c) => c.buy({ units: 1.5 }) })).run()).toThrow(/whole units only/);
  });

  it('never buys a unit the cash cannot pay for when equity / price lands on a whole number', () => {
    // 1 / 0.1 rounds to 10 in floating point, but the double 0.1 is a hair above a tenth: 9 units
    // fit, 10 would cost 1.0000000000000000555 (Python's 1 // 0.1 is 9.0 too).
    expect(Math.floor(1 / 0.1)).toBe(10);
    const res = engine(makeBars([[0.1, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.1]])).cash(1).spread(0)
      .strategy(scripted({ 0: (c) => c.buy() })).run();
    expect(res.orders[0].units).toBe(9);
  });
});

describe('1x leverage cap', () => {
  it('cuts an order larger than equity and counts the cut', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ units: 500 }) })).run();
    const o = res.orders[0];
    expect(o.requestedUnits).toBe(500);
    expect(o.units).toBe(Math.floor(10_000 / 101));
    expect(o.capped).toBe(true);
    expect(o.note).toMatch(/cut from 500 units/);
    expect(res.cappedOrders).toBe(1);
  });

  it('cuts an order that adds to a position past equity, and rejects one with no room left', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ size: 0.6 }), 2: (c) => c.buy({ size: 0.6 }), 3: (c) => c.buy({ units: 5 }) })).run();
    const [first, second, third] = res.orders;
    expect(first.capped).toBe(false);
    expect(second.capped).toBe(true);
    expect(Math.abs(res.trades.reduce((s, t) => s + t.units, 0))).toBeGreaterThan(0);
    // After the second order the position is worth (almost) all equity: the third cannot fit one unit.
    expect(third.status).toBe('rejected');
    expect(third.units).toBe(0);
    expect(res.cappedOrders).toBe(2);
    // Never above equity at any fill.
    for (const o of res.orders.filter((x) => x.status === 'filled' && x.reason === 'entry')) expect(o.units).toBeGreaterThan(0);
  });

  it('caps shorts the same way', () => {
    const res = base.strategy(scripted({ 1: (c) => c.sell({ units: 1000 }) })).run();
    expect(res.orders[0].units).toBe(Math.floor(10_000 / 101));
    expect(res.cappedOrders).toBe(1);
  });

  it('does not cap a full-equity order in either direction', () => {
    for (const side of ['buy', 'sell'] as const) {
      const res = base.strategy(scripted({ 1: (c) => c[side]() })).spread(0.001).commission(0.002).run();
      expect(res.cappedOrders).toBe(0);
    }
  });
});

describe('stop-loss and take-profit', () => {
  const rows: [number, number, number, number][] = [
    [100, 100, 100, 100],
    [100, 100, 100, 100], // entry at the close: 100
    [100, 101, 97, 99], // low 97 → a 98 stop fills at 98
    [99, 100, 98, 99],
  ];

  it('fills a long stop at its level when the low reaches it', () => {
    const res = engine(makeBars(rows)).spread(0).strategy(scripted({ 1: (c) => c.buy({ units: 10, stopLoss: 98 }) })).run();
    const t = res.trades[0];
    expect(t.exitReason).toBe('stopLoss');
    expect(t.exitBar).toBe(2);
    expect(t.exitPrice).toBe(98);
    expect(t.stopLoss).toBe(98);
  });

  it('fills at the open when the bar gaps through the stop', () => {
    const gap = [...rows.slice(0, 2), [95, 96, 94, 95] as [number, number, number, number], rows[3]];
    const res = engine(makeBars(gap)).spread(0).strategy(scripted({ 1: (c) => c.buy({ units: 10, stopLoss: 98 }) })).run();
    expect(res.trades[0].exitPrice).toBe(95);
    expect(res.trades[0].exitReason).toBe('stopLoss');
  });

  it('assumes the stop-loss came first when both levels are inside one bar', () => {
    const both = [...rows.slice(0, 2), [100, 103, 97, 100] as [number, number, number, number], rows[3]];
    const res = engine(makeBars(both)).spread(0).strategy(scripted({ 1: (c) => c.buy({ units: 10, stopLoss: 98, takeProfit: 102 }) })).run();
    expect(res.trades[0].exitReason).toBe('stopLoss');
    expect(res.trades[0].exitPrice).toBe(98);
  });

  it('takes profit at its level, or at the open on a gap above it', () => {
    const up = [...rows.slice(0, 2), [100, 103, 99.5, 102] as [number, number, number, number], rows[3]];
    const res = engine(makeBars(up)).spread(0).strategy(scripted({ 1: (c) => c.buy({ units: 10, stopLoss: 98, takeProfit: 102 }) })).run();
    expect(res.trades[0].exitReason).toBe('takeProfit');
    expect(res.trades[0].exitPrice).toBe(102);
    const gapUp = [...rows.slice(0, 2), [104, 105, 103, 104] as [number, number, number, number], rows[3]];
    const g = engine(makeBars(gapUp)).spread(0).strategy(scripted({ 1: (c) => c.buy({ units: 10, takeProfit: 102 }) })).run();
    expect(g.trades[0].exitPrice).toBe(104);
  });

  it('mirrors the rules for shorts, spread applied to the exit', () => {
    const up = [...rows.slice(0, 2), [100, 103, 99, 101] as [number, number, number, number], rows[3]];
    const res = engine(makeBars(up)).spread(0.002).strategy(scripted({ 1: (c) => c.sell({ units: 10, stopLoss: 102 }) })).run();
    const t = res.trades[0];
    expect(t.exitReason).toBe('stopLoss');
    expect(t.exitPrice).toBeCloseTo(102 * 1.001, 12); // buying back pays half the spread above
  });

  it('does not check a stop on the bar whose close it entered at', () => {
    const res = engine(makeBars([[100, 100, 90, 100], [100, 100, 90, 100], [100, 100, 100, 100]])).spread(0)
      .strategy(scripted({ 0: (c) => c.buy({ units: 1, stopLoss: 95 }) })).run();
    expect(res.trades[0].exitBar).toBe(1);
  });

  it('checks a next_open entry against the rest of its entry bar', () => {
    const res = engine(makeBars(rows)).spread(0).fill('next_open').strategy(scripted({ 1: (c) => c.buy({ units: 10, stopLoss: { pct: 0.02 } }) })).run();
    const t = res.trades[0];
    expect(t.entryBar).toBe(2);
    expect(t.stopLoss).toBeCloseTo(98, 12);
    expect(t.exitBar).toBe(2);
    expect(t.exitReason).toBe('stopLoss');
  });

  it('measures ATR stops from the entry fill with the ATR of the signal bar', async () => {
    const goog = await loadBars(GOOG);
    const { atr } = await import('../lib/indicators');
    const a = atr(goog.high, goog.low, goog.close, 14);
    const res = engine(goog).spread(0).strategy(scripted({ 20: (c) => c.buy({ units: 1, stopLoss: { atr: 2 }, takeProfit: { atr: 3, period: 10 } }) })).run();
    const t = res.trades[0];
    expect(t.stopLoss).toBeCloseTo(t.entryPrice - 2 * a[20], 9);
    const a10 = atr(goog.high, goog.low, goog.close, 10);
    expect(t.takeProfit).toBeCloseTo(t.entryPrice + 3 * a10[20], 9);
  });

  it('refuses an ATR stop before ATR is defined, naming the bar', () => {
    const run = () => base.strategy(scripted({ 2: (c) => c.buy({ stopLoss: { atr: 2 } }) })).run();
    expect(run).toThrow(StratlabError);
    expect(run).toThrow(/Scripted\.onBar at bar 2 \(2024-01-03\): stopLoss: \{ atr: 2 \} needs ATR\(14\)/);
  });
});

describe('position changes', () => {
  it('closes then reverses in one bar', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ units: 10 }), 3: (c) => { c.close(); c.sell(); } })).run();
    expect(res.trades[0]).toMatchObject({ side: 'long', exitBar: 3, exitPrice: 104, exitReason: 'signal' });
    expect(res.trades[1]).toMatchObject({ side: 'short', entryBar: 3, entryPrice: 104 });
    // The short is sized from the equity left after the close.
    const equityAfterClose = 10_000 + 10 * (104 - 101);
    expect(res.trades[1].units).toBe(Math.floor(equityAfterClose / 104));
  });

  it('reverses on an opposite order without an explicit close', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ units: 10 }), 3: (c) => c.sell({ units: 5 }) })).run();
    expect(res.trades.map((t) => [t.side, t.units])).toEqual([['long', 10], ['short', 5]]);
  });

  it('closes part of a position, oldest lot first', () => {
    const res = base.strategy(scripted({
      1: (c) => c.buy({ units: 10 }),
      2: (c) => c.buy({ units: 5 }),
      3: (c) => c.close({ units: 12 }),
      4: (c) => c.close({ fraction: 1 }),
    })).run();
    expect(res.trades.map((t) => [t.entryBar, t.exitBar, t.units])).toEqual([[1, 3, 10], [2, 3, 2], [2, 4, 3]]);
  });

  it('closes what is still open at the last close under fill(close), and the trade says so', () => {
    const res = base.strategy(scripted({ 1: (c) => c.buy({ units: 10 }) })).run();
    expect(res.trades).toHaveLength(1);
    expect(res.trades[0]).toMatchObject({ exitBar: 5, exitPrice: 106, exitReason: 'end' });
    expect(res.orders[1].reason).toBe('end');
  });

  it('closes at the last open under fill(next_open) and cancels orders placed on the last bar', () => {
    const res = base.fill('next_open').strategy(scripted({ 1: (c) => c.buy({ units: 10 }), 5: (c) => c.sell({ units: 3 }) })).run();
    expect(res.trades).toHaveLength(1);
    expect(res.trades[0]).toMatchObject({ entryPrice: 102, exitBar: 5, exitPrice: 105, exitReason: 'end' });
    const cancelled = res.orders.find((o) => o.status === 'cancelled');
    expect(cancelled).toMatchObject({ bar: 5, side: 'sell', fillBar: -1 });
    expect(res.finalEquity).toBe(10_000 + 10 * (105 - 102));
  });

  it('shows the position live in onBar', () => {
    const seen: unknown[] = [];
    base.strategy(scripted({
      1: (c) => c.buy({ units: 10 }),
      2: (c) => seen.push({ units: c.position.units, side: c.position.side, entry: c.position.entryPrice, held: c.position.barsHeld, pnl: c.position.pnl, equity: c.equity }),
    })).run();
    expect(seen[0]).toEqual({ units: 10, side: 'long', entry: 101, held: 1, pnl: 20, equity: 10_020 });
  });
});

describe('what onBar can see', () => {
  it('sees the current bar and earlier ones only', () => {
    const looks: number[][] = [];
    const S = scripted({}, undefined);
    const res = base.strategy(scripted(Object.fromEntries(ROWS.map((_, i) => [i, (c) => {
      looks.push([c.bar.close, c.data.close.value, c.data.close.prev, c.data.close.ago(2), c.data.close.length, c.data.close.window(3).length]);
    }]))) as typeof S).run();
    expect(res.barCount).toBe(6);
    expect(looks[0]).toEqual([100, 100, NaN, NaN, 1, 1]);
    expect(looks[3]).toEqual([104, 104, 103, 101, 4, 3]);
  });

  it('refuses to look ahead', () => {
    const run = () => base.strategy(scripted({ 2: (c) => void c.data.close.ago(-1) })).run();
    expect(run).toThrow(/a later bar is never visible/);
  });

  it('names the strategy and the bar when onBar throws', () => {
    const run = () => base.strategy(scripted({ 3: () => { throw new Error('boom'); } })).run();
    expect(run).toThrow(/^Scripted\.onBar at bar 3 \(2024-01-04\) threw: boom$/);
  });

  it('catches an indicator that peeks at the next bar', async () => {
    const goog = await loadBars(GOOG);
    const Peeking = scripted({}, (ctx) => {
      const c = ctx.bars.close;
      ctx.indicator(Float64Array.from(c, (_, i) => c[Math.min(i + 1, c.length - 1)]), 'tomorrow');
    });
    expect(() => engine(goog).strategy(Peeking).checkLookahead()).toThrow(/indicator 'tomorrow' at bar \d+ .* uses later bars/);
    expect(engine(goog).strategy(SmaCross).checkLookahead().ok).toBe(true);
  });
});

describe('the builder', () => {
  it('returns a new builder from every call, so branches do not interfere', () => {
    const b = engine(bars).strategy(scripted({ 1: (c) => c.buy({ units: 1 }) }));
    const wide = b.spread(0.01);
    expect(b.run().settings.spread).toBe(0.0003);
    expect(wide.run().settings.spread).toBe(0.01);
  });

  it('checks its arguments where they are given', () => {
    const b = engine(bars);
    expect(() => b.spread(-1)).toThrow(/engine\.spread\(-1\): expected a fraction of price/);
    expect(() => b.size(2)).toThrow(/engine\.size\(2\)/);
    expect(() => b.fill('open' as never)).toThrow(/expected 'close' or 'next_open'/);
    expect(() => b.cash(0)).toThrow(/cash\(0\)/);
    expect(() => b.between('2030-01-01')).toThrow(/no bars in that range/);
    expect(() => b.run()).toThrow(/no strategy/);
    expect(() => b.strategy(SmaCross, { fsat: 5 } as never)).toThrow("SmaCross has no parameter 'fsat'. Did you mean 'fast'?");
    expect(() => b.strategy(SmaCross, { fast: 'ten' } as never)).toThrow('SmaCross: fast: expected number, got "ten"');
    expect(() => b.strategy(SmaCross, { fast: 40 })).toThrow('SmaCross: fast must be shorter than slow');
  });

  it('runs over a date window only', async () => {
    const goog = await loadBars(GOOG);
    const res = engine(goog).strategy(SmaCross).between('2006-01-01', '2006-12-31').run();
    expect(new Date(res.start).toISOString().slice(0, 10)).toBe('2006-01-03');
    expect(new Date(res.end).toISOString().slice(0, 10)).toBe('2006-12-29');
    expect(res.barCount).toBe(251);
  });

  it('keeps the accounting identity on real data with costs: final equity = cash + Σ trade pnl', async () => {
    const goog = await loadBars(GOOG);
    const res = engine(goog).strategy(SmaCross, { fast: 5, slow: 20 }).spread(0.001).commission(0.0005).fill('next_open').run();
    const pnl = res.trades.reduce((s, t) => s + t.pnl, 0);
    expect(res.finalEquity).toBeCloseTo(10_000 + pnl, 6);
    const costs = res.orders.reduce((s, o) => s + o.commission + o.spreadCost, 0);
    expect(res.totalCommission + res.totalSpreadCost).toBeCloseTo(costs, 9);
    expect(costs).toBeGreaterThan(0);
  });
});

describe('flat prices', () => {
  it('scores a strategy that never trades as zero everywhere', () => {
    const res = engine(makeBars(flatRows(50))).strategy(scripted({})).run();
    expect(res.metrics()).toMatchObject({ returnPct: 0, sharpe: 0, sortino: 0, maxDrawdown: 0, totalTrades: 0, winRate: 0, profitFactor: 0, exposurePct: 0 });
  });
});

describe('raw columns kept by a strategy', () => {
  it('refuses a per-bar array kept on the strategy, which onBar could read ahead in', async () => {
    const goog = await loadBars(GOOG);
    class Hoarder extends (scripted({}) as any) {
      init(ctx: import('../lib/engine').InitContext) {
        (this as any).closes = ctx.bars.close;
      }
    }
    expect(() => engine(goog).strategy(Hoarder as never).run()).toThrow(
      'Hoarder.init: this.closes keeps a column of 2148 values (one per bar), which would let onBar read later bars');
    class Nested extends (scripted({}) as any) {
      init(ctx: import('../lib/engine').InitContext) {
        (this as any).cache = { bars: ctx.bars };
      }
    }
    expect(() => engine(goog).strategy(Nested as never).run()).toThrow(/this\.cache\.bars\.time keeps a column/);
  });

  it('accepts Series, small buffers and plain state', async () => {
    const goog = await loadBars(GOOG);
    class Fine extends (scripted({}) as any) {
      init(ctx: import('../lib/engine').InitContext) {
        (this as any).sma = ctx.indicator(new Float64Array(ctx.length), 'zeros');
        (this as any).window = new Float64Array(20);
        (this as any).state = { armed: false, count: 0 };
      }
    }
    expect(engine(goog).strategy(Fine as never).run().barCount).toBe(2148);
  });
});
