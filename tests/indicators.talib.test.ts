// Every indicator TA-Lib also has matches npm talib 1.1.6 (the TA-Lib C library) to 1e-9 relative,
// with the same warm-up (NaN exactly before TA-Lib's begIndex), on GOOG daily, EURUSD hourly and
// synthetic bars with flat stretches.
import { describe, expect, it } from 'vitest';
import * as indicators from '../lib/indicators';
import { DATASETS, GOOG, SYNTH, expectMatchesTalib, talibRun } from './indicators.helpers';

const PERIODS = [2, 5, 14, 30];

describe.each(DATASETS)('on $name', (bars) => {
  const { high, low, close, volume } = bars;

  it.each(PERIODS)('matches TA-Lib SMA(%i)', (p) => {
    const ref = talibRun('SMA', { inReal: close, optInTimePeriod: p });
    expectMatchesTalib(indicators.sma(close, p), ref.outReal, `sma(${p})`);
  });

  it.each(PERIODS)('matches TA-Lib EMA(%i), seeded with the SMA of the first period values', (p) => {
    const ref = talibRun('EMA', { inReal: close, optInTimePeriod: p });
    expectMatchesTalib(indicators.ema(close, p), ref.outReal, `ema(${p})`);
  });

  it.each(PERIODS)('matches TA-Lib WMA(%i)', (p) => {
    const ref = talibRun('WMA', { inReal: close, optInTimePeriod: p });
    expectMatchesTalib(indicators.wma(close, p), ref.outReal, `wma(${p})`);
  });

  it.each(PERIODS)('matches TA-Lib RSI(%i), first value at index period', (p) => {
    const ref = talibRun('RSI', { inReal: close, optInTimePeriod: p });
    expect(ref.outReal.begIndex).toBe(p);
    expectMatchesTalib(indicators.rsi(close, p), ref.outReal, `rsi(${p})`);
  });

  it.each([1, ...PERIODS])('matches TA-Lib ATR(%i), first value at index period', (p) => {
    const ref = talibRun('ATR', { high, low, close, optInTimePeriod: p });
    expectMatchesTalib(indicators.atr(high, low, close, p), ref.outReal, `atr(${p})`);
  });

  it.each(PERIODS)('matches TA-Lib ADX(%i), first value at index 2·period−1', (p) => {
    const ref = talibRun('ADX', { high, low, close, optInTimePeriod: p });
    expect(ref.outReal.begIndex).toBe(2 * p - 1);
    expectMatchesTalib(indicators.adx(high, low, close, p), ref.outReal, `adx(${p})`);
  });

  it.each(PERIODS)('matches TA-Lib PLUS_DI(%i) and MINUS_DI(%i)', (p) => {
    const plus = talibRun('PLUS_DI', { high, low, close, optInTimePeriod: p });
    const minus = talibRun('MINUS_DI', { high, low, close, optInTimePeriod: p });
    expectMatchesTalib(indicators.plusDI(high, low, close, p), plus.outReal, `plusDI(${p})`);
    expectMatchesTalib(indicators.minusDI(high, low, close, p), minus.outReal, `minusDI(${p})`);
  });

  it.each(PERIODS)('matches TA-Lib MAX(%i) and MIN(%i) with highest and lowest', (p) => {
    expectMatchesTalib(indicators.highest(high, p), talibRun('MAX', { inReal: high, optInTimePeriod: p }).outReal, `highest(${p})`);
    expectMatchesTalib(indicators.lowest(low, p), talibRun('MIN', { inReal: low, optInTimePeriod: p }).outReal, `lowest(${p})`);
  });

  it.each([
    [20, 2],
    [5, 1],
    [14, 2.5],
    [30, 0],
    [2, 3],
  ])('matches TA-Lib BBANDS(%i, %f, SMA) with population standard deviation', (p, mult) => {
    const ref = talibRun('BBANDS', { inReal: close, optInTimePeriod: p, optInNbDevUp: mult, optInNbDevDn: mult, optInMAType: 0 });
    const ours = indicators.bollinger(close, p, mult);
    expectMatchesTalib(ours.upper, ref.outRealUpperBand, `bollinger(${p}, ${mult}).upper`);
    expectMatchesTalib(ours.middle, ref.outRealMiddleBand, `bollinger(${p}, ${mult}).middle`);
    expectMatchesTalib(ours.lower, ref.outRealLowerBand, `bollinger(${p}, ${mult}).lower`);
  });

  it.each([
    [12, 26, 9],
    [5, 35, 5],
    [3, 10, 16],
    [2, 3, 2],
    [8, 8, 4],
  ])('matches TA-Lib MACD(%i, %i, %i) including its seeding at index slow−1', (fast, slow, signal) => {
    const ref = talibRun('MACD', { inReal: close, optInFastPeriod: fast, optInSlowPeriod: slow, optInSignalPeriod: signal });
    expect(ref.outMACD.begIndex).toBe(slow + signal - 2);
    const ours = indicators.macd(close, fast, slow, signal);
    const label = `macd(${fast}, ${slow}, ${signal})`;
    expectMatchesTalib(ours.macd, ref.outMACD, `${label}.macd`, { ourStart: slow - 1 });
    expectMatchesTalib(ours.signal, ref.outMACDSignal, `${label}.signal`);
    expectMatchesTalib(ours.histogram, ref.outMACDHist, `${label}.histogram`);
  });

  it.each([
    [14, 14, 3],
    [5, 3, 2],
    [2, 5, 4],
    [30, 10, 3],
  ])('stochRsi(x, %i, %i, 1, %i) matches TA-Lib STOCHRSI with an SMA fast %%D', (rsiPeriod, stochPeriod, dSmoothing) => {
    const ref = talibRun('STOCHRSI', {
      inReal: close,
      optInTimePeriod: rsiPeriod,
      optInFastK_Period: stochPeriod,
      optInFastD_Period: dSmoothing,
      optInFastD_MAType: 0,
    });
    const ours = indicators.stochRsi(close, rsiPeriod, stochPeriod, 1, dSmoothing);
    const label = `stochRsi(${rsiPeriod}, ${stochPeriod}, 1, ${dSmoothing})`;
    expectMatchesTalib(ours.k, ref.outFastK, `${label}.k`, { ourStart: rsiPeriod + stochPeriod - 1 });
    expectMatchesTalib(ours.d, ref.outFastD, `${label}.d`);
  });

  it.each([
    [14, 14, 3, 3],
    [5, 3, 2, 4],
    [2, 5, 4, 2],
    [21, 9, 5, 3],
  ])('stochRsi(x, %i, %i, %i, %i) matches TA-Lib STOCH(SMA, SMA) applied to TA-Lib RSI', (rsiPeriod, stochPeriod, kS, dS) => {
    const r = talibRun('RSI', { inReal: close, optInTimePeriod: rsiPeriod }).outReal;
    const rsiOnly = r.values.subarray(r.begIndex);
    const ref = talibRun('STOCH', {
      high: rsiOnly,
      low: rsiOnly,
      close: rsiOnly,
      optInFastK_Period: stochPeriod,
      optInSlowK_Period: kS,
      optInSlowK_MAType: 0,
      optInSlowD_Period: dS,
      optInSlowD_MAType: 0,
    });
    // shift TA-Lib's lines back onto the input's index
    const shift = (line: { begIndex: number; values: Float64Array }) => {
      const values = new Float64Array(close.length).fill(NaN);
      values.set(line.values, r.begIndex);
      return { begIndex: line.begIndex + r.begIndex, values };
    };
    const ours = indicators.stochRsi(close, rsiPeriod, stochPeriod, kS, dS);
    const label = `stochRsi(${rsiPeriod}, ${stochPeriod}, ${kS}, ${dS})`;
    expectMatchesTalib(ours.k, shift(ref.outSlowK), `${label}.k`, { ourStart: rsiPeriod + stochPeriod + kS - 2 });
    expectMatchesTalib(ours.d, shift(ref.outSlowD), `${label}.d`);
  });

  it('matches TA-Lib OBV, starting at volume[0] with no warm-up', () => {
    const ref = talibRun('OBV', { inReal: close, volume });
    expect(ref.outReal.begIndex).toBe(0);
    expectMatchesTalib(indicators.obv(close, volume), ref.outReal, 'obv');
  });

  it('builds the Donchian channels from TA-Lib MAX of highs and MIN of lows', () => {
    const d = indicators.donchian(high, low, 20, 10);
    expectMatchesTalib(d.upper, talibRun('MAX', { inReal: high, optInTimePeriod: 20 }).outReal, 'donchian.upper');
    expectMatchesTalib(d.lower, talibRun('MIN', { inReal: low, optInTimePeriod: 20 }).outReal, 'donchian.lower');
    expectMatchesTalib(d.exitUpper, talibRun('MAX', { inReal: high, optInTimePeriod: 10 }).outReal, 'donchian.exitUpper');
    expectMatchesTalib(d.exitLower, talibRun('MIN', { inReal: low, optInTimePeriod: 10 }).outReal, 'donchian.exitLower');
  });
});

describe('TA-Lib specifics reproduced', () => {
  it('matches TA-Lib RSI(14) on GOOG daily closes to 1e-9', () => {
    const ref = talibRun('RSI', { inReal: GOOG.close, optInTimePeriod: 14 });
    expectMatchesTalib(indicators.rsi(GOOG.close), ref.outReal, 'rsi(14)');
  });

  it('seeds the MACD fast EMA at index slow−1 with the mean of x[slow−fast .. slow−1]', () => {
    const x = GOOG.close;
    const mean = (a: number, b: number) => {
      let s = 0;
      for (let i = a; i <= b; i++) s += x[i];
      return s / (b - a + 1);
    };
    const m = indicators.macd(x, 12, 26, 9);
    expect(Number.isNaN(m.macd[24])).toBe(true);
    expect(m.macd[25]).toBe(mean(14, 25) - mean(0, 25));
  });

  it('gives RSI 0 and ADX/DI without division by zero on flat stretches, like TA-Lib', () => {
    // the synthetic data has runs of identical bars; TA-Lib's zero branches must be hit identically
    const flat = SYNTH.close.findIndex((c, i) => i > 40 && SYNTH.close.slice(i - 20, i + 1).every((v) => v === c));
    expect(flat).toBeGreaterThan(0);
    const r = indicators.rsi(SYNTH.close, 14);
    const ref = talibRun('RSI', { inReal: SYNTH.close, optInTimePeriod: 14 }).outReal;
    expect(r[flat]).toBe(ref.values[flat]);
    const bb = indicators.bollinger(SYNTH.close, 5, 2);
    expect(bb.upper[flat]).toBe(bb.middle[flat]); // σ = 0 over a flat window
  });

  it('returns all NaN, like an empty TA-Lib result, when the input is shorter than the warm-up', () => {
    const short = GOOG.close.subarray(0, 10);
    for (const out of [indicators.sma(short, 11), indicators.rsi(short, 10), indicators.atr(short, short, short, 10), indicators.adx(short, short, short, 6)]) {
      expect(out.length).toBe(10);
      expect(out.every(Number.isNaN)).toBe(true);
    }
  });
});
