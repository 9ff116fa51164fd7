/**
 * The outcome of one backtest: the earlier backtester's result fields (camelCase; docs/execution.md §7) plus risk metrics, the equity
 * curve, every trade and every order. Units: fields ending in Pct, `maxDrawdown` and
 * `annualisedReturn` are percents; `winRate` is a fraction (0–1); money is in the account currency.
 */
import type { Bars } from '../core/bars';
import { formatTime } from '../data/timestamps';
import { backtestingPyStats, drawdownSeries, monthlyReturns, type BacktestingPyStats, type MonthlyReturn } from '../metrics';
import type { Figure } from '../viz/plotly';
import { displayFigure } from '../viz/display';
import type { Annualisation, TradeStats } from '../metrics';
import type { BrokerConfig, RunStop } from './broker';
import type { RegisteredIndicator } from './context';
import { displayResult, type DisplayOptions } from './display';
import { monthlyReturnsFigure } from './monthly';
import { plotFigure, type PlotOptions } from './plot';
import type { OrderLog, TradeLog } from './log';
import { toDataFrame, type DataFrame } from '../viz/dataframe';
import type { Row } from '../viz/table';
import type { StrategyReport } from './strategy';
import { metricNotes, type MetricNotes } from './metric-notes';
import type { Order, Trade } from './types';

/** Every scalar metric of a run: what a sweep scores and a tracker stores (definitions in the README). */
export interface BacktestMetrics extends TradeStats {
  initialCash: number;
  finalEquity: number;
  returnPct: number;
  annualisedReturn: number;
  volatility: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  maxDrawdown: number;
  maxDrawdownDuration: number;
  maxDrawdownDurationDays: number;
  exposurePct: number;
  buyAndHoldReturnPct: number;
  tradesPerYear: number;
  cappedOrders: number;
  totalCommission: number;
  totalSpreadCost: number;
}

/** The settings a run used: the broker's, and the annualisation it inferred or was given. */
export interface RunSettings extends BrokerConfig {
  calendar: Annualisation['calendar'];
  periodsPerYear: number;
  riskFreeRate: number;
}

export interface ResultInit {
  strategy: string;
  params: Record<string, unknown>;
  symbol: string;
  timeframe: string;
  settings: RunSettings;
  metrics: BacktestMetrics;
  time: Float64Array;
  close: Float64Array;
  equity: Float64Array;
  trades: TradeLog;
  orders: OrderLog;
  indicators: RegisteredIndicator[];
  /** What the strategy reported about its run (Strategy.report()). */
  strategyReport?: StrategyReport;
  bars: Bars;
  elapsedMs: number;
  stopped?: RunStop | null;
}

export interface ResultJsonOptions {
  /** Include the equity curve ([{ time, equity }]); default true. */
  equity?: boolean;
  /** Include trades and orders; default true. */
  trades?: boolean;
}

export class BacktestResult implements BacktestMetrics {
  readonly strategy: string;
  readonly params: Record<string, unknown>;
  readonly symbol: string;
  readonly timeframe: string;
  readonly settings: RunSettings;
  /** First and last bar times (epoch ms) and the number of bars. */
  readonly start: number;
  readonly end: number;
  readonly barCount: number;
  /** Equity at each bar's close (after that bar's fills), aligned with `time`. */
  readonly equity: Float64Array;
  readonly time: Float64Array;
  /** Trades and orders as columns (typed arrays), as the run recorded them. */
  readonly tradeLog: TradeLog;
  readonly orderLog: OrderLog;
  private tradeObjects?: Trade[];
  private orderObjects?: Order[];
  /** Indicators the strategy registered in init, for charts. */
  readonly indicators: RegisteredIndicator[];
  /** The bars the run covered (for charts). */
  readonly bars: Bars;
  /** What the strategy said about its run (e.g. RegimeGated: entries dropped, share of bars gated); undefined if nothing. */
  readonly strategyReport: StrategyReport | undefined;
  readonly elapsedMs: number;
  /** Set when equity reached zero and the run stopped there: the bar and a note saying what was done. */
  readonly stopped: RunStop | null;
  /** Why a metric has no meaningful value (NaN, ∞, or a trade statistic of a run without trades): printed as `n/a (reason)`. */
  readonly metricNotes: MetricNotes;

  readonly initialCash!: number;
  readonly finalEquity!: number;
  readonly returnPct!: number;
  readonly annualisedReturn!: number;
  readonly volatility!: number;
  readonly sharpe!: number;
  readonly sortino!: number;
  readonly calmar!: number;
  readonly maxDrawdown!: number;
  readonly maxDrawdownDuration!: number;
  readonly maxDrawdownDurationDays!: number;
  readonly totalTrades!: number;
  readonly winRate!: number;
  readonly avgWin!: number;
  readonly avgLoss!: number;
  readonly profitFactor!: number;
  readonly profitFactorPnl!: number;
  readonly grossProfit!: number;
  readonly grossLoss!: number;
  readonly bestTradePct!: number;
  readonly worstTradePct!: number;
  readonly avgTradePct!: number;
  readonly expectancy!: number;
  readonly sqn!: number;
  readonly avgBarsHeld!: number;
  readonly exposurePct!: number;
  readonly buyAndHoldReturnPct!: number;
  readonly tradesPerYear!: number;
  readonly cappedOrders!: number;
  readonly totalCommission!: number;
  readonly totalSpreadCost!: number;

  constructor(init: ResultInit) {
    this.strategy = init.strategy;
    this.params = init.params;
    this.symbol = init.symbol;
    this.timeframe = init.timeframe;
    this.settings = init.settings;
    this.time = init.time;
    this.equity = init.equity;
    this.tradeLog = init.trades;
    this.orderLog = init.orders;
    this.indicators = init.indicators;
    this.bars = init.bars;
    this.strategyReport = init.strategyReport;
    this.elapsedMs = init.elapsedMs;
    this.stopped = init.stopped ?? null;
    this.barCount = init.time.length;
    this.start = init.time[0];
    this.end = init.time[init.time.length - 1];
    Object.assign(this, init.metrics);
    this.metricNotes = metricNotes(init.metrics as unknown as Record<string, number>, init.equity, init.bars);
  }

  /** Every round trip, oldest exit first (built on first use from tradeLog). */
  get trades(): Trade[] {
    return (this.tradeObjects ??= this.tradeLog.toObjects(this.symbol, this.time));
  }

  /** Every order: fills with their price and costs, and orders that were rejected or cancelled. */
  get orders(): Order[] {
    return (this.orderObjects ??= this.orderLog.toObjects(this.time));
  }

  /** The scalar metrics only, as a plain object. */
  metrics(): BacktestMetrics {
    const out = {} as Record<string, number>;
    for (const key of METRIC_KEYS) out[key] = this[key];
    return out as unknown as BacktestMetrics;
  }

  /**
   * The statistics table in another tool's terms. `{ style: 'backtesting.py' }`: backtesting.py's rows,
   * names and definitions (its `compute_stats`), for comparing with a backtesting.py run; the default is
   * stratlab's own metrics (same as `metrics()`). README, "Metrics", lists where the two differ.
   */
  stats(opts: { style: 'backtesting.py'; riskFreeRate?: number }): BacktestingPyStats;
  stats(opts?: { style?: 'stratlab' }): BacktestMetrics;
  stats(opts: { style?: 'stratlab' | 'backtesting.py'; riskFreeRate?: number } = {}): BacktestMetrics | BacktestingPyStats {
    if (opts.style === undefined || opts.style === 'stratlab') return this.metrics();
    if (opts.style !== 'backtesting.py') throw new TypeError(`stats: unknown style '${String(opts.style)}' (expected 'stratlab' or 'backtesting.py')`);
    return backtestingPyStats({
      time: this.time, close: this.bars.close, equity: this.equity, trades: this.tradeLog,
      warmupBars: warmupBars(this.indicators), riskFreeRate: opts.riskFreeRate ?? this.settings.riskFreeRate,
    });
  }

  /**
   * A danfojs DataFrame (loaded on first call, so a backtest never pays for it): `'trades'` (default),
   * `'orders'`, or `'equity'` (time, equity, drawdown, buy & hold). Times are ISO strings.
   */
  toDataFrame(what: 'trades' | 'orders' | 'equity' = 'trades'): DataFrame {
    const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    if (what === 'equity') {
      const time = Array.from(this.time, (t) => iso(t));
      return toDataFrame({ time, equity: this.equity, drawdown: this.drawdown(), buyAndHold: this.buyAndHoldEquity() });
    }
    if (what === 'orders') return toDataFrame(this.orders.map((o) => ({ ...o, time: iso(o.time), fillTime: iso(o.fillTime) }) as unknown as Row));
    if (what !== 'trades') throw new TypeError(`toDataFrame: expected 'trades', 'orders' or 'equity', got '${String(what)}'`);
    return toDataFrame(this.trades.map((t) => ({ ...t, entryTime: iso(t.entryTime), exitTime: iso(t.exitTime) }) as unknown as Row),
      this.trades.length ? {} : { columns: TRADE_COLUMNS });
  }

  /** Drawdown at each bar as a negative fraction of the running peak. */
  drawdown(): Float64Array {
    return drawdownSeries(this.equity);
  }

  /** What buying at the first close and holding would have been worth at each bar. */
  buyAndHoldEquity(): Float64Array {
    const c = this.bars.close, out = new Float64Array(c.length), k = this.initialCash / c[0];
    for (let i = 0; i < c.length; i++) out[i] = k * c[i];
    return out;
  }

  /** The equity as [{ time, equity }] points, the shape the earlier system's tools read (docs/execution.md §7). */
  equityCurve(): { time: number; equity: number }[] {
    const out = new Array<{ time: number; equity: number }>(this.equity.length);
    for (let i = 0; i < out.length; i++) out[i] = { time: this.time[i], equity: this.equity[i] };
    return out;
  }

  /** Label / value rows of the headline figures, formatted for reading. */
  summary(): [string, string][] {
    const pct = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} %` : String(x));
    const num = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
    const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const s = this.settings;
    // A metric with a note shows the note instead of a NaN, an ∞ or a conventional 0.
    const notes = this.metricNotes;
    const or = (keys: (keyof BacktestMetrics)[], text: string) => {
      const key = keys.find((k) => notes[k]);
      return key ? `n/a (${notes[key]})` : text;
    };
    return [
      ['Strategy', `${this.strategy} ${JSON.stringify(plainParams(this.params))}`],
      ['Data', `${this.symbol} ${this.timeframe}, ${this.barCount} bars, ${formatTime(this.start)} → ${formatTime(this.end)}`],
      ['Costs', `spread ${s.spread}, commission ${s.commission}, fill at ${s.fill === 'close' ? 'bar close' : 'next open'}`],
      ['Initial cash', money(this.initialCash)],
      ['Final equity', or(['finalEquity'], money(this.finalEquity))],
      ['Return', or(['returnPct'], pct(this.returnPct))],
      ['Buy & hold return', or(['buyAndHoldReturnPct'], pct(this.buyAndHoldReturnPct))],
      ['Annualised return', or(['annualisedReturn'], pct(this.annualisedReturn))],
      ['Volatility (ann.)', or(['volatility'], pct(this.volatility))],
      ['Sharpe', or(['sharpe'], num(this.sharpe))],
      ['Sortino', or(['sortino'], num(this.sortino))],
      ['Calmar', or(['calmar'], num(this.calmar))],
      ['Max drawdown', or(['maxDrawdown'], pct(this.maxDrawdown))],
      ['Max drawdown duration', or(['maxDrawdownDuration'], `${this.maxDrawdownDuration} bars (${num(this.maxDrawdownDurationDays, 0)} days)`)],
      ['Exposure', or(['exposurePct'], pct(this.exposurePct))],
      ['Trades', String(this.totalTrades)],
      ['Trades per year', num(this.tradesPerYear, 1)],
      ['Win rate', or(['winRate'], pct(this.winRate * 100))],
      ['Best / worst trade', or(['bestTradePct', 'worstTradePct'], `${pct(this.bestTradePct)} / ${pct(this.worstTradePct)}`)],
      ['Avg win / loss', or(['avgWin', 'avgLoss'], `${money(this.avgWin)} / ${money(this.avgLoss)}`)],
      ['Profit factor', or(['profitFactor'], num(this.profitFactor, 3))],
      ['Expectancy', or(['expectancy'], money(this.expectancy))],
      ['SQN', or(['sqn'], num(this.sqn))],
      ['Commission + spread paid', or(['totalCommission', 'totalSpreadCost'], money(this.totalCommission + this.totalSpreadCost))],
      [`Orders cut by ${+(1 / (this.settings.margin ?? 1)).toFixed(2)}x leverage`, String(this.cappedOrders)],
      ...(this.stopped ? [['Stopped', this.stopped.note] as [string, string]] : []),
      ...(this.strategyReport ? [['Strategy report', formatReport(this.strategyReport)] as [string, string]] : []),
    ];
  }

  /** A plain-text summary (what the CLI prints). */
  toString(): string {
    const rows = this.summary();
    const w = Math.max(...rows.map((r) => r[0].length));
    return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
  }

  /**
   * camelCase JSON: settings, every metric, `metricNotes`, and (unless turned off) trades, orders and the
   * equity curve. Non-finite numbers become null; `metricNotes` says why.
   */
  toJSON(opts: ResultJsonOptions = {}): Record<string, unknown> {
    const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    const out: Record<string, unknown> = {
      strategy: this.strategy,
      params: plainParams(this.params),
      symbol: this.symbol,
      timeframe: this.timeframe,
      start: iso(this.start),
      end: iso(this.end),
      bars: this.barCount,
      ...this.settings,
      ...finite(this.metrics() as unknown as Record<string, number>),
      ...(this.strategyReport ? { strategyReport: finite(this.strategyReport) } : {}),
      metricNotes: this.metricNotes,
    };
    if (opts.trades !== false) {
      out.trades = this.trades.map((t) => finite({ ...t, entryTime: iso(t.entryTime), exitTime: iso(t.exitTime) }));
      out.orders = this.orders.map((o) => finite({ ...o, time: iso(o.time), fillTime: iso(o.fillTime) }));
    }
    if (opts.equity !== false) {
      const eq = new Array(this.equity.length);
      for (let i = 0; i < eq.length; i++) eq[i] = { time: iso(this.time[i]), equity: this.equity[i] };
      out.equity = eq;
    }
    return out;
  }

  /**
   * In a notebook: the summary table and Plotly charts (equity vs buy & hold, drawdown, price with
   * entries and exits over the last `last` bars); `charts: false` shows the table only.
   */
  display(opts: DisplayOptions = {}): void {
    displayResult(this, opts);
  }

  /**
   * The chart: price (candlesticks, or a line above 5,000 drawn bars) with the indicators and every
   * entry and exit coloured by profit, indicator panes, volume, equity vs buy & hold and drawdown, on
   * one shared time axis (zoom one pane, all follow). Above 10,000 bars (`maxBars`) the bars are
   * resampled into buckets and the title says so. Shown in a notebook; a one-line note elsewhere.
   */
  plot(opts: PlotOptions = {}): void {
    showFigure(this.plotFigure(opts));
  }

  /** The figure result.plot() shows, as Plotly JSON (for an HTML file, or to change before showing). */
  plotFigure(opts: PlotOptions = {}): Figure {
    return plotFigure(this, opts);
  }

  /** Calendar-month returns of the equity curve, in percent (UTC months; the first from the initial cash). */
  monthlyReturns(): MonthlyReturn[] {
    return monthlyReturns(this.time, this.equity, this.initialCash);
  }

  /** A year × month heatmap of monthlyReturns(), the percent in each cell. */
  plotMonthlyReturns(): void {
    showFigure(this.monthlyReturnsFigure());
  }

  monthlyReturnsFigure(): Figure {
    return monthlyReturnsFigure(this);
  }

  /** What node and tslab print when a cell ends with a result: the summary, not 2 MB of typed arrays. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `BacktestResult\n${this.toString()}`;
  }
}

export const METRIC_KEYS: readonly (keyof BacktestMetrics)[] = [
  'initialCash', 'finalEquity', 'returnPct', 'annualisedReturn', 'volatility', 'sharpe', 'sortino', 'calmar',
  'maxDrawdown', 'maxDrawdownDuration', 'maxDrawdownDurationDays', 'totalTrades', 'winRate', 'avgWin', 'avgLoss',
  'profitFactor', 'profitFactorPnl', 'grossProfit', 'grossLoss', 'bestTradePct', 'worstTradePct', 'avgTradePct',
  'expectancy', 'sqn', 'avgBarsHeld', 'exposurePct', 'buyAndHoldReturnPct', 'tradesPerYear', 'cappedOrders',
  'totalCommission', 'totalSpreadCost',
];

/** The first bar at which every registered indicator has a value (backtesting.py's `_indicator_warmup_nbars`). */
function warmupBars(indicators: readonly RegisteredIndicator[]): number {
  let w = 0;
  for (const ind of indicators) {
    const v = ind.values;
    let i = 0;
    while (i < v.length && Number.isNaN(v[i])) i++;
    if (i < v.length && i > w) w = i; // all-NaN counts as 0, as numpy's argmin does
  }
  return w;
}

/** Trade columns in reading order (an empty run still has them). */
const TRADE_COLUMNS = ['symbol', 'side', 'units', 'entryBar', 'exitBar', 'entryTime', 'exitTime', 'entryPrice', 'exitPrice',
  'pnl', 'returnPct', 'commission', 'barsHeld', 'exitReason', 'stopLoss', 'takeProfit', 'tag'];

/** `blockedEntries 12, gateClosedPct 41.3`: numbers to 4 significant digits. */
function formatReport(report: StrategyReport): string {
  return Object.entries(report).map(([k, v]) => `${k} ${typeof v === 'number' ? String(Number(v.toPrecision(4))) : v}`).join(', ');
}

/** Parameters as JSON can carry them: a strategy class given as a parameter becomes its name. */
export function plainParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === 'function' ? (v as { name: string }).name : v;
  return out;
}

function finite<T extends object>(o: T): T {
  const out = { ...o } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (typeof v === 'number' && !Number.isFinite(v)) out[k] = null;
  return out as T;
}

function showFigure(fig: Figure): void {
  const title = (fig.layout?.title as { text?: string } | undefined)?.text ?? 'chart';
  if (!displayFigure(fig)) console.log(`[Plotly chart: ${title}; display it in a tslab notebook, or write plotFigure() to HTML with figureHtml]`);
}
