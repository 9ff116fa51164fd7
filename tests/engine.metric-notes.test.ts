import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { loadBars, slice } from '../lib/data';
import { engine } from '../lib/engine';
import { SmaCross } from '../lib/strategies/sma-cross';
import { GOOG } from './helpers/paths';

let goog: Bars;
beforeAll(async () => {
  goog = await loadBars(GOOG);
});

/** GOOG with every price of bar `i` set to `price`: Bars built in code skip the file checks. */
function withPrice(i: number, price: number): Bars {
  const b = { ...goog, open: goog.open.slice(), high: goog.high.slice(), low: goog.low.slice(), close: goog.close.slice() };
  for (const f of ['open', 'high', 'low', 'close'] as const) b[f][i] = price;
  return b;
}

describe('a metric that cannot be computed says why instead of showing NaN', () => {
  it('a short through a price of 1e308 is stopped out at zero equity, and the overflowing trade figures say so', () => {
    const res = engine(withPrice(500, 1e308)).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    expect(res.stopped?.bar).toBe(500);
    expect(res.finalEquity).toBe(0);
    expect(res.metricNotes.worstTradePct).toMatch(/overflowed/);
    expect(res.toString()).not.toMatch(/NaN|Infinity %/);
  });

  it('a price of 1e308 breaks the equity curve (Bars built in code skip the file checks): each figure built on it is n/a with the bar and the price named', () => {
    // Long from bar 2087 to the end: the position's value overflows at the last bar (a short would be margin-called, the run stopped).
    const res = engine(withPrice(2147, 1e308)).strategy(SmaCross, { fast: 10, slow: 30, longOnly: true }).run();
    expect(res.equity.every(Number.isFinite)).toBe(false);
    expect(Number.isFinite(res.finalEquity)).toBe(false);
    const why = 'equity is not finite from bar 2147 (2013-03-01): its open 1e+308 is outside the price range 1e-8 … 1e12';
    for (const key of ['finalEquity', 'returnPct', 'volatility', 'sharpe', 'maxDrawdown', 'winRate', 'profitFactor'] as const) {
      expect(res.metricNotes[key]).toBe(why);
    }
    // Counts and the price-only buy & hold stay meaningful.
    expect(res.metricNotes.totalTrades).toBeUndefined();
    expect(res.metricNotes.buyAndHoldReturnPct).toBeUndefined();

    const printed = res.toString();
    expect(printed).not.toMatch(/NaN|Infinity/);
    expect(printed).toMatch(/^Final equity\s+n\/a \(equity is not finite from bar 2147 \(2013-03-01\): its open 1e\+308 is outside/m);
    expect(printed).toMatch(/^Volatility \(ann\.\)\s+n\/a \(/m);
    expect(printed).toMatch(/^Trades\s+\d+$/m);

    const json = res.toJSON({ trades: false, equity: false });
    expect(json.finalEquity).toBeNull();
    expect((json.metricNotes as Record<string, string>).volatility).toBe(why);
  });

  it('a run without trades shows its trade statistics as n/a (no trades)', () => {
    const res = engine(slice(goog, '2004-08-19', '2004-09-15')).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    expect(res.totalTrades).toBe(0);
    expect(res.metricNotes).toMatchObject({ winRate: 'no trades', profitFactor: 'no trades', sqn: 'no trades', expectancy: 'no trades' });
    expect(res.metricNotes.returnPct).toBeUndefined();
    expect(res.toString()).toMatch(/^Win rate\s+n\/a \(no trades\)$/m);
    expect(res.toString()).toMatch(/^Profit factor\s+n\/a \(no trades\)$/m);
  });

  it('an infinite profit factor is explained, not printed as Infinity', () => {
    // Long only through GOOG's first months: one trade, a winner.
    const res = engine(slice(goog, '2004-08-19', '2004-12-31')).strategy(SmaCross, { fast: 10, slow: 30, longOnly: true }).run();
    expect(res.totalTrades).toBe(1);
    expect(res.profitFactor).toBe(Infinity);
    expect(res.metricNotes.profitFactor).toBe('no losing trades');
    expect(res.toString()).toMatch(/^Profit factor\s+n\/a \(no losing trades\)$/m);
    expect(res.toString()).not.toMatch(/Infinity/);
  });

  it('a healthy run has no notes', () => {
    const res = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    expect(res.metricNotes).toEqual({});
    expect(res.toJSON({ trades: false, equity: false }).metricNotes).toEqual({});
  });
});
