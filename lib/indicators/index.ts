/**
 * Technical indicators, in two forms that agree bitwise:
 *  - vectorized functions over columns: `sma(bars.close, 20)` returns a Float64Array of the input's
 *    length with NaN during the warm-up;
 *  - streaming classes for bar-by-bar use: `const r = new RSI(14); r.update(close)` returns the
 *    current value (NaN during warm-up); `.value` repeats it and `.ready` says it is defined.
 *    Multi-line indicators expose each line as a field (`macd.signal`, `bollinger.upper`, …).
 *    `update` allocates nothing.
 *
 * Where TA-Lib has the indicator, warm-up, seeding and arithmetic follow TA-Lib's C code, so values
 * match TA-Lib to ~1e-12 (tests: tests/indicators.talib.test.ts). Deviations are listed on each
 * function (period 1 where TA-Lib rejects it; MACD rejects fast > slow instead of swapping).
 *
 * Periods are integers >= 1 (chop: >= 2); inputs of one call must have equal lengths; otherwise a
 * StratlabError('BAD_ARGUMENT') names the function and the parameter.
 *
 * NaN inputs never throw. As in TA-Lib, a NaN propagates: recursive and running-sum indicators
 * (sma, ema, wma, rsi, macd, bollinger, atr, adx, chop, obv, vwap) return NaN from that bar on;
 * window extremes (highest, lowest, donchian) return NaN only for the windows that contain it.
 * Clean data first (loadBars validates it).
 */
export { type Series } from './args';
export { SMA } from './sma';
export { EMA } from './ema';
export { WMA } from './wma';
export { RSI } from './rsi';
export { StochRSI, type StochRsiResult } from './stoch-rsi';
export { MACD, type MacdResult } from './macd';
export { Bollinger, type BollingerResult } from './bollinger';
export { ATR } from './atr';
export { ADX } from './adx';
export { Highest, Lowest } from './extremes';
export { Donchian, type DonchianResult } from './donchian';
export { CHOP } from './chop';
export { OBV } from './obv';
export { VWAP, type VwapOptions } from './vwap';
export { IndicatorMemo, withIndicatorMemo } from './memo';
import { memoised } from './memo';
import { sma as smaFn } from './sma';
import { ema as emaFn } from './ema';
import { wma as wmaFn } from './wma';
import { rsi as rsiFn } from './rsi';
import { stochRsi as stochRsiFn } from './stoch-rsi';
import { macd as macdFn } from './macd';
import { bollinger as bollingerFn } from './bollinger';
import { atr as atrFn } from './atr';
import { adx as adxFn, plusDI as plusDIFn, minusDI as minusDIFn } from './adx';
import { highest as highestFn, lowest as lowestFn } from './extremes';
import { donchian as donchianFn } from './donchian';
import { chop as chopFn } from './chop';
import { obv as obvFn } from './obv';
import { vwap as vwapFn } from './vwap';
import { trueRange as trueRangeFn } from './true-range';

// The vectorised functions, memoised inside a sweep's memo scope (memo.ts); plain calls otherwise.
export const sma = memoised('sma', smaFn);
export const ema = memoised('ema', emaFn);
export const wma = memoised('wma', wmaFn);
export const rsi = memoised('rsi', rsiFn);
export const stochRsi = memoised('stochRsi', stochRsiFn);
export const macd = memoised('macd', macdFn);
export const bollinger = memoised('bollinger', bollingerFn);
export const atr = memoised('atr', atrFn);
export const adx = memoised('adx', adxFn);
export const plusDI = memoised('plusDI', plusDIFn);
export const minusDI = memoised('minusDI', minusDIFn);
export const highest = memoised('highest', highestFn);
export const lowest = memoised('lowest', lowestFn);
export const donchian = memoised('donchian', donchianFn);
export const chop = memoised('chop', chopFn);
export const obv = memoised('obv', obvFn);
export const vwap = memoised('vwap', vwapFn);
export const trueRange = memoised('trueRange', trueRangeFn);
