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
import type { CloseOptions, DefaultSizing, ExitReason, FillMode, Order, OrderOptions, OrderReason, StopSpec, Trade } from './types';

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
  entryTime: number;
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
  readonly orders: Order[] = [];
  readonly trades: Trade[] = [];
  cappedOrders = 0;
  private pending: PendingOrder[] = [];
  private stops = false;
  private readonly halfSpread: number;

  constructor(
    private readonly bars: Bars,
    private readonly cfg: BrokerConfig,
    private readonly atrOf: (period: number) => Float64Array,
  ) {
    this.cash = cfg.cash;
    this.halfSpread = cfg.spread / 2;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  equityAt(price: number): number {
    return this.cash + this.units * price;
  }

  // ---- orders from the strategy -------------------------------------------------------------

  submit(kind: 'buy' | 'sell', opts: OrderOptions | undefined, bar: number): void {
    const order: PendingOrder = {
      kind, bar, sizing: sizingOf(opts, this.cfg), closeUnits: NaN, closeFraction: NaN,
      stopLoss: null, takeProfit: null, tag: opts?.tag ?? null,
    };
    if (opts) {
      if (opts.stopLoss !== undefined) order.stopLoss = this.resolveStop(opts.stopLoss, 'stopLoss', bar);
      if (opts.takeProfit !== undefined) order.takeProfit = this.resolveStop(opts.takeProfit, 'takeProfit', bar);
      if (!this.cfg.fractional && 'units' in order.sizing! && !Number.isInteger((order.sizing as { units: number }).units)) {
        throw new StratlabError('BAD_ARGUMENT', `${kind}({ units: ${opts.units} }): whole units only (ask the engine for .fractional() to trade fractions)`);
      }
    }
    this.enqueue(order);
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
    this.enqueue({ kind: 'close', bar, sizing: null, closeUnits: units, closeFraction: fraction, stopLoss: null, takeProfit: null, tag: opts?.tag ?? null });
  }

  private enqueue(order: PendingOrder): void {
    if (this.cfg.fill === 'close') this.execute(order, order.bar, this.bars.close[order.bar]);
    else this.pending.push(order);
  }

  /** next_open: the orders placed at the previous bar fill at this bar's open, in the order placed. */
  fillPending(bar: number): void {
    const queue = this.pending;
    this.pending = [];
    const open = this.bars.open[bar];
    for (const order of queue) this.execute(order, bar, open);
  }

  /** Orders still waiting after the last bar have no bar to fill at. */
  cancelPending(): void {
    for (const order of this.pending) {
      this.record(order.kind === 'sell' || (order.kind === 'close' && this.units > 0) ? 'sell' : 'buy', order.kind === 'close' ? 'exit' : 'entry',
        'cancelled', order.bar, -1, 0, 0, NaN, NaN, 0, false, 'placed at the last bar: no later bar to fill at', order.tag);
    }
    this.pending = [];
  }

  private execute(order: PendingOrder, bar: number, price: number): void {
    if (order.kind === 'close') {
      const held = Math.abs(this.units);
      if (held === 0) return; // nothing to close: not an order
      let qty = held;
      if (order.closeUnits === order.closeUnits) qty = Math.min(held, order.closeUnits);
      else if (order.closeFraction === order.closeFraction) qty = this.cfg.fractional ? held * order.closeFraction : Math.round(held * order.closeFraction);
      if (qty > 0) this.closeUnits(qty, order.bar, bar, price, 'signal', 'exit', order.tag);
      return;
    }
    const dir = order.kind === 'buy' ? 1 : -1;
    if (this.units * dir < 0) this.closeUnits(Math.abs(this.units), order.bar, bar, price, 'signal', 'exit', order.tag);
    this.open(order, dir, bar, price);
  }

  private open(order: PendingOrder, dir: number, bar: number, price: number): void {
    const c = this.cfg.commission;
    const fillPrice = price * (1 + dir * this.halfSpread);
    const equity = this.equityAt(price);
    const unitCost = fillPrice * (1 + c);
    const sizing = order.sizing!;
    let requested: number;
    if ('fraction' in sizing) requested = this.wholeOr(sizing.fraction * equity, unitCost);
    else if ('cash' in sizing) requested = this.wholeOr(sizing.cash, unitCost);
    else requested = sizing.units;
    const side = dir > 0 ? 'buy' : 'sell';
    const reason: OrderReason = 'entry';
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
      const note = capped ? 'rejected: 1x leverage leaves no room for another unit' : requested > 0 ? 'rejected' : 'rejected: equity does not cover one unit';
      this.record(side, reason, 'rejected', order.bar, -1, requested, 0, price, fillPrice, 0, capped, note, order.tag);
      return;
    }
    const commission = c * units * fillPrice;
    this.cash -= dir * units * fillPrice + commission;
    this.units += dir * units;
    const time = this.bars.time[bar];
    this.lots.push({
      units: dir * units, entryPrice: fillPrice, entryBar: bar, entryTime: time, commission,
      stopLoss: levelFor(order.stopLoss, dir, fillPrice, true),
      takeProfit: levelFor(order.takeProfit, dir, fillPrice, false),
      tag: order.tag,
    });
    if (order.stopLoss || order.takeProfit) this.stops = true;
    this.record(side, reason, 'filled', order.bar, bar, requested, units, price, fillPrice, commission, capped, capped ? `cut from ${requested} units by the 1x leverage cap` : null, order.tag);
  }

  private wholeOr(amount: number, unitCost: number): number {
    return this.cfg.fractional ? amount / unitCost : floorDiv(amount, unitCost);
  }

  // ---- exits ---------------------------------------------------------------------------------

  /** Closes `qty` units of the position, oldest lots first, at `price` (before the spread). */
  private closeUnits(qty: number, placedBar: number, bar: number, price: number, why: ExitReason, reason: OrderReason, tag: string | null): void {
    const long = this.units > 0;
    const fillPrice = price * (1 + (long ? -1 : 1) * this.halfSpread);
    const all = qty >= Math.abs(this.units);
    let left = qty, commission = 0;
    while (this.lots.length && (all || left > 0)) {
      const lot = this.lots[0];
      const size = Math.abs(lot.units);
      const take = all ? size : Math.min(size, left);
      commission += this.settle(lot, take, bar, fillPrice, why);
      if (take >= size) this.lots.shift();
      left -= take;
    }
    this.units = this.lots.reduce((s, l) => s + l.units, 0);
    if (!this.lots.some((l) => l.stopLoss === l.stopLoss || l.takeProfit === l.takeProfit)) this.stops = false;
    this.record(long ? 'sell' : 'buy', reason, 'filled', placedBar, bar, qty, qty, price, fillPrice, commission, false, null, tag);
  }

  /** Books the exit of `take` units of `lot` as a trade; returns the exit commission. */
  private settle(lot: Lot, take: number, bar: number, fillPrice: number, why: ExitReason): number {
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
    this.trades.push({
      symbol: this.bars.symbol,
      side: sign > 0 ? 'long' : 'short',
      units: take,
      entryBar: lot.entryBar,
      exitBar: bar,
      entryTime: lot.entryTime,
      exitTime: this.bars.time[bar],
      entryPrice: lot.entryPrice,
      exitPrice: fillPrice,
      pnl,
      returnPct: (pnl / (take * lot.entryPrice)) * 100,
      commission: entryCommission + exitCommission,
      barsHeld: bar - lot.entryBar,
      exitReason: why,
      stopLoss: lot.stopLoss === lot.stopLoss ? lot.stopLoss : null,
      takeProfit: lot.takeProfit === lot.takeProfit ? lot.takeProfit : null,
      tag: lot.tag,
    });
    return exitCommission;
  }

  /**
   * Stop-loss and take-profit against this bar. A gap through a level fills at the open; when both
   * levels lie inside the bar's range the stop-loss is assumed to have come first. Lots entered at
   * this bar's close are not checked until the next bar.
   */
  checkStops(bar: number): void {
    if (!this.stops) return;
    const o = this.bars.open[bar], h = this.bars.high[bar], l = this.bars.low[bar];
    const enteredAtClose = this.cfg.fill === 'close';
    for (let k = 0; k < this.lots.length; ) {
      const lot = this.lots[k];
      if (enteredAtClose && lot.entryBar === bar) {
        k++;
        continue;
      }
      const sl = lot.stopLoss, tp = lot.takeProfit;
      let price = NaN, why: ExitReason = 'stopLoss';
      if (lot.units > 0) {
        if (o <= sl) price = o;
        else if (o >= tp) (price = o), (why = 'takeProfit');
        else if (l <= sl) price = sl;
        else if (h >= tp) (price = tp), (why = 'takeProfit');
      } else {
        if (o >= sl) price = o;
        else if (o <= tp) (price = o), (why = 'takeProfit');
        else if (h >= sl) price = sl;
        else if (l <= tp) (price = tp), (why = 'takeProfit');
      }
      if (price !== price) {
        k++;
        continue;
      }
      this.exitLot(k, bar, price, why);
    }
    this.stops = this.lots.some((x) => x.stopLoss === x.stopLoss || x.takeProfit === x.takeProfit);
  }

  private exitLot(k: number, bar: number, price: number, why: ExitReason): void {
    const lot = this.lots[k];
    const long = lot.units > 0;
    const fillPrice = price * (1 + (long ? -1 : 1) * this.halfSpread);
    const units = Math.abs(lot.units);
    const commission = this.settle(lot, units, bar, fillPrice, why);
    this.lots.splice(k, 1);
    this.units = this.lots.reduce((s, x) => s + x.units, 0);
    this.record(long ? 'sell' : 'buy', why === 'takeProfit' ? 'takeProfit' : 'stopLoss', 'filled', bar, bar, units, units, price, fillPrice, commission, false, null, lot.tag);
  }

  /** After the last bar: whatever is still open is closed at `price`, and its trades say 'end'. */
  closeAll(bar: number, price: number): void {
    if (this.units !== 0) this.closeUnits(Math.abs(this.units), bar, bar, price, 'end', 'end', null);
  }

  // ---- records ---------------------------------------------------------------------------------

  private record(
    side: 'buy' | 'sell', reason: OrderReason, status: Order['status'], bar: number, fillBar: number,
    requestedUnits: number, units: number, basePrice: number, price: number, commission: number,
    capped: boolean, note: string | null, tag: string | null,
  ): void {
    const time = this.bars.time;
    this.orders.push({
      id: this.orders.length + 1, side, reason, status, bar, time: time[bar],
      fillBar, fillTime: fillBar >= 0 ? time[fillBar] : NaN,
      requestedUnits, units, basePrice, price, commission,
      spreadCost: status === 'filled' ? units * Math.abs(price - basePrice) : 0,
      capped, note, tag,
    });
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

function sizingOf(opts: OrderOptions | undefined, cfg: BrokerConfig): DefaultSizing {
  if (!opts) return cfg.sizing;
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
