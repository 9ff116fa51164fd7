// Bad arguments throw StratlabError('BAD_ARGUMENT') naming the function and the parameter;
// NaN inputs never throw and propagate as documented in lib/indicators/index.ts.
import { describe, expect, it } from 'vitest';
import { StratlabError } from '../lib/core/errors';
import * as indicators from '../lib/indicators';
import { GOOG } from './indicators.helpers';

function thrown(fn: () => unknown): StratlabError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StratlabError);
    expect((e as StratlabError).code).toBe('BAD_ARGUMENT');
    return e as StratlabError;
  }
  throw new Error('expected a StratlabError, nothing was thrown');
}

const x = GOOG.close.subarray(0, 50);
const h = GOOG.high.subarray(0, 50);
const l = GOOG.low.subarray(0, 50);
const c = GOOG.close.subarray(0, 50);

describe('argument validation', () => {
  it.each([
    ['sma(x, 0)', () => indicators.sma(x, 0), 'sma: period must be an integer >= 1, got 0'],
    ['sma(x, 2.5)', () => indicators.sma(x, 2.5), 'sma: period must be an integer >= 1, got 2.5'],
    ['sma(x, NaN)', () => indicators.sma(x, NaN), 'sma: period must be an integer >= 1, got NaN'],
    ['ema(x, -3)', () => indicators.ema(x, -3), 'ema: period must be an integer >= 1, got -3'],
    ['wma(x, Infinity)', () => indicators.wma(x, Infinity), 'wma: period must be an integer >= 1, got Infinity'],
    ['rsi(x, 0)', () => indicators.rsi(x, 0), 'rsi: period must be an integer >= 1, got 0'],
    ['atr(h, l, c, 0)', () => indicators.atr(h, l, c, 0), 'atr: period must be an integer >= 1, got 0'],
    ['adx(h, l, c, 1.5)', () => indicators.adx(h, l, c, 1.5), 'adx: period must be an integer >= 1, got 1.5'],
    ['highest(x, 0)', () => indicators.highest(x, 0), 'highest: period must be an integer >= 1, got 0'],
    ['lowest(x, 0)', () => indicators.lowest(x, 0), 'lowest: period must be an integer >= 1, got 0'],
    ['chop(h, l, c, 1)', () => indicators.chop(h, l, c, 1), 'chop: period must be an integer >= 2, got 1'],
    ['macd(x, 0)', () => indicators.macd(x, 0), 'macd: fast must be an integer >= 1, got 0'],
    ['macd(x, 12, 26, 0)', () => indicators.macd(x, 12, 26, 0), 'macd: signal must be an integer >= 1, got 0'],
    ['macd(x, 26, 12)', () => indicators.macd(x, 26, 12), 'macd: fast must be <= slow, got fast=26, slow=12'],
    ['bollinger(x, 20, -1)', () => indicators.bollinger(x, 20, -1), 'bollinger: mult must be a finite number >= 0, got -1'],
    ['stochRsi(x, 14, 0)', () => indicators.stochRsi(x, 14, 0), 'stochRsi: stochPeriod must be an integer >= 1, got 0'],
    ['donchian(h, l, 20, 0)', () => indicators.donchian(h, l, 20, 0), 'donchian: exitPeriod must be an integer >= 1, got 0'],
    ['sma(x, 1e9)', () => indicators.sma(x, 1e9), 'sma: period must be <= 10000000, got 1000000000'],
  ])('%s throws "%s"', (_label, fn, message) => {
    expect(thrown(fn).message).toBe(message);
  });

  it.each([
    ['new SMA(0)', () => new indicators.SMA(0), 'SMA: period must be an integer >= 1, got 0'],
    ['new RSI(0)', () => new indicators.RSI(0), 'RSI: period must be an integer >= 1, got 0'],
    ['new MACD(26, 12)', () => new indicators.MACD(26, 12), 'MACD: fast must be <= slow, got fast=26, slow=12'],
    ['new CHOP(1)', () => new indicators.CHOP(1), 'CHOP: period must be an integer >= 2, got 1'],
    ['new Highest(0)', () => new indicators.Highest(0), 'Highest: period must be an integer >= 1, got 0'],
    ['new VWAP({ period: 0 })', () => new indicators.VWAP({ period: 0 }), 'VWAP: period must be an integer >= 1, got 0'],
  ])('%s throws "%s"', (_label, fn, message) => {
    expect(thrown(fn).message).toBe(message);
  });

  it('names the mismatched inputs and their lengths', () => {
    expect(thrown(() => indicators.atr(h, l.subarray(1), c)).message).toBe(
      'atr: high, low and close must have the same length, got 50, 49 and 50',
    );
    expect(thrown(() => indicators.obv(c, GOOG.volume)).message).toBe(
      `obv: close and volume must have the same length, got 50 and ${GOOG.volume.length}`,
    );
    expect(thrown(() => indicators.vwap(h, l, c, c, { time: GOOG.time })).message).toBe(
      `vwap: high, low, close, volume and time must have the same length, got 50, 50, 50, 50 and ${GOOG.time.length}`,
    );
  });

  it('rejects a missing input instead of crashing on it', () => {
    expect(thrown(() => indicators.sma(undefined as unknown as Float64Array, 5)).message).toBe(
      'sma: x must be a Float64Array or an array of numbers, got undefined',
    );
  });

  it('rejects a VWAP that is both day-anchored and rolling', () => {
    expect(thrown(() => indicators.vwap(h, l, c, c, { time: GOOG.time.subarray(0, 50), period: 5 })).message).toBe(
      'vwap: pass either time (daily anchor) or period (rolling window), not both',
    );
  });

  it('accepts plain number arrays as well as Float64Array', () => {
    expect(Array.from(indicators.sma([1, 2, 3, 4], 2))).toEqual([NaN, 1.5, 2.5, 3.5]);
  });

  it('returns empty outputs for empty inputs', () => {
    const e = new Float64Array(0);
    expect(indicators.rsi(e).length).toBe(0);
    expect(indicators.macd(e).signal.length).toBe(0);
    expect(indicators.adx(e, e, e).length).toBe(0);
  });
});

describe('NaN in the input', () => {
  const withNaN = Float64Array.from(GOOG.close.subarray(0, 100));
  withNaN[40] = NaN;

  it('poisons running-sum and recursive indicators from that bar on, without throwing', () => {
    for (const out of [indicators.sma(withNaN, 5), indicators.ema(withNaN, 5), indicators.rsi(withNaN, 5), indicators.macd(withNaN).macd]) {
      expect(Number.isNaN(out[39])).toBe(false);
      expect(out.subarray(40).every(Number.isNaN)).toBe(true);
    }
  });

  it('makes only the windows containing it NaN for highest, lowest and donchian', () => {
    const hi = indicators.highest(withNaN, 5);
    expect(Number.isNaN(hi[39])).toBe(false);
    expect(hi.subarray(40, 45).every(Number.isNaN)).toBe(true);
    expect(hi[45]).toBe(Math.max(...withNaN.subarray(41, 46)));
    const d = indicators.donchian(withNaN, withNaN, 5, 3);
    expect(Number.isNaN(d.lower[44])).toBe(true);
    expect(d.lower[45]).toBe(Math.min(...withNaN.subarray(41, 46)));
  });
});
