/**
 * One backtest, bar by bar. At each bar i:
 *   1. next_open: orders placed at bar i−1 fill at bar i's open;
 *   2. stop-losses (trailing too) / take-profits are checked against bar i's open, high and low;
 *   3. a margin call, if bar i reaches the position's margin-call price;
 *   4. working limit / stop orders placed before bar i are checked against it;
 *   5. the strategy's onBar sees bars 0..i (fill('close'): its orders fill at once, at bar i's close);
 *   6. trailing stops follow close[i];
 *   7. equity[i] = cash + units × close[i]; at zero or below the run stops (broker.stopOut).
 * After the last bar: onEnd, orders still waiting are cancelled, and an open position is closed at
 * the last price the fill mode trades at — the last close for fill('close'), the last open for
 * fill('next_open') (as if ordered a bar earlier; backtesting.py does the same) — its trades marked 'end'.
 *
 * Warm-up (`tradeFrom` k > 0, what engine.between(from, to, { warmup }) asks for): init computes the
 * indicators over every bar, history included, but onBar runs from bar k only, so the strategy trades
 * from the window's first bar with indicators that have seen the bars before it. The result covers
 * bars k.. only — equity, trades, orders, indicators and every metric (returns, Sharpe, drawdown,
 * exposure, buy & hold) are those of the window, its bar indexes counted from k.
 */
import { viewRows, type Bars } from '../core/bars';
import { StratlabError, isStratlabError } from '../core/errors';
import { formatTime } from '../data/timestamps';
import { annualisation, equityStats, exposurePct, tradeStats, yearsSpanned, type CalendarOption } from '../metrics';
import { Broker, type BrokerConfig } from './broker';
import { OrderLog, packRun, TradeLog } from './log';
import { atrProvider, BarContext, InitContext } from './context';
import { BacktestResult, type BacktestMetrics } from './result';
import { Series, type Cursor } from './series';
import { strategyName, type Strategy, type StrategyClass, type StrategyReport } from './strategy';

/** One run: the strategy, its validated parameters, the broker's settings and the annualisation. */
export interface RunSpec extends BrokerConfig {
  strategy: StrategyClass;
  /** Already validated (parseParams). */
  params: Record<string, unknown>;
  calendar: CalendarOption;
  riskFreeRate: number;
}

/**
 * Memory a caller lends to successive runs (a sweep's worker): the equity column and the logs are
 * reused instead of allocated per run. Allocating large typed arrays takes a process-wide lock, so
 * in several worker threads at once it, not the backtests, set the pace. A result built on scratch
 * memory is only valid until the next run that uses the same scratch.
 */
export interface RunScratch {
  equity?: Float64Array;
  trades?: TradeLog;
  orders?: OrderLog;
  /** Rows to start new logs with (what the last long run recorded, and a margin). */
  tradeRows?: number;
  orderRows?: number;
  /**
   * For a result that must outlive the next run (a builder's): a short run's equity column and logs
   * are copied into one exact-size buffer (packRun); a long run's are handed over and not reused.
   */
  keep?: boolean;
}

const HAND_OVER_BARS = 65_536;

export function runBacktest(bars: Bars, spec: RunSpec, scratch?: RunScratch, tradeFrom = 0): BacktestResult {
  const t0 = performance.now();
  const n = bars.close.length;
  const name = strategyName(spec.strategy);
  if (n === 0) throw new StratlabError('EMPTY_DATA', `backtest ${name}: no bars to run on`, { hint: 'check the data file and the from/to dates' });
  if (!(Number.isInteger(tradeFrom) && tradeFrom >= 0 && tradeFrom < n)) {
    throw new StratlabError('BAD_ARGUMENT', `backtest ${name}: tradeFrom ${tradeFrom}: expected a bar index from 0 to ${n - 1}`);
  }

  const atrOf = atrProvider(bars);
  const cursor: Cursor = { i: 0 };
  let logs: { trades: TradeLog; orders: OrderLog } | undefined;
  if (scratch) logs = { trades: (scratch.trades ??= new TradeLog(scratch.tradeRows)), orders: (scratch.orders ??= new OrderLog(scratch.orderRows)) };
  const broker = new Broker(bars, spec, atrOf, logs);
  const init = new InitContext(bars, cursor, atrOf);
  let strategy: Strategy;
  let phase = 'constructor';
  try {
    strategy = new spec.strategy(spec.params);
    phase = 'init';
    strategy.init(init);
    checkNoRawColumns(strategy, n);
  } catch (e) {
    throw strategyError(name, phase, -1, bars, e);
  }

  const ctx = new BarContext(bars, cursor, broker, spec.params);
  let equity: Float64Array;
  if (scratch) {
    if (scratch.equity?.length !== n) scratch.equity = new Float64Array(n);
    equity = scratch.equity; // every element is written below
  } else equity = new Float64Array(n);
  const close = bars.close;
  const nextOpen = spec.fill === 'next_open';
  phase = 'onBar';
  let report: StrategyReport | undefined;
  try {
    if (tradeFrom > 0) equity.fill(spec.cash, 0, tradeFrom); // warm-up bars: no trading, not measured
    const last = simulate(strategy, ctx, broker, cursor, close, equity, nextOpen, tradeFrom);
    if (last < n) {
      // Equity reached zero at bar `last`: the account stays at zero for the bars after it.
      broker.stopOut(last, formatTime(bars.time[last]));
      equity.fill(0, last);
    }
    phase = 'onEnd';
    strategy.onEnd(ctx);
    phase = 'report';
    report = strategy.report();
  } catch (e) {
    throw strategyError(name, phase, cursor.i, bars, e);
  }
  if (broker.stopped) broker.cancelPending(`cancelled: the run had stopped at bar ${broker.stopped.bar}`);
  else {
    broker.cancelPending();
    broker.closeAll(n - 1, nextOpen ? bars.open[n - 1] : close[n - 1]);
    equity[n - 1] = broker.cash + broker.units * close[n - 1];
  }

  let indicators = init.indicators;
  if (tradeFrom > 0) {
    // From here on the result is the window's: its bars, equity and indicators, bar indexes from tradeFrom.
    shiftLogs(broker.trades, broker.orders, tradeFrom);
    bars = viewRows(bars, tradeFrom, n);
    equity = equity.subarray(tradeFrom);
    indicators = indicators.map((ind) => ({ ...ind, values: ind.values.subarray(tradeFrom) }));
  }
  const ann = annualisation(bars.time, spec.calendar);
  const metrics = computeMetrics(bars, equity, broker, spec, ann.periodsPerYear);
  let kept = { equity, trades: broker.trades, orders: broker.orders };
  if (scratch?.keep) {
    // A long run's columns are handed to the result whole, and the next run starts new logs sized
    // for as many rows (a quarter more), so it neither copies megabytes nor grows its logs step by
    // step. A short run's are copied into one buffer.
    if (n > HAND_OVER_BARS) {
      scratch.equity = undefined;
      scratch.trades = scratch.orders = undefined;
      scratch.tradeRows = broker.trades.length * 1.25;
      scratch.orderRows = broker.orders.length * 1.25;
    } else kept = packRun(equity, broker.trades, broker.orders);
  }
  return new BacktestResult({
    strategy: name,
    params: spec.params,
    symbol: bars.symbol,
    timeframe: bars.timeframe,
    settings: {
      cash: spec.cash, spread: spec.spread, commission: spec.commission, fill: spec.fill, sizing: spec.sizing,
      fractional: spec.fractional, calendar: ann.calendar, periodsPerYear: ann.periodsPerYear, riskFreeRate: spec.riskFreeRate,
      ...(spec.margin !== undefined ? { margin: spec.margin, maintenance: spec.maintenance ?? spec.margin / 2 } : {}),
    },
    stopped: broker.stopped && tradeFrom > 0 ? { ...broker.stopped, bar: broker.stopped.bar - tradeFrom } : broker.stopped,
    metrics,
    time: bars.time,
    close: bars.close,
    equity: kept.equity,
    trades: kept.trades,
    orders: kept.orders,
    indicators,
    strategyReport: report,
    bars,
    elapsedMs: performance.now() - t0,
  });
}

/**
 * onBar must not be able to read a later bar. Series guarantee it for what init registers; a raw
 * column kept on the strategy (a typed array with a value per bar, or the Bars themselves) would
 * not, so it is refused here, before the first bar, with the fix.
 */
function checkNoRawColumns(strategy: object, n: number): void {
  const seen = new Set<object>();
  const visit = (value: unknown, where: string, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || value instanceof Series) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      if ((value as unknown as ArrayLike<number>).length >= n && n > 1) {
        throw new StratlabError('LOOKAHEAD', `${where} keeps a column of ${n} values (one per bar), which would let onBar read later bars`, {
          hint: 'register it with ctx.indicator(values) and keep the Series it returns',
        });
      }
      return;
    }
    if (depth >= 3) return;
    for (const [key, v] of Object.entries(value)) visit(v, `${where}.${key}`, depth + 1);
  };
  visit(strategy, 'this', 0);
}

// The bar loop, in a function of its own so it stays optimised from one run to the next (inlined
// into runBacktest it would be recompiled on the fly in every run). Trades from bar `from` (earlier
// bars are warm-up). Returns n, or the bar at whose close equity reached zero.
function simulate(strategy: Strategy, ctx: BarContext, broker: Broker, cursor: Cursor, close: Float64Array, equity: Float64Array, nextOpen: boolean, from: number): number {
  const n = close.length;
  for (let i = from; i < n; i++) {
    cursor.i = i;
    // Every call is guarded here, not inside, so a run without pending orders, stops or margin
    // exposure never calls them and the JIT spends its inlining budget on the strategy instead.
    if (nextOpen && broker.pendingCount > 0) broker.fillPending(i);
    if (broker.stopsActive) broker.checkStops(i);
    if (broker.marginActive) broker.checkMargin(i);
    if (broker.workingCount > 0) broker.checkWorking(i);
    strategy.onBar(ctx);
    if (broker.trailActive) broker.updateTrailing(i);
    const e = (equity[i] = broker.cash + broker.units * close[i]);
    if (e <= 0) return i;
  }
  return n;
}

/** Counts the logs' bar indexes from `k` (the first traded bar) instead of from the first warm-up bar. */
function shiftLogs(trades: TradeLog, orders: OrderLog, k: number): void {
  for (let j = 0; j < trades.length; j++) (trades.entryBar[j] -= k, trades.exitBar[j] -= k);
  for (let j = 0; j < orders.length; j++) {
    orders.bar[j] -= k;
    if (orders.fillBar[j] >= 0) orders.fillBar[j] -= k;
  }
}

function computeMetrics(bars: Bars, equity: Float64Array, broker: Broker, spec: RunSpec, periodsPerYear: number): BacktestMetrics {
  const n = equity.length;
  const time = bars.time;
  const rs = equityStats(equity, time, periodsPerYear, spec.riskFreeRate), dd = rs; // one pass for both
  const ts = tradeStats(broker.trades);
  const years = yearsSpanned(time);
  const finalEquity = equity[n - 1];
  return {
    initialCash: spec.cash,
    finalEquity,
    returnPct: (finalEquity / spec.cash - 1) * 100,
    annualisedReturn: rs.annualisedReturn,
    volatility: rs.volatility,
    sharpe: rs.sharpe,
    sortino: rs.sortino,
    calmar: dd.maxDrawdown < 0 ? rs.annualisedReturn / -dd.maxDrawdown : rs.annualisedReturn > 0 ? Infinity : 0,
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDuration: dd.maxDrawdownDuration,
    maxDrawdownDurationDays: dd.maxDrawdownDurationDays,
    ...ts,
    exposurePct: exposurePct(broker.trades, n),
    buyAndHoldReturnPct: (bars.close[n - 1] / bars.close[0] - 1) * 100,
    tradesPerYear: years > 0 ? ts.totalTrades / years : 0,
    cappedOrders: broker.cappedOrders,
    totalCommission: broker.orders.total('commission'),
    totalSpreadCost: broker.orders.total('spreadCost'),
  };
}

/** A strategy's exception, naming the strategy, the method and the bar. StratlabErrors keep their code. */
function strategyError(name: string, phase: string, bar: number, bars: Bars, e: unknown): Error {
  const where = bar >= 0 ? ` at bar ${bar} (${formatTime(bars.time[bar])})` : '';
  const message = e instanceof Error ? e.message : String(e);
  const err = isStratlabError(e)
    ? new StratlabError(e.code, `${name}.${phase}${where}: ${message}`, { hint: e.hint, location: e.location })
    : new StratlabError('STRATEGY_ERROR', `${name}.${phase}${where} threw: ${message}`);
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}
