import { describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { StratlabError } from '../lib/core/errors';
import { loadBars, resample, syntheticBars } from '../lib/data';
import { EURUSD } from './helpers/paths';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 2, 9, 0); // a Tuesday, 09:00 UTC

/** Bars from rows of [minutes after T0, open, high, low, close, volume]. */
function bars1m(rows: [number, number, number, number, number, number][]): Bars {
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]);
  return {
    symbol: 'TEST',
    timeframe: '1m',
    time: Float64Array.from(rows, (r) => T0 + r[0] * MIN),
    open: col(1),
    high: col(2),
    low: col(3),
    close: col(4),
    volume: col(5),
  };
}

const rowsOf = (b: Bars) =>
  Array.from(b.time, (t, i) => [new Date(t).toISOString().slice(11, 16), b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]]);

function refusal(fn: () => unknown): StratlabError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StratlabError);
    return e as StratlabError;
  }
  throw new Error('expected a BAD_TIMEFRAME error');
}

describe('resample', () => {
  it('takes the first open, highest high, lowest low, last close and summed volume of each bucket', () => {
    const b = bars1m([
      [0, 10, 11, 9.5, 10.5, 100],
      [1, 10.5, 12, 10.4, 11.8, 50],
      [2, 11.8, 11.9, 10.1, 10.2, 25],
      [3, 10.2, 10.9, 10, 10.8, 10],
      [4, 10.8, 11, 10.7, 10.9, 5],
      [5, 10.9, 11.2, 10.8, 11.1, 7],
      [6, 11.1, 11.3, 11, 11.2, 3],
    ]);
    expect(rowsOf(resample(b, '5m'))).toEqual([
      ['09:00', 10, 12, 9.5, 10.9, 190],
      ['09:05', 10.9, 11.3, 10.8, 11.2, 10],
    ]);
  });

  it('labels each bucket by its start on the UTC clock, even when the first bar is later', () => {
    const b = bars1m([
      [3, 10, 11, 9, 10.5, 1],
      [4, 10.5, 11, 10, 10.6, 1],
      [7, 10.6, 11, 10, 10.7, 1],
    ]);
    expect(rowsOf(resample(b, '5m')).map((r) => r[0])).toEqual(['09:00', '09:05']);
  });

  it('drops buckets with no bars in them', () => {
    const b = bars1m([
      [0, 10, 11, 9, 10.5, 1],
      [20, 10.5, 11, 10, 10.6, 2],
      [21, 10.6, 11, 10, 10.7, 3],
    ]);
    expect(rowsOf(resample(b, '5m'))).toEqual([
      ['09:00', 10, 11, 9, 10.5, 1],
      ['09:20', 10.5, 11, 10, 10.7, 5],
    ]);
  });

  it('keeps the symbol and sets the new timeframe', () => {
    const r = resample(bars1m([[0, 10, 11, 9, 10.5, 1]]), '15m');
    expect([r.symbol, r.timeframe]).toEqual(['TEST', '15m']);
  });

  it('turns 1m bars into 5m, 15m, 30m, 1h, 4h and 1d bars covering the same volume and extremes', () => {
    const src = syntheticBars({ n: 10_000, seed: 3 });
    let totalVolume = 0, maxHigh = -Infinity, minLow = Infinity;
    for (let i = 0; i < src.time.length; i++) {
      totalVolume += src.volume[i];
      maxHigh = Math.max(maxHigh, src.high[i]);
      minLow = Math.min(minLow, src.low[i]);
    }
    for (const [tf, minutes] of [['5m', 5], ['15m', 15], ['30m', 30], ['1h', 60], ['4h', 240], ['1d', 1440]] as const) {
      const r = resample(src, tf);
      expect(r.time.length).toBe(Math.ceil(10_000 / minutes));
      expect(r.time.every((t) => t % (minutes * MIN) === 0)).toBe(true);
      expect(r.volume.reduce((a, v) => a + v, 0)).toBe(totalVolume);
      expect(Math.max(...r.high)).toBe(maxHigh);
      expect(Math.min(...r.low)).toBe(minLow);
      expect(r.open[0]).toBe(src.open[0]);
      expect(r.close[r.close.length - 1]).toBe(src.close[src.close.length - 1]);
    }
  });

  it('makes daily bars that start at midnight UTC', async () => {
    const daily = resample(await loadBars(EURUSD), '1d');
    expect(new Date(daily.time[0]).toISOString()).toBe('2017-04-19T00:00:00.000Z');
    expect(new Date(daily.time[1]).toISOString()).toBe('2017-04-20T00:00:00.000Z');
    expect(daily.timeframe).toBe('1d');
  });

  it('refuses a finer target', () => {
    const hourly = { ...bars1m([[0, 10, 11, 9, 10.5, 1]]), timeframe: '1h' };
    const e = refusal(() => resample(hourly, '5m'));
    expect(e.code).toBe('BAD_TIMEFRAME');
    expect(e.message).toBe('resample: cannot resample 1h bars to 5m: 5m is finer than 1h');
  });

  it('refuses a target that is not a whole multiple of the source', () => {
    const hourly = { ...bars1m([[0, 10, 11, 9, 10.5, 1]]), timeframe: '1h' };
    const e = refusal(() => resample(hourly, '90m'));
    expect(e.message).toBe('resample: cannot resample 1h bars to 90m: 90m is not a whole multiple of 1h');
    expect(e.hint).toBe('pick a multiple of 1h, e.g. 2h, 4h, 6h, 12h');
  });

  it('refuses calendar months and unknown labels', () => {
    const b = bars1m([[0, 10, 11, 9, 10.5, 1]]);
    expect(refusal(() => resample(b, '1M')).message).toBe('resample: cannot resample 1m bars to 1M: calendar months are not a fixed-length timeframe');
    expect(refusal(() => resample(b, 'hourly')).message).toBe('resample: cannot resample 1m bars to hourly: "hourly" is not a timeframe');
    expect(refusal(() => resample({ ...b, timeframe: '1M' }, '1w')).message).toBe(
      'resample: cannot resample 1M bars to 1w: the source timeframe "1M" has no fixed length',
    );
  });
});

describe('resample to weeks', () => {
  it('starts weekly buckets on Monday 00:00 UTC', () => {
    const daily = syntheticBars({ n: 60, timeframe: '1d', seed: 2, start: '2024-01-03', session: 'weekdays' });
    const weekly = resample(daily, '1w');
    for (const t of weekly.time) expect(new Date(t).getUTCDay()).toBe(1);
    expect(new Date(weekly.time[0]).toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });
});
