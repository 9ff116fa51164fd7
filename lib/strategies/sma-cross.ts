import { z } from 'zod';
import { sma } from '../indicators';
import { Strategy, type BarContext, type InitContext, type Series } from '../engine';
import { crossover } from '../engine/series';

const params = z
  .object({
    fast: z.number().int().min(1).default(10),
    slow: z.number().int().min(2).default(30),
    /** Only take the long side: a bearish cross closes the long instead of reversing. */
    longOnly: z.boolean().default(false),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

/**
 * Moving-average crossover, always in the market: when the fast SMA crosses above the slow one,
 * close any short and go long; when it crosses below, close any long and go short.
 * backtesting.py's SmaCross example, exactly.
 */
export class SmaCross extends Strategy<z.infer<typeof params>> {
  static params = params;
  static description = 'fast SMA crosses slow SMA: long above, short below (close, then reverse)';

  private fast!: Series;
  private slow!: Series;

  init(ctx: InitContext): void {
    const { fast, slow } = this.params;
    this.fast = ctx.indicator(sma(ctx.bars.close, fast), `SMA(${fast})`);
    this.slow = ctx.indicator(sma(ctx.bars.close, slow), `SMA(${slow})`);
  }

  onBar(ctx: BarContext): void {
    if (crossover(this.fast, this.slow)) {
      ctx.close();
      ctx.buy();
    } else if (crossover(this.slow, this.fast)) {
      ctx.close();
      if (!this.params.longOnly) ctx.sell();
    }
  }
}
