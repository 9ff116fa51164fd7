import { describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { StratlabError } from '../lib/core/errors';
import { syntheticBars, validateBars } from '../lib/data';

const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
const MIN = 60_000;

function logReturns(b: Bars): number[] {
  const r: number[] = [];
  for (let i = 1; i < b.close.length; i++) r.push(Math.log(b.close[i] / b.close[i - 1]));
  return r;
}

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n, mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const autocorrelation = (x: number[], lag: number) => correlation(x.slice(lag), x.slice(0, x.length - lag));

describe('syntheticBars', () => {
  it('gives exactly the same bars for the same options', () => {
    const a = syntheticBars({ n: 5000, seed: 7 });
    const b = syntheticBars({ n: 5000, seed: 7 });
    for (const f of FIELDS) expect(Array.from(b[f]), f).toEqual(Array.from(a[f]));
  });

  it('gives different bars for a different seed', () => {
    const a = syntheticBars({ n: 1000, seed: 1 });
    const b = syntheticBars({ n: 1000, seed: 2 });
    expect(Array.from(a.close)).not.toEqual(Array.from(b.close));
    expect(Array.from(a.time)).toEqual(Array.from(b.time));
  });

  it('defaults to n continuous 1m bars of SYNTH from 2020-01-01 at 100', () => {
    const b = syntheticBars({ n: 3 });
    expect([b.symbol, b.timeframe]).toEqual(['SYNTH', '1m']);
    expect(Array.from(b.time)).toEqual([0, 1, 2].map((k) => Date.UTC(2020, 0, 1) + k * MIN));
    expect(b.open[0]).toBe(100);
  });

  it('keeps every bar consistent: high ≥ max(open, close), low ≤ min(open, close), all positive, time increasing', () => {
    const b = syntheticBars({ n: 200_000, seed: 5, annualVol: 0.8 });
    expect(() => validateBars(b)).not.toThrow();
    for (let i = 0; i < b.time.length; i++) {
      if (!(b.high[i] >= Math.max(b.open[i], b.close[i]) && b.low[i] <= Math.min(b.open[i], b.close[i]) && b.low[i] > 0 && b.volume[i] >= 0)) {
        throw new Error(`bar ${i} is inconsistent`);
      }
    }
  });

  it('clusters volatility: |returns| are positively autocorrelated while returns are not', () => {
    const r = logReturns(syntheticBars({ n: 50_000, seed: 3 }));
    const abs = r.map(Math.abs);
    expect(autocorrelation(abs, 1)).toBeGreaterThan(0.1);
    expect(autocorrelation(abs, 10)).toBeGreaterThan(0.05);
    expect(Math.abs(autocorrelation(r, 1))).toBeLessThan(0.05);
  });

  it('trades more volume on bigger moves', () => {
    const b = syntheticBars({ n: 50_000, seed: 4 });
    const abs = logReturns(b).map(Math.abs);
    const logVolume = Array.from(b.volume.subarray(1), (v) => Math.log(v + 1));
    expect(correlation(abs, logVolume)).toBeGreaterThan(0.3);
  });

  it('scales daily volatility to the annualVol asked for', () => {
    const r = logReturns(syntheticBars({ n: 2520, timeframe: '1d', seed: 1, annualVol: 0.25 }));
    const annual = Math.sqrt(r.reduce((s, x) => s + x * x, 0) / r.length) * Math.sqrt(365.25);
    expect(annual).toBeGreaterThan(0.15);
    expect(annual).toBeLessThan(0.35);
  });

  it("skips weekends with session: 'weekdays'", () => {
    const b = syntheticBars({ n: 20_000, session: 'weekdays' });
    const days = new Set(Array.from(b.time, (t) => new Date(t).getUTCDay()));
    expect([...days].sort()).toEqual([1, 2, 3, 4, 5]);
    // 2020-01-03 is a Friday: its last minute is followed by Monday 00:00.
    const friday = b.time.indexOf(Date.UTC(2020, 0, 3, 23, 59));
    expect(new Date(b.time[friday + 1]).toISOString()).toBe('2020-01-06T00:00:00.000Z');
  });

  it('trades only inside an intraday session, with a price gap at each open', () => {
    const b = syntheticBars({ n: 10_000, timeframe: '5m', seed: 9, session: { open: '14:30', close: '21:00' } });
    const clock = (t: number) => new Date(t).toISOString().slice(11, 16);
    expect(clock(b.time[0])).toBe('14:30');
    let opens = 0, gapsAtOpen = 0;
    for (let i = 0; i < b.time.length; i++) {
      const t = clock(b.time[i]);
      expect(t >= '14:30' && t < '21:00').toBe(true);
      expect([1, 2, 3, 4, 5]).toContain(new Date(b.time[i]).getUTCDay());
      if (i === 0) continue;
      if (t === '14:30') {
        opens++;
        if (b.open[i] !== b.close[i - 1]) gapsAtOpen++;
      } else {
        expect(b.time[i] - b.time[i - 1]).toBe(5 * MIN);
        expect(b.open[i]).toBe(b.close[i - 1]);
      }
    }
    expect(opens).toBeGreaterThan(100);
    expect(gapsAtOpen).toBe(opens);
  });

  it('runs a session past midnight and honours chosen weekdays (0 = Sunday)', () => {
    const b = syntheticBars({ n: 5000, timeframe: '1h', session: { open: '22:00', close: '21:00', weekdays: [0, 1, 2, 3, 4] } });
    const hours = new Set(Array.from(b.time, (t) => new Date(t).getUTCHours()));
    expect(hours.has(21)).toBe(false);
    expect(hours.size).toBe(23);
    const saturdays = Array.from(b.time).filter((t) => new Date(t).getUTCDay() === 6);
    expect(saturdays).toHaveLength(0);
  });

  it('refuses bad options with a message naming the option', () => {
    const fails = (opts: unknown) => {
      try {
        syntheticBars(opts as never);
      } catch (e) {
        expect(e).toBeInstanceOf(StratlabError);
        return (e as StratlabError).message;
      }
      throw new Error('expected syntheticBars to fail');
    };
    expect(fails({})).toBe('syntheticBars options: n: expected number, got undefined');
    expect(fails({ n: 10, session: { open: '9:30pm', close: '16:00' } })).toBe("syntheticBars options: session.open: expected 'HH:MM' (UTC), e.g. '14:30'");
    expect(fails({ n: 10, start: 'soon' })).toBe('syntheticBars options: start: "soon" is not a date');
    expect(fails({ n: 10, sead: 3 })).toBe('syntheticBars options: unknown option "sead"');
  });
});
