/**
 * What a strategy sees. InitContext (in init) holds the whole series, to precompute indicators;
 * BarContext (in onBar) reaches prices and indicators only through Series bounded by the current
 * bar, and trades through buy / sell / close.
 */
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { atr } from '../indicators';
import type { Broker } from './broker';
import { Series, type Cursor } from './series';
import type { CloseOptions, OrderOptions, Side } from './types';

/** ATR(period) of `bars`, computed once per period: what ctx.atr and ATR-multiple stops share. */
export function atrProvider(bars: Bars): (period: number) => Float64Array {
  const cache = new Map<number, Float64Array>();
  return (period) => {
    let a = cache.get(period);
    if (!a) cache.set(period, (a = atr(bars.high, bars.low, bars.close, period)));
    return a;
  };
}

/** How an indicator registered in init is drawn by result.display(). */
export type PlotMode = 'overlay' | 'panel' | 'none' | 'auto';

export interface RegisteredIndicator {
  name: string;
  values: Float64Array;
  plot: PlotMode;
  /** Horizontal guide lines for its panel, e.g. [30, 70]. */
  levels?: number[];
  /** Panel shared with other indicators of the same panel name. */
  panel?: string;
}

export interface IndicatorOptions {
  name?: string;
  /** How result.display() draws it: over the price, in its own panel, or not ('auto': over the price when its values lie in the price range). */
  plot?: PlotMode;
  /** Guide lines for its panel, e.g. [30, 70] for an RSI. */
  levels?: number[];
  /** Draw it in the panel of this name, shared with other indicators that give the same one. */
  panel?: string;
}

export class InitContext {
  /** Every indicator registered with `indicator()`, in order. */
  readonly indicators: RegisteredIndicator[] = [];

  constructor(
    /** The whole series the run covers; compute indicators over it, causally. */
    readonly bars: Bars,
    private readonly cursor: Cursor,
    private readonly atrOf: (period: number) => Float64Array,
  ) {}

  get symbol(): string {
    return this.bars.symbol;
  }

  get timeframe(): string {
    return this.bars.timeframe;
  }

  /** Number of bars in the run. */
  get length(): number {
    return this.bars.close.length;
  }

  /**
   * Registers a precomputed indicator and returns its bounded Series for onBar:
   * `ctx.indicator(values, 'SMA 20')`, `ctx.indicator(values, 'RSI', 'panel')` or
   * `ctx.indicator(values, { name: 'RSI', plot: 'panel', levels: [30, 70] })`.
   */
  indicator(values: ArrayLike<number>, nameOrOptions?: string | IndicatorOptions, plot?: PlotMode): Series {
    const opts: IndicatorOptions = typeof nameOrOptions === 'object' && nameOrOptions !== null ? nameOrOptions : { name: nameOrOptions, plot };
    const name = opts.name ?? `indicator ${this.indicators.length + 1}`;
    const arr = values instanceof Float64Array ? values : Float64Array.from(values);
    if (arr.length !== this.length) {
      throw new StratlabError('BAD_ARGUMENT', `indicator '${name}': has ${arr.length} values for ${this.length} bars`);
    }
    this.indicators.push({ name, values: arr, plot: opts.plot ?? (opts.panel ? 'panel' : 'auto'), levels: opts.levels, panel: opts.panel });
    return new Series(arr, this.cursor, name);
  }

  /**
   * ATR(period) as a Series: the very array ATR-multiple stops read (computed once per run), registered
   * like any indicator (not drawn unless `plot` says so).
   */
  atr(period = 14, plot: PlotMode = 'none'): Series {
    return this.indicator(this.atrOf(period), { name: `ATR(${period})`, plot });
  }
}

/** The current bar's fields. */
export interface BarView {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** The open position, read live. */
export interface PositionView {
  /** Signed units: > 0 long, < 0 short, 0 flat. */
  readonly units: number;
  readonly side: Side | 'flat';
  readonly isLong: boolean;
  readonly isShort: boolean;
  readonly isFlat: boolean;
  /** Average entry fill price of the open lots (NaN when flat). */
  readonly entryPrice: number;
  /** Bar of the oldest open lot (-1 when flat), and bars since. */
  readonly entryBar: number;
  readonly barsHeld: number;
  /** Unrealised P&L at the current close, net of entry commission. */
  readonly pnl: number;
  /** |units| × the current close. */
  readonly value: number;
}

// The current bar and the position, read live through the shared cursor. Classes, not object
// literals with getters: a literal builds a closure per getter in every run, which a sweep of
// thousands of short runs pays for in garbage collection.
class LiveBar implements BarView {
  constructor(private readonly b: Bars, private readonly c: Cursor) {}
  get time(): number { return this.b.time[this.c.i]; }
  get open(): number { return this.b.open[this.c.i]; }
  get high(): number { return this.b.high[this.c.i]; }
  get low(): number { return this.b.low[this.c.i]; }
  get close(): number { return this.b.close[this.c.i]; }
  get volume(): number { return this.b.volume[this.c.i]; }
}

class LivePosition implements PositionView {
  constructor(private readonly br: Broker, private readonly b: Bars, private readonly c: Cursor) {}
  get units(): number { return this.br.units; }
  get side(): Side | 'flat' { return this.br.units > 0 ? 'long' : this.br.units < 0 ? 'short' : 'flat'; }
  get isLong(): boolean { return this.br.units > 0; }
  get isShort(): boolean { return this.br.units < 0; }
  get isFlat(): boolean { return this.br.units === 0; }
  get entryPrice(): number {
    const br = this.br;
    if (br.units === 0) return NaN;
    let cost = 0;
    for (const lot of br.lots) cost += lot.units * lot.entryPrice;
    return cost / br.units;
  }
  get entryBar(): number { return this.br.lots.length ? this.br.lots[0].entryBar : -1; }
  get barsHeld(): number { return this.br.lots.length ? this.c.i - this.br.lots[0].entryBar : 0; }
  get pnl(): number {
    let pnl = 0;
    const px = this.b.close[this.c.i];
    for (const lot of this.br.lots) pnl += lot.units * (px - lot.entryPrice) - lot.commission;
    return pnl;
  }
  get value(): number { return Math.abs(this.br.units) * this.b.close[this.c.i]; }
}

type PriceSeries = { readonly time: Series; readonly open: Series; readonly high: Series; readonly low: Series; readonly close: Series; readonly volume: Series };

export class BarContext {
  /** The current bar's fields: `ctx.bar.close`. */
  readonly bar: BarView;
  readonly position: PositionView;
  private priceSeries: PriceSeries | null = null;

  constructor(
    private readonly bars: Bars,
    private readonly cursor: Cursor,
    private readonly broker: Broker,
    /** The strategy's validated parameters. */
    readonly params: Readonly<Record<string, unknown>>,
  ) {
    this.bar = new LiveBar(bars, cursor);
    this.position = new LivePosition(broker, bars, cursor);
  }

  /** Look-back over the price columns: `ctx.data.close.ago(1)` (built on first use: most strategies read indicators only). */
  get data(): PriceSeries {
    if (this.priceSeries) return this.priceSeries;
    const b = this.bars, c = this.cursor;
    return (this.priceSeries = {
      time: new Series(b.time, c, 'time'),
      open: new Series(b.open, c, 'open'),
      high: new Series(b.high, c, 'high'),
      low: new Series(b.low, c, 'low'),
      close: new Series(b.close, c, 'close'),
      volume: new Series(b.volume, c, 'volume'),
    });
  }

  /** Index of the current bar (0-based). */
  get i(): number {
    return this.cursor.i;
  }

  get time(): number {
    return this.bars.time[this.cursor.i];
  }

  get symbol(): string {
    return this.bars.symbol;
  }

  /** Cash + position marked at the current close. */
  get equity(): number {
    return this.broker.equityAt(this.bars.close[this.cursor.i]);
  }

  get cash(): number {
    return this.broker.cash;
  }

  /** Orders placed and not yet filled: next_open fills waiting for the next bar, and working limit / stop orders. */
  get pendingOrders(): number {
    return this.broker.pendingCount + this.broker.workingCount;
  }

  /**
   * Go long (closing a short first). Sized by the engine's default unless `size`, `units` or `cash` is
   * given. A market order unless `limit` and / or `stop` is given (a working order, from the next bar,
   * good for `expiry` bars). Returns the order's id, for cancel() and oco().
   */
  buy(opts?: OrderOptions): number {
    return this.broker.submit('buy', opts, this.cursor.i);
  }

  /** Go short (closing a long first); the options of buy(). */
  sell(opts?: OrderOptions): number {
    return this.broker.submit('sell', opts, this.cursor.i);
  }

  /** Close the position, or part of it (`{ units }`, or `{ fraction }` rounded to the nearest unit, at least one), oldest lots first. */
  close(opts?: CloseOptions): number {
    return this.broker.submitClose(opts, this.cursor.i);
  }

  /** Cancels a working (limit / stop) or waiting order by the id buy() / sell() / close() returned; false when it is no longer waiting. */
  cancel(orderId: number): boolean {
    return this.broker.cancel(orderId, this.cursor.i);
  }

  /** One-cancels-other: when either working order fills, the other is cancelled. */
  oco(orderA: number, orderB: number): void {
    this.broker.oco(orderA, orderB);
  }
}
