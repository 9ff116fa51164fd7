/**
 * The simulated broker: fills market orders and stops, applies the spread and commission, enforces
 * 1× leverage, and records every order and round-trip trade.
 *
 * Costs: a buy fills at price·(1 + spread/2), a sell at price·(1 − spread/2); commission is
 * `commission` × the fill's notional. Equity is cash + units × the bar's price (no spread).
 * Sizing by fraction f of equity E at fill price p′: units = ⌊f·E / (p′·(1 + commission))⌋.
 * Leverage cap: after an order, |units| × p′ + its commission ≤ E; a larger order is cut to fit and
 * counted (`capped`), never silently.
 * A position is a FIFO list of lots (one per entry fill); buy while short (or sell while long)
 * first closes the whole position, then opens the new one sized from the equity that is left.
 */
import { StratlabError } from '../core/errors';
import type { Bars } from '../core/bars';
import { floorDiv } from './sizing';
import { EXIT, OrderLog, REASON, STATUS, TradeLog } from './log';
import type { CloseOptions, DefaultSizing, FillMode, OrderOptions, StopSpec } from './types';

export interface BrokerConfig {
  cash: number;
  spread: number;
  commission: number;
  fill: FillMode;
  fractional: boolean;
  sizing: DefaultSizing;
}

/** One entry fill still (partly) open. */
interface Lot {
  units: number; // signed: > 0 long, < 0 short
  entryPrice: number;
  entryBar: number;
  commission: number; // entry commission not yet assigned to a trade
  stopLoss: number; // NaN: none
  takeProfit: number;
  tag: string | null;
}

/** A stop resolved when the order is placed: an absolute level, or a distance / fraction from the fill. */
interface StopLevel {
  price: number;
  distance: number;
  fraction: number;
}

interface PendingOrder {
  kind: 'buy' | 'sell' | 'close';
  bar: number;
  sizing: DefaultSizing | null;
  closeUnits: number; // close: NaN = everything
  closeFraction: number;
  stopLoss: StopLevel | null;
  takeProfit: StopLevel | null;
  tag: string | null;
}

export class Broker {
  cash: number;
  /** Net units held (signed). */
  units = 0;
  readonly lots: Lot[] = [];
  readonly trades: TradeLog;
  readonly orders: OrderLog;
  cappedOrders = 0;
  private pending: PendingOrder[] = [];
  /** True while a lot has a stop-loss or take-profit: the loop calls checkStops only then. */
  stopsActive = false;
  private readonly spare: Lot[] = []; // closed lots, reused so a long run does not churn the GC
  private readonly halfSpread: number;
  private readonly closeFill: boolean;

  constructor(
    private readonly bars: Bars,
    private readonly cfg: BrokerConfig,
    private readonly atrOf: (period: number) => Float64Array,
    /** Logs to record into (emptied first), to reuse their memory; new ones by default. */
    logs?: { trades: TradeLog; orders: OrderLog },
  ) {
    this.trades = logs ? logs.trades.clear() : new TradeLog();
    this.orders = logs ? logs.orders.clear() : new OrderLog();
    this.cash = cfg.cash;
    this.halfSpread = cfg.spread / 2;
    this.closeFill = cfg.fill === 'close';
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** What a buy (dir 1) or sell (dir −1) at `price` pays or gets: half the spread away from it. */
  private fillPrice(price: number, dir: number): number {
    return price * (1 + dir * this.halfSpread);
  }

  equityAt(price: number): number {
    return this.cash + this.units * price;
  }

  // ---- orders from the strategy -------------------------------------------------------------

  submit(kind: 'buy' | 'sell', opts: OrderOptions | undefined, bar: number): void {
    const sizing = opts ? sizingOf(opts, this.cfg) : this.cfg.sizing;
    let stopLoss: StopLevel | null = null, takeProfit: StopLevel | null = null, tag: string | null = null;
    if (opts) {
      if (opts.stopLoss !== undefined) stopLoss = this.resolveStop(opts.stopLoss, 'stopLoss', bar);
      if (opts.takeProfit !== undefined) takeProfit = this.resolveStop(opts.takeProfit, 'takeProfit', bar);
      if (!this.cfg.fractional && opts.units !== undefined && !Number.isInteger(opts.units)) {
        throw new StratlabError('BAD_ARGUMENT', `${kind}({ units: ${opts.units} }): whole units only (ask the engine for .fractional() to trade fractions)`);
      }
      tag = opts.tag ?? null;
    }
    const dir = kind === 'buy' ? 1 : -1;
    // fill('close') fills now, at this bar's close: nothing to queue.
    if (this.closeFill) this.trade(dir, sizing, stopLoss, takeProfit, tag, bar, bar, this.bars.close[bar]);
    else this.pending.push({ kind, bar, sizing, closeUnits: NaN, closeFraction: NaN, stopLoss, takeProfit, tag });
  }

  submitClose(opts: CloseOptions | undefined, bar: number): void {
    let units = NaN, fraction = NaN;
    if (opts) {
      if (opts.units !== undefined && opts.fraction !== undefined) throw new StratlabError('BAD_ARGUMENT', 'close(): give units or fraction, not both');
      if (opts.units !== undefined) {
        if (!(opts.units > 0)) throw new StratlabError('BAD_ARGUMENT', `close({ units: ${opts.units} }): expected units > 0`);
        units = opts.units;
      }
      if (opts.fraction !== undefined) {
        if (!(opts.fraction > 0 && opts.fraction <= 1)) throw new StratlabError('BAD_ARGUMENT', `close({ fraction: ${opts.fraction} }): expected 0 < fraction ≤ 1`);
        fraction = opts.fraction;
      }
    }
    const tag = opts?.tag ?? null;
    if (this.closeFill) this.reduce(units, fraction, tag, bar, bar, this.bars.close[bar]);
    else this.pending.push({ kind: 'close', bar, sizing: null, closeUnits: units, closeFraction: fraction, stopLoss: null, takeProfit: null, tag });
  }

  /** next_open: the orders placed at the previous bar fill at this bar's open, in the order placed. */
  fillPending(bar: number): void {
    const queue = this.pending;
    this.pending = [];
    const open = this.bars.open[bar];
    for (const o of queue) {
      if (o.kind === 'close') this.reduce(o.closeUnits, o.closeFraction, o.tag, o.bar, bar, open);
      else this.trade(o.kind === 'buy' ? 1 : -1, o.sizing!, o.stopLoss, o.takeProfit, o.tag, o.bar, bar, open);
    }
  }

  /** Orders still waiting after the last bar have no bar to fill at. */
  cancelPending(): void {
    for (const o of this.pending) {
      const side = o.kind === 'buy' ? 1 : o.kind === 'sell' ? -1 : this.units > 0 ? -1 : 1;
      const k = this.orders.push(side, o.kind === 'close' ? REASON.exit : REASON.entry, STATUS.cancelled, o.bar, -1, 0, 0, NaN, NaN, 0, false, o.tag);
      this.orders.notes.set(k, 'placed at the last bar: no later bar to fill at');
    }
    this.pending = [];
  }

  /** close(): all of the position, or `units`, or a `fraction` of it. Closing nothing is not an order. */
  private reduce(units: number, fraction: number, tag: string | null, placedBar: number, bar: number, price: number): void {
    const held = Math.abs(this.units);
    if (held === 0) return;
    let qty = held;
    if (units === units) qty = Math.min(held, units);
    else if (fraction === fraction) qty = this.cfg.fractional ? held * fraction : Math.round(held * fraction);
    if (qty > 0) this.closeUnits(qty, placedBar, bar, price, EXIT.signal, REASON.exit, tag);
  }

  /** buy (dir 1) or sell (dir −1): close an opposite position first, then open or add. */
  private trade(dir: number, sizing: DefaultSizing, sl: StopLevel | null, tp: StopLevel | null, tag: string | null, placedBar: number, bar: number, price: number): void {
    if (this.units * dir < 0) this.closeUnits(Math.abs(this.units), placedBar, bar, price, EXIT.signal, REASON.exit, tag);
    const c = this.cfg.commission;
    const fillPrice = this.fillPrice(price, dir);
    const equity = this.equityAt(price);
    const unitCost = fillPrice * (1 + c);
    let requested: number;
    if ('fraction' in sizing) requested = this.wholeOr(sizing.fraction * equity, unitCost);
    else if ('cash' in sizing) requested = this.wholeOr(sizing.cash, unitCost);
    else requested = sizing.units;
    // 1× leverage: the position's value at the fill price plus this order's commission stays within equity.
    const room = equity - Math.abs(this.units) * fillPrice;
    const max = room > 0 ? this.wholeOr(room, unitCost) : 0;
    let units = requested, capped = false;
    if (units > max) {
      units = max;
      capped = true;
      this.cappedOrders++;
    }
    if (!(units > 0)) {
      const k = this.orders.push(dir, REASON.entry, STATUS.rejected, placedBar, -1, requested, 0, price, fillPrice, 0, capped, tag);
      this.orders.notes.set(k, capped ? 'rejected: 1x leverage leaves no room for another unit' : 'rejected: equity does not cover one unit');
      return;
    }
    const commission = c * units * fillPrice;
    this.cash -= dir * units * fillPrice + commission;
    this.units += dir * units;
    const lot = this.spare.pop() ?? ({} as Lot);
    lot.units = dir * units;
    lot.entryPrice = fillPrice;
    lot.entryBar = bar;
    lot.commission = commission;
    lot.stopLoss = levelFor(sl, dir, fillPrice, true);
    lot.takeProfit = levelFor(tp, dir, fillPrice, false);
    lot.tag = tag;
    this.lots.push(lot);
    if (sl || tp) this.stopsActive = true;
    const k = this.orders.push(dir, REASON.entry, STATUS.filled, placedBar, bar, requested, units, price, fillPrice, commission, capped, tag);
    if (capped) this.orders.notes.set(k, `cut from ${requested} units by the 1x leverage cap`);
  }

  private wholeOr(amount: number, unitCost: number): number {
    return this.cfg.fractional ? amount / unitCost : floorDiv(amount, unitCost);
  }

  // ---- exits ---------------------------------------------------------------------------------

  /** Closes `qty` units of the position, oldest lots first, at `price` (before the spread). */
  private closeUnits(qty: number, placedBar: number, bar: number, price: number, why: number, reason: number, tag: string | null): void {
    const long = this.units > 0;
    const fillPrice = this.fillPrice(price, long ? -1 : 1);
    const all = qty >= Math.abs(this.units);
    let left = qty, commission = 0;
    while (this.lots.length && (all || left > 0)) {
      const lot = this.lots[0];
      const size = Math.abs(lot.units);
      const take = all ? size : Math.min(size, left);
      commission += this.settle(lot, take, bar, fillPrice, why);
      if (take >= size) this.spare.push(this.lots.shift()!);
      left -= take;
    }
    this.afterExit();
    this.orders.push(long ? -1 : 1, reason, STATUS.filled, placedBar, bar, qty, qty, price, fillPrice, commission, false, tag);
  }

  /** Books the exit of `take` units of `lot` as a trade; returns the exit commission. */
  private settle(lot: Lot, take: number, bar: number, fillPrice: number, why: number): number {
    const size = Math.abs(lot.units);
    const sign = lot.units > 0 ? 1 : -1;
    const entryCommission = take >= size ? lot.commission : lot.commission * (take / size);
    const exitCommission = this.cfg.commission * take * fillPrice;
    const pnl = sign * take * (fillPrice - lot.entryPrice) - entryCommission - exitCommission;
    this.cash += sign * take * fillPrice - exitCommission;
    if (take < size) {
      lot.units -= sign * take;
      lot.commission -= entryCommission;
    }
    this.trades.push(sign, take, lot.entryBar, bar, lot.entryPrice, fillPrice, pnl, entryCommission + exitCommission, why, lot.stopLoss, lot.takeProfit, lot.tag);
    return exitCommission;
  }

  private afterExit(): void {
    let units = 0, stops = false;
    for (const lot of this.lots) {
      units += lot.units;
      if (lot.stopLoss === lot.stopLoss || lot.takeProfit === lot.takeProfit) stops = true;
    }
    this.units = units;
    this.stopsActive = stops;
  }

  /**
   * Stop-loss and take-profit against this bar. A gap through a level fills at the open; when both
   * levels lie inside the bar's range the stop-loss is assumed to have come first. Lots entered at
   * this bar's close are not checked until the next bar.
   */
  checkStops(bar: number): void {
    const o = this.bars.open[bar], h = this.bars.high[bar], l = this.bars.low[bar];
    for (let k = 0; k < this.lots.length; ) {
      const lot = this.lots[k];
      if (this.closeFill && lot.entryBar === bar) {
        k++;
        continue;
      }
      const sl = lot.stopLoss, tp = lot.takeProfit;
      let price = NaN, why: number = EXIT.stopLoss;
      if (lot.units > 0) {
        if (o <= sl) price = o;
        else if (o >= tp) (price = o), (why = EXIT.takeProfit);
        else if (l <= sl) price = sl;
        else if (h >= tp) (price = tp), (why = EXIT.takeProfit);
      } else {
        if (o >= sl) price = o;
        else if (o <= tp) (price = o), (why = EXIT.takeProfit);
        else if (h >= sl) price = sl;
        else if (l <= tp) (price = tp), (why = EXIT.takeProfit);
      }
      if (price !== price) {
        k++;
        continue;
      }
      this.exitLot(k, bar, price, why);
    }
  }

  private exitLot(k: number, bar: number, price: number, why: number): void {
    const lot = this.lots[k];
    const long = lot.units > 0;
    const fillPrice = this.fillPrice(price, long ? -1 : 1);
    const units = Math.abs(lot.units);
    const commission = this.settle(lot, units, bar, fillPrice, why);
    this.spare.push(this.lots.splice(k, 1)[0]);
    this.afterExit();
    this.orders.push(long ? -1 : 1, why === EXIT.takeProfit ? REASON.takeProfit : REASON.stopLoss, STATUS.filled, bar, bar, units, units, price, fillPrice, commission, false, lot.tag);
  }

  /** After the last bar: whatever is still open is closed at `price`, and its trades say 'end'. */
  closeAll(bar: number, price: number): void {
    if (this.units !== 0) this.closeUnits(Math.abs(this.units), bar, bar, price, EXIT.end, REASON.end, null);
  }

  private resolveStop(spec: StopSpec, which: 'stopLoss' | 'takeProfit', bar: number): StopLevel {
    if (typeof spec === 'number') {
      if (!(spec > 0)) throw new StratlabError('BAD_ARGUMENT', `${which}: expected a price > 0, got ${spec}`);
      return { price: spec, distance: NaN, fraction: NaN };
    }
    if (spec && typeof spec === 'object' && 'atr' in spec) {
      const period = spec.period ?? 14;
      if (!(spec.atr > 0)) throw new StratlabError('BAD_ARGUMENT', `${which}: expected { atr: multiple > 0 }, got ${spec.atr}`);
      const atr = this.atrOf(period)[bar];
      if (!(atr === atr)) {
        throw new StratlabError('BAD_ARGUMENT', `${which}: { atr: ${spec.atr} } needs ATR(${period}), which is not defined until bar ${period}`, {
          hint: 'wait for the warm-up before entering with an ATR stop',
        });
      }
      return { price: NaN, distance: spec.atr * atr, fraction: NaN };
    }
    if (spec && typeof spec === 'object' && 'pct' in spec) {
      if (!(spec.pct > 0)) throw new StratlabError('BAD_ARGUMENT', `${which}: expected { pct: fraction > 0 }, got ${spec.pct}`);
      return { price: NaN, distance: NaN, fraction: spec.pct };
    }
    throw new StratlabError('BAD_ARGUMENT', `${which}: expected a price, { atr: multiple } or { pct: fraction }`);
  }
}

/** The stop's price for an entry filled at `entry`: below it for a long's stop-loss, above for its take-profit. */
function levelFor(level: StopLevel | null, dir: number, entry: number, isStop: boolean): number {
  if (!level) return NaN;
  if (level.price === level.price) return level.price;
  const away = isStop ? -dir : dir;
  if (level.distance === level.distance) return entry + away * level.distance;
  return entry * (1 + away * level.fraction);
}

function sizingOf(opts: OrderOptions, cfg: BrokerConfig): DefaultSizing {
  const given = (opts.size !== undefined ? 1 : 0) + (opts.units !== undefined ? 1 : 0) + (opts.cash !== undefined ? 1 : 0);
  if (given > 1) throw new StratlabError('BAD_ARGUMENT', 'order: give one of size, units or cash');
  if (opts.size !== undefined) {
    if (!(opts.size > 0 && opts.size <= 1)) throw new StratlabError('BAD_ARGUMENT', `order size: expected a fraction of equity, 0 < size ≤ 1, got ${opts.size}`, { hint: 'for a number of units use { units: N }' });
    return { fraction: opts.size };
  }
  if (opts.units !== undefined) {
    if (!(opts.units > 0) || !Number.isFinite(opts.units)) throw new StratlabError('BAD_ARGUMENT', `order units: expected a number > 0, got ${opts.units}`);
    return { units: opts.units };
  }
  if (opts.cash !== undefined) {
    if (!(opts.cash > 0) || !Number.isFinite(opts.cash)) throw new StratlabError('BAD_ARGUMENT', `order cash: expected an amount > 0, got ${opts.cash}`);
    return { cash: opts.cash };
  }
  return cfg.sizing;
}
