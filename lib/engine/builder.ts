/**
 * The fluent engine: `engine(bars).strategy(SmaCross, { fast: 10 }).cash(10_000).spread(0.0003)
 * .commission(0).fill('close').size(1).run()`. Every call returns a new builder (branch freely from
 * a shared base); arguments are checked at the call; nothing runs until run().
 */
import { isBars, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { nearest } from '../data/options';
import { lowerBound, slice, type TimeLike } from '../data/slice';
import type { CalendarOption } from '../metrics';
import { checkLookahead, type LookaheadReport } from './lookahead';
import { checkMargin } from './margin';
import type { BacktestResult } from './result';
import { runBacktest, type RunScratch, type RunSpec } from './run';
import { parseParams, strategyName, type StrategyClass } from './strategy';
import type { DefaultSizing, FillMode } from './types';

/** Engine defaults (docs/execution.md §2.1): $10,000, the live-matched spread of 3 bp, no commission, fills at the bar's close, all equity per trade in whole units. */
export const ENGINE_DEFAULTS = {
  cash: 10_000,
  spread: 0.0003,
  commission: 0,
  fill: 'close' as FillMode,
  sizing: { fraction: 1 } as DefaultSizing,
  fractional: false,
  calendar: 'auto' as CalendarOption,
  riskFreeRate: 0,
};

/** The broker and annualisation settings of a run, without the strategy. */
export type EngineSettings = Omit<RunSpec, 'strategy' | 'params'>;

/**
 * Engine settings as one object, for configs, sweeps, optimizers and validation:
 * `engine(bars).configure({ spread: 0.0005, fill: 'next_open' })` is the chain of the same calls.
 */
export interface EngineOptions {
  cash?: number;
  spread?: number;
  commission?: number;
  fill?: FillMode;
  /** A fraction of equity, { units } or { cash } (see size()). */
  size?: number | { units: number } | { cash: number };
  fractional?: boolean;
  calendar?: CalendarOption;
  riskFreeRate?: number;
  /** Initial margin (1 = no leverage, 0.5 = 2×), or with its maintenance margin (see margin()). */
  margin?: number | { margin: number; maintenance?: number };
}

export const ENGINE_OPTION_KEYS: readonly (keyof EngineOptions)[] = ['cash', 'spread', 'commission', 'fill', 'size', 'fractional', 'calendar', 'riskFreeRate', 'margin'];

/** `options` if every key is a setting; otherwise BAD_ARGUMENT naming the key, with a suggestion. Values are checked by configure(). */
export function checkEngineOptions(options: unknown): EngineOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new StratlabError('BAD_ARGUMENT', `engine settings: expected an object such as { spread: 0.0003, fill: 'close' }`);
  }
  for (const key of Object.keys(options)) {
    if ((ENGINE_OPTION_KEYS as readonly string[]).includes(key)) continue;
    const near = nearest(key, [...ENGINE_OPTION_KEYS]);
    throw new StratlabError('BAD_ARGUMENT', `engine settings: unknown setting '${key}'.` + (near ? ` Did you mean '${near}'?` : ''), {
      hint: `settings are: ${ENGINE_OPTION_KEYS.join(', ')}`,
      location: { field: key },
    });
  }
  return options as EngineOptions;
}

interface Settings extends EngineSettings {
  strategy?: StrategyClass;
  params?: Record<string, unknown>;
  from?: TimeLike;
  to?: TimeLike;
  warmup?: Warmup;
}

/** Bars before the window that indicators may see: 'auto' (all of them) or a number of bars; 0 starts cold. */
export type Warmup = 'auto' | number;

export function engine(bars: Bars): Engine {
  if (!isBars(bars)) {
    throw new StratlabError('BAD_ARGUMENT', 'engine(bars): expected Bars (from loadBars, resample or syntheticBars)');
  }
  return new Engine(bars, { ...ENGINE_DEFAULTS });
}

export class Engine {
  // Memory this builder's runs reuse (the equity column and the logs while a run goes); each result
  // gets its own exact-size copy (RunScratch.keep), so an earlier result never changes. Per builder,
  // not shared with the builders branched from it; null while a run is using it (a run inside a run).
  private scratch: RunScratch | null = { keep: true };

  /** @internal use engine(bars) */
  constructor(
    private readonly bars: Bars,
    private readonly settings: Readonly<Settings>,
  ) {}

  private with(patch: Partial<Settings>): Engine {
    return new Engine(this.bars, { ...this.settings, ...patch });
  }

  /** The strategy and its parameters (checked now against the strategy's schema; defaults fill the rest). */
  strategy<P extends object>(S: StrategyClass<P>, params: Partial<P> = {}): Engine {
    if (typeof S !== 'function' || !S.params || typeof S.params.safeParse !== 'function') {
      throw new StratlabError('BAD_ARGUMENT', 'engine.strategy(S): expected a Strategy subclass with a static zod `params` schema');
    }
    return this.with({ strategy: S, params: parseParams(S, params) as Record<string, unknown> });
  }

  /** Starting cash. */
  cash(amount: number): Engine {
    check(amount > 0 && Number.isFinite(amount), `cash(${amount}): expected an amount > 0`);
    return this.with({ cash: amount });
  }

  /** Bid-ask spread as a fraction of price: a buy pays half above, a sell gets half below (0.0003 = 3 bp). */
  spread(fraction: number): Engine {
    check(fraction >= 0 && fraction < 1, `spread(${fraction}): expected a fraction of price, 0 ≤ spread < 1 (0.0003 is 3 bp)`);
    return this.with({ spread: fraction });
  }

  /** Commission as a fraction of each fill's notional (0.001 = 0.1 %). */
  commission(fraction: number): Engine {
    check(fraction >= 0 && fraction < 1, `commission(${fraction}): expected a fraction of notional, 0 ≤ commission < 1`);
    return this.with({ commission: fraction });
  }

  /** When market orders fill: at the bar's close ('close') or the next bar's open ('next_open'). */
  fill(mode: FillMode): Engine {
    check(mode === 'close' || mode === 'next_open', `fill(${JSON.stringify(mode)}): expected 'close' or 'next_open'`);
    return this.with({ fill: mode });
  }

  /** Default order size: a fraction of equity (0 < f ≤ 1), or { units: N }, or { cash: N }. */
  size(size: number | { units: number } | { cash: number }): Engine {
    if (typeof size === 'number') {
      check(size > 0 && size <= 1, `size(${size}): expected a fraction of equity, 0 < size ≤ 1`, 'for a number of units use size({ units: N })');
      return this.with({ sizing: { fraction: size } });
    }
    if (size && 'units' in size) {
      check(size.units > 0 && Number.isFinite(size.units), `size({ units: ${size.units} }): expected units > 0`);
      return this.with({ sizing: { units: size.units } });
    }
    if (size && 'cash' in size) {
      check(size.cash > 0 && Number.isFinite(size.cash), `size({ cash: ${size.cash} }): expected an amount > 0`);
      return this.with({ sizing: { cash: size.cash } });
    }
    throw new StratlabError('BAD_ARGUMENT', 'size(…): expected a fraction, { units: N } or { cash: N }');
  }

  /** Allow fractional units (crypto, FX); by default orders are rounded down to whole units. */
  fractional(on = true): Engine {
    return this.with({ fractional: on });
  }

  /** How bars annualise Sharpe and Sortino: 'auto' (default), 'equities', '24/7', '24/5', or { periodsPerYear }. */
  calendar(calendar: CalendarOption): Engine {
    const ok = calendar === 'auto' || calendar === 'equities' || calendar === '24/7' || calendar === '24/5' ||
      (typeof calendar === 'object' && calendar !== null && calendar.periodsPerYear > 0);
    check(ok, `calendar(${JSON.stringify(calendar)}): expected 'auto', 'equities', '24/7', '24/5' or { periodsPerYear: N }`);
    return this.with({ calendar });
  }

  /**
   * Margin, as backtesting.py's: a position may be worth up to equity / margin (1 = no leverage, the
   * default; 0.5 = 2×). When equity falls below `maintenance` × position value (default margin / 2)
   * a margin call closes the position; when equity reaches zero the run stops (res.stopped says where).
   */
  margin(margin: number | { margin: number; maintenance?: number }, options: { maintenance?: number } = {}): Engine {
    const m = typeof margin === 'number' ? margin : margin?.margin;
    const maintenance = typeof margin === 'number' ? options.maintenance : margin?.maintenance;
    checkMargin(m, maintenance);
    return this.with({ margin: m, maintenance });
  }

  /** Annual risk-free rate for Sharpe and Sortino (0.04 = 4 %); default 0. */
  riskFreeRate(rate: number): Engine {
    check(Number.isFinite(rate) && rate > -1 && rate < 1, `riskFreeRate(${rate}): expected an annual rate as a fraction, e.g. 0.04`);
    return this.with({ riskFreeRate: rate });
  }

  /** Applies several settings at once, each checked as by its own method; an unknown key is refused with a suggestion. */
  configure(options: EngineOptions): Engine {
    let e: Engine = this;
    for (const [key, value] of Object.entries(checkEngineOptions(options))) {
      if (value !== undefined) e = (e[key as keyof EngineOptions] as (v: unknown) => Engine).call(e, value);
    }
    return e;
  }

  /**
   * Run over the bars from `from` to `to` only (both inclusive; a date-only `to` includes that day).
   * `{ warmup }` lets the indicators see bars before `from` — 'auto': every earlier bar, or a number of
   * bars — while trades and every metric stay inside the window, so a long look-back trades from the
   * window's first bar instead of warming up inside it. Default 0: the window starts cold.
   */
  between(from?: TimeLike | null, to?: TimeLike | null, opts: { warmup?: Warmup } = {}): Engine {
    const window = slice(this.bars, from, to); // checks the dates now
    check(window.time.length > 0, `between(${String(from)}, ${String(to)}): no bars in that range`);
    const warmup = opts?.warmup ?? 0;
    check(warmup === 'auto' || (Number.isInteger(warmup) && warmup >= 0), `between(…, { warmup: ${JSON.stringify(warmup)} }): expected 'auto' or a whole number of bars ≥ 0`);
    return this.with({ from: from ?? undefined, to: to ?? undefined, warmup });
  }

  /** Runs the backtest. */
  run(): BacktestResult {
    const s = this.settings;
    if (!s.strategy) throw new StratlabError('BAD_ARGUMENT', 'engine(bars).run(): no strategy; call .strategy(S, params) first');
    const { bars, tradeFrom } = this.window();
    const scratch = this.scratch;
    this.scratch = null;
    try {
      return runBacktest(bars, { ...s, strategy: s.strategy, params: s.params ?? {} }, scratch ?? undefined, tradeFrom);
    } finally {
      if (scratch) this.scratch = scratch;
    }
  }

  /** Checks that every indicator the strategy registers in init is causal (see lookahead.ts). */
  checkLookahead(cuts?: number): LookaheadReport {
    const s = this.settings;
    if (!s.strategy) throw new StratlabError('BAD_ARGUMENT', 'engine(bars).checkLookahead(): no strategy; call .strategy(S, params) first');
    return checkLookahead(this.window().bars, s.strategy, s.params ?? {}, cuts);
  }

  /** The run settings chosen so far (cash, spread, commission, fill, sizing, fractional, calendar, riskFreeRate; margin when set). */
  get config(): EngineSettings {
    const { cash, spread, commission, fill, sizing, fractional, calendar, riskFreeRate, margin, maintenance } = this.settings;
    return { cash, spread, commission, fill, sizing, fractional, calendar, riskFreeRate, ...(margin !== undefined ? { margin, maintenance } : {}) };
  }

  /** What the builder holds, for display and logs. */
  describe(): string {
    const s = this.settings;
    const name = s.strategy ? `${strategyName(s.strategy)} ${JSON.stringify(s.params)}` : '(no strategy)';
    return `${name} on ${this.bars.symbol} ${this.bars.timeframe}: cash ${s.cash}, spread ${s.spread}, commission ${s.commission}, fill ${s.fill}`;
  }

  // A window is copied, not viewed: a view's buffer would still reach the bars after `to`. With a
  // warm-up the copy starts that many bars earlier, and tradeFrom says where the window begins in it.
  private window(): { bars: Bars; tradeFrom: number } {
    const s = this.settings;
    if (s.from === undefined && s.to === undefined) return { bars: this.bars, tradeFrom: 0 };
    const w = slice(this.bars, s.from, s.to);
    const t = this.bars.time;
    const start = w.time.length ? lowerBound(t, w.time[0]) : 0;
    const warm = s.warmup === 'auto' ? start : Math.min(start, s.warmup ?? 0);
    const copy = (a: Float64Array) => a.slice(start - warm, start + w.time.length);
    const b = this.bars;
    return {
      bars: { symbol: b.symbol, timeframe: b.timeframe, time: copy(b.time), open: copy(b.open), high: copy(b.high), low: copy(b.low), close: copy(b.close), volume: copy(b.volume) },
      tradeFrom: warm,
    };
  }
}

function check(ok: boolean, message: string, hint?: string): void {
  if (!ok) throw new StratlabError('BAD_ARGUMENT', `engine.${message}`, { hint });
}
