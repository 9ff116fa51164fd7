import { z } from 'zod';
import { bollinger } from '../indicators';
import { Strategy, type BarContext, type InitContext, type OrderOptions, type Series } from '../engine';

const params = z.object({
  period: z.number().int().min(2).default(20),
  /** Band width in population standard deviations. */
  stdDev: z.number().positive().default(2),
  /** Stop-loss distance from the entry fill, in ATRs. */
  stopLossAtr: z.number().positive().default(2),
  atrPeriod: z.number().int().min(1).default(14),
  /** Only take the long side: a downside breakout does nothing. */
  longOnly: z.boolean().default(false),
});

/**
 * Bollinger Band breakout. A cross compares the previous bar with the current one:
 *  - exit long when the close crosses below the middle band (prev close ≥ prev middle, close < middle);
 *    exit short when it crosses above it (prev close ≤ prev middle, close > middle);
 *  - then, unless already long: the close crosses above the upper band (prev close ≤ prev upper,
 *    close > upper) → buy, closing a short first;
 *  - unless already short: the close crosses below the lower band (prev close ≥ prev lower,
 *    close < lower) → sell, closing a long first (longOnly: no short; a long waits for the middle band).
 * Each entry carries a stop-loss stopLossAtr × ATR(atrPeriod) away; no entry while the bands or the
 * ATR are warming up (NaN).
 */
export class BollingerBreakout extends Strategy<z.infer<typeof params>> {
  static params = params;
  // The earlier system's sweep configs call the stop multiple sl_atr (docs/execution.md §6).
  static aliases = { slAtr: 'stopLossAtr' };
  static description = 'close crosses out of the Bollinger Bands: follow it with an ATR stop; exit on the middle band';

  private upper!: Series;
  private middle!: Series;
  private lower!: Series;
  private atr!: Series;
  private entry!: OrderOptions;

  init(ctx: InitContext): void {
    const { period, stdDev, stopLossAtr, atrPeriod } = this.params;
    const { close } = ctx.bars;
    const bb = bollinger(close, period, stdDev);
    this.upper = ctx.indicator(bb.upper, `BB upper(${period}, ${stdDev})`, 'overlay');
    this.middle = ctx.indicator(bb.middle, `BB middle(${period})`, 'overlay');
    this.lower = ctx.indicator(bb.lower, `BB lower(${period}, ${stdDev})`, 'overlay');
    // The stop distance, not a signal: registered (look-ahead check, result.indicators) but not drawn.
    this.atr = ctx.atr(atrPeriod); // the same array the ATR stops read
    this.entry = { stopLoss: { atr: stopLossAtr, period: atrPeriod } };
  }

  onBar(ctx: BarContext): void {
    const close = ctx.data.close;
    let units = ctx.position.units;
    if (units > 0 && close.prev >= this.middle.prev && close.value < this.middle.value) {
      ctx.close();
      units = 0;
    } else if (units < 0 && close.prev <= this.middle.prev && close.value > this.middle.value) {
      ctx.close();
      units = 0;
    }
    if (Number.isNaN(this.atr.value)) return;
    if (units <= 0 && close.prev <= this.upper.prev && close.value > this.upper.value) ctx.buy(this.entry);
    else if (units >= 0 && !this.params.longOnly && close.prev >= this.lower.prev && close.value < this.lower.value) ctx.sell(this.entry);
  }
}
