// Every streaming class, fed bar by bar, reproduces its vectorized function bitwise (NaN = NaN):
// the value `update` returns, `.value`, every named line, and `.ready` from the right bar on.
import { describe, expect, it } from 'vitest';
import * as indicators from '../lib/indicators';
import { EURUSD, GOOG, SYNTH, expectBitwiseEqual, type TestBars } from './indicators.helpers';

interface Streaming {
  update(...args: number[]): number;
  readonly value: number;
  readonly ready: boolean;
}

interface Case {
  name: string;
  make: () => Streaming;
  /** feeds bar i, returning what update returned */
  feed: (s: Streaming, b: TestBars, i: number) => number;
  /** the vectorized result: the line `update` returns first, then the named fields */
  vector: (b: TestBars) => Record<string, Float64Array>;
  primary: string;
  /** first bar at which `.ready` is true (undefined: ready exactly when the value is defined) */
  readyFrom?: number;
}

const close = (s: Streaming, b: TestBars, i: number) => s.update(b.close[i]);
const hlc = (s: Streaming, b: TestBars, i: number) => s.update(b.high[i], b.low[i], b.close[i]);

const CASES: Case[] = [
  ...[1, 2, 20].map((p): Case => ({
    name: `SMA(${p})`,
    make: () => new indicators.SMA(p),
    feed: close,
    vector: (b) => ({ value: indicators.sma(b.close, p) }),
    primary: 'value',
    readyFrom: p - 1,
  })),
  ...[1, 10, 50].map((p): Case => ({
    name: `EMA(${p})`,
    make: () => new indicators.EMA(p),
    feed: close,
    vector: (b) => ({ value: indicators.ema(b.close, p) }),
    primary: 'value',
    readyFrom: p - 1,
  })),
  ...[1, 2, 9].map((p): Case => ({
    name: `WMA(${p})`,
    make: () => new indicators.WMA(p),
    feed: close,
    vector: (b) => ({ value: indicators.wma(b.close, p) }),
    primary: 'value',
    readyFrom: p - 1,
  })),
  ...[1, 2, 14].map((p): Case => ({
    name: `RSI(${p})`,
    make: () => new indicators.RSI(p),
    feed: close,
    vector: (b) => ({ value: indicators.rsi(b.close, p) }),
    primary: 'value',
    readyFrom: p,
  })),
  ...[
    [14, 14, 3, 3],
    [5, 5, 1, 3],
    [2, 1, 1, 1],
  ].map(([r, s, k, d]): Case => ({
    name: `StochRSI(${r}, ${s}, ${k}, ${d})`,
    make: () => new indicators.StochRSI(r, s, k, d),
    feed: close,
    vector: (b) => ({ ...indicators.stochRsi(b.close, r, s, k, d) }),
    primary: 'k',
    readyFrom: r + s + k + d - 3,
  })),
  ...[
    [12, 26, 9],
    [1, 1, 1],
    [3, 3, 5],
  ].map(([f, s, g]): Case => ({
    name: `MACD(${f}, ${s}, ${g})`,
    make: () => new indicators.MACD(f, s, g),
    feed: close,
    vector: (b) => ({ ...indicators.macd(b.close, f, s, g) }),
    primary: 'macd',
    readyFrom: s + g - 2,
  })),
  ...[
    [20, 2],
    [1, 2],
    [5, 0.5],
  ].map(([p, m]): Case => ({
    name: `Bollinger(${p}, ${m})`,
    make: () => new indicators.Bollinger(p, m),
    feed: close,
    vector: (b) => ({ ...indicators.bollinger(b.close, p, m) }),
    primary: 'middle',
    readyFrom: p - 1,
  })),
  ...[1, 14].map((p): Case => ({
    name: `ATR(${p})`,
    make: () => new indicators.ATR(p),
    feed: hlc,
    vector: (b) => ({ value: indicators.atr(b.high, b.low, b.close, p) }),
    primary: 'value',
    readyFrom: p,
  })),
  ...[1, 2, 14].map((p): Case => ({
    name: `ADX(${p})`,
    make: () => new indicators.ADX(p),
    feed: hlc,
    vector: (b) => ({
      value: indicators.adx(b.high, b.low, b.close, p),
      plusDI: indicators.plusDI(b.high, b.low, b.close, p),
      minusDI: indicators.minusDI(b.high, b.low, b.close, p),
    }),
    primary: 'value',
    readyFrom: 2 * p - 1,
  })),
  ...[1, 20].map((p): Case => ({
    name: `Highest(${p})`,
    make: () => new indicators.Highest(p),
    feed: (s, b, i) => s.update(b.high[i]),
    vector: (b) => ({ value: indicators.highest(b.high, p) }),
    primary: 'value',
    readyFrom: p - 1,
  })),
  ...[1, 20].map((p): Case => ({
    name: `Lowest(${p})`,
    make: () => new indicators.Lowest(p),
    feed: (s, b, i) => s.update(b.low[i]),
    vector: (b) => ({ value: indicators.lowest(b.low, p) }),
    primary: 'value',
    readyFrom: p - 1,
  })),
  ...[
    [20, 10],
    [5, 30],
  ].map(([entry, exit]): Case => ({
    name: `Donchian(${entry}, ${exit})`,
    make: () => new indicators.Donchian(entry, exit),
    feed: (s, b, i) => s.update(b.high[i], b.low[i]),
    vector: (b) => ({ ...indicators.donchian(b.high, b.low, entry, exit) }),
    primary: 'upper',
    readyFrom: Math.max(entry, exit) - 1,
  })),
  ...[2, 14].map((p): Case => ({
    name: `CHOP(${p})`,
    make: () => new indicators.CHOP(p),
    feed: hlc,
    vector: (b) => ({ value: indicators.chop(b.high, b.low, b.close, p) }),
    primary: 'value',
    readyFrom: p,
  })),
  {
    name: 'OBV',
    make: () => new indicators.OBV(),
    feed: (s, b, i) => s.update(b.close[i], b.volume[i]),
    vector: (b) => ({ value: indicators.obv(b.close, b.volume) }),
    primary: 'value',
    readyFrom: 0,
  },
  {
    name: 'VWAP (cumulative)',
    make: () => new indicators.VWAP(),
    feed: (s, b, i) => s.update(b.high[i], b.low[i], b.close[i], b.volume[i]),
    vector: (b) => ({ value: indicators.vwap(b.high, b.low, b.close, b.volume) }),
    primary: 'value',
  },
  {
    name: 'VWAP (anchored to the UTC day)',
    make: () => new indicators.VWAP(),
    feed: (s, b, i) => s.update(b.high[i], b.low[i], b.close[i], b.volume[i], b.time[i]),
    vector: (b) => ({ value: indicators.vwap(b.high, b.low, b.close, b.volume, { time: b.time }) }),
    primary: 'value',
  },
  {
    name: 'VWAP (rolling 24 bars)',
    make: () => new indicators.VWAP({ period: 24 }),
    feed: (s, b, i) => s.update(b.high[i], b.low[i], b.close[i], b.volume[i]),
    vector: (b) => ({ value: indicators.vwap(b.high, b.low, b.close, b.volume, { period: 24 }) }),
    primary: 'value',
  },
];

describe.each([GOOG, EURUSD, SYNTH])('fed bar by bar on $name', (bars) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s equals the vectorized output bitwise', (_name, c) => {
    const expected = c.vector(bars);
    const n = bars.close.length;
    const s = c.make() as Streaming & Record<string, number>;
    const returned = new Float64Array(n);
    const value = new Float64Array(n);
    const fields: Record<string, Float64Array> = {};
    for (const key of Object.keys(expected)) fields[key] = new Float64Array(n);
    const ready: boolean[] = [];
    for (let i = 0; i < n; i++) {
      returned[i] = c.feed(s, bars, i);
      value[i] = s.value;
      ready.push(s.ready);
      for (const key of Object.keys(expected)) fields[key][i] = key === 'value' ? s.value : s[key];
    }
    expectBitwiseEqual(returned, expected[c.primary], `${c.name}: update() return`);
    expectBitwiseEqual(value, expected[c.primary], `${c.name}: .value`);
    for (const key of Object.keys(expected)) expectBitwiseEqual(fields[key], expected[key], `${c.name}: .${key}`);
    const expectedReady = Array.from(value, (v, i) => (c.readyFrom === undefined ? !Number.isNaN(v) : i >= c.readyFrom));
    expect(ready).toEqual(expectedReady);
  });
});

describe('streaming specifics', () => {
  it('reports the named lines of a multi-line indicator and the primary line as .value', () => {
    const m = new indicators.MACD(12, 26, 9);
    for (const x of GOOG.close.subarray(0, 40)) m.update(x);
    expect(m.ready).toBe(true);
    expect(m.value).toBe(m.macd);
    expect(m.histogram).toBe(m.macd - m.signal);
    const b = new indicators.Bollinger(20, 2);
    for (const x of GOOG.close.subarray(0, 20)) b.update(x);
    expect(b.value).toBe(b.middle);
    expect(b.upper - b.middle).toBeCloseTo(b.middle - b.lower, 9);
  });

  it('is not ready and NaN before its warm-up ends, then ready on the bar the value appears', () => {
    const r = new indicators.RSI(14);
    for (let i = 0; i < 14; i++) {
      expect(Number.isNaN(r.update(GOOG.close[i]))).toBe(true);
      expect(r.ready).toBe(false);
    }
    expect(Number.isNaN(r.update(GOOG.close[14]))).toBe(false);
    expect(r.ready).toBe(true);
  });

  it('rejects time on a rolling VWAP', () => {
    const v = new indicators.VWAP({ period: 5 });
    expect(() => v.update(1, 1, 1, 1, 0)).toThrow('VWAP: time is not used by a rolling VWAP (period set); pass one or the other');
  });
});
