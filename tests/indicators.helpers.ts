// Shared fixtures for the indicator tests: real CSV bars, seeded synthetic bars, a TA-Lib runner
// and comparison helpers that report the first differing index.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface TestBars {
  name: string;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

const DATA_DIR = path.resolve(__dirname, '../../shared/data');

/** Reads ../shared/data/<name>.csv (Date,Open,High,Low,Close,Volume; dates are UTC). */
export function loadCsv(name: string): TestBars {
  const lines = readFileSync(path.join(DATA_DIR, `${name}.csv`), 'utf8').trim().split(/\r?\n/).slice(1);
  const n = lines.length;
  const bars: TestBars = {
    name,
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  lines.forEach((line, i) => {
    const [date, o, h, l, c, v] = line.split(',');
    bars.time[i] = Date.parse(`${date.includes(' ') ? date.replace(' ', 'T') : `${date}T00:00:00`}Z`);
    bars.open[i] = Number(o);
    bars.high[i] = Number(h);
    bars.low[i] = Number(l);
    bars.close[i] = Number(c);
    bars.volume[i] = Number(v);
  });
  return bars;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random-walk OHLCV series with high >= max(open, close) and low <= min(open, close), hourly
 * times (so several UTC days), and flat stretches: runs of identical bars (zero range, zero change,
 * sometimes zero volume) to exercise the zero-division branches, and inside bars.
 */
export function syntheticBars(n: number, seed: number): TestBars {
  const rnd = prng(seed);
  const bars: TestBars = {
    name: `synthetic(${seed})`,
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let price = 100;
  let flatLeft = 0;
  let zeroVolume = false;
  for (let i = 0; i < n; i++) {
    bars.time[i] = Date.UTC(2024, 0, 1) + i * 3_600_000;
    if (flatLeft === 0 && rnd() < 0.01) {
      flatLeft = 5 + Math.floor(rnd() * 40);
      zeroVolume = rnd() < 0.5;
      price = Math.round(price * 100) / 100;
    }
    if (flatLeft > 0) {
      flatLeft--;
      bars.open[i] = bars.high[i] = bars.low[i] = bars.close[i] = price;
      bars.volume[i] = zeroVolume ? 0 : 1000;
      continue;
    }
    const open = price;
    price = Math.max(1, price * (1 + (rnd() - 0.5) * 0.04));
    const close = Math.round(price * 100) / 100;
    price = close;
    const wick = rnd() < 0.2 ? 0 : rnd() * 0.01; // some bars without wicks
    bars.open[i] = open;
    bars.close[i] = close;
    bars.high[i] = Math.round(Math.max(open, close) * (1 + wick) * 100) / 100;
    bars.low[i] = Math.round(Math.min(open, close) * (1 - wick) * 100) / 100;
    bars.volume[i] = Math.floor(rnd() * 10_000);
  }
  return bars;
}

export const GOOG = loadCsv('GOOG');
export const EURUSD = loadCsv('EURUSD');
export const SYNTH = syntheticBars(3000, 42);
export const DATASETS: TestBars[] = [GOOG, EURUSD, SYNTH];

interface TalibModule {
  execute(params: Record<string, unknown>): { begIndex: number; nbElement: number; result: Record<string, number[]> };
}
const talib = createRequire(__filename)('talib') as TalibModule;

/** A TA-Lib output spread to the input's length: NaN before `begIndex`. */
export interface TalibLine {
  begIndex: number;
  values: Float64Array;
}

/** Runs a TA-Lib function over the whole input; returns each output line by TA-Lib's name. */
export function talibRun(name: string, params: Record<string, unknown>): Record<string, TalibLine> {
  const inputs: Record<string, unknown> = {};
  let n = -1;
  for (const [key, value] of Object.entries(params)) {
    if (ArrayBuffer.isView(value)) {
      inputs[key] = Array.from(value as Float64Array);
      n = (value as Float64Array).length;
    } else {
      inputs[key] = value;
    }
  }
  const res = talib.execute({ name, startIdx: 0, endIdx: n - 1, ...inputs });
  const out: Record<string, TalibLine> = {};
  for (const [key, arr] of Object.entries(res.result)) {
    const values = new Float64Array(n).fill(NaN);
    for (let i = 0; i < res.nbElement; i++) values[res.begIndex + i] = arr[i];
    out[key] = { begIndex: res.begIndex, values };
  }
  return out;
}

/**
 * Asserts ours matches TA-Lib's line: |a − b| <= 1e-9·max(1, |b|) from TA-Lib's begIndex on, and
 * (unless `earlierWarmup`) NaN before it. With `earlierWarmup`, ours may start earlier: only indices
 * before `ourStart` must be NaN.
 */
export function expectMatchesTalib(
  ours: Float64Array,
  ref: TalibLine,
  label: string,
  opts: { ourStart?: number } = {},
): void {
  if (ours.length !== ref.values.length) throw new Error(`${label}: length ${ours.length} != ${ref.values.length}`);
  if (ref.begIndex >= ours.length || ref.values.length === 0) throw new Error(`${label}: TA-Lib produced no values`);
  const ourStart = opts.ourStart ?? ref.begIndex;
  for (let i = 0; i < ourStart; i++) {
    if (!Number.isNaN(ours[i])) throw new Error(`${label}: expected NaN at warm-up index ${i}, got ${ours[i]}`);
  }
  for (let i = ourStart; i < ref.begIndex; i++) {
    if (Number.isNaN(ours[i])) throw new Error(`${label}: expected a value at index ${i} (our warm-up ends at ${ourStart}), got NaN`);
  }
  for (let i = ref.begIndex; i < ours.length; i++) {
    const a = ours[i];
    const b = ref.values[i];
    if (!(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)))) {
      throw new Error(`${label}: index ${i}: ours ${a} vs TA-Lib ${b} (TA-Lib begIndex ${ref.begIndex})`);
    }
  }
}

/** Bitwise equality (NaN equals NaN, 0 differs from -0); reports the first differing index. */
export function expectBitwiseEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) {
      throw new Error(`${label}: index ${i}: ${a} !== ${b}`);
    }
  }
}

/** Index of the first non-NaN value, or the length when all are NaN. */
export function firstDefined(x: ArrayLike<number>): number {
  let i = 0;
  while (i < x.length && Number.isNaN(x[i])) i++;
  return i;
}
