import { describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import { engine } from '../lib/engine';
import { SmaCross } from '../lib/strategies';
import { BTCUSD } from './helpers/paths';
import { makeBars, scripted, type Script } from './helpers/scripted';

type Row = [number, number, number, number];
const FLAT: Row = [100, 100, 100, 100];
const bars = (...rows: Row[]) => makeBars([FLAT, FLAT, ...rows]);
const run = (rows: Row[], script: Script, margin?: number, maintenance?: number) => {
  let e = engine(bars(...rows)).cash(10_000).spread(0).commission(0);
  if (margin !== undefined) e = e.margin(margin, { maintenance });
  return e.strategy(scripted(script)).run();
};

describe('leverage', () => {
  it('sizes a fraction of equity with 1 / margin buying power: margin(0.5) buys twice as much', () => {
    expect(run([FLAT], { 1: (c) => c.buy() }).trades[0].units).toBe(100);
    expect(run([FLAT], { 1: (c) => c.buy() }, 0.5).trades[0].units).toBe(200);
    expect(run([FLAT], { 1: (c) => c.buy({ size: 0.5 }) }, 0.25).trades[0].units).toBe(200);
  });

  it('caps an order at equity / margin, and says so', () => {
    const res = run([FLAT], { 1: (c) => c.buy({ units: 500 }) }, 0.5);
    expect(res.orders[0]).toMatchObject({ requestedUnits: 500, units: 200, capped: true, note: 'cut from 500 units by the 2x leverage cap' });
    expect(res.toString()).toMatch(/Orders cut by 2x leverage\s+1/);
  });

  it('reports the margin it ran with', () => {
    expect(run([FLAT], {}, 0.5).settings).toMatchObject({ margin: 0.5, maintenance: 0.25 });
    expect(engine(bars(FLAT)).configure({ margin: { margin: 0.2, maintenance: 0.1 } }).config).toMatchObject({ margin: 0.2, maintenance: 0.1 });
  });

  it('refuses a margin outside (0, 1] and a maintenance above it', () => {
    const e = engine(bars(FLAT));
    expect(() => e.margin(0)).toThrow(/engine\.margin\(0\): expected 0 < margin ≤ 1/);
    expect(() => e.margin(2)).toThrow(/engine\.margin\(2\)/);
    expect(() => e.margin(0.5, { maintenance: 0.6 })).toThrow(/expected 0 ≤ maintenance ≤ margin/);
    expect(() => e.configure({ margn: 0.5 } as never)).toThrow(/unknown setting 'margn'. Did you mean 'margin'\?/);
  });
});

describe('margin calls', () => {
  it('close a 2x long where equity falls to the maintenance margin', () => {
    // 200 units at 100 on 10,000: cash −10,000. Maintenance 0.25: the call comes at 10,000 / (200 · 0.75) = 66.67.
    const res = run([[90, 92, 80, 85], [85, 86, 60, 62], FLAT], { 1: (c) => c.buy() }, 0.5);
    const t = res.trades[0];
    const level = 10_000 / (200 * 0.75);
    expect(t).toMatchObject({ units: 200, exitBar: 3, exitReason: 'marginCall' });
    expect(t.exitPrice).toBeCloseTo(level, 9);
    // What is left is exactly the maintenance margin of the position at that price.
    expect(res.equity[3]).toBeCloseTo(0.25 * 200 * level, 6);
    const call = res.orders.find((o) => o.reason === 'marginCall')!;
    expect(call.note).toMatch(/^margin call at 66\.67: equity 3333\.33 below the maintenance margin 3333\.33 \(0\.25 × position value 13333\.33\)$/);
    expect(res.stopped).toBeNull();
  });

  it('stop a short at 1x before it loses more than the account (the default maintenance is margin / 2)', () => {
    // Short 100 at 100: cash 20,000. The call comes at 20,000 / (100 · 1.5) = 133.33, leaving 6,667.
    const ramp: Row[] = Array.from({ length: 20 }, (_, k) => {
      const p = 100 + 10 * (k + 1);
      return [p - 10, p, p - 10, p];
    });
    const res = run(ramp, { 1: (c) => c.sell() });
    const t = res.trades[0];
    expect(t.exitReason).toBe('marginCall');
    expect(t.exitPrice).toBeCloseTo(20_000 / 150, 9);
    expect(res.finalEquity).toBeCloseTo(20_000 - (100 * 20_000) / 150, 6);
    expect(Math.min(...res.equity)).toBeGreaterThan(0);
  });

  it('use the maintenance margin given', () => {
    const res = run([[90, 92, 50, 52], FLAT], { 1: (c) => c.buy() }, 0.5, 0.1);
    expect(res.trades[0].exitPrice).toBeCloseTo(10_000 / (200 * 0.9), 9);
  });

  it('never touch a long paid in full', () => {
    const res = run([[50, 50, 1, 2], FLAT], { 1: (c) => c.buy() });
    expect(res.trades[0].exitReason).toBe('end');
    expect(res.orders.some((o) => o.reason === 'marginCall')).toBe(false);
  });
});

describe('zero equity', () => {
  it('stops the run cleanly when a gap leaves no equity: positions closed, orders cancelled, a note, equity 0 from there', () => {
    const seen: number[] = [];
    const S = scripted({ 1: (c) => c.sell(), 3: (c) => c.buy({ units: 1, limit: 50 }) });
    // Short 100 at 100 on 10,000; the bar opens at 250: called at the open, equity 20,000 − 25,000 < 0.
    const res = engine(bars([100, 100, 100, 100], [250, 260, 240, 255], FLAT, FLAT)).cash(10_000).spread(0)
      .strategy(class extends S { onBar(ctx: Parameters<InstanceType<typeof S>['onBar']>[0]) { seen.push(ctx.i); super.onBar(ctx); } }).run();
    expect(res.trades).toHaveLength(1);
    expect(res.trades[0]).toMatchObject({ exitBar: 3, exitPrice: 250, exitReason: 'marginCall' });
    expect(res.stopped).toMatchObject({ bar: 3, reason: 'zeroEquity' });
    expect(res.stopped!.note).toBe('equity reached zero at bar 3 (2024-01-04): positions closed at the close, waiting orders cancelled, the run stopped; a shortfall of 5000 beyond zero was written off');
    expect(Array.from(res.equity.subarray(3))).toEqual([0, 0, 0]);
    expect(res.finalEquity).toBe(0);
    expect(res.returnPct).toBe(-100);
    expect(res.toString()).toMatch(/Stopped\s+equity reached zero at bar 3/);
    expect(seen).toEqual([0, 1, 2, 3]); // no bar after the stop
    expect(res.orders.find((o) => o.type === 'limit')).toMatchObject({ status: 'cancelled', note: 'cancelled: the run stopped at bar 3 (equity reached zero)' });
  });

  it('calls SmaCross(3, 6)\'s shorts on BTCUSD monthly at a one-third loss at 1x, where one lost 65.7 % without margin calls', async () => {
    const btc = await loadBars(BTCUSD);
    const res = engine(btc).fractional().strategy(SmaCross, { fast: 3, slow: 6 }).run();
    const calls = res.trades.filter((t) => t.exitReason === 'marginCall');
    expect(calls.length).toBeGreaterThan(0);
    for (const t of calls) {
      expect(t.side).toBe('short');
      // Full size at 1x: equity E short E / p0 units with cash 2E; called at p = 2E / (1.5 · E / p0) = (4/3)·p0 (3 bp spread on top).
      expect(t.returnPct).toBeCloseTo(-100 / 3 - 0.02, 1);
    }
    expect(Math.min(...res.trades.map((t) => t.returnPct))).toBeGreaterThan(-33.4);
    expect(res.stopped).toBeNull();
  });
});
