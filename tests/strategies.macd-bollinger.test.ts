import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/data';
import type { BacktestResult } from '../lib/engine';
import { atr, bollinger, macd } from '../lib/indicators';
import { MACDBollinger } from '../lib/strategies';
import {
  backtest, describeTrade, enteredWhileInPosition, entryMismatches, exitSignalBar, FILLS, market, MARKETS, missedExits, signalBar, stopLossProblems, unfilledEntries,
} from './strategies.helpers';

describe.each(MARKETS)('MACDBollinger (defaults) on %s', (name) => {
  describe.each(FILLS)('fill %s', (fill) => {
    let bars: Bars, res: BacktestResult, bb: ReturnType<typeof bollinger>, hist: Float64Array, atr14: Float64Array;
    beforeAll(async () => {
      bars = await market(name);
      res = backtest(bars, MACDBollinger, {}, fill);
      bb = bollinger(bars.close, 20, 2);
      hist = macd(bars.close, 12, 26, 9).histogram;
      atr14 = atr(bars.high, bars.low, bars.close, 14);
    });

    it('trades, on both sides', () => {
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.trades.some((t) => t.side === 'long')).toBe(true);
      expect(res.trades.some((t) => t.side === 'short')).toBe(true);
    });

    it('goes long only when the histogram crosses up through zero with the close below the middle band', () => {
      const bad = res.trades.filter((t) => t.side === 'long').filter((t) => {
        const s = signalBar(t, fill);
        return !(hist[s - 1] < 0 && hist[s] >= 0 && bars.close[s] < bb.middle[s]);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('goes short only when the histogram crosses down through zero with the close above the middle band', () => {
      const bad = res.trades.filter((t) => t.side === 'short').filter((t) => {
        const s = signalBar(t, fill);
        return !(hist[s - 1] > 0 && hist[s] <= 0 && bars.close[s] > bb.middle[s]);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('closes a long at the upper band or when the histogram turns negative; a short at the lower band or when it turns positive', () => {
      const signalExits = res.trades.filter((t) => t.exitReason === 'signal');
      expect(signalExits.length).toBeGreaterThan(0);
      const bad = signalExits.filter((t) => {
        const x = exitSignalBar(t, fill);
        return t.side === 'long'
          ? !(bars.close[x] >= bb.upper[x] || (hist[x - 1] >= 0 && hist[x] < 0))
          : !(bars.close[x] <= bb.lower[x] || (hist[x - 1] <= 0 && hist[x] > 0));
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('enters only when flat at the start of the bar (an exit bar never also enters)', () => {
      expect(enteredWhileInPosition(res.trades, fill)).toEqual([]);
    });

    it('enters at every bar where it is flat and an entry rule holds', () => {
      const c = bars.close;
      const wants = (b: number, pos: number) => {
        if (pos !== 0 || Number.isNaN(atr14[b])) return null;
        if (hist[b - 1] < 0 && hist[b] >= 0 && c[b] < bb.middle[b]) return 'long';
        if (hist[b - 1] > 0 && hist[b] <= 0 && c[b] > bb.middle[b]) return 'short';
        return null;
      };
      expect(entryMismatches(res, wants)).toEqual([]);
      expect(unfilledEntries(res)).toEqual([]);
    });

    it('exits at the first bar an exit rule holds', () => {
      const c = bars.close;
      const exits = (side: string, b: number) =>
        side === 'long' ? c[b] >= bb.upper[b] || (hist[b - 1] >= 0 && hist[b] < 0) : c[b] <= bb.lower[b] || (hist[b - 1] <= 0 && hist[b] > 0);
      expect(missedExits(res, exits)).toEqual([]);
    });

    it('puts a 2 × ATR(14) stop on every entry, and exits on it with reason stopLoss', () => {
      expect(stopLossProblems(res, 2, 14)).toEqual([]);
    });
  });
});

describe('MACDBollinger options', () => {
  let goog: Bars;
  beforeAll(async () => {
    goog = await market('GOOG');
  });

  it('longOnly never sells short, and still trades', () => {
    for (const fill of FILLS) {
      const res = backtest(goog, MACDBollinger, { longOnly: true }, fill);
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.trades.filter((t) => t.side === 'short')).toEqual([]);
    }
  });

  it('uses its periods: MACD(8, 21, 5), Bollinger(15, 1.5), 1.5 × ATR(20)', () => {
    const res = backtest(goog, MACDBollinger, { macdFast: 8, macdSlow: 21, macdSignal: 5, bbPeriod: 15, bbStd: 1.5, stopLossAtr: 1.5, atrPeriod: 20 }, 'close');
    const hist = macd(goog.close, 8, 21, 5).histogram;
    const bb = bollinger(goog.close, 15, 1.5);
    expect(res.totalTrades).toBeGreaterThan(0);
    for (const t of res.trades) {
      const s = t.entryBar;
      const ok = t.side === 'long'
        ? hist[s - 1] < 0 && hist[s] >= 0 && goog.close[s] < bb.middle[s]
        : hist[s - 1] > 0 && hist[s] <= 0 && goog.close[s] > bb.middle[s];
      expect(ok).toBe(true);
    }
    expect(stopLossProblems(res, 1.5, 20)).toEqual([]);
  });

  it('draws the bands over the price and the histogram in a panel', () => {
    const res = backtest(goog, MACDBollinger, {}, 'close');
    const plots = Object.fromEntries(res.indicators.map((i) => [i.name, i.plot]));
    expect(plots).toMatchObject({
      'BB upper(20, 2)': 'overlay', 'BB middle(20)': 'overlay', 'BB lower(20, 2)': 'overlay', 'MACD histogram(12, 26, 9)': 'panel',
    });
  });
});
