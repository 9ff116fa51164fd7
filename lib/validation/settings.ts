/**
 * The cost model every validation run uses, and one run over one period. Defaults are the
 * live-matched model (docs/validation.md §3.2) (spread 0.0003, fills at the signal bar's close, $10,000), so a candidate is
 * validated under the costs it will trade with.
 */
import type { Bars } from '../core/bars';
import { engine, type BacktestResult, type EngineOptions, type FillMode, type StrategyClass, type Warmup } from '../engine';
import { annualisation, type CalendarOption } from '../metrics';

/** Engine settings; 'auto' calendar (default) is inferred once from the whole series, so every period annualises alike. */
export type ValidationSettings = EngineOptions;

/** The live-matched cost model (docs/execution.md §2.1). */
export const VALIDATION_DEFAULTS = Object.freeze({ cash: 10_000, spread: 0.0003, commission: 0, fill: 'close' as FillMode });

/** One strategy with its parameters, run on one instrument under one cost model. */
export interface Runner {
  /**
   * Runs over the bars from `from` to `to` (epoch ms, both inclusive); the whole series when omitted.
   * `warmup` lets the indicators see bars before `from` (engine.between); trades and metrics stay inside.
   */
  run(from?: number, to?: number, warmup?: Warmup): BacktestResult;
  readonly bars: Bars;
}

export function runner(bars: Bars, strategy: StrategyClass, params: Record<string, unknown>, settings: ValidationSettings = {}): Runner {
  const s = { ...VALIDATION_DEFAULTS, ...settings };
  const base = engine(bars).strategy(strategy, params).configure({ ...s, calendar: pinnedCalendar(bars, s.calendar ?? 'auto') });
  return {
    bars,
    run: (from?: number, to?: number, warmup: Warmup = 0) => (from === undefined && to === undefined ? base : base.between(from, to, { warmup })).run(),
  };
}

/**
 * A short window can look like another market to the calendar inference (a test month that holds
 * a holiday week, say): infer the calendar once from the whole series and hold it for every period,
 * so train and test Sharpes are annualised alike. Weekly and monthly bars are told by their spacing,
 * which a window does not change, so they stay 'auto'.
 */
function pinnedCalendar(bars: Bars, calendar: CalendarOption): CalendarOption {
  if (calendar !== 'auto') return calendar;
  const inferred = annualisation(bars.time, 'auto').calendar;
  return inferred === 'equities' || inferred === '24/7' || inferred === '24/5' ? inferred : 'auto';
}
