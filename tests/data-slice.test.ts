import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { StratlabError } from '../lib/core/errors';
import { loadBars, slice } from '../lib/data';
import { EURUSD, GOOG } from './helpers/paths';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const isoOf = (ms: number) => new Date(ms).toISOString();

let goog: Bars;
let eurusd: Bars;
beforeAll(async () => {
  goog = await loadBars(GOOG);
  eurusd = await loadBars(EURUSD);
});

describe('slice', () => {
  it('keeps the bars from `from` to `to`, both inclusive', () => {
    const y2005 = slice(goog, '2005-01-03', '2005-12-30');
    expect(y2005.time.length).toBe(252);
    expect(day(y2005.time[0])).toBe('2005-01-03');
    expect(day(y2005.time[251])).toBe('2005-12-30');
  });

  it('includes the whole day of a date-only `to`', () => {
    const d = slice(eurusd, '2017-04-20', '2017-04-20');
    expect(isoOf(d.time[0])).toBe('2017-04-20T00:00:00.000Z');
    expect(isoOf(d.time[d.time.length - 1])).toBe('2017-04-20T23:00:00.000Z');
    expect(d.time.length).toBe(24);
  });

  it('treats a `to` with a time of day as an exact instant', () => {
    const d = slice(eurusd, '2017-04-20T00:00:00Z', '2017-04-20T05:00:00Z');
    expect(d.time.length).toBe(6);
  });

  it('accepts Date objects and epoch milliseconds', () => {
    const a = slice(goog, new Date('2005-01-01T00:00:00Z'), new Date('2005-12-31T00:00:00Z'));
    const b = slice(goog, Date.UTC(2005, 0, 1), Date.UTC(2005, 11, 31));
    expect(a.time.length).toBe(252);
    expect(Array.from(b.time)).toEqual(Array.from(a.time));
  });

  it('leaves the start or the end open when not given', () => {
    expect(day(slice(goog, '2013-02-25').time[0])).toBe('2013-02-25');
    expect(slice(goog, '2013-02-25').time.length).toBe(5);
    expect(slice(goog, undefined, '2004-08-20').time.length).toBe(2);
    expect(slice(goog).time.length).toBe(2148);
  });

  it('returns views on the same memory, not copies', () => {
    const s = slice(goog, '2005-01-01', '2005-12-31');
    expect(s.close.buffer).toBe(goog.close.buffer);
    expect(s.close.byteOffset).toBeGreaterThan(0);
    expect([s.symbol, s.timeframe]).toEqual(['GOOG', '1d']);
  });

  it('gives empty bars for a range with no bars in it', () => {
    expect(slice(goog, '2030-01-01', '2031-01-01').time.length).toBe(0);
    expect(slice(goog, '2005-12-31', '2005-01-01').time.length).toBe(0);
  });

  it('names the argument that is not a date', () => {
    let error: unknown;
    try {
      slice(goog, '2005-01-01', '2005-13-01');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StratlabError);
    expect((error as StratlabError).code).toBe('BAD_ARGUMENT');
    expect((error as StratlabError).message).toBe('slice: to "2005-13-01" is not a date');
    expect(() => slice(goog, new Date('nonsense'))).toThrow('slice: from Invalid Date is not a date');
  });
});
