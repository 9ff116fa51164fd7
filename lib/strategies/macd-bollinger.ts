import { z } from 'zod';
import { bollinger, macd } from '../indicators';
import { Strategy, type BarContext, type InitContext, type OrderOptions, type Series } from '../engine';

const params = z
  .object({
    macdFast: z.number().int().min(1).default(12),
    macdSlow: z.number().int().min(2).default(26),
    macdSignal: z.number().int().min(1).default(9),
    bbPeriod: z.number().int().min(2).default(20),
    /** Band width in population standard deviations. */
    bbStd: z.number().positive().default(2),
    /** Stop-loss distance from the entry fill, in ATRs. */
    stopLossAtr: z.number().positive().default(2),
    atrPeriod: z.number().int().min(1).default(14),
    /** Only take the long side. */
    longOnly: z.boolean().default(false),
  })
  .refine((p) => p.macdFast < p.macdSlow, { message: 'macdFast must be shorter than macdSlow', path: ['macdFast'] });

/**
 * MACD momentum turning inside the Bollinger Bands (H = the MACD histogram, macd − signal):
 *  - flat: H crosses up through zero (prev H < 0, H ≥ 0) while close < middle band → buy;
 *    H crosses down through zero (prev H > 0, H ≤ 0) while close > middle band → sell (unless longOnly).
 *  - long: close ≥ upper band, or H crosses back below zero (prev H ≥ 0, H < 0) → close.
 *  - short: close ≤ lower band, or H crosses back above zero (prev H ≤ 0, H > 0) → close.
 * Entries only when flat at the start of the bar (an exit bar never also enters), each with a
 * stop-loss stopLossAtr × ATR(atrPeriod) away; no entry while any indicator is warming up (NaN).
 */
export class MACDBollinger extends Strategy<z.infer<typeof params>> {
  static params = params;
  // The earlier system's sweep configs call the stop multiple sl_atr (docs/execution.md §6).
  static aliases = { slAtr: 'stopLossAtr' };
  static description = 'MACD histogram crosses zero on the cheap (long) / rich (short) side of the middle band; exit at the outer band';

  private histogram!: Series;
  private upper!: Series;
  private middle!: Series;
  private lower!: Series;
  private atr!: Series;
  private entry!: OrderOptions;

  init(ctx: InitContext): void {
    const { macdFast, macdSlow, macdSignal, bbPeriod, bbStd, stopLossAtr, atrPeriod } = this.params;
    const { close } = ctx.bars;
    const bb = bollinger(close, bbPeriod, bbStd);
    this.upper = ctx.indicator(bb.upper, `BB upper(${bbPeriod}, ${bbStd})`, 'overlay');
    this.middle = ctx.indicator(bb.middle, `BB middle(${bbPeriod})`, 'overlay');
    this.lower = ctx.indicator(bb.lower, `BB lower(${bbPeriod}, ${bbStd})`, 'overlay');
    const m = macd(close, macdFast, macdSlow, macdSignal);
    this.histogram = ctx.indicator(m.histogram, `MACD histogram(${macdFast}, ${macdSlow}, ${macdSignal})`, 'panel');
    // The stop distance, not a signal: registered (look-ahead check, result.indicators) but not drawn.
    this.atr = ctx.atr(atrPeriod); // the same array the ATR stops read
    this.entry = { stopLoss: { atr: stopLossAtr, period: atrPeriod } };
  }

  onBar(ctx: BarContext): void {
    const close = ctx.bar.close;
    const h = this.histogram.value, hPrev = this.histogram.prev;
    const units = ctx.position.units;
    if (units > 0) {
      if (close >= this.upper.value || (hPrev >= 0 && h < 0)) ctx.close();
    } else if (units < 0) {
      if (close <= this.lower.value || (hPrev <= 0 && h > 0)) ctx.close();
    } else if (!Number.isNaN(this.atr.value)) {
      if (hPrev < 0 && h >= 0 && close < this.middle.value) ctx.buy(this.entry);
      else if (hPrev > 0 && h <= 0 && close > this.middle.value && !this.params.longOnly) ctx.sell(this.entry);
    }
  }
}
