import { z } from 'zod';
import { donchian } from '../indicators';
import { Strategy, type BarContext, type InitContext, type OrderOptions, type Series } from '../engine';

const params = z.object({
  /** Bars in the entry channel (highest high / lowest low). */
  entryPeriod: z.number().int().min(1).default(20),
  /** Bars in the exit channel; need not be shorter than entryPeriod. */
  exitPeriod: z.number().int().min(1).default(10),
  /** Stop-loss distance from the entry fill, in ATRs. */
  stopLossAtr: z.number().positive().default(2),
  atrPeriod: z.number().int().min(1).default(14),
  /** Only take the long side: a downside breakout does nothing. */
  longOnly: z.boolean().default(false),
});

/**
 * Donchian channel breakout (turtle style). The channels include the current bar, so every rule
 * compares the close with the PREVIOUS bar's channel:
 *  - flat: close > previous upper (entryPeriod high) → buy; close < previous lower (entryPeriod low)
 *    → sell (unless longOnly). Each entry carries a stop-loss stopLossAtr × ATR(atrPeriod) away.
 *  - long: close < previous exitLower (exitPeriod low) → close.
 *  - short: close > previous exitUpper (exitPeriod high) → close.
 * Entries are taken only when flat at the start of the bar, so a bar that exits never also enters,
 * and no entry is made while the channel or the ATR is still warming up (NaN).
 */
export class DonchianBreakout extends Strategy<z.infer<typeof params>> {
  static params = params;
  // The earlier system's sweep configs call the stop multiple sl_atr (docs/execution.md §6).
  static aliases = { slAtr: 'stopLossAtr' };
  static description = 'close breaks the previous entryPeriod high/low: enter with an ATR stop; exit on the exitPeriod channel';

  private upper!: Series;
  private lower!: Series;
  private exitUpper!: Series;
  private exitLower!: Series;
  private atr!: Series;
  private entry!: OrderOptions;

  init(ctx: InitContext): void {
    const { entryPeriod, exitPeriod, stopLossAtr, atrPeriod } = this.params;
    const { high, low } = ctx.bars;
    const ch = donchian(high, low, entryPeriod, exitPeriod);
    this.upper = ctx.indicator(ch.upper, `Donchian upper(${entryPeriod})`, 'overlay');
    this.lower = ctx.indicator(ch.lower, `Donchian lower(${entryPeriod})`, 'overlay');
    this.exitUpper = ctx.indicator(ch.exitUpper, `Donchian exit upper(${exitPeriod})`, 'overlay');
    this.exitLower = ctx.indicator(ch.exitLower, `Donchian exit lower(${exitPeriod})`, 'overlay');
    // The stop distance, not a signal: registered (look-ahead check, result.indicators) but not drawn.
    this.atr = ctx.atr(atrPeriod); // the same array the ATR stops read
    this.entry = { stopLoss: { atr: stopLossAtr, period: atrPeriod } };
  }

  onBar(ctx: BarContext): void {
    const close = ctx.bar.close;
    const units = ctx.position.units;
    if (units > 0) {
      if (close < this.exitLower.prev) ctx.close();
    } else if (units < 0) {
      if (close > this.exitUpper.prev) ctx.close();
    } else if (!Number.isNaN(this.atr.value)) {
      if (close > this.upper.prev) ctx.buy(this.entry);
      else if (close < this.lower.prev && !this.params.longOnly) ctx.sell(this.entry);
    }
  }
}
