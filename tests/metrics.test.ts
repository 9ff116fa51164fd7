import { describe, expect, it } from 'vitest';
import { loadBars, syntheticBars } from '../lib/data';
import { annualisation, cagr, drawdownSeries, drawdownStats, exposurePct, returnStats, tradeColumns, tradeStats } from '../lib/metrics';
import { BTCUSD, EURUSD, GOOG } from './helpers/paths';

const DAY = 86_400_000;
const days = (n: number) => Float64Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * DAY);

describe('annualisation calendar', () => {
  it('counts 252 bars a year for daily equities (GOOG)', async () => {
    expect(annualisation((await loadBars(GOOG)).time)).toEqual({ calendar: 'equities', periodsPerYear: 252 });
  });

  it('counts 260 × 24 bars a year for hourly forex, which trades round the clock on weekdays (EURUSD)', async () => {
    expect(annualisation((await loadBars(EURUSD)).time)).toEqual({ calendar: '24/5', periodsPerYear: 260 * 24 });
  });

  it('counts 12 a year for monthly bars (BTCUSD)', async () => {
    expect(annualisation((await loadBars(BTCUSD)).time)).toEqual({ calendar: 'monthly', periodsPerYear: 12 });
  });

  it('counts 252 sessions × 390 bars for 1-minute bars in NYSE hours', () => {
    const b = syntheticBars({ n: 390 * 20, timeframe: '1m', session: { open: '14:30', close: '21:00' }, seed: 1 });
    expect(annualisation(b.time)).toEqual({ calendar: 'equities', periodsPerYear: 252 * 390 });
  });

  it('counts 365 × 24 for hourly bars that include weekends', () => {
    const b = syntheticBars({ n: 24 * 60, timeframe: '1h', seed: 1 });
    expect(annualisation(b.time)).toEqual({ calendar: '24/7', periodsPerYear: 365 * 24 });
  });

  it('can be told the calendar or the number outright', async () => {
    const t = (await loadBars(GOOG)).time;
    expect(annualisation(t, '24/7').periodsPerYear).toBe(365);
    expect(annualisation(t, { periodsPerYear: 250 })).toEqual({ calendar: 'custom', periodsPerYear: 250 });
    expect(() => annualisation(t, { periodsPerYear: 0 })).toThrow(/periodsPerYear must be a positive number/);
  });
});

describe('returns', () => {
  it('computes Sharpe as mean / sample std of bar returns × √periods', () => {
    const eq = Float64Array.from([100, 101, 99, 102, 104, 103, 107]);
    const r = Array.from({ length: eq.length - 1 }, (_, i) => eq[i + 1] / eq[i] - 1);
    const mean = r.reduce((a, b) => a + b) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
    const down = Math.sqrt(r.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / r.length);
    const s = returnStats(eq, days(eq.length), 252);
    expect(s.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 12);
    expect(s.sortino).toBeCloseTo((mean / down) * Math.sqrt(252), 12);
    expect(s.volatility).toBeCloseTo(sd * Math.sqrt(252) * 100, 10);
  });

  it('subtracts the risk-free rate per bar', () => {
    const eq = Float64Array.from([100, 101, 99, 102, 104]);
    expect(returnStats(eq, days(5), 252, 0.05).sharpe).toBeLessThan(returnStats(eq, days(5), 252).sharpe);
  });

  it('annualises by calendar time: doubling over two years is 41.42 % a year', () => {
    const t = Float64Array.from([0, 2 * 365.25 * DAY]);
    expect(cagr(Float64Array.from([100, 200]), t)).toBeCloseTo((Math.SQRT2 - 1) * 100, 10);
    expect(cagr(Float64Array.from([100, 0]), t)).toBe(-100);
  });
});

describe('drawdown', () => {
  const eq = Float64Array.from([100, 120, 90, 110, 125, 100, 100]);

  it('measures the deepest fall from a running peak in percent', () => {
    const s = drawdownStats(eq, days(eq.length));
    expect(s.maxDrawdown).toBeCloseTo(-25, 12); // 120 → 90
    expect([s.peakBar, s.troughBar]).toEqual([1, 2]);
    expect(Array.from(drawdownSeries(eq))).toEqual([0, 0, 90 / 120 - 1, 110 / 120 - 1, 0, 100 / 125 - 1, 100 / 125 - 1]);
  });

  it('measures the longest time under water, including one still open at the end', () => {
    const s = drawdownStats(eq, days(eq.length));
    // 120 at bar 1 is regained at bar 4 (3 bars); 125 at bar 4 is not regained by bar 6 (2 bars).
    expect(s.maxDrawdownDuration).toBe(3);
    expect(s.maxDrawdownDurationDays).toBe(3);
    const open = drawdownStats(Float64Array.from([100, 120, 90, 100, 110, 115]), days(6));
    expect(open.maxDrawdownDuration).toBe(4);
  });
});

describe('trade statistics', () => {
  const trades = tradeColumns([
    { pnl: 100, returnPct: 10, entryBar: 0, exitBar: 3 },
    { pnl: -50, returnPct: -4, entryBar: 3, exitBar: 5 },
    { pnl: 30, returnPct: 2, entryBar: 8, exitBar: 9 },
    { pnl: -20, returnPct: -1, entryBar: 9, exitBar: 9 },
  ]);

  it('follows the definitions in the README', () => {
    const s = tradeStats(trades);
    expect(s).toMatchObject({ totalTrades: 4, winRate: 0.5, avgWin: 65, avgLoss: -35, grossProfit: 130, grossLoss: 70, bestTradePct: 10, worstTradePct: -4, expectancy: 15 });
    expect(s.profitFactor).toBeCloseTo(12 / 5, 12);
    expect(s.profitFactorPnl).toBeCloseTo(130 / 70, 12);
    const sd = Math.sqrt(((100 - 15) ** 2 + (-50 - 15) ** 2 + (30 - 15) ** 2 + (-20 - 15) ** 2) / 3);
    expect(s.sqn).toBeCloseTo((2 * 15) / sd, 12);
  });

  it('counts exposure as the bars from each entry to its exit, once each', () => {
    expect(exposurePct(trades, 20)).toBeCloseTo((8 / 20) * 100, 12); // bars 0–5 and 8–9
    // Logged out of entry order (a later lot stopped out first), overlapping: still the union.
    const lots = tradeColumns([
      { pnl: 1, returnPct: 1, entryBar: 4, exitBar: 6 },
      { pnl: 1, returnPct: 1, entryBar: 2, exitBar: 8 },
      { pnl: 1, returnPct: 1, entryBar: 12, exitBar: 12 },
    ]);
    expect(exposurePct(lots, 20)).toBeCloseTo((8 / 20) * 100, 12); // bars 2–8 and 12
  });

  it('reports an infinite profit factor when nothing lost, and zeros when nothing traded', () => {
    expect(tradeStats(tradeColumns([{ pnl: 5, returnPct: 1, entryBar: 0, exitBar: 1 }])).profitFactor).toBe(Infinity);
    expect(tradeStats(tradeColumns([]))).toMatchObject({ totalTrades: 0, winRate: 0, profitFactor: 0, sqn: 0 });
  });
});
