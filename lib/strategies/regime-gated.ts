import { z } from 'zod';
import { adx, chop } from '../indicators';
import { parseParams, Strategy, strategyName, type BarContext, type InitContext, type OrderOptions, type Series, type StrategyClass } from '../engine';
// A cycle (the registry lists RegimeGated): strategyByName is only called when parameters are parsed, never at load.
import { strategyByName } from './registry';

const isStrategyClass = (v: unknown): v is StrategyClass =>
  typeof v === 'function' && typeof (v as { params?: { safeParse?: unknown } }).params?.safeParse === 'function';

const schema = z.object({
  /** The strategy to gate: a built-in name (case-insensitive) or a Strategy class. */
  strategy: z
    .union([z.string(), z.custom<StrategyClass>(isStrategyClass)], {
      errorMap: () => ({ message: 'expected a built-in strategy name or a Strategy class' }),
    })
    .default('StochRSIMeanReversion'),
  /** The inner strategy's parameters (its defaults fill the rest). */
  params: z.record(z.unknown()).default({}),
  /** The regime indicator: ADX (trend strength) or CHOP (choppiness index). */
  filter: z.enum(['adx', 'chop']).default('adx'),
  /** The regime indicator's period. */
  period: z.number().int().min(2).default(14),
  /** The regime in which the inner strategy may enter. */
  regime: z.enum(['trending', 'ranging']).default('ranging'),
  /** Default: 25 for adx; for chop 38.2 when trending, 61.8 when ranging. */
  threshold: z.number().min(0).max(100).optional(),
});

// The inner strategy is resolved and its parameters checked when RegimeGated's are (at
// engine.strategy(…)), so a bad name or parameter fails there. Its error is thrown as it is, not
// turned into a zod issue, so it keeps its code (UNKNOWN_STRATEGY) and names the inner strategy.
// The parsed parameters carry the inner defaults and the threshold in force, so results record them.
const params = schema.transform((p) => {
  const Inner = innerClass(p.strategy);
  return {
    ...p,
    strategy: typeof p.strategy === 'string' ? strategyName(Inner) : p.strategy, // the name as registered
    params: parseParams(Inner, p.params) as Record<string, unknown>,
    threshold: p.threshold ?? defaultThreshold(p.filter, p.regime),
  };
});

function innerClass(strategy: string | StrategyClass): StrategyClass {
  return typeof strategy === 'string' ? strategyByName(strategy) : strategy;
}

function defaultThreshold(filter: 'adx' | 'chop', regime: 'trending' | 'ranging'): number {
  if (filter === 'adx') return 25;
  return regime === 'trending' ? 38.2 : 61.8;
}

/**
 * Runs any strategy, but lets it enter only in one market regime. The gate, read at each bar:
 *  - filter 'adx': trending when ADX(period) > threshold, ranging when ADX(period) < threshold;
 *  - filter 'chop': trending when CHOP(period) < threshold, ranging when CHOP(period) > threshold;
 *  - the gate is open in the chosen `regime`, closed otherwise and while the indicator is NaN.
 * The inner strategy sees a gated view of the bar context. While the gate is closed, a buy or
 * sell that would open or add to a position is dropped (and counted in `blockedEntries`); an
 * opposite order while holding a position still closes that position (the reversal is dropped);
 * close() always passes through, and so do stop-losses and take-profits already in place.
 * The inner strategy's indicators are registered for the charts, then the gate's (in a panel).
 */
export class RegimeGated extends Strategy<z.infer<typeof params>> {
  static params = params;
  static description = 'any strategy, entering only in a trending or ranging regime (ADX or CHOP gate)';

  /** The gated strategy, built from `strategy` and `params`. */
  readonly inner: Strategy<object>;
  /** Orders dropped because the gate was closed (a reversal that only closed counts too). */
  blockedEntries = 0;
  /** Bars at which the gate was closed, and bars seen. */
  closedBars = 0;
  barsSeen = 0;

  private gate!: Series;
  private trending = false;
  private isAdx = true;
  private threshold = NaN;
  private view: BarContext | null = null;
  private viewOf: BarContext | null = null;

  constructor(p: z.infer<typeof params>) {
    super(p);
    const Inner = innerClass(p.strategy);
    this.inner = new Inner(parseParams(Inner, p.params));
  }

  init(ctx: InitContext): void {
    this.inner.init(ctx);
    const { filter, period, regime } = this.params;
    const { high, low, close } = ctx.bars;
    const values = filter === 'adx' ? adx(high, low, close, period) : chop(high, low, close, period);
    this.gate = ctx.indicator(values, `${filter === 'adx' ? 'ADX' : 'CHOP'}(${period}) gate`, 'panel');
    this.isAdx = filter === 'adx';
    this.trending = regime === 'trending';
    this.threshold = this.params.threshold;
    this.blockedEntries = this.closedBars = this.barsSeen = 0;
    this.view = this.viewOf = null;
  }

  onBar(ctx: BarContext): void {
    this.barsSeen++;
    if (!this.isOpen) this.closedBars++;
    this.inner.onBar(this.gated(ctx));
  }

  /** What the gate did: entries it dropped and the share of bars it was closed (NaN warm-up bars count as closed). */
  report(): { blockedEntries: number; gateClosedPct: number } {
    return { blockedEntries: this.blockedEntries, gateClosedPct: this.barsSeen ? (this.closedBars / this.barsSeen) * 100 : 0 };
  }

  onEnd(ctx: BarContext): void {
    this.inner.onEnd(this.gated(ctx));
  }

  /** Whether the inner strategy may enter at the current bar. */
  get isOpen(): boolean {
    const v = this.gate.value, t = this.threshold; // NaN compares false: closed
    if (this.isAdx) return this.trending ? v > t : v < t;
    return this.trending ? v < t : v > t;
  }

  /** ctx with buy and sell gated; built once per run (the engine passes the same ctx at every bar). */
  private gated(ctx: BarContext): BarContext {
    if (this.viewOf !== ctx || !this.view) {
      const view = Object.create(ctx) as BarContext;
      view.buy = (opts?: OrderOptions) => this.order(ctx, 1, opts);
      view.sell = (opts?: OrderOptions) => this.order(ctx, -1, opts);
      Object.defineProperty(view, 'params', { value: this.inner.params });
      this.view = view;
      this.viewOf = ctx;
    }
    return this.view;
  }

  /** The order's id, or 0 when the gate blocked the entry. */
  private order(ctx: BarContext, dir: 1 | -1, opts: OrderOptions | undefined): number {
    if (this.isOpen) return dir > 0 ? ctx.buy(opts) : ctx.sell(opts);
    this.blockedEntries++;
    if (ctx.position.units * dir < 0) ctx.close();
    return 0;
  }
}
