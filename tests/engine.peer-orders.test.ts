import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadBars } from '../lib/data';
import { engine, Strategy, type BacktestResult, type BarContext, type InitContext, type Series } from '../lib/engine';
import type { Bars } from '../lib/core/bars';
import { sma } from '../lib/indicators';
import { GOOG } from './helpers/paths';

// Reference figures written by backtesting.py itself (tests/fixtures/peer/make_orders.py, which holds the
// same two strategies in backtesting.py's API and says how to regenerate orders.json).
interface PeerTrade {
  side: 'long' | 'short'; units: number; entryBar: number; exitBar: number; entryPrice: number; exitPrice: number;
  pnl: number; commission: number; stopLoss: number | null; takeProfit: number | null;
}
interface PeerRun { finalEquity: number; returnPct: number; maxDrawdownPct: number; winRatePct: number; trades: PeerTrade[] }
const PEER = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'peer', 'orders.json'), 'utf8')) as { runs: Record<string, PeerRun> };

/** Limit entries 1 % beyond the close when it strays 3 % from its SMA(20), good for 5 bars, with a 5 % stop and an 8 % target from the limit. */
class LimitReversion extends Strategy<{ n: number; band: number; offset: number; expiry: number; sl: number; tp: number }> {
  static params = z.object({
    n: z.number().default(20), band: z.number().default(0.03), offset: z.number().default(0.01),
    expiry: z.number().default(5), sl: z.number().default(0.05), tp: z.number().default(0.08),
  });
  private ma!: Series;
  init(ctx: InitContext): void {
    this.ma = ctx.indicator(sma(ctx.bars.close, this.params.n), 'SMA');
  }
  onBar(ctx: BarContext): void {
    const { band, offset, expiry, sl, tp } = this.params;
    const ma = this.ma.value, close = ctx.bar.close;
    if (!ctx.position.isFlat || ctx.pendingOrders > 0 || !ready(this.ma)) return;
    if (close < ma * (1 - band)) {
      const limit = close * (1 - offset);
      ctx.buy({ size: 0.95, limit, expiry, stopLoss: limit * (1 - sl), takeProfit: limit * (1 + tp) });
    } else if (close > ma * (1 + band)) {
      const limit = close * (1 + offset);
      ctx.sell({ size: 0.95, limit, expiry, stopLoss: limit * (1 + sl), takeProfit: limit * (1 - tp) });
    }
  }
}

const rolling = (x: Float64Array, n: number, pick: (a: number, b: number) => number) =>
  Float64Array.from(x, (_, i) => (i < n - 1 ? NaN : x.subarray(i - n + 1, i + 1).reduce((a, b) => pick(a, b))));

// backtesting.py first calls next() one bar after every indicator is defined: the strategies below
// wait for the previous value too, so both start trading at the same bar.
const ready = (s: Series) => s.value === s.value && s.prev === s.prev;

/** With the SMA(50) trend: a stop entry at the 20-bar high (or low), good for one bar; a 5 % trailing stop. */
class BreakoutTrail extends Strategy<Record<string, never>> {
  static params = z.object({});
  private hi!: Series;
  private lo!: Series;
  private ma!: Series;
  init(ctx: InitContext): void {
    const b: Bars = ctx.bars;
    this.hi = ctx.indicator(rolling(b.high, 20, Math.max), 'high 20');
    this.lo = ctx.indicator(rolling(b.low, 20, Math.min), 'low 20');
    this.ma = ctx.indicator(sma(b.close, 50), 'SMA 50');
  }
  onBar(ctx: BarContext): void {
    const ma = this.ma.value;
    if (!ctx.position.isFlat || !ready(this.ma)) return;
    if (ctx.bar.close > ma) ctx.buy({ size: 0.95, stop: this.hi.value, expiry: 1, trailingStop: { pct: 0.05 } });
    else ctx.sell({ size: 0.95, stop: this.lo.value, expiry: 1, trailingStop: { pct: 0.05 } });
  }
}

/** Trade for trade: the same side, units and bars exactly; prices, stops and money to 1e-9 relative (float rounding only). */
function expectSameTrades(res: BacktestResult, peer: PeerRun) {
  expect(res.trades.map((t) => [t.side, t.units, t.entryBar, t.exitBar])).toEqual(peer.trades.map((t) => [t.side, t.units, t.entryBar, t.exitBar]));
  const near = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
  res.trades.forEach((t, k) => {
    const p = peer.trades[k];
    for (const f of ['entryPrice', 'exitPrice', 'pnl', 'commission', 'stopLoss', 'takeProfit'] as const) {
      if (!near(t[f], p[f])) expect.fail(`trade ${k} (entry bar ${t.entryBar}): ${f} ${t[f]}, backtesting.py ${p[f]}`);
    }
  });
}

function expectSameSummary(res: BacktestResult, peer: PeerRun) {
  expect(res.finalEquity).toBeCloseTo(peer.finalEquity, 6);
  expect(res.returnPct).toBeCloseTo(peer.returnPct, 8);
  expect(res.maxDrawdown).toBeCloseTo(peer.maxDrawdownPct, 8);
  expect(res.winRate * 100).toBeCloseTo(peer.winRatePct, 8);
}

describe('limit entries with expiry and brackets, against backtesting.py (LimitReversion on GOOG)', () => {
  const peer = PEER.runs.LimitReversion;
  let res: BacktestResult;
  beforeAll(async () => {
    const bars = await loadBars(GOOG);
    res = engine(bars).strategy(LimitReversion).cash(10_000).spread(0).commission(0.002).fill('next_open').run();
  });

  it(`makes the same ${peer.trades.length} round trips, fill for fill: bars, prices, units, stops, costs`, () => expectSameTrades(res, peer));
  it('ends with the same equity, return, drawdown and win rate', () => expectSameSummary(res, peer));
  it('fills limits at the open when the bar opens through them, at the limit otherwise', () => {
    const entries = res.orders.filter((o) => o.reason === 'entry' && o.status === 'filled');
    expect(entries.every((o) => o.type === 'limit')).toBe(true);
    const atOpen = entries.filter((o) => o.basePrice === res.bars.open[o.fillBar]);
    expect(atOpen.length).toBeGreaterThan(0);
    for (const o of entries) expect(o.side === 'buy' ? o.basePrice <= o.limit! : o.basePrice >= o.limit!).toBe(true);
  });
  it('lets unfilled limits expire after 5 bars', () => {
    const expired = res.orders.filter((o) => o.status === 'expired');
    expect(expired.length).toBeGreaterThan(0);
    for (const o of expired) expect(o.note).toBe(`expired: not filled by bar ${o.bar + 5}`);
  });
});

describe('stop entries and a trailing stop at 2x margin, against backtesting.py (BreakoutTrail on GOOG)', () => {
  const peer = PEER.runs.BreakoutTrail;
  let res: BacktestResult;
  beforeAll(async () => {
    const bars = await loadBars(GOOG);
    res = engine(bars).strategy(BreakoutTrail).cash(10_000).spread(0).commission(0.001).fill('next_open').margin(0.5).run();
  });

  it(`makes the same ${peer.trades.length} round trips, fill for fill: bars, prices, units, trailed stops, costs`, () => expectSameTrades(res, peer));
  it('ends with the same equity, return, drawdown and win rate', () => expectSameSummary(res, peer));
  it('sizes at 2x: positions worth more than equity, and exits by the trailing stop', () => {
    const first = res.trades[0];
    expect(first.units * first.entryPrice).toBeGreaterThan(1.5 * 10_000);
    expect(res.trades.filter((t) => t.exitReason === 'trailingStop').length).toBe(res.trades.length - 1);
    expect(res.trades[res.trades.length - 1].exitReason).toBe('end');
  });
});
