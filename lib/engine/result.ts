/**
 * The outcome of one backtest: the seed's result fields (camelCase) plus risk metrics, the equity
 * curve, every trade and every order. Units: fields ending in Pct, `maxDrawdown` and
 * `annualisedReturn` are percents; `winRate` is a fraction (0–1); money is in the account currency.
 */
import type { Bars } from '../core/bars';
import { formatTime } from '../data/timestamps';
import { drawdownSeries, monthlyReturns, type MonthlyReturn } from '../metrics';
import type { Figure } from '../viz/plotly';
import { displayFigure } from '../viz/display';
import type { Annualisation, TradeStats } from '../metrics';
import type { BrokerConfig } from './broker';
import type { RegisteredIndicator } from './context';
import { displayResult, type DisplayOptions } from './display';
import { monthlyReturnsFigure } from './monthly';
import { plotFigure, type PlotOptions } from './plot';
import type { OrderLog, TradeLog } from './log';
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
  bars: Bars;
  elapsedMs: number;
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
  readonly elapsedMs: number;

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
    this.elapsedMs = init.elapsedMs;
    this.barCount = init.time.length;
    this.start = init.time[0];
    this.end = init.time[init.time.length - 1];
    Object.assign(this, init.metrics);
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

  /** The seed's equity_curve shape: [{ time, equity }]. */
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
    return [
      ['Strategy', `${this.strategy} ${JSON.stringify(plainParams(this.params))}`],
      ['Data', `${this.symbol} ${this.timeframe}, ${this.barCount} bars, ${formatTime(this.start)} → ${formatTime(this.end)}`],
      ['Costs', `spread ${s.spread}, commission ${s.commission}, fill at ${s.fill === 'close' ? 'bar close' : 'next open'}`],
      ['Initial cash', money(this.initialCash)],
      ['Final equity', money(this.finalEquity)],
      ['Return', pct(this.returnPct)],
      ['Buy & hold return', pct(this.buyAndHoldReturnPct)],
      ['Annualised return', pct(this.annualisedReturn)],
      ['Volatility (ann.)', pct(this.volatility)],
      ['Sharpe', num(this.sharpe)],
      ['Sortino', num(this.sortino)],
      ['Calmar', num(this.calmar)],
      ['Max drawdown', pct(this.maxDrawdown)],
      ['Max drawdown duration', `${this.maxDrawdownDuration} bars (${num(this.maxDrawdownDurationDays, 0)} days)`],
      ['Exposure', pct(this.exposurePct)],
      ['Trades', String(this.totalTrades)],
      ['Trades per year', num(this.tradesPerYear, 1)],
      ['Win rate', pct(this.winRate * 100)],
      ['Best / worst trade', `${pct(this.bestTradePct)} / ${pct(this.worstTradePct)}`],
      ['Avg win / loss', `${money(this.avgWin)} / ${money(this.avgLoss)}`],
      ['Profit factor', num(this.profitFactor, 3)],
      ['Expectancy', money(this.expectancy)],
      ['SQN', num(this.sqn)],
      ['Commission + spread paid', money(this.totalCommission + this.totalSpreadCost)],
      ['Orders cut by 1x leverage', String(this.cappedOrders)],
    ];
  }

  /** A plain-text summary (what the CLI prints). */
  toString(): string {
    const rows = this.summary();
    const w = Math.max(...rows.map((r) => r[0].length));
    return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
  }

  /** camelCase JSON: settings, every metric, and (unless turned off) trades, orders and the equity curve. Non-finite numbers become null. */
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
