/**
 * Working orders: limit, stop and stop-limit entries that wait at the broker for a price, with an
 * optional expiry and a one-cancels-other partner. Placed at bar p, a working order is first checked
 * against bar p+1 (the bar it was placed at has already traded), whatever the fill mode.
 *
 * Fill rules against a bar (open o, high h, low l), for a buy (a sell mirrors them):
 * - limit L: o ≤ L fills at o (a gap through the limit fills at the better price, the open);
 *   else l ≤ L fills at L.
 * - stop S: o ≥ S fills at o (a gap through the stop fills at the open); else h ≥ S fills at S.
 * - stop-limit S, L: the stop turns the order into a limit order. Triggered at the open (o ≥ S) it is a
 *   limit order from the open (the rule above). Triggered inside the bar it fills at S when S ≤ L; when
 *   L < S the price must come back down to L after reaching S, which one bar cannot show, so it waits
 *   for the next bar as a plain limit order.
 */
import { StratlabError } from '../core/errors';
import type { DefaultSizing } from './types';
import { TYPE } from './log';

/** A stop resolved when the order is placed: an absolute level, or a distance / fraction from the fill. */
export interface StopLevel {
  price: number;
  distance: number;
  fraction: number;
}

/** A trailing stop resolved when the order is placed. */
export interface TrailLevel {
  /** Fraction of the price (NaN unless by percent). */
  pct: number;
  /** ATR multiple and its ATR column (by ATR). */
  atrMultiple: number;
  atr: Float64Array | null;
  /** Distance at the bar the order was placed: where the stop starts from the fill. */
  distance: number;
}

export interface WorkingOrder {
  ref: number;
  dir: number; // 1 buy, −1 sell
  bar: number; // placed
  /** Last bar it may fill at (Infinity: good till cancelled). */
  lastBar: number;
  limit: number; // NaN: none
  stop: number; // NaN: none
  /** A stop-limit whose stop was reached: a plain limit order from then on. */
  triggered: boolean;
  sizing: DefaultSizing;
  stopLoss: StopLevel | null;
  takeProfit: StopLevel | null;
  trail: TrailLevel | null;
  tag: string | null;
  /** ref of the one-cancels-other partner (0: none). */
  oco: number;
}

export function orderType(w: { limit: number; stop: number }): number {
  if (w.limit === w.limit) return w.stop === w.stop ? TYPE.stopLimit : TYPE.limit;
  return TYPE.stop;
}

/** The price `w` fills at in the bar (o, h, l), or NaN; marks a stop-limit triggered when its stop is reached without a fill. */
export function workingFill(w: WorkingOrder, o: number, h: number, l: number): number {
  const buy = w.dir > 0;
  const limit = w.limit, stop = w.stop;
  if (stop === stop && !w.triggered) {
    const atOpen = buy ? o >= stop : o <= stop;
    const inBar = buy ? h >= stop : l <= stop;
    if (!atOpen && !inBar) return NaN;
    if (limit !== limit) return atOpen ? o : stop; // a plain stop
    w.triggered = true;
    if (!atOpen) {
      // Reached inside the bar, at the stop: marketable if the limit is at least as good.
      if (buy ? stop <= limit : stop >= limit) return stop;
      return NaN;
    }
  }
  // A limit order (or a stop-limit triggered at the open or on an earlier bar).
  if (buy) return o <= limit ? o : l <= limit ? limit : NaN;
  return o >= limit ? o : h >= limit ? limit : NaN;
}

/** Checks a working order's prices and expiry where they are given; `what` is 'buy' or 'sell'. */
export function checkWorkingPrices(what: string, limit: number | undefined, stop: number | undefined, expiry: number | undefined): void {
  const bad = (field: string, value: unknown, expected: string, hint?: string) =>
    new StratlabError('BAD_ARGUMENT', `${what}({ ${field}: ${String(value)} }): expected ${expected}`, { hint, location: { field } });
  if (limit !== undefined && !(limit > 0 && Number.isFinite(limit))) throw bad('limit', limit, 'a price > 0');
  if (stop !== undefined && !(stop > 0 && Number.isFinite(stop))) throw bad('stop', stop, 'a price > 0');
  if (expiry !== undefined) {
    if (limit === undefined && stop === undefined) throw bad('expiry', expiry, 'a limit or stop order', 'market orders fill at once; give { limit } or { stop } with expiry');
    if (!(Number.isInteger(expiry) && expiry >= 1)) throw bad('expiry', expiry, 'a whole number of bars ≥ 1');
  }
}
