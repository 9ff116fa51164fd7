import { checkPeriod, checkSeries, nanArray, type Series } from './args';
import { Highest, Lowest } from './extremes';

export interface DonchianResult {
  /** highest high over entryPeriod bars, the current bar included */
  upper: Float64Array;
  /** lowest low over entryPeriod bars, the current bar included */
  lower: Float64Array;
  /** (upper + lower) / 2 */
  middle: Float64Array;
  /** highest high over exitPeriod bars */
  exitUpper: Float64Array;
  /** lowest low over exitPeriod bars */
  exitLower: Float64Array;
}

/**
 * Donchian channels (turtle style): an entry channel over `entryPeriod` bars and an exit channel
 * over `exitPeriod` bars. Each channel includes the current bar, so a close can never exceed its own
 * bar's upper band: a breakout rule must compare the close against the PREVIOUS bar's channel,
 * e.g. `close[i] > upper[i - 1]`. Entry lines start at index entryPeriod−1, exit lines at exitPeriod−1.
 * NaN highs/lows make only the windows that contain them NaN.
 */
export function donchian(high: Series, low: Series, entryPeriod = 20, exitPeriod = 10): DonchianResult {
  checkPeriod('donchian', 'entryPeriod', entryPeriod);
  checkPeriod('donchian', 'exitPeriod', exitPeriod);
  const n = checkSeries('donchian', ['high', 'low'], [high, low]);
  const out: DonchianResult = {
    upper: nanArray(n),
    lower: nanArray(n),
    middle: nanArray(n),
    exitUpper: nanArray(n),
    exitLower: nanArray(n),
  };
  const d = new Donchian(entryPeriod, exitPeriod);
  for (let i = 0; i < n; i++) {
    d.update(high[i], low[i]);
    out.upper[i] = d.upper;
    out.lower[i] = d.lower;
    out.middle[i] = d.middle;
    out.exitUpper[i] = d.exitUpper;
    out.exitLower[i] = d.exitLower;
  }
  return out;
}

/**
 * Streaming Donchian channels: `update(high, low)` returns the upper entry band; the five lines are
 * fields. `.ready` once both channels are defined. Compare a close with the bands read BEFORE
 * calling `update` for its bar (the previous bar's channel).
 */
export class Donchian {
  private readonly entryHigh: Highest;
  private readonly entryLow: Lowest;
  private readonly exitHigh: Highest;
  private readonly exitLow: Lowest;
  private upperValue = NaN;
  private lowerValue = NaN;
  private middleValue = NaN;
  private exitUpperValue = NaN;
  private exitLowerValue = NaN;

  constructor(entryPeriod = 20, exitPeriod = 10) {
    checkPeriod('Donchian', 'entryPeriod', entryPeriod);
    checkPeriod('Donchian', 'exitPeriod', exitPeriod);
    this.entryHigh = new Highest(entryPeriod);
    this.entryLow = new Lowest(entryPeriod);
    this.exitHigh = new Highest(exitPeriod);
    this.exitLow = new Lowest(exitPeriod);
  }

  get upper(): number {
    return this.upperValue;
  }

  get lower(): number {
    return this.lowerValue;
  }

  get middle(): number {
    return this.middleValue;
  }

  get exitUpper(): number {
    return this.exitUpperValue;
  }

  get exitLower(): number {
    return this.exitLowerValue;
  }

  get value(): number {
    return this.upperValue;
  }

  get ready(): boolean {
    return this.entryHigh.ready && this.exitHigh.ready;
  }

  update(high: number, low: number): number {
    this.upperValue = this.entryHigh.update(high);
    this.lowerValue = this.entryLow.update(low);
    this.middleValue = (this.upperValue + this.lowerValue) / 2;
    this.exitUpperValue = this.exitHigh.update(high);
    this.exitLowerValue = this.exitLow.update(low);
    return this.upperValue;
  }
}
