// Indicators TA-Lib does not have (CHOP, VWAP) checked against naive references written here from
// their definitions, recomputing every window from scratch; plus the Donchian breakout convention.
import { describe, expect, it } from 'vitest';
import * as indicators from '../lib/indicators';
import { DATASETS, EURUSD, GOOG, SYNTH, syntheticBars, type TestBars } from './indicators.helpers';

/** |a − b| <= 1e-9·max(1, |b|), NaN only where the reference is NaN. */
function expectNear(actual: Float64Array, expected: Float64Array, label: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(b) || Number.isNaN(a)) {
      if (!(Number.isNaN(a) && Number.isNaN(b))) throw new Error(`${label}: index ${i}: ours ${a} vs reference ${b}`);
    } else if (!(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)))) {
      throw new Error(`${label}: index ${i}: ours ${a} vs reference ${b}`);
    }
  }
}

/** CHOP from its definition: over bars i−period+1..i, ΣTR (each with the previous close) and HH − LL. */
function naiveChop(b: TestBars, period: number): Float64Array {
  const n = b.close.length;
  const out = new Float64Array(n).fill(NaN);
  for (let i = period; i < n; i++) {
    let sumTR = 0;
    let hh = -Infinity;
    let ll = Infinity;
    for (let j = i - period + 1; j <= i; j++) {
      const pc = b.close[j - 1];
      sumTR += Math.max(b.high[j] - b.low[j], Math.abs(b.high[j] - pc), Math.abs(b.low[j] - pc));
      hh = Math.max(hh, b.high[j]);
      ll = Math.min(ll, b.low[j]);
    }
    if (hh !== ll) out[i] = (100 * Math.log10(sumTR / (hh - ll))) / Math.log10(period);
  }
  return out;
}

/** VWAP from its definition: Σ typical·volume / Σ volume over the bars since the anchor (or the window). */
function naiveVwap(b: TestBars, mode: { daily?: boolean; period?: number }): Float64Array {
  const n = b.close.length;
  const out = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    let start = 0;
    if (mode.period !== undefined) {
      if (i < mode.period - 1) continue;
      start = i - mode.period + 1;
    } else if (mode.daily) {
      const day = new Date(b.time[i]).toISOString().slice(0, 10);
      start = i;
      while (start > 0 && new Date(b.time[start - 1]).toISOString().slice(0, 10) === day) start--;
    }
    let pv = 0;
    let vol = 0;
    for (let j = start; j <= i; j++) {
      pv += ((b.high[j] + b.low[j] + b.close[j]) / 3) * b.volume[j];
      vol += b.volume[j];
    }
    if (vol !== 0) out[i] = pv / vol;
  }
  return out;
}

describe.each(DATASETS)('on $name', (bars) => {
  it.each([2, 5, 14, 30])('CHOP(%i) matches the definition computed window by window', (p) => {
    expectNear(indicators.chop(bars.high, bars.low, bars.close, p), naiveChop(bars, p), `chop(${p})`);
  });

  it('cumulative VWAP matches Σ typical·volume / Σ volume since the first bar', () => {
    expectNear(indicators.vwap(bars.high, bars.low, bars.close, bars.volume), naiveVwap(bars, {}), 'vwap');
  });

  it('day-anchored VWAP restarts at each UTC midnight', () => {
    expectNear(
      indicators.vwap(bars.high, bars.low, bars.close, bars.volume, { time: bars.time }),
      naiveVwap(bars, { daily: true }),
      'vwap(daily)',
    );
  });

  it.each([1, 5, 24])('rolling VWAP over %i bars matches the window sums', (p) => {
    expectNear(
      indicators.vwap(bars.high, bars.low, bars.close, bars.volume, { period: p }),
      naiveVwap(bars, { period: p }),
      `vwap(period ${p})`,
    );
  });
});

describe('CHOP', () => {
  it('is first defined at index period, since every true range needs a previous close', () => {
    const c = indicators.chop(GOOG.high, GOOG.low, GOOG.close, 14);
    expect(Number.isNaN(c[13])).toBe(true);
    expect(Number.isNaN(c[14])).toBe(false);
  });

  it('is NaN over a window where the highest high equals the lowest low', () => {
    const flat = new Float64Array(30).fill(5);
    const c = indicators.chop(flat, flat, flat, 14);
    expect(c.every(Number.isNaN)).toBe(true);
  });

  it('stays within 0..100 on real data', () => {
    const c = indicators.chop(EURUSD.high, EURUSD.low, EURUSD.close, 14).filter((v) => !Number.isNaN(v));
    expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...c)).toBeLessThanOrEqual(100);
  });
});

describe('VWAP', () => {
  it('is NaN while no volume has traded, and weights the typical price by volume after', () => {
    const h = Float64Array.of(11, 12, 13);
    const l = Float64Array.of(9, 10, 11);
    const c = Float64Array.of(10, 11, 12);
    const v = Float64Array.of(0, 100, 300);
    const out = indicators.vwap(h, l, c, v);
    expect(Number.isNaN(out[0])).toBe(true);
    expect(out[1]).toBe(11);
    expect(out[2]).toBeCloseTo((11 * 100 + 12 * 300) / 400, 12);
  });

  it('returns NaN for a rolling window without volume even after volume left it (no rounding residue)', () => {
    const b = syntheticBars(400, 7);
    const v = Float64Array.from(b.volume, (x, i) => (i >= 200 && i < 260 ? 0 : x * 0.1));
    const out = indicators.vwap(b.high, b.low, b.close, v, { period: 10 });
    for (let i = 209; i < 260; i++) expect(Number.isNaN(out[i])).toBe(true);
    expect(Number.isNaN(out[260])).toBe(false);
  });
});

describe('Donchian', () => {
  it('includes the current bar, so a breakout compares the close with the previous bar’s upper band', () => {
    const d = indicators.donchian(SYNTH.high, SYNTH.low, 20, 10);
    let breakouts = 0;
    for (let i = 20; i < SYNTH.close.length; i++) {
      expect(SYNTH.close[i]).toBeLessThanOrEqual(d.upper[i]); // never above its own bar's channel
      if (SYNTH.close[i] > d.upper[i - 1]) breakouts++;
    }
    expect(breakouts).toBeGreaterThan(0);
  });

  it('has middle = (upper + lower)/2 and entry/exit lines from entryPeriod−1 and exitPeriod−1', () => {
    const d = indicators.donchian(GOOG.high, GOOG.low, 20, 10);
    expect(d.middle[100]).toBe((d.upper[100] + d.lower[100]) / 2);
    expect([Number.isNaN(d.upper[18]), Number.isNaN(d.upper[19])]).toEqual([true, false]);
    expect([Number.isNaN(d.exitLower[8]), Number.isNaN(d.exitLower[9])]).toEqual([true, false]);
  });
});
