/**
 * Trades and orders recorded as growable typed-array columns while a run goes: no object per fill
 * in the hot path. BacktestResult turns them into objects (`res.trades`, `res.orders`) only when
 * asked; metrics read the columns directly.
 */
import type { ExitReason, Order, OrderReason, OrderStatus, OrderType, Trade } from './types';

// Codes are indexes into these lists: new names go at the end (runs/ and sweep/capture keep the same lists).
const EXIT_REASONS: readonly ExitReason[] = ['signal', 'stopLoss', 'takeProfit', 'end', 'trailingStop', 'marginCall'];
const ORDER_REASONS: readonly OrderReason[] = ['entry', 'exit', 'stopLoss', 'takeProfit', 'end', 'trailingStop', 'marginCall'];
const STATUSES: readonly OrderStatus[] = ['filled', 'rejected', 'cancelled', 'expired'];
const ORDER_TYPES: readonly OrderType[] = ['market', 'limit', 'stop', 'stopLimit'];

export const EXIT = { signal: 0, stopLoss: 1, takeProfit: 2, end: 3, trailingStop: 4, marginCall: 5 } as const;
export const REASON = { entry: 0, exit: 1, stopLoss: 2, takeProfit: 3, end: 4, trailingStop: 5, marginCall: 6 } as const;
export const STATUS = { filled: 0, rejected: 1, cancelled: 2, expired: 3 } as const;
export const TYPE = { market: 0, limit: 1, stop: 2, stopLimit: 3 } as const;

// Columns are as narrow as their values allow (codes in bytes, bar indexes in 32 bits): a run with
// tens of thousands of fills should not make the garbage collector its biggest cost.
type Column = Float64Array | Int32Array | Uint8Array | Int8Array;
type ColumnType = typeof Float64Array | typeof Int32Array | typeof Uint8Array | typeof Int8Array;

/**
 * (Re)allocates every column of `owner` as a view on ONE new buffer of `cap` rows, keeping the first
 * `length` rows. One backing store per growth instead of one per column: typed-array allocation, not
 * arithmetic, was the biggest cost of a short run in a sweep. Wider types come first, so every view
 * is aligned (cap is a multiple of 8).
 */
function regrow(owner: object, spec: readonly (readonly [string, ColumnType])[], cap: number, length: number): void {
  let bytes = 0;
  for (const [, T] of spec) bytes += T.BYTES_PER_ELEMENT * cap;
  const buffer = new ArrayBuffer(bytes);
  const cols = owner as Record<string, Column>;
  let offset = 0;
  for (const [name, T] of spec) {
    const view = new T(buffer, offset, cap);
    if (length > 0) view.set(cols[name].subarray(0, length));
    cols[name] = view;
    offset += T.BYTES_PER_ELEMENT * cap;
  }
}

const TRADE_COLUMNS = [
  ['units', Float64Array], ['entryPrice', Float64Array], ['exitPrice', Float64Array], ['pnl', Float64Array],
  ['returnPct', Float64Array], ['commission', Float64Array], ['stopLoss', Float64Array], ['takeProfit', Float64Array],
  ['entryBar', Int32Array], ['exitBar', Int32Array], ['side', Int8Array], ['exitReason', Uint8Array],
] as const;

const ORDER_COLUMNS = [
  ['requestedUnits', Float64Array], ['units', Float64Array], ['basePrice', Float64Array], ['price', Float64Array],
  ['commission', Float64Array], ['bar', Int32Array], ['fillBar', Int32Array], ['ref', Int32Array], ['side', Int8Array], ['reason', Uint8Array],
  ['status', Uint8Array], ['capped', Uint8Array],
] as const;

/** A limit / stop order's prices, kept beside the log row (rare, so in a map). */
export interface WorkingInfo {
  type: number; // TYPE
  limit: number; // NaN: none
  stop: number;
}

// Most runs fit the first allocation; a long one grows fourfold at a time (few reallocations).
const INITIAL_ROWS = 64;
/** A first allocation of at least `rows` rows, a multiple of 8. */
const startRows = (rows: number): number => (Math.max(INITIAL_ROWS, Math.ceil(rows)) + 7) & ~7;

const rowBytes = (spec: readonly (readonly [string, ColumnType])[]): number => spec.reduce((b, [, T]) => b + T.BYTES_PER_ELEMENT, 0);
const TRADE_ROW_BYTES = rowBytes(TRADE_COLUMNS);
const ORDER_ROW_BYTES = rowBytes(ORDER_COLUMNS);

/** Lays `length` rows of `from`'s columns out as views on `buffer` from `offset` (cap rows reserved); returns the next offset. */
function lay(owner: object, from: object, spec: readonly (readonly [string, ColumnType])[], buffer: ArrayBuffer, offset: number, cap: number, length: number): number {
  const cols = owner as Record<string, Column>, src = from as Record<string, Column>;
  for (const [name, T] of spec) {
    const view = new T(buffer, offset, cap);
    if (length > 0) view.set(src[name].subarray(0, length));
    cols[name] = view;
    offset += T.BYTES_PER_ELEMENT * cap;
  }
  return offset;
}

/**
 * A run's equity column and logs copied out of scratch memory into ONE exactly-sized buffer: what a
 * builder returns when it reuses scratch between its runs, so a result stays valid after the next run
 * at the cost of one allocation (instead of an equity column, two logs and every growth of them).
 * `equity` null: the logs only (a long equity column is handed over whole rather than copied).
 */
export function packRun<E extends Float64Array | null>(equity: E, trades: TradeLog, orders: OrderLog): { equity: E; trades: TradeLog; orders: OrderLog } {
  const n = equity ? equity.length : 0;
  const tCap = (trades.length + 7) & ~7, oCap = (orders.length + 7) & ~7; // multiples of 8 keep every view aligned
  const buffer = new ArrayBuffer(8 * n + TRADE_ROW_BYTES * tCap + ORDER_ROW_BYTES * oCap);
  const eq = (equity ? new Float64Array(buffer, 0, n) : null) as E;
  if (eq && equity) eq.set(equity);
  const t = new TradeLog(0), o = new OrderLog(0);
  const at = lay(t, trades, TRADE_COLUMNS, buffer, 8 * n, tCap, trades.length);
  lay(o, orders, ORDER_COLUMNS, buffer, at, oCap, orders.length);
  t.length = trades.length;
  o.length = orders.length;
  for (const [k, v] of trades.tags) t.tags.set(k, v);
  for (const [k, v] of orders.tags) o.tags.set(k, v);
  for (const [k, v] of orders.notes) o.notes.set(k, v);
  for (const [k, v] of orders.working) o.working.set(k, v);
  return { equity: eq, trades: t, orders: o };
}

export class TradeLog {
  length = 0;
  side!: Int8Array; // +1 long, −1 short
  units!: Float64Array;
  entryBar!: Int32Array;
  exitBar!: Int32Array;
  entryPrice!: Float64Array;
  exitPrice!: Float64Array;
  pnl!: Float64Array;
  returnPct!: Float64Array;
  commission!: Float64Array;
  exitReason!: Uint8Array;
  stopLoss!: Float64Array; // NaN: none
  takeProfit!: Float64Array;
  /** Tags by index; most fills have none, so a map. */
  readonly tags = new Map<number, string>();

  /** Room for `rows` rows to start with; 0: no columns yet (packRun lays them out). */
  constructor(rows = INITIAL_ROWS) {
    if (rows > 0) regrow(this, TRADE_COLUMNS, startRows(rows), 0);
  }

  /** Empties the log, keeping its memory (a sweep reuses one log for thousands of runs). */
  clear(): this {
    this.length = 0;
    if (this.tags.size) this.tags.clear(); // clearing a Map allocates a new table, even an empty one's
    return this;
  }

  push(side: number, units: number, entryBar: number, exitBar: number, entryPrice: number, exitPrice: number, pnl: number,
    commission: number, exitReason: number, stopLoss: number, takeProfit: number, tag: string | null): void {
    const k = this.length;
    if (k === this.side.length) this.grow(Math.max(INITIAL_ROWS, k * 4));
    this.side[k] = side;
    this.units[k] = units;
    this.entryBar[k] = entryBar;
    this.exitBar[k] = exitBar;
    this.entryPrice[k] = entryPrice;
    this.exitPrice[k] = exitPrice;
    this.pnl[k] = pnl;
    this.returnPct[k] = (pnl / (units * entryPrice)) * 100;
    this.commission[k] = commission;
    this.exitReason[k] = exitReason;
    this.stopLoss[k] = stopLoss;
    this.takeProfit[k] = takeProfit;
    if (tag !== null) this.tags.set(k, tag);
    this.length = k + 1;
  }

  private grow(cap: number): void {
    regrow(this, TRADE_COLUMNS, cap, this.length);
  }

  toObjects(symbol: string, time: Float64Array): Trade[] {
    const out: Trade[] = new Array(this.length);
    for (let k = 0; k < this.length; k++) {
      const sl = this.stopLoss[k], tp = this.takeProfit[k];
      out[k] = {
        symbol,
        side: this.side[k] > 0 ? 'long' : 'short',
        units: this.units[k],
        entryBar: this.entryBar[k],
        exitBar: this.exitBar[k],
        entryTime: time[this.entryBar[k]],
        exitTime: time[this.exitBar[k]],
        entryPrice: this.entryPrice[k],
        exitPrice: this.exitPrice[k],
        pnl: this.pnl[k],
        returnPct: this.returnPct[k],
        commission: this.commission[k],
        barsHeld: this.exitBar[k] - this.entryBar[k],
        exitReason: EXIT_REASONS[this.exitReason[k]],
        stopLoss: sl === sl ? sl : null,
        takeProfit: tp === tp ? tp : null,
        tag: this.tags.get(k) ?? null,
      };
    }
    return out;
  }
}

export class OrderLog {
  length = 0;
  side!: Int8Array; // +1 buy, −1 sell
  reason!: Uint8Array;
  status!: Uint8Array;
  bar!: Int32Array;
  fillBar!: Int32Array;
  requestedUnits!: Float64Array;
  units!: Float64Array;
  basePrice!: Float64Array;
  price!: Float64Array;
  commission!: Float64Array;
  capped!: Uint8Array;
  /** The id buy() / sell() returned (0: the broker's own order). */
  ref!: Int32Array;
  /** Tags by index; most fills have none, so a map. */
  readonly tags = new Map<number, string>();
  /** Why an order did not fill in full, by order index; rare, so a map. */
  readonly notes = new Map<number, string>();
  /** Type and prices of limit / stop orders, by order index (market orders have none). */
  readonly working = new Map<number, WorkingInfo>();

  constructor(rows = INITIAL_ROWS) {
    if (rows > 0) regrow(this, ORDER_COLUMNS, startRows(rows), 0);
  }

  /** Empties the log, keeping its memory. */
  clear(): this {
    this.length = 0;
    if (this.tags.size) this.tags.clear();
    if (this.notes.size) this.notes.clear();
    if (this.working.size) this.working.clear();
    return this;
  }

  push(side: number, reason: number, status: number, bar: number, fillBar: number, requestedUnits: number, units: number,
    basePrice: number, price: number, commission: number, capped: boolean, tag: string | null, ref = 0): number {
    const k = this.length;
    if (k === this.side.length) this.grow(Math.max(INITIAL_ROWS, k * 4));
    this.side[k] = side;
    this.reason[k] = reason;
    this.status[k] = status;
    this.bar[k] = bar;
    this.fillBar[k] = fillBar;
    this.requestedUnits[k] = requestedUnits;
    this.units[k] = units;
    this.basePrice[k] = basePrice;
    this.price[k] = price;
    this.commission[k] = commission;
    this.capped[k] = capped ? 1 : 0;
    this.ref[k] = ref;
    if (tag !== null) this.tags.set(k, tag);
    this.length = k + 1;
    return k;
  }

  /** Sum of a column over the filled orders. */
  total(column: 'commission' | 'spreadCost'): number {
    let s = 0;
    for (let k = 0; k < this.length; k++) {
      if (this.status[k] !== STATUS.filled) continue;
      s += column === 'commission' ? this.commission[k] : this.units[k] * Math.abs(this.price[k] - this.basePrice[k]);
    }
    return s;
  }

  private grow(cap: number): void {
    regrow(this, ORDER_COLUMNS, cap, this.length);
  }

  toObjects(time: Float64Array): Order[] {
    const out: Order[] = new Array(this.length);
    for (let k = 0; k < this.length; k++) {
      const filled = this.status[k] === STATUS.filled;
      const fillBar = this.fillBar[k];
      const w = this.working.get(k);
      out[k] = {
        id: k + 1,
        ref: this.ref[k] > 0 ? this.ref[k] : null,
        type: w ? ORDER_TYPES[w.type] : 'market',
        limit: w && w.limit === w.limit ? w.limit : null,
        stop: w && w.stop === w.stop ? w.stop : null,
        side: this.side[k] > 0 ? 'buy' : 'sell',
        reason: ORDER_REASONS[this.reason[k]],
        status: STATUSES[this.status[k]],
        bar: this.bar[k],
        time: time[this.bar[k]],
        fillBar,
        fillTime: fillBar >= 0 ? time[fillBar] : NaN,
        requestedUnits: this.requestedUnits[k],
        units: this.units[k],
        basePrice: this.basePrice[k],
        price: this.price[k],
        commission: this.commission[k],
        spreadCost: filled ? this.units[k] * Math.abs(this.price[k] - this.basePrice[k]) : 0,
        capped: this.capped[k] === 1,
        note: this.notes.get(k) ?? null,
        tag: this.tags.get(k) ?? null,
      };
    }
    return out;
  }
}
