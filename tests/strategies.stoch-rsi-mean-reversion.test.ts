import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/data';
import type { BacktestResult, Trade } from '../lib/engine';
import { adx, atr, stochRsi } from '../lib/indicators';
import { StochRSIMeanReversion } from '../lib/strategies';
import {
  backtest, describeTrade, enteredWhileInPosition, entryMismatches, exitSignalBar, FILLS, market, MARKETS, missedExits, signalBar, stopLossProblems, unfilledEntries,
} from './strategies.helpers';

const OVERSOLD = 20, OVERBOUGHT = 80;

describe.each(MARKETS)('StochRSIMeanReversion (defaults) on %s', (name) => {
  describe.each(FILLS)('fill %s', (fill) => {
    let bars: Bars, res: BacktestResult, k: Float64Array, adx14: Float64Array, atr14: Float64Array;
    /** Some bar in [from, to) had %K inside the zone. */
    const visited = (from: number, to: number, inZone: (v: number) => boolean) => {
      for (let j = Math.max(0, from); j < to; j++) if (inZone(k[j])) return true;
      return false;
    };
    beforeAll(async () => {
      bars = await market(name);
      res = backtest(bars, StochRSIMeanReversion, {}, fill);
      k = stochRsi(bars.close, 14, 14, 3, 3).k;
      adx14 = adx(bars.high, bars.low, bars.close, 14);
      atr14 = atr(bars.high, bars.low, bars.close, 14);
    });

    it('trades, on both sides', () => {
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.trades.some((t) => t.side === 'long')).toBe(true);
      expect(res.trades.some((t) => t.side === 'short')).toBe(true);
    });

    it('goes long only when %K crosses back above oversold, short only when it crosses back below overbought', () => {
      const bad = res.trades.filter((t) => {
        const s = signalBar(t, fill);
        return t.side === 'long' ? !(k[s - 1] <= OVERSOLD && k[s] > OVERSOLD) : !(k[s - 1] >= OVERBOUGHT && k[s] < OVERBOUGHT);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('needs a fresh visit to the zone: since the previous entry %K was below oversold (long) / above overbought (short)', () => {
      const sorted = [...res.trades].sort((a, b) => a.entryBar - b.entryBar);
      const bad: Trade[] = [];
      for (let j = 0; j < sorted.length; j++) {
        const t = sorted[j], s = signalBar(t, fill);
        const since = j > 0 ? signalBar(sorted[j - 1], fill) : 0;
        const ok = t.side === 'long' ? visited(since, s, (v) => v < OVERSOLD) : visited(since, s, (v) => v > OVERBOUGHT);
        if (!ok) bad.push(t);
      }
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('enters only in a ranging market: ADX(14) < 25 at the signal bar', () => {
      const bad = res.trades.filter((t) => !(adx14[signalBar(t, fill)] < 25));
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('closes a long when %K rises above overbought, a short when it falls below oversold', () => {
      const signalExits = res.trades.filter((t) => t.exitReason === 'signal');
      expect(signalExits.length).toBeGreaterThan(0);
      const bad = signalExits.filter((t) => {
        const x = exitSignalBar(t, fill);
        return t.side === 'long' ? !(k[x] > OVERBOUGHT) : !(k[x] < OVERSOLD);
      });
      expect(bad.map(describeTrade)).toEqual([]);
    });

    it('enters only when flat at the start of the bar (an exit bar never also enters)', () => {
      expect(enteredWhileInPosition(res.trades, fill)).toEqual([]);
    });

    it('enters at every reversal out of a zone visited since the previous reversal, when flat, ranging and the ATR is defined', () => {
      // A reversal is a cross back out of a zone that %K visited since the previous cross back out of it.
      const reversal = new Array<'long' | 'short' | null>(k.length).fill(null);
      let sinceUp = false, sinceDown = false;
      for (let b = 0; b < k.length; b++) {
        if (k[b] < OVERSOLD) sinceUp = true;
        if (k[b] > OVERBOUGHT) sinceDown = true;
        if (k[b - 1] <= OVERSOLD && k[b] > OVERSOLD && sinceUp) (reversal[b] = 'long'), (sinceUp = false);
        else if (k[b - 1] >= OVERBOUGHT && k[b] < OVERBOUGHT && sinceDown) (reversal[b] = 'short'), (sinceDown = false);
      }
      const wants = (b: number, pos: number) => (pos === 0 && adx14[b] < 25 && !Number.isNaN(atr14[b]) ? reversal[b] : null);
      expect(entryMismatches(res, wants)).toEqual([]);
      expect(unfilledEntries(res)).toEqual([]);
    });

    it('exits at the first bar %K reaches the opposite zone', () => {
      expect(missedExits(res, (side, b) => (side === 'long' ? k[b] > OVERBOUGHT : k[b] < OVERSOLD))).toEqual([]);
    });

    it('puts a 2 × ATR(14) stop on every entry, and exits on it with reason stopLoss', () => {
      expect(stopLossProblems(res, 2, 14)).toEqual([]);
    });
  });
});

describe('StochRSIMeanReversion options', () => {
  let goog: Bars, eurusd: Bars;
  beforeAll(async () => {
    goog = await market('GOOG');
    eurusd = await market('EURUSD');
  });

  it('skipAdxFilter also enters when ADX ≥ threshold, so it trades more', () => {
    const a = adx(eurusd.high, eurusd.low, eurusd.close, 14);
    const filtered = backtest(eurusd, StochRSIMeanReversion, {}, 'close');
    const unfiltered = backtest(eurusd, StochRSIMeanReversion, { skipAdxFilter: true }, 'close');
    expect(unfiltered.totalTrades).toBeGreaterThan(filtered.totalTrades);
    expect(unfiltered.trades.some((t) => a[t.entryBar] >= 25)).toBe(true);
  });

  it('uses adxPeriod and adxThreshold: ADX(20) < 30 at every entry', () => {
    const a = adx(goog.high, goog.low, goog.close, 20);
    const res = backtest(goog, StochRSIMeanReversion, { adxPeriod: 20, adxThreshold: 30 }, 'close');
    expect(res.totalTrades).toBeGreaterThan(0);
    expect(res.trades.filter((t) => !(a[t.entryBar] < 30)).map(describeTrade)).toEqual([]);
  });

  it('uses its zones and periods: StochRSI(7, 21, 1), oversold 30, overbought 70', () => {
    const k = stochRsi(goog.close, 7, 21, 1, 3).k;
    const res = backtest(goog, StochRSIMeanReversion, { rsiPeriod: 7, stochPeriod: 21, kSmoothing: 1, oversold: 30, overbought: 70, skipAdxFilter: true }, 'close');
    expect(res.totalTrades).toBeGreaterThan(0);
    for (const t of res.trades) {
      const s = t.entryBar;
      expect(t.side === 'long' ? k[s - 1] <= 30 && k[s] > 30 : k[s - 1] >= 70 && k[s] < 70).toBe(true);
    }
  });

  it('longOnly never sells short, and still trades', () => {
    for (const bars of [goog, eurusd]) {
      for (const fill of FILLS) {
        const res = backtest(bars, StochRSIMeanReversion, { longOnly: true }, fill);
        expect(res.totalTrades).toBeGreaterThan(0);
        expect(res.trades.filter((t) => t.side === 'short')).toEqual([]);
      }
    }
  });

  it('starts each run disarmed: the same builder run twice gives the same trades', () => {
    const res1 = backtest(goog, StochRSIMeanReversion, {}, 'close');
    const res2 = backtest(goog, StochRSIMeanReversion, {}, 'close');
    expect(res2.trades).toEqual(res1.trades);
  });

  it('draws %K and the ADX in panels', () => {
    const res = backtest(goog, StochRSIMeanReversion, {}, 'close');
    expect(res.indicators.filter((i) => i.plot === 'panel').map((i) => i.name)).toEqual(['StochRSI %K(14, 14, 3)', 'ADX(14)']);
  });
});
