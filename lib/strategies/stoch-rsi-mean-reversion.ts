import { z } from 'zod';
import { adx, stochRsi } from '../indicators';
import { Strategy, type BarContext, type InitContext, type OrderOptions, type Series } from '../engine';

const params = z
  .object({
    rsiPeriod: z.number().int().min(1).default(14),
    stochPeriod: z.number().int().min(1).default(14),
    kSmoothing: z.number().int().min(1).default(3),
    dSmoothing: z.number().int().min(1).default(3),
    /** %K below this is the oversold zone. */
    oversold: z.number().default(20),
    /** %K above this is the overbought zone. */
    overbought: z.number().default(80),
    /** Stop-loss distance from the entry fill, in ATRs. */
    stopLossAtr: z.number().positive().default(2),
    atrPeriod: z.number().int().min(1).default(14),
    adxPeriod: z.number().int().min(1).default(14),
    /** Entries need ADX(adxPeriod) below this (a ranging market), unless skipAdxFilter. */
    adxThreshold: z.number().min(0).max(100).default(25),
    skipAdxFilter: z.boolean().default(false),
    /** Only take the long side. */
    longOnly: z.boolean().default(false),
  })
  .refine((p) => p.oversold > 0 && p.oversold < p.overbought && p.overbought < 100, {
    message: 'expected 0 < oversold < overbought < 100',
    path: ['oversold'],
  });

/**
 * Stochastic-RSI mean reversion, a zone state machine on %K (stochRsi(close, rsiPeriod, stochPeriod,
 * kSmoothing, dSmoothing).k), evaluated in this order at each bar:
 *  1. exits: a long closes when K > overbought; a short closes when K < oversold.
 *  2. zones: K < oversold arms a long; K > overbought arms a short.
 *  3. reversal: armed long and K crosses back above oversold (prev K ≤ oversold, K > oversold) →
 *     disarm, and buy if flat at the start of the bar and (skipAdxFilter or ADX(adxPeriod) <
 *     adxThreshold, a ranging market). Mirror: armed short and K crosses back below overbought
 *     (prev K ≥ overbought, K < overbought) → disarm, and sell if flat, the ADX allows and not longOnly.
 * A reversal that cannot enter (in a position, trending ADX, ATR warming up) still disarms: the next
 * entry needs a fresh visit to the zone. Entries carry a stop-loss stopLossAtr × ATR(atrPeriod) away.
 * The armed flags live on the instance and are reset in init.
 */
export class StochRSIMeanReversion extends Strategy<z.infer<typeof params>> {
  static params = params;
  // The earlier system's sweep configs call the stop multiple sl_atr (docs/execution.md §6).
  static aliases = { slAtr: 'stopLossAtr' };
  static description = 'Stoch RSI %K leaves the oversold (overbought) zone in a ranging market: buy (sell); exit at the opposite zone';

  private k!: Series;
  private adx!: Series;
  private atr!: Series;
  private entry!: OrderOptions;
  /** %K has been below oversold since the last long reversal. */
  private armedLong = false;
  /** %K has been above overbought since the last short reversal. */
  private armedShort = false;

  init(ctx: InitContext): void {
    const { rsiPeriod, stochPeriod, kSmoothing, dSmoothing, stopLossAtr, atrPeriod, adxPeriod } = this.params;
    const { high, low, close } = ctx.bars;
    const s = stochRsi(close, rsiPeriod, stochPeriod, kSmoothing, dSmoothing);
    this.k = ctx.indicator(s.k, `StochRSI %K(${rsiPeriod}, ${stochPeriod}, ${kSmoothing})`, 'panel');
    this.adx = ctx.indicator(adx(high, low, close, adxPeriod), `ADX(${adxPeriod})`, 'panel');
    // The stop distance, not a signal: registered (look-ahead check, result.indicators) but not drawn.
    this.atr = ctx.atr(atrPeriod); // the same array the ATR stops read
    this.entry = { stopLoss: { atr: stopLossAtr, period: atrPeriod } };
    this.armedLong = false;
    this.armedShort = false;
  }

  onBar(ctx: BarContext): void {
    const { oversold, overbought } = this.params;
    const k = this.k.value, kPrev = this.k.prev;
    const units = ctx.position.units;

    if (units > 0 && k > overbought) ctx.close();
    else if (units < 0 && k < oversold) ctx.close();

    if (k < oversold) this.armedLong = true;
    if (k > overbought) this.armedShort = true;

    if (this.armedLong && kPrev <= oversold && k > oversold) {
      this.armedLong = false;
      if (units === 0 && this.canEnter()) ctx.buy(this.entry);
    } else if (this.armedShort && kPrev >= overbought && k < overbought) {
      this.armedShort = false;
      if (units === 0 && !this.params.longOnly && this.canEnter()) ctx.sell(this.entry);
    }
  }

  /** The market is ranging (or the filter is off) and the ATR for the stop is defined. */
  private canEnter(): boolean {
    if (Number.isNaN(this.atr.value)) return false;
    return this.params.skipAdxFilter || this.adx.value < this.params.adxThreshold;
  }
}
