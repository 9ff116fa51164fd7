import { checkPeriod, checkSeries, nanArray, type Series } from './args';
import { Highest, Lowest } from './extremes';
import { RSI } from './rsi';
import { SMA } from './sma';

export interface StochRsiResult {
  /** %K: SMA(kSmoothing) of the raw stochastic of RSI (the raw value itself when kSmoothing = 1). */
  k: Float64Array;
  /** %D: SMA(dSmoothing) of %K. */
  d: Float64Array;
}

/**
 * Stochastic RSI: rsi(x, rsiPeriod), then the raw stochastic of the RSI over stochPeriod,
 * (rsi − lowest)/((highest − lowest)/100) — TA-Lib STOCHF's arithmetic, 0 when highest = lowest —
 * then %K = SMA(raw, kSmoothing) and %D = SMA(%K, dSmoothing).
 * With kSmoothing = 1 this is TA-Lib STOCHRSI(rsiPeriod, fastK = stochPeriod, fastD = dSmoothing, SMA);
 * with kSmoothing > 1 it is TA-Lib STOCH(rsi, rsi, rsi, stochPeriod, kSmoothing SMA, dSmoothing SMA).
 * %K is defined from index rsiPeriod + stochPeriod + kSmoothing − 2, %D from dSmoothing − 1 bars later
 * (TA-Lib reports both only from where %D starts).
 */
export function stochRsi(x: Series, rsiPeriod = 14, stochPeriod = 14, kSmoothing = 3, dSmoothing = 3): StochRsiResult {
  checkStochRsiArgs('stochRsi', rsiPeriod, stochPeriod, kSmoothing, dSmoothing);
  const n = checkSeries('stochRsi', ['x'], [x]);
  const out: StochRsiResult = { k: nanArray(n), d: nanArray(n) };
  const s = new StochRSI(rsiPeriod, stochPeriod, kSmoothing, dSmoothing);
  for (let i = 0; i < n; i++) {
    out.k[i] = s.update(x[i]);
    out.d[i] = s.d;
  }
  return out;
}

function checkStochRsiArgs(fn: string, rsiPeriod: number, stochPeriod: number, kSmoothing: number, dSmoothing: number): void {
  checkPeriod(fn, 'rsiPeriod', rsiPeriod);
  checkPeriod(fn, 'stochPeriod', stochPeriod);
  checkPeriod(fn, 'kSmoothing', kSmoothing);
  checkPeriod(fn, 'dSmoothing', dSmoothing);
}

/**
 * Streaming Stochastic RSI: `update(x)` returns %K; `.k` and `.d` hold the current values.
 * `.ready` once %D is defined.
 */
export class StochRSI {
  private readonly rsi: RSI;
  private readonly highest: Highest;
  private readonly lowest: Lowest;
  private readonly kSma: SMA | null;
  private readonly dSma: SMA;
  private kValue = NaN;
  private dValue = NaN;

  constructor(rsiPeriod = 14, stochPeriod = 14, kSmoothing = 3, dSmoothing = 3) {
    checkStochRsiArgs('StochRSI', rsiPeriod, stochPeriod, kSmoothing, dSmoothing);
    this.rsi = new RSI(rsiPeriod);
    this.highest = new Highest(stochPeriod);
    this.lowest = new Lowest(stochPeriod);
    this.kSma = kSmoothing > 1 ? new SMA(kSmoothing) : null;
    this.dSma = new SMA(dSmoothing);
  }

  get k(): number {
    return this.kValue;
  }

  get d(): number {
    return this.dValue;
  }

  get value(): number {
    return this.kValue;
  }

  get ready(): boolean {
    return this.dSma.ready;
  }

  update(x: number): number {
    const r = this.rsi.update(x);
    if (!this.rsi.ready) return NaN;
    const hi = this.highest.update(r);
    const lo = this.lowest.update(r);
    if (!this.highest.ready) return NaN;
    const diff = (hi - lo) / 100.0;
    const raw = diff !== 0.0 ? (r - lo) / diff : 0.0;
    let k = raw;
    if (this.kSma !== null) {
      k = this.kSma.update(raw);
      if (!this.kSma.ready) return NaN;
    }
    this.kValue = k;
    this.dValue = this.dSma.update(k);
    return k;
  }
}
