import { describe, expect, it } from 'vitest';
import { StratlabError } from '../lib/core/errors';
import { loadBars } from '../lib/data';
import { engine, type BarContext } from '../lib/engine';
import { atr } from '../lib/indicators';
import { GOOG } from './helpers/paths';
import { makeBars, scripted, type Script } from './helpers/scripted';

type Row = [number, number, number, number];
const FLAT: Row = [100, 100, 100, 100];
/** Two quiet bars at 100 (orders are placed at bar 1), then the bars under test. */
const run = (rows: Row[], script: Script, fill: 'close' | 'next_open' = 'close') =>
  engine(makeBars([FLAT, FLAT, ...rows])).spread(0).commission(0).fill(fill).strategy(scripted(script)).run();
const entry = (res: ReturnType<typeof run>) => res.orders.find((o) => o.reason === 'entry' && o.status === 'filled')!;

describe('limit entries', () => {
  it('fill a buy at the limit when the low reaches it', () => {
    const res = run([[100, 101, 97, 99], FLAT], { 1: (c) => c.buy({ units: 10, limit: 98 }) });
    expect(entry(res)).toMatchObject({ type: 'limit', limit: 98, fillBar: 2, basePrice: 98, price: 98, ref: 1 });
  });

  it('fill at the open, the better price, when the bar opens through the limit', () => {
    const buy = run([[95, 96, 94, 95], FLAT], { 1: (c) => c.buy({ units: 10, limit: 98 }) });
    expect(entry(buy)).toMatchObject({ fillBar: 2, price: 95 });
    const sell = run([[104, 105, 103, 104], FLAT], { 1: (c) => c.sell({ units: 10, limit: 102 }) });
    expect(entry(sell)).toMatchObject({ side: 'sell', fillBar: 2, price: 104 });
  });

  it('fill a sell at the limit when the high reaches it', () => {
    const res = run([[100, 103, 99, 101], FLAT], { 1: (c) => c.sell({ units: 10, limit: 102 }) });
    expect(entry(res)).toMatchObject({ fillBar: 2, price: 102 });
    expect(res.trades[0].side).toBe('short');
  });

  it('start working at the bar after the one they were placed at, in either fill mode', () => {
    for (const fill of ['close', 'next_open'] as const) {
      // Bar 1's own range reaches the limit: it traded before the order existed.
      const res = engine(makeBars([FLAT, [100, 100, 90, 100], [100, 100, 99, 99], [99, 99, 95, 96]])).spread(0).fill(fill)
        .strategy(scripted({ 1: (c) => c.buy({ units: 1, limit: 97 }) })).run();
      expect(entry(res)).toMatchObject({ fillBar: 3, price: 97 });
    }
  });
});

describe('stop entries', () => {
  it('fill a buy stop at the stop when the high reaches it, at the open when the bar gaps above it', () => {
    expect(entry(run([[100, 103, 99, 101], FLAT], { 1: (c) => c.buy({ units: 10, stop: 102 }) }))).toMatchObject({ type: 'stop', stop: 102, price: 102 });
    expect(entry(run([[104, 105, 103, 104], FLAT], { 1: (c) => c.buy({ units: 10, stop: 102 }) }))).toMatchObject({ price: 104 });
  });

  it('fill a sell stop at the stop, or at the open on a gap below it', () => {
    expect(entry(run([[100, 101, 97, 99], FLAT], { 1: (c) => c.sell({ units: 10, stop: 98 }) }))).toMatchObject({ price: 98 });
    expect(entry(run([[95, 96, 94, 95], FLAT], { 1: (c) => c.sell({ units: 10, stop: 98 }) }))).toMatchObject({ price: 95 });
  });

  it('are not triggered by a bar that stays short of the stop', () => {
    const res = run([[100, 101.9, 99, 101], FLAT], { 1: (c) => c.buy({ units: 10, stop: 102 }) });
    expect(res.trades).toHaveLength(0);
    expect(res.orders[0]).toMatchObject({ status: 'cancelled', note: 'still working after the last bar' });
  });
});

describe('stop-limit entries', () => {
  it('fill at the stop when it is reached inside the bar and the limit is above it', () => {
    const res = run([[100, 104, 99, 103], FLAT], { 1: (c) => c.buy({ units: 10, stop: 102, limit: 103 }) });
    expect(entry(res)).toMatchObject({ type: 'stopLimit', stop: 102, limit: 103, fillBar: 2, price: 102 });
  });

  it('become a limit order from the open when the bar gaps through the stop', () => {
    // Opens at 104 above the 103 limit, trades down to 102.5: the limit fills at 103.
    const res = run([[104, 105, 102.5, 103], FLAT], { 1: (c) => c.buy({ units: 10, stop: 102, limit: 103 }) });
    expect(entry(res)).toMatchObject({ fillBar: 2, price: 103 });
    // Above the limit all bar long: triggered but not filled; a plain limit from then on (bar 3 opens below it).
    const later = run([[104, 105, 103.5, 104], FLAT], { 1: (c) => c.buy({ units: 10, stop: 102, limit: 103 }) });
    expect(entry(later)).toMatchObject({ fillBar: 3, price: 100 });
  });

  it('wait for the next bar when the limit lies beyond the stop (the bar cannot show which came first)', () => {
    // A buy stop at 102 with a limit at 101.5: bar 2 reaches 102 and 100, but in which order is unknown.
    const res = run([[100, 103, 100, 102], [101, 102, 100.5, 101], FLAT], { 1: (c) => c.buy({ units: 10, stop: 102, limit: 101.5 }) });
    expect(entry(res)).toMatchObject({ fillBar: 3, price: 101 }); // a plain limit from then on: opens below it
  });
});

describe('expiry, cancel and one-cancels-other', () => {
  it('keeps an order working for `expiry` bars after the bar it was placed at, then marks it expired', () => {
    const pending: number[] = [];
    const look = (c: BarContext) => void pending.push(c.pendingOrders);
    const rows: Row[] = [FLAT, FLAT, [100, 100, 97, 98], FLAT];
    const res = run(rows, { 1: (c) => { c.buy({ units: 1, limit: 98, expiry: 2 }); look(c); }, 2: look, 3: look, 4: look });
    expect(res.trades).toHaveLength(0);
    expect(res.orders).toHaveLength(1);
    expect(res.orders[0]).toMatchObject({ status: 'expired', type: 'limit', bar: 1, fillBar: -1, note: 'expired: not filled by bar 3' });
    expect(pending).toEqual([1, 1, 0, 0]);
    // One bar more and the same order fills on its last bar.
    const filled = run(rows, { 1: (c) => c.buy({ units: 1, limit: 98, expiry: 3 }) });
    expect(entry(filled)).toMatchObject({ fillBar: 4, price: 98 });
  });

  it('cancels a working order by the id buy() returned', () => {
    const answers: boolean[] = [];
    let id = 0;
    const res = run([FLAT, [100, 100, 90, 95]], {
      1: (c) => void (id = c.buy({ units: 1, limit: 98 })),
      2: (c) => { answers.push(c.cancel(id)); answers.push(c.cancel(id)); },
    });
    expect(answers).toEqual([true, false]);
    expect(res.trades).toHaveLength(0);
    expect(res.orders[0]).toMatchObject({ status: 'cancelled', ref: id, note: 'cancelled by the strategy at bar 2' });
  });

  it('cancels a next_open market order before it fills', () => {
    const res = run([FLAT], { 1: (c) => { const id = c.buy({ units: 1 }); c.cancel(id); } }, 'next_open');
    expect(res.trades).toHaveLength(0);
    expect(res.orders[0]).toMatchObject({ status: 'cancelled', type: 'market' });
  });

  it('cancels the other order of an OCO pair when one fills', () => {
    const res = run([[100, 103, 99.5, 102], FLAT], {
      1: (c) => c.oco(c.buy({ units: 10, stop: 102, tag: 'up' }), c.sell({ units: 10, stop: 98, tag: 'down' })),
    });
    expect(res.trades).toHaveLength(1);
    expect(entry(res)).toMatchObject({ side: 'buy', tag: 'up', price: 102 });
    const other = res.orders.find((o) => o.tag === 'down')!;
    expect(other).toMatchObject({ status: 'cancelled', note: 'cancelled: its one-cancels-other partner (order 1) filled at bar 2' });
  });

  it('refuses to link an order that is not working', () => {
    const link = () => run([FLAT], { 1: (c) => c.oco(c.buy({ units: 1, stop: 105 }), 42) });
    expect(link).toThrow(StratlabError);
    expect(link).toThrow(/oco\(1, 42\): order 42 is not a working limit \/ stop order/);
  });
});

describe('brackets on working entries', () => {
  it('checks a limit entry\'s stop-loss from the bar after its fill: the fill bar\'s low may have come first', () => {
    // Bar 2 reaches the 98 limit and the 97 stop; bar 3 reaches 97 again.
    const res = run([[100, 100, 96.5, 99], [99, 99, 96, 97], FLAT], { 1: (c) => c.buy({ units: 10, limit: 98, stopLoss: 97 }) });
    expect(res.trades[0]).toMatchObject({ entryBar: 2, exitBar: 3, exitPrice: 97, exitReason: 'stopLoss' });
  });

  it('takes profit in the entry bar when a stop entry runs on through its target and the stop-loss is out of the bar', () => {
    const res = run([[100, 106, 99, 105], FLAT], { 1: (c) => c.buy({ units: 10, stop: 102, stopLoss: 98, takeProfit: 105 }) });
    expect(res.trades[0]).toMatchObject({ entryBar: 2, entryPrice: 102, exitBar: 2, exitPrice: 105, exitReason: 'takeProfit' });
    // With the stop-loss inside the bar too, the order of events is unknown: wait for the next bar.
    const both = run([[100, 106, 97, 105], [105, 106, 104, 105]], { 1: (c) => c.buy({ units: 10, stop: 102, stopLoss: 98, takeProfit: 105 }) });
    expect(both.trades[0]).toMatchObject({ exitBar: 3, exitPrice: 105, exitReason: 'takeProfit' });
  });

  it('refuses prices on the wrong side, and bad prices, naming the field', () => {
    const bad = (script: Script) => () => run([FLAT], script);
    expect(bad({ 1: (c) => c.buy({ limit: 98, stopLoss: 99 }) })).toThrow(/buy\(\): stopLoss 99 must be below the order's price 98/);
    expect(bad({ 1: (c) => c.sell({ stop: 98, takeProfit: 99 }) })).toThrow(/sell\(\): takeProfit 99 must be below the order's price 98/);
    expect(bad({ 1: (c) => c.buy({ limit: -1 }) })).toThrow(/buy\(\{ limit: -1 \}\): expected a price > 0/);
    expect(bad({ 1: (c) => c.buy({ expiry: 3 }) })).toThrow(/buy\(\{ expiry: 3 \}\): expected a limit or stop order/);
    expect(bad({ 1: (c) => c.buy({ limit: 98, expiry: 1.5 }) })).toThrow(/expected a whole number of bars/);
    expect(bad({ 1: (c) => c.buy({ stopLoss: 95, trailingStop: { pct: 0.05 } }) })).toThrow(/give stopLoss or trailingStop, not both/);
    try {
      run([FLAT], { 1: (c) => c.buy({ limit: 0 }) });
    } catch (e) {
      expect((e as StratlabError).location.field).toBe('limit');
    }
  });
});

describe('trailing stops', () => {
  it('trail a long by a percent of each close, never loosening, and exit at the trailed level', () => {
    const res = run([[101, 106, 100, 105], [105, 111, 104, 110], [110, 110, 106, 107], [107, 107, 103, 104], FLAT], {
      1: (c) => c.buy({ units: 10, trailingStop: { pct: 0.05 } }),
    });
    // Entry 100 → 95; close 105 → 99.75; close 110 → 104.5; close 107 would be 101.65: kept at 104.5.
    expect(res.trades[0]).toMatchObject({ exitBar: 5, exitReason: 'trailingStop' });
    expect(res.trades[0].exitPrice).toBeCloseTo(104.5, 12);
    expect(res.trades[0].stopLoss).toBeCloseTo(104.5, 12);
    expect(res.orders[1].reason).toBe('trailingStop');
  });

  it('trail a short from above', () => {
    const res = run([[99, 100, 94, 95], [95, 99.9, 94, 99]], { 1: (c) => c.sell({ units: 10, trailingStop: { pct: 0.05 } }) });
    // Entry 100 → 105; close 95 → 99.75; the next bar's high 99.9 reaches it.
    expect(res.trades[0]).toMatchObject({ exitBar: 3, exitReason: 'trailingStop' });
    expect(res.trades[0].exitPrice).toBeCloseTo(99.75, 12);
  });

  it('trail by a multiple of ATR at each close (GOOG)', async () => {
    const goog = await loadBars(GOOG);
    const a = atr(goog.high, goog.low, goog.close, 14);
    const res = engine(goog).spread(0).strategy(scripted({ 30: (c) => c.buy({ units: 1, trailingStop: { atr: 3 } }) })).run();
    const t = res.trades[0];
    // The level in force at bar i: from the entry, raised by every close before i, never lowered.
    let level = Math.max(t.entryPrice - 3 * a[30], goog.close[30] - 3 * a[30]);
    for (let i = 31; i < t.exitBar; i++) {
      expect(goog.low[i]).toBeGreaterThan(level); // not reached yet
      level = Math.max(level, goog.close[i] - 3 * a[i]);
    }
    expect(t.exitReason).toBe('trailingStop');
    expect(t.exitBar).toBeGreaterThan(40);
    expect(t.stopLoss).toBeCloseTo(level, 9);
    expect(goog.low[t.exitBar]).toBeLessThanOrEqual(level);
    expect(t.exitPrice).toBeCloseTo(Math.min(level, goog.open[t.exitBar]), 9);
  });
});

describe('intrabar rules', () => {
  const rows: Row[] = [[100, 104, 96, 100], FLAT];

  it('assumes a short\'s stop-loss came before its take-profit when both are inside one bar', () => {
    const res = run(rows, { 1: (c) => c.sell({ units: 10, stopLoss: 103, takeProfit: 97 }) });
    expect(res.trades[0]).toMatchObject({ exitBar: 2, exitPrice: 103, exitReason: 'stopLoss' });
  });

  it('fills a gap through a short\'s stop at the open', () => {
    const res = run([[106, 107, 105, 106], FLAT], { 1: (c) => c.sell({ units: 10, stopLoss: 103, takeProfit: 97 }) });
    expect(res.trades[0]).toMatchObject({ exitPrice: 106, exitReason: 'stopLoss' });
  });

  it('under fill(close) checks a stop from the bar after the entry, even when the entry bar crossed it', () => {
    const res = engine(makeBars([FLAT, [100, 100, 90, 100], [100, 100, 96, 98], [98, 98, 94, 95]])).spread(0)
      .strategy(scripted({ 1: (c) => c.buy({ units: 1, stopLoss: 95 }) })).run();
    expect(res.trades[0]).toMatchObject({ entryBar: 1, exitBar: 3, exitPrice: 95, exitReason: 'stopLoss' });
  });
});

describe('partial closes', () => {
  it('book only the closed share of the entry commission', () => {
    const res = engine(makeBars([FLAT, FLAT, [100, 110, 100, 110], FLAT])).spread(0).commission(0.01)
      .strategy(scripted({ 1: (c) => c.buy({ units: 10 }), 2: (c) => c.close({ units: 4 }) })).run();
    const [part, rest] = res.trades;
    const entryCommission = 0.01 * 10 * 100;
    expect(part.commission).toBeCloseTo(0.4 * entryCommission + 0.01 * 4 * 110, 12);
    expect(rest.commission).toBeCloseTo(0.6 * entryCommission + 0.01 * 6 * 100, 12);
    expect(part.pnl).toBeCloseTo(4 * 10 - part.commission, 12);
    expect(res.finalEquity).toBeCloseTo(10_000 + part.pnl + rest.pnl, 9);
  });

  it('round close({ fraction }) to the nearest unit, and close at least one', () => {
    const closed = (units: number, fraction: number) =>
      run([FLAT], { 1: (c) => c.buy({ units }), 2: (c) => c.close({ fraction }) }).trades[0].units;
    expect(closed(3, 0.5)).toBe(2); // 1.5 → 2, not 1
    expect(closed(10, 0.66)).toBe(7); // 6.6 → 7
    expect(closed(3, 0.1)).toBe(1); // 0.3 → at least one
  });
});
