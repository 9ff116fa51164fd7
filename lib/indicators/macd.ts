import { StratlabError } from '../core/errors';
import { checkPeriod, checkSeries, nanArray, type Series } from './args';
import { emaK } from './ema';

export interface MacdResult {
  /** fast EMA − slow EMA, from index slow−1. */
  macd: Float64Array;
  /** EMA(signal) of the macd line, from index slow+signal−2. */
  signal: Float64Array;
  /** macd − signal, from index slow+signal−2. */
  histogram: Float64Array;
}

/**
 * MACD exactly as TA-Lib computes it, including its seeding: both EMAs start at index slow−1, each
 * seeded with the simple average of the `period` values ending there — so the fast EMA at slow−1 is
 * SMA(x[slow−fast .. slow−1]), not an EMA that ran from index fast−1. The macd line starts at slow−1
 * (TA-Lib reports it only from slow+signal−2, where the signal line starts; the values agree).
 * The signal line is an EMA of the macd line seeded with the mean of its first `signal` values.
 * TA-Lib silently swaps fast and slow when fast > slow; we reject it instead.
 */
export function macd(x: Series, fast = 12, slow = 26, signal = 9): MacdResult {
  checkMacdArgs('macd', fast, slow, signal);
  const n = checkSeries('macd', ['x'], [x]);
  const out: MacdResult = { macd: nanArray(n), signal: nanArray(n), histogram: nanArray(n) };
  const m = new MACD(fast, slow, signal);
  for (let i = 0; i < n; i++) {
    m.update(x[i]);
    out.macd[i] = m.macd;
    out.signal[i] = m.signal;
    out.histogram[i] = m.histogram;
  }
  return out;
}

function checkMacdArgs(fn: string, fast: number, slow: number, signal: number): void {
  checkPeriod(fn, 'fast', fast);
  checkPeriod(fn, 'slow', slow);
  checkPeriod(fn, 'signal', signal);
  if (fast > slow) {
    throw new StratlabError('BAD_ARGUMENT', `${fn}: fast must be <= slow, got fast=${fast}, slow=${slow}`, {
      hint: 'swap them: the fast EMA has the shorter period',
      location: { field: 'fast' },
    });
  }
}

/**
 * Streaming MACD: `update(x)` returns the macd line; `.macd`, `.signal`, `.histogram` hold the
 * current values (NaN until defined). `.ready` once all three are defined (bar slow+signal−1).
 */
export class MACD {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  private readonly kFast: number;
  private readonly kSlow: number;
  private readonly kSignal: number;
  /** the last `fast` inputs, to seed the fast EMA at bar slow−1 */
  private readonly recent: Float64Array;
  private count = 0;
  private slowSum = 0;
  private fastEma = NaN;
  private slowEma = NaN;
  private signalCount = 0;
  private signalSum = 0;
  private macdValue = NaN;
  private signalValue = NaN;
  private histogramValue = NaN;

  constructor(fast = 12, slow = 26, signal = 9) {
    checkMacdArgs('MACD', fast, slow, signal);
    this.fastPeriod = fast;
    this.slowPeriod = slow;
    this.signalPeriod = signal;
    this.kFast = emaK(fast);
    this.kSlow = emaK(slow);
    this.kSignal = emaK(signal);
    this.recent = new Float64Array(fast);
  }

  get macd(): number {
    return this.macdValue;
  }

  get signal(): number {
    return this.signalValue;
  }

  get histogram(): number {
    return this.histogramValue;
  }

  get value(): number {
    return this.macdValue;
  }

  get ready(): boolean {
    return this.signalCount >= this.signalPeriod;
  }

  update(x: number): number {
    const i = this.count++;
    const slow = this.slowPeriod;
    if (i < slow) {
      this.slowSum += x;
      const fast = this.fastPeriod;
      this.recent[i % fast] = x;
      if (i < slow - 1) return NaN;
      // bar slow−1: seed both EMAs with simple averages, summed oldest first like TA-Lib
      this.slowEma = this.slowSum / slow;
      let fastSum = 0;
      for (let j = i - fast + 1; j <= i; j++) fastSum += this.recent[j % fast];
      this.fastEma = fastSum / fast;
    } else {
      this.fastEma = (x - this.fastEma) * this.kFast + this.fastEma;
      this.slowEma = (x - this.slowEma) * this.kSlow + this.slowEma;
    }
    const line = this.fastEma - this.slowEma;
    this.macdValue = line;
    const s = ++this.signalCount;
    const sp = this.signalPeriod;
    if (s > sp) {
      this.signalValue = (line - this.signalValue) * this.kSignal + this.signalValue;
    } else {
      this.signalSum += line;
      if (s < sp) return line;
      this.signalValue = this.signalSum / sp;
    }
    this.histogramValue = line - this.signalValue;
    return line;
  }
}
