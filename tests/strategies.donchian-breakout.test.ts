import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticBars, type Bars } from '../lib/data';
import { engine, type BacktestResult } from '../lib/engine';
import { atr, donchian } from '../lib/indicators';
import { DonchianBreakout } from '../lib/strategies';
import {
  backtest, describeTrade, enteredWhileInPosition, entryMismatches, exitSignalBar, FILLS, market, MARKETS, missedExits, signalBar, stopLossProblems, unfilledEntries,
} from './strategies.helpers';

describe.each(MARKETS)('DonchianBreakout (defaults) on %s', (name) => {
  describe.each(FILLS)('fill %s', (fill) => {
    let bars: Bars, res: BacktestResult, ch: ReturnType<typeof donchian>, atr14: Float64Array;
    beforeAll(async () => {
      bars = await market(name);
      res = backtest(bars, DonchianBreakout, {}, fill);
      ch = donchian(bars.high, bars.low, 20, 10);
      atr14 = atr(bars.high, bars.low, bars.close, 14);
    });

    it('trades, on both sides', () => {
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.trades.some((t) => t.side === 'long')).toBe(true);
      expect(res.trades.some((t) => t.side === 'short')).toBe(true);
    });

    it("goes long only when the close breaks above the previous bar's 20-bar high", () => {
      const bad = res.trades.filter((t) => t.side === 'long').filter((t) => {
        const s = signalBar(t, fill);
        return !(bars.close[s] > ch.upper[s - 1]);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it("goes short only when the close breaks below the previous bar's 20-bar low", () => {
      const bad = res.trades.filter((t) => t.side === 'short').filter((t) => {
        const s = signalBar(t, fill);
        return !(bars.close[s] < ch.lower[s - 1]);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it("closes a long on a close below the previous 10-bar low, a short on a close above the previous 10-bar high", () => {
      const signalExits = res.trades.filter((t) => t.exitReason === 'signal');
      expect(signalExits.length).toBeGreaterThan(0);
      const bad = signalExits.filter((t) => {
        const x = exitSignalBar(t, fill);
        return t.side === 'long' ? !(bars.close[x] < ch.exitLower[x - 1]) : !(bars.close[x] > ch.exitUpper[x - 1]);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('enters only when flat at the start of the bar (an exit bar never also enters)', () => {
      expect(enteredWhileInPosition(res.trades, fill)).toEqual([]);
    });

    it('enters at every bar where it is flat, the ATR is defined and the close breaks the previous channel', () => {
      const c = bars.close;
      const wants = (b: number, pos: number) =>
        pos !== 0 || Number.isNaN(atr14[b]) ? null : c[b] > ch.upper[b - 1] ? 'long' : c[b] < ch.lower[b - 1] ? 'short' : null;
      expect(entryMismatches(res, wants)).toEqual([]);
      expect(unfilledEntries(res)).toEqual([]);
    });

    it('exits at the first bar its exit channel is broken', () => {
      const c = bars.close;
      expect(missedExits(res, (side, b) => (side === 'long' ? c[b] < ch.exitLower[b - 1] : c[b] > ch.exitUpper[b - 1]))).toEqual([]);
    });

    it('puts a 2 × ATR(14) stop on every entry, and exits on it with reason stopLoss', () => {
      expect(stopLossProblems(res, 2, 14)).toEqual([]);
    });
  });
});

describe('DonchianBreakout options', () => {
  let goog: Bars;
  beforeAll(async () => {
    goog = await market('GOOG');
  });

  it('longOnly never sells short, and still trades', () => {
    for (const fill of FILLS) {
      const res = backtest(goog, DonchianBreakout, { longOnly: true }, fill);
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.trades.filter((t) => t.side === 'short')).toEqual([]);
    }
  });

  it('uses its periods and stop multiple: entryPeriod 55, exitPeriod 20, 3 × ATR(20)', () => {
    const res = backtest(goog, DonchianBreakout, { entryPeriod: 55, exitPeriod: 20, stopLossAtr: 3, atrPeriod: 20 }, 'close');
    const ch = donchian(goog.high, goog.low, 55, 20);
    expect(res.totalTrades).toBeGreaterThan(0);
    for (const t of res.trades) {
      const s = t.entryBar;
      expect(t.side === 'long' ? goog.close[s] > ch.upper[s - 1] : goog.close[s] < ch.lower[s - 1]).toBe(true);
    }
    expect(stopLossProblems(res, 3, 20)).toEqual([]);
  });

  it('accepts an exit channel longer than the entry channel', () => {
    expect(backtest(goog, DonchianBreakout, { entryPeriod: 10, exitPeriod: 30 }, 'close').totalTrades).toBeGreaterThan(0);
  });

  it('waits for the ATR before entering when the ATR warms up after the channel', () => {
    const bars = syntheticBars({ n: 400, timeframe: '1h', seed: 3 });
    const res = engine(bars).strategy(DonchianBreakout, { entryPeriod: 5, exitPeriod: 3, atrPeriod: 60 }).run();
    const a = atr(bars.high, bars.low, bars.close, 60);
    expect(res.totalTrades).toBeGreaterThan(0);
    for (const t of res.trades) expect(Number.isNaN(a[t.entryBar])).toBe(false);
    expect(Math.min(...res.trades.map((t) => t.entryBar))).toBeGreaterThanOrEqual(60);
  });

  it('draws its four channel lines over the price', () => {
    const res = backtest(goog, DonchianBreakout, {}, 'close');
    expect(res.indicators.filter((i) => i.plot === 'overlay').map((i) => i.name)).toEqual([
      'Donchian upper(20)', 'Donchian lower(20)', 'Donchian exit upper(10)', 'Donchian exit lower(10)',
    ]);
  });
});
