/** The records a backtest produces, and the options an order takes. */

export type FillMode = 'close' | 'next_open';
export type Side = 'long' | 'short';

/** How many units an order asks for. Exactly one of: */
export interface Sizing {
  /** A fraction of equity, 0 < size ≤ 1, spent including spread and commission. */
  size?: number;
  /** A number of units. */
  units?: number;
  /** An amount of cash, spent including spread and commission. */
  cash?: number;
}

/**
 * A stop-loss or take-profit level: an absolute price, a multiple of ATR at the bar the order is
 * placed (`{ atr: 2 }`, ATR period 14 unless given), or a fraction of the entry price (`{ pct: 0.02 }`).
 * ATR and percent distances are measured from the entry fill price.
 */
export type StopSpec = number | { atr: number; period?: number } | { pct: number };

/**
 * A trailing stop-loss: starts `pct` (a fraction) or `atr` × ATR(period, 14 unless given) away from the
 * entry fill, then follows each bar's close (never loosening): a long's stop rises to close·(1 − pct)
 * or close − atr·ATR[bar] when that is higher; a short's mirrors it.
 */
export type TrailSpec = { pct: number } | { atr: number; period?: number };

export interface OrderOptions extends Sizing {
  /** Limit entry: a buy fills at this price or lower, a sell at this price or higher (from the next bar). */
  limit?: number;
  /** Stop entry: a buy triggers when the price reaches this level or above, a sell at it or below. With `limit`: a stop-limit. */
  stop?: number;
  /** Bars a limit / stop order stays working after the bar it was placed (good till cancelled when absent). */
  expiry?: number;
  stopLoss?: StopSpec;
  takeProfit?: StopSpec;
  trailingStop?: TrailSpec;
  /** Free text carried to the order and the trade, e.g. which rule fired. */
  tag?: string;
}

export interface CloseOptions {
  /** Close this many units (FIFO) instead of the whole position. */
  units?: number;
  /** Close this fraction of the position (0 < fraction ≤ 1). */
  fraction?: number;
  tag?: string;
}

export type ExitReason = 'signal' | 'stopLoss' | 'takeProfit' | 'end' | 'trailingStop' | 'marginCall';

/** A round trip: one entry fill and the fill that closed it (a partial close splits the trade). */
export interface Trade {
  symbol: string;
  side: Side;
  units: number;
  entryBar: number;
  exitBar: number;
  entryTime: number;
  exitTime: number;
  /** Fill prices, spread included. */
  entryPrice: number;
  exitPrice: number;
  /** Net of spread and commission. */
  pnl: number;
  /** pnl in percent of the entry notional (units × entryPrice). */
  returnPct: number;
  /** Commission paid on entry (this trade's share) and exit. */
  commission: number;
  barsHeld: number;
  exitReason: ExitReason;
  stopLoss: number | null;
  takeProfit: number | null;
  tag: string | null;
}

export type OrderStatus = 'filled' | 'rejected' | 'cancelled' | 'expired';
export type OrderReason = 'entry' | 'exit' | 'stopLoss' | 'takeProfit' | 'end' | 'trailingStop' | 'marginCall';
/** How an entry order fills: at the market, or working at a limit, a stop, or both. */
export type OrderType = 'market' | 'limit' | 'stop' | 'stopLimit';

/** One order and what became of it: every fill, with its price and costs, and every order that did not fill. */
export interface Order {
  id: number;
  /** The id buy() / sell() returned for this order (null for the broker's own: stops, margin calls, the end). */
  ref: number | null;
  type: OrderType;
  /** Limit and stop prices of a working order (null when none). */
  limit: number | null;
  stop: number | null;
  side: 'buy' | 'sell';
  reason: OrderReason;
  status: OrderStatus;
  /** Bar and time the strategy placed it (for stops: the bar they fired). */
  bar: number;
  time: number;
  /** Bar and time it filled (-1 / NaN when it did not). */
  fillBar: number;
  fillTime: number;
  /** Units asked for and units filled (they differ when the 1× leverage cap cut the order). */
  requestedUnits: number;
  units: number;
  /** The bar's price the fill is based on (open, close or stop level), and the price paid after the spread. */
  basePrice: number;
  price: number;
  commission: number;
  /** What the spread cost on this fill: units × |price − basePrice|. */
  spreadCost: number;
  /** True when the leverage cap (1 / margin) cut (or rejected) the order. */
  capped: boolean;
  /** Why an order did not fill. */
  note: string | null;
  tag: string | null;
}

/** Sizing for orders that do not give their own; `fraction` of equity by default. */
export type DefaultSizing = { fraction: number } | { units: number } | { cash: number };
