import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/data';
import type { BacktestResult, Trade } from '../lib/engine';
import { atr, bollinger } from '../lib/indicators';
import { BollingerBreakout } from '../lib/strategies';
import {
  backtest, describeTrade, entryMismatches, exitSignalBar, FILLS, market, MARKETS, missedExits, signalBar, stopLossProblems, unfilledEntries,
} from './strategies.helpers';

describe.each(MARKETS)('BollingerBreakout (defaults) on %s', (name) => {
  describe.each(FILLS)('fill %s', (fill) => {
    let bars: Bars, res: BacktestResult, bb: ReturnType<typeof bollinger>, atr14: Float64Array;
    const close = (i: number) => bars.close[i];
    const crossesAboveUpper = (s: number) => close(s - 1) <= bb.upper[s - 1] && close(s) > bb.upper[s];
    const crossesBelowLower = (s: number) => close(s - 1) >= bb.lower[s - 1] && close(s) < bb.lower[s];
    const entriesAt = (bar: number) => res.trades.filter((t) => t.entryBar === bar);
    beforeAll(async () => {
      bars = await market(name);
      res = backtest(bars, BollingerBreakout, {}, fill);
      bb = bollinger(bars.close, 20, 2);
      atr14 = atr(bars.high, bars.low, bars.close, 14);
    });

    it('trades, on both sides', () => {
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.trades.some((t) => t.side === 'long')).toBe(true);
      expect(res.trades.some((t) => t.side === 'short')).toBe(true);
    });

    it('goes long only on a close crossing above the upper band, short only on one crossing below the lower band', () => {
      const bad = res.trades.filter((t) => {
        const s = signalBar(t, fill);
        return t.side === 'long' ? !crossesAboveUpper(s) : !crossesBelowLower(s);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('closes a long when the close crosses below the middle band (or a lower-band break reverses it)', () => {
      const bad = res.trades.filter((t) => t.side === 'long' && t.exitReason === 'signal').filter((t) => {
        const x = exitSignalBar(t, fill);
        const middleCross = close(x - 1) >= bb.middle[x - 1] && close(x) < bb.middle[x];
        const reversal = crossesBelowLower(x) && entriesAt(t.exitBar).some((u) => u.side === 'short');
        return !(middleCross || reversal);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('closes a short when the close crosses above the middle band (or an upper-band break reverses it)', () => {
      const bad = res.trades.filter((t) => t.side === 'short' && t.exitReason === 'signal').filter((t) => {
        const x = exitSignalBar(t, fill);
        const middleCross = close(x - 1) <= bb.middle[x - 1] && close(x) > bb.middle[x];
        const reversal = crossesAboveUpper(x) && entriesAt(t.exitBar).some((u) => u.side === 'long');
        return !(middleCross || reversal);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('enters at every upper-band cross unless already long, every lower-band cross unless already short', () => {
      const wants = (b: number, pos: number) =>
        Number.isNaN(atr14[b]) ? null : crossesAboveUpper(b) && pos !== 1 ? 'long' : crossesBelowLower(b) && pos !== -1 ? 'short' : null;
      expect(entryMismatches(res, wants)).toEqual([]);
      expect(unfilledEntries(res)).toEqual([]);
    });

    it('exits at the first middle-band cross against it (or the first reversing band break)', () => {
      const exits = (side: string, b: number) =>
        side === 'long'
          ? (close(b - 1) >= bb.middle[b - 1] && close(b) < bb.middle[b]) || crossesBelowLower(b)
          : (close(b - 1) <= bb.middle[b - 1] && close(b) > bb.middle[b]) || crossesAboveUpper(b);
      expect(missedExits(res, exits)).toEqual([]);
    });

    it('never adds to a position: trades do not overlap', () => {
      const sorted = [...res.trades].sort((a, b) => a.entryBar - b.entryBar);
      const bad: string[] = [];
      for (let j = 1; j < sorted.length; j++) if (sorted[j].entryBar < sorted[j - 1].exitBar) bad.push(describeTrade(sorted[j]));
      expect(bad).toEqual([]);
    });

    it('puts a 2 × ATR(14) stop on every entry, and exits on it with reason stopLoss', () => {
      expect(stopLossProblems(res, 2, 14)).toEqual([]);
    });
  });
});

describe('BollingerBreakout options', () => {
  let goog: Bars;
  beforeAll(async () => {
    goog = await market('GOOG');
  });

  it('longOnly never sells short, and still trades', () => {
    for (const fill of FILLS) {
      const res = backtest(goog, BollingerBreakout, { longOnly: true }, fill);
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.trades.filter((t: Trade) => t.side === 'short')).toEqual([]);
    }
  });

  it('uses its band period and width: period 30, stdDev 1.5', () => {
    const res = backtest(goog, BollingerBreakout, { period: 30, stdDev: 1.5 }, 'close');
    const bb = bollinger(goog.close, 30, 1.5);
    expect(res.totalTrades).toBeGreaterThan(0);
    for (const t of res.trades) {
      const s = t.entryBar;
      const crossed = t.side === 'long' ? goog.close[s] > bb.upper[s] && goog.close[s - 1] <= bb.upper[s - 1] : goog.close[s] < bb.lower[s] && goog.close[s - 1] >= bb.lower[s - 1];
      expect(crossed).toBe(true);
    }
  });
});
