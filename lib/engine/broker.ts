/**
 * The simulated broker: fills market orders, working (limit / stop) orders and stops, applies the
 * spread and commission, enforces the margin model (leverage cap, margin calls, the stop at zero
 * equity), and records every order and round-trip trade.
 *
 * Costs: a buy fills at price·(1 + spread/2), a sell at price·(1 − spread/2); commission is
 * `commission` × the fill's notional. Equity is cash + units × the bar's price (no spread).
 * Sizing by fraction f of equity E at fill price p′ with margin m (leverage 1/m):
 * units = ⌊(E/m)·f / (p′·(1 + commission))⌋.
 * Leverage cap: after an order, |units| × p′ + its commission ≤ E / m; a larger order is cut to fit
 * and counted (`capped`), never silently. Margin calls: see margin.ts; working orders: orders.ts.
 * A position is a FIFO list of lots (one per entry fill); buy while short (or sell while long)
 * first closes the whole position, then opens the new one sized from the equity that is left.
 */
import { StratlabError } from '../core/errors';
import type { Bars } from '../core/bars';
import { floorDiv } from './sizing';
import { EXIT, OrderLog, REASON, STATUS, TradeLog } from './log';
import { marginCallPrice } from './margin';
import { checkWorkingPrices, orderType, workingFill, type StopLevel, type TrailLevel, type WorkingOrder } from './orders';
import type { CloseOptions, DefaultSizing, FillMode, OrderOptions, StopSpec, TrailSpec } from './types';

export interface BrokerConfig {
  cash: number;
  spread: number;
  commission: number;
  fill: FillMode;
  fractional: boolean;
  sizing: DefaultSizing;
  /** Initial margin, a fraction of position value: 1 = no leverage (default), 0.5 = 2×. */
  margin?: number;
  /** Maintenance margin (default margin / 2): when equity falls below it, a margin call closes the position. */
  maintenance?: number;
}

/** Why and where a run stopped before its last bar. */
export interface RunStop {
  bar: number;
  reason: 'zeroEquity';
  note: string;
}

/** One entry fill still (partly) open. */
interface Lot {
  units: number; // signed: > 0 long, < 0 short
  entryPrice: number;
  entryBar: number;
  /** First bar its stops are checked against (an earlier part of the entry bar came before the fill). */
  armedBar: number;
  commission: number; // entry commission not yet assigned to a trade
  stopLoss: number; // NaN: none
  takeProfit: number;
  /** Trailing stop: a fraction of the close, or an ATR multiple with its ATR column (NaN / null: none). */
  trailPct: number;
  trailAtrMultiple: number;
  trailAtr: Float64Array | null;
  tag: string | null;
}

interface PendingOrder {
  ref: number;
  kind: 'buy' | 'sell' | 'close';
  bar: number;
  sizing: DefaultSizing | null;
  closeUnits: number; // close: NaN = everything
  closeFraction: number;
  stopLoss: StopLevel | null;
  takeProfit: StopLevel | null;
  trail: TrailLevel | null;
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
  // next_open market orders: slots 0..pendingN−1 wait for the next open; the slots after them hold
  // objects already filled, reused by the next orders (a run of thousands of orders would otherwise
  // make the young-generation GC one of its largest costs).
  private readonly pending: PendingOrder[] = [];
  private pendingN = 0;
  /** Limit / stop orders waiting for their price, in the order placed. */
  private working: WorkingOrder[] = [];
  /** True while a lot has a stop-loss or take-profit: the loop calls checkStops only then. */
  stopsActive = false;
  /** True while a lot has a trailing stop: the loop calls updateTrailing only then. */
  trailActive = false;
  /** The price that triggers a margin call on the open position (NaN: none); the loop checks it only while marginActive. */
  marginLevel = NaN;
  marginActive = false;
  /** Set when equity reached zero and the run stopped. */
  stopped: RunStop | null = null;
  private nextRef = 1;
  private readonly spare: Lot[] = []; // closed lots, reused so a long run does not churn the GC
  private readonly halfSpread: number;
  private readonly closeFill: boolean;
  private readonly leverage: number;
  private readonly maintenance: number;

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
    const margin = cfg.margin ?? 1;
    this.leverage = 1 / margin;
    this.maintenance = cfg.maintenance ?? margin / 2;
  }

  /** Market orders waiting for the next open. */
  get pendingCount(): number {
    return this.pendingN;
  }

  /** Limit / stop orders waiting for their price. */
  get workingCount(): number {
    return this.working.length;
  }

  /** What a buy (dir 1) or sell (dir −1) at `price` pays or gets: half the spread away from it. */
  private fillPrice(price: number, dir: number): number {
    return price * (1 + dir * this.halfSpread);
  }

  equityAt(price: number): number {
    return this.cash + this.units * price;
  }

  // ---- orders from the strategy -------------------------------------------------------------

  /** A buy or sell from the strategy; returns its id (for cancel() and oco()). */
  submit(kind: 'buy' | 'sell', opts: OrderOptions | undefined, bar: number): number {
    const ref = this.nextRef++;
    const dir = kind === 'buy' ? 1 : -1;
    if (!opts) {
      // Most strategies' hot path: a market order at the default size.
      if (this.closeFill) this.trade(dir, this.cfg.sizing, null, null, null, null, bar, bar, this.bars.close[bar], ref, null);
      else this.queue(ref, kind, bar, this.cfg.sizing, NaN, NaN, null, null, null, null);
      return ref;
    }
    const sizing = sizingOf(opts, this.cfg);
    if (opts.stopLoss !== undefined && opts.trailingStop !== undefined) {
      throw new StratlabError('BAD_ARGUMENT', `${kind}(): give stopLoss or trailingStop, not both`, { hint: 'a trailing stop is the stop-loss, moved with each close' });
    }
    const stopLoss = opts.stopLoss !== undefined ? this.resolveStop(opts.stopLoss, 'stopLoss', bar) : null;
    const takeProfit = opts.takeProfit !== undefined ? this.resolveStop(opts.takeProfit, 'takeProfit', bar) : null;
    const trail = opts.trailingStop !== undefined ? this.resolveTrail(opts.trailingStop, bar) : null;
    if (!this.cfg.fractional && opts.units !== undefined && !Number.isInteger(opts.units)) {
      throw new StratlabError('BAD_ARGUMENT', `${kind}({ units: ${opts.units} }): whole units only (ask the engine for .fractional() to trade fractions)`);
    }
    const tag = opts.tag ?? null;
    if (opts.limit !== undefined || opts.stop !== undefined || opts.expiry !== undefined) {
      checkWorkingPrices(kind, opts.limit, opts.stop, opts.expiry);
      const limit = opts.limit ?? NaN, stop = opts.stop ?? NaN;
      checkBracket(kind, dir, limit === limit ? limit : stop, stopLoss, takeProfit);
      this.working.push({
        ref, dir, bar, lastBar: opts.expiry !== undefined ? bar + opts.expiry : Infinity, limit, stop, triggered: false,
        sizing, stopLoss, takeProfit, trail, tag, oco: 0,
      });
      return ref;
    }
    // fill('close') fills now, at this bar's close: nothing to queue.
    if (this.closeFill) this.trade(dir, sizing, stopLoss, takeProfit, trail, tag, bar, bar, this.bars.close[bar], ref, null);
    else this.queue(ref, kind, bar, sizing, NaN, NaN, stopLoss, takeProfit, trail, tag);
    return ref;
  }

  submitClose(opts: CloseOptions | undefined, bar: number): number {
    const ref = this.nextRef++;
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
    if (this.closeFill) this.reduce(units, fraction, tag, bar, bar, this.bars.close[bar], ref);
    else this.queue(ref, 'close', bar, null, units, fraction, null, null, null, tag);
    return ref;
  }

  /** Cancels a working or waiting order by id; true when there was one to cancel. */
  cancel(ref: number, bar: number): boolean {
    const w = this.working.findIndex((o) => o.ref === ref);
    if (w >= 0) {
      this.dropWorking(w, STATUS.cancelled, `cancelled by the strategy at bar ${bar}`);
      return true;
    }
    let p = 0;
    while (p < this.pendingN && this.pending[p].ref !== ref) p++;
    if (p < this.pendingN) {
      const o = this.pending.splice(p, 1)[0];
      this.pendingN--;
      const k = this.orders.push(this.pendingSide(o), o.kind === 'close' ? REASON.exit : REASON.entry, STATUS.cancelled, o.bar, -1, 0, 0, NaN, NaN, 0, false, o.tag, o.ref);
      this.orders.notes.set(k, `cancelled by the strategy at bar ${bar}`);
      return true;
    }
    return false;
  }

  /** Links two working orders: when one fills, the other is cancelled. */
  oco(a: number, b: number): void {
    const wa = this.working.find((o) => o.ref === a), wb = this.working.find((o) => o.ref === b);
    if (!wa || !wb || a === b) {
      const why = a === b ? 'an order cannot cancel itself' : `order ${!wa ? a : b} is not a working limit / stop order`;
      throw new StratlabError('BAD_ARGUMENT', `oco(${a}, ${b}): ${why}`, { hint: 'link the ids that buy({ limit }) / sell({ stop }) returned, while both still wait' });
    }
    wa.oco = b;
    wb.oco = a;
  }

  /** next_open: the orders placed at the previous bar fill at this bar's open, in the order placed. */
  fillPending(bar: number): void {
    const n = this.pendingN;
    this.pendingN = 0; // filling queues nothing: the slots are free again once read
    const open = this.bars.open[bar];
    for (let k = 0; k < n; k++) {
      const o = this.pending[k];
      if (o.kind === 'close') this.reduce(o.closeUnits, o.closeFraction, o.tag, o.bar, bar, open, o.ref);
      else this.trade(o.kind === 'buy' ? 1 : -1, o.sizing!, o.stopLoss, o.takeProfit, o.trail, o.tag, o.bar, bar, open, o.ref, null);
    }
  }

  /** Queues a next_open order in the next free slot. */
  private queue(ref: number, kind: PendingOrder['kind'], bar: number, sizing: DefaultSizing | null, closeUnits: number, closeFraction: number,
    stopLoss: StopLevel | null, takeProfit: StopLevel | null, trail: TrailLevel | null, tag: string | null): void {
    const k = this.pendingN++;
    if (k === this.pending.length) {
      this.pending.push({ ref, kind, bar, sizing, closeUnits, closeFraction, stopLoss, takeProfit, trail, tag });
      return;
    }
    const o = this.pending[k];
    o.ref = ref;
    o.kind = kind;
    o.bar = bar;
    o.sizing = sizing;
    o.closeUnits = closeUnits;
    o.closeFraction = closeFraction;
    o.stopLoss = stopLoss;
    o.takeProfit = takeProfit;
    o.trail = trail;
    o.tag = tag;
  }

  private pendingSide(o: PendingOrder): number {
    return o.kind === 'buy' ? 1 : o.kind === 'sell' ? -1 : this.units > 0 ? -1 : 1;
  }

  /** Orders still waiting after the last bar (or when the run stopped) have no bar to fill at. */
  cancelPending(note = 'placed at the last bar: no later bar to fill at', workingNote = 'still working after the last bar'): void {
    for (let p = 0; p < this.pendingN; p++) {
      const o = this.pending[p];
      const k = this.orders.push(this.pendingSide(o), o.kind === 'close' ? REASON.exit : REASON.entry, STATUS.cancelled, o.bar, -1, 0, 0, NaN, NaN, 0, false, o.tag, o.ref);
      this.orders.notes.set(k, note);
    }
    this.pendingN = 0;
    while (this.working.length) this.dropWorking(0, STATUS.cancelled, workingNote);
  }

  // ---- working orders (limit, stop, stop-limit) ---------------------------------------------

  /**
   * Checks the working orders placed before this bar against it, in the order placed (rules in
   * orders.ts). A fill cancels its OCO partner; an order that reached its last bar unfilled expires.
   */
  checkWorking(bar: number): void {
    const o = this.bars.open[bar], h = this.bars.high[bar], l = this.bars.low[bar];
    for (let k = 0; k < this.working.length; ) {
      const w = this.working[k];
      if (w.bar >= bar) {
        k++;
        continue;
      }
      const price = workingFill(w, o, h, l);
      if (price !== price) {
        if (w.lastBar <= bar) this.dropWorking(k, STATUS.expired, `expired: not filled by bar ${bar}`);
        else k++;
        continue;
      }
      this.working.splice(k, 1);
      if (w.oco) {
        const p = this.working.findIndex((x) => x.ref === w.oco);
        if (p >= 0) {
          this.dropWorking(p, STATUS.cancelled, `cancelled: its one-cancels-other partner (order ${w.ref}) filled at bar ${bar}`);
          if (p < k) k--;
        }
      }
      const lot = this.trade(w.dir, w.sizing, w.stopLoss, w.takeProfit, w.trail, w.tag, w.bar, bar, price, w.ref, w);
      // A stop entry that went on to its take-profit within the bar, its stop-loss outside the bar's
      // range: entry and target lie in the direction the price moved, so the target came after.
      if (lot && w.limit !== w.limit && lot.takeProfit === lot.takeProfit) {
        const tp = lot.takeProfit, sl = lot.stopLoss;
        const hit = w.dir > 0 ? tp <= h && !(sl >= l) : tp >= l && !(sl <= h);
        if (hit) this.exitLot(this.lots.indexOf(lot), bar, w.dir > 0 ? Math.max(tp, o) : Math.min(tp, o), EXIT.takeProfit);
      }
    }
  }

  private dropWorking(k: number, status: number, note: string): void {
    const w = this.working.splice(k, 1)[0];
    const row = this.orders.push(w.dir, REASON.entry, status, w.bar, -1, 0, 0, NaN, NaN, 0, false, w.tag, w.ref);
    this.orders.working.set(row, { type: orderType(w), limit: w.limit, stop: w.stop });
    this.orders.notes.set(row, note);
  }

  // ---- fills ---------------------------------------------------------------------------------

  /** close(): all of the position, or `units`, or a `fraction` of it (rounded to the nearest unit, at least one). Closing nothing is not an order. */
  private reduce(units: number, fraction: number, tag: string | null, placedBar: number, bar: number, price: number, ref: number): void {
    const held = Math.abs(this.units);
    if (held === 0) return;
    let qty = held;
    if (units === units) qty = Math.min(held, units);
    else if (fraction === fraction) qty = this.cfg.fractional ? held * fraction : Math.min(held, Math.max(1, Math.round(held * fraction)));
    if (qty > 0) this.closeUnits(qty, placedBar, bar, price, EXIT.signal, REASON.exit, tag, ref);
  }

  /**
   * buy (dir 1) or sell (dir −1): close an opposite position first, then open or add. `w` is the
   * working order that filled (null for a market order). Returns the lot opened, or null.
   */
  private trade(dir: number, sizing: DefaultSizing, sl: StopLevel | null, tp: StopLevel | null, trail: TrailLevel | null, tag: string | null,
    placedBar: number, bar: number, price: number, ref: number, w: WorkingOrder | null): Lot | null {
    if (this.units * dir < 0) this.closeUnits(Math.abs(this.units), placedBar, bar, price, EXIT.signal, REASON.exit, tag, 0);
    const c = this.cfg.commission;
    const fillPrice = this.fillPrice(price, dir);
    const equity = this.equityAt(price);
    const buyingPower = equity * this.leverage;
    const unitCost = fillPrice * (1 + c);
    let requested: number;
    if ('fraction' in sizing) requested = this.wholeOr(buyingPower * sizing.fraction, unitCost);
    else if ('cash' in sizing) requested = this.wholeOr(sizing.cash, unitCost);
    else requested = sizing.units;
    // Leverage cap: the position's value at the fill price plus this order's commission stays within equity / margin.
    const room = buyingPower - Math.abs(this.units) * fillPrice;
    const max = room > 0 ? this.wholeOr(room, unitCost) : 0;
    let units = requested, capped = false;
    if (units > max) {
      units = max;
      capped = true;
      this.cappedOrders++;
    }
    if (!(units > 0)) {
      const k = this.orders.push(dir, REASON.entry, STATUS.rejected, placedBar, -1, requested, 0, price, fillPrice, 0, capped, tag, ref);
      this.orders.notes.set(k, capped ? `rejected: ${this.leverageText()} leverage leaves no room for another unit` : 'rejected: equity does not cover one unit');
      if (w) this.orders.working.set(k, { type: orderType(w), limit: w.limit, stop: w.stop });
      return null;
    }
    const commission = c * units * fillPrice;
    this.cash -= dir * units * fillPrice + commission;
    this.units += dir * units;
    const lot = this.spare.pop() ?? ({} as Lot);
    lot.units = dir * units;
    lot.entryPrice = fillPrice;
    lot.entryBar = bar;
    // A market fill at the open is checked against the rest of its bar; a fill at the close, or one
    // somewhere inside the bar (a working order), from the next bar on.
    lot.armedBar = w || this.closeFill ? bar + 1 : bar;
    lot.commission = commission;
    lot.stopLoss = levelFor(sl, dir, fillPrice, true);
    lot.takeProfit = levelFor(tp, dir, fillPrice, false);
    lot.trailPct = NaN;
    lot.trailAtrMultiple = NaN;
    lot.trailAtr = null;
    if (trail) {
      lot.stopLoss = fillPrice - dir * trail.distance * (trail.pct === trail.pct ? fillPrice : 1);
      lot.trailPct = trail.pct;
      lot.trailAtrMultiple = trail.atrMultiple;
      lot.trailAtr = trail.atr;
      this.trailActive = true;
    }
    lot.tag = tag;
    this.lots.push(lot);
    if (sl || tp || trail) this.stopsActive = true;
    const k = this.orders.push(dir, REASON.entry, STATUS.filled, placedBar, bar, requested, units, price, fillPrice, commission, capped, tag, ref);
    if (w) this.orders.working.set(k, { type: orderType(w), limit: w.limit, stop: w.stop });
    if (capped) this.orders.notes.set(k, `cut from ${requested} units by the ${this.leverageText()} leverage cap`);
    this.refreshMargin();
    return lot;
  }

  private leverageText(): string {
    return `${+this.leverage.toFixed(2)}x`;
  }

  private wholeOr(amount: number, unitCost: number): number {
    return this.cfg.fractional ? amount / unitCost : floorDiv(amount, unitCost);
  }

  // ---- exits ---------------------------------------------------------------------------------

  /** Closes `qty` units of the position, oldest lots first, at `price` (before the spread); returns the order's row. */
  private closeUnits(qty: number, placedBar: number, bar: number, price: number, why: number, reason: number, tag: string | null, ref: number): number {
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
    return this.orders.push(long ? -1 : 1, reason, STATUS.filled, placedBar, bar, qty, qty, price, fillPrice, commission, false, tag, ref);
  }

  /** Books the exit of `take` units of `lot` as a trade; returns the exit commission. */
  private settle(lot: Lot, take: number, bar: number, fillPrice: number, why: number): number {
    const size = Math.abs(lot.units);
    const sign = lot.units > 0 ? 1 : -1;
    // A partial exit books only its share of the entry commission; the rest stays with the lot.
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
    let units = 0, stops = false, trail = false;
    for (const lot of this.lots) {
      units += lot.units;
      if (lot.stopLoss === lot.stopLoss || lot.takeProfit === lot.takeProfit) stops = true;
      if (lot.trailAtr !== null || lot.trailPct === lot.trailPct) trail = true;
    }
    this.units = units;
    this.stopsActive = stops;
    this.trailActive = trail;
    this.refreshMargin();
  }

  /** The margin-call price of the position as it now stands (margin.ts). */
  private refreshMargin(): void {
    const level = this.units === 0 ? NaN : marginCallPrice(this.cash, this.units, this.maintenance);
    this.marginLevel = level;
    this.marginActive = level === level;
  }

  /**
   * Stop-losses (trailing or not) and take-profits against this bar. A gap through a level fills at
   * the open; when both levels lie inside the bar's range the stop-loss is assumed to have come
   * first, for longs and shorts alike. A lot is checked from its armedBar on.
   */
  checkStops(bar: number): void {
    const o = this.bars.open[bar], h = this.bars.high[bar], l = this.bars.low[bar];
    for (let k = 0; k < this.lots.length; ) {
      const lot = this.lots[k];
      if (lot.armedBar > bar) {
        k++;
        continue;
      }
      const sl = lot.stopLoss, tp = lot.takeProfit;
      const stopWhy: number = lot.trailAtr !== null || lot.trailPct === lot.trailPct ? EXIT.trailingStop : EXIT.stopLoss;
      let price = NaN, why = stopWhy;
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
    const tag = lot.tag;
    const commission = this.settle(lot, units, bar, fillPrice, why);
    this.spare.push(this.lots.splice(k, 1)[0]);
    this.afterExit();
    const reason = why === EXIT.takeProfit ? REASON.takeProfit : why === EXIT.trailingStop ? REASON.trailingStop : REASON.stopLoss;
    this.orders.push(long ? -1 : 1, reason, STATUS.filled, bar, bar, units, units, price, fillPrice, commission, false, tag);
  }

  /** Trailing stops follow this bar's close (after onBar), never loosening. */
  updateTrailing(bar: number): void {
    const close = this.bars.close[bar];
    for (const lot of this.lots) {
      let distance: number;
      if (lot.trailPct === lot.trailPct) distance = close * lot.trailPct;
      else if (lot.trailAtr !== null) distance = lot.trailAtrMultiple * lot.trailAtr[bar];
      else continue;
      if (!(distance === distance)) continue;
      if (lot.units > 0) {
        const level = close - distance;
        if (level > lot.stopLoss) lot.stopLoss = level;
      } else {
        const level = close + distance;
        if (level < lot.stopLoss) lot.stopLoss = level;
      }
    }
  }

  /**
   * A margin call: when this bar reaches the price at which equity no longer covers the maintenance
   * margin (at the open on a gap), the whole position is closed there. Checked after the bar's stops.
   */
  checkMargin(bar: number): void {
    const level = this.marginLevel;
    const o = this.bars.open[bar];
    let price = NaN;
    if (this.units > 0) price = o <= level ? o : this.bars.low[bar] <= level ? level : NaN;
    else if (this.units < 0) price = o >= level ? o : this.bars.high[bar] >= level ? level : NaN;
    if (price !== price) return;
    const units = this.units, value = Math.abs(units) * price, equity = this.equityAt(price);
    const k = this.closeUnits(Math.abs(units), bar, bar, price, EXIT.marginCall, REASON.marginCall, null, 0);
    this.orders.notes.set(k, `margin call at ${fmt(price)}: equity ${fmt(equity)} below the maintenance margin ${fmt(this.maintenance * value)} (${this.maintenance} × position value ${fmt(value)})`);
  }

  /**
   * Equity reached zero at this bar's close: everything open is closed at the close, waiting orders
   * are cancelled and the account is left at zero (a shortfall beyond zero is written off, as
   * backtesting.py does). The run stops here.
   */
  stopOut(bar: number, time: string): void {
    const close = this.bars.close[bar];
    if (this.units !== 0) {
      const k = this.closeUnits(Math.abs(this.units), bar, bar, close, EXIT.marginCall, REASON.marginCall, null, 0);
      this.orders.notes.set(k, `equity reached zero at bar ${bar}: the position was closed and the run stopped`);
    }
    const shortfall = -this.cash;
    this.cash = 0;
    const note = `equity reached zero at bar ${bar} (${time}): positions closed at the close, waiting orders cancelled, the run stopped` +
      (shortfall > 0 ? `; a shortfall of ${fmt(shortfall)} beyond zero was written off` : '');
    this.stopped = { bar, reason: 'zeroEquity', note };
    this.cancelPending(`cancelled: the run stopped at bar ${bar} (equity reached zero)`, `cancelled: the run stopped at bar ${bar} (equity reached zero)`);
  }

  /** After the last bar: whatever is still open is closed at `price`, and its trades say 'end'. */
  closeAll(bar: number, price: number): void {
    if (this.units !== 0) this.closeUnits(Math.abs(this.units), bar, bar, price, EXIT.end, REASON.end, null, 0);
  }

  private resolveStop(spec: StopSpec, which: 'stopLoss' | 'takeProfit', bar: number): StopLevel {
    if (typeof spec === 'number') {
      if (!(spec > 0)) throw new StratlabError('BAD_ARGUMENT', `${which}: expected a price > 0, got ${spec}`);
      return { price: spec, distance: NaN, fraction: NaN };
    }
    if (spec && typeof spec === 'object' && 'atr' in spec) {
      return { price: NaN, distance: this.atrDistance(spec.atr, spec.period ?? 14, which, bar), fraction: NaN };
    }
    if (spec && typeof spec === 'object' && 'pct' in spec) {
      if (!(spec.pct > 0)) throw new StratlabError('BAD_ARGUMENT', `${which}: expected { pct: fraction > 0 }, got ${spec.pct}`);
      return { price: NaN, distance: NaN, fraction: spec.pct };
    }
    throw new StratlabError('BAD_ARGUMENT', `${which}: expected a price, { atr: multiple } or { pct: fraction }`);
  }

  private resolveTrail(spec: TrailSpec, bar: number): TrailLevel {
    if (spec && typeof spec === 'object' && 'pct' in spec) {
      if (!(spec.pct > 0 && spec.pct < 1)) throw new StratlabError('BAD_ARGUMENT', `trailingStop: expected { pct: fraction }, 0 < pct < 1, got ${spec.pct}`, { hint: '0.05 trails 5 % behind the close' });
      return { pct: spec.pct, atrMultiple: NaN, atr: null, distance: spec.pct };
    }
    if (spec && typeof spec === 'object' && 'atr' in spec) {
      const period = spec.period ?? 14;
      const distance = this.atrDistance(spec.atr, period, 'trailingStop', bar);
      return { pct: NaN, atrMultiple: spec.atr, atr: this.atrOf(period), distance };
    }
    throw new StratlabError('BAD_ARGUMENT', 'trailingStop: expected { pct: fraction } or { atr: multiple, period? }');
  }

  private atrDistance(multiple: number, period: number, which: string, bar: number): number {
    if (!(multiple > 0)) throw new StratlabError('BAD_ARGUMENT', `${which}: expected { atr: multiple > 0 }, got ${multiple}`);
    const atr = this.atrOf(period)[bar];
    if (!(atr === atr)) {
      throw new StratlabError('BAD_ARGUMENT', `${which}: { atr: ${multiple} } needs ATR(${period}), which is not defined until bar ${period}`, {
        hint: 'wait for the warm-up before entering with an ATR stop',
      });
    }
    return multiple * atr;
  }
}

function fmt(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

/** The stop's price for an entry filled at `entry`: below it for a long's stop-loss, above for its take-profit. */
function levelFor(level: StopLevel | null, dir: number, entry: number, isStop: boolean): number {
  if (!level) return NaN;
  if (level.price === level.price) return level.price;
  const away = isStop ? -dir : dir;
  if (level.distance === level.distance) return entry + away * level.distance;
  return entry * (1 + away * level.fraction);
}

/** A working order's absolute stop-loss and take-profit must lie on the right sides of its price. */
function checkBracket(kind: string, dir: number, price: number, sl: StopLevel | null, tp: StopLevel | null): void {
  const below = dir > 0 ? 'below' : 'above', above = dir > 0 ? 'above' : 'below';
  if (sl && sl.price === sl.price && (dir > 0 ? sl.price >= price : sl.price <= price)) {
    throw new StratlabError('BAD_ARGUMENT', `${kind}(): stopLoss ${sl.price} must be ${below} the order's price ${price}`, { location: { field: 'stopLoss' } });
  }
  if (tp && tp.price === tp.price && (dir > 0 ? tp.price <= price : tp.price >= price)) {
    throw new StratlabError('BAD_ARGUMENT', `${kind}(): takeProfit ${tp.price} must be ${above} the order's price ${price}`, { location: { field: 'takeProfit' } });
  }
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
