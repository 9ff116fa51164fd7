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
export { sma, SMA } from './sma';
export { ema, EMA } from './ema';
export { wma, WMA } from './wma';
export { rsi, RSI } from './rsi';
export { stochRsi, StochRSI, type StochRsiResult } from './stoch-rsi';
export { macd, MACD, type MacdResult } from './macd';
export { bollinger, Bollinger, type BollingerResult } from './bollinger';
export { atr, ATR } from './atr';
export { adx, plusDI, minusDI, ADX } from './adx';
export { highest, lowest, Highest, Lowest } from './extremes';
export { donchian, Donchian, type DonchianResult } from './donchian';
export { chop, CHOP } from './chop';
export { obv, OBV } from './obv';
export { vwap, VWAP, type VwapOptions } from './vwap';
export { trueRange } from './true-range';
