/**
 * Walk-forward validation with fixed parameters (docs/validation.md §5): rolling calendar windows — by
 * default train 2 years, test the next year, moving on a year at a time — each train and test period
 * an independent run. A robust strategy makes money in most test periods, not just one.
 * (Re-optimising the parameters on each training period is walk-forward optimisation: lib/optimize.)
 *
 * Each run is warm by default (`warmup: 'auto'`): its indicators see every bar before its period, its
 * trades and metrics stay inside it — so a long look-back trades from the period's first bar instead
 * of spending it warming up. `warmup: 0` runs each period cold.
 */
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { periodLabel, rollingWindows, type TimeWindow, type WindowUnit } from '../data/windows';
import type { StrategyClass, Warmup } from '../engine';
import { runner, type ValidationSettings } from './settings';

export interface WalkForwardSpec {
  /** Training length (default 2, in `unit`). */
  train?: number;
  /** Test length (default 1). */
  test?: number;
  /** How far each window moves on (default `test`: the test periods tile the data). */
  step?: number;
  /** 'years' (default), 'months' or 'days'. */
  unit?: WindowUnit;
  /** 'calendar' starts on 1 January (years) or the 1st (months); 'data' at the first bar. rollingWindows' default. */
  anchor?: 'calendar' | 'data';
  /** The share of windows with a positive test return needed to pass (default 0.5; docs/validation.md §5.3). */
  minPassRate?: number;
  /** History each run's indicators see before its period: 'auto' (default: every earlier bar), a number of bars, or 0 (cold). */
  warmup?: Warmup;
}

export interface WalkForwardCheckOptions extends WalkForwardSpec {
  strategy: StrategyClass;
  params?: Record<string, unknown>;
  bars: Bars;
  settings?: ValidationSettings;
}

export interface WalkForwardCheckWindow {
  index: number;
  trainPeriod: string;
  testPeriod: string;
  /** Return in percent and annualised Sharpe of each independent run. */
  trainReturn: number;
  testReturn: number;
  trainSharpe: number;
  testSharpe: number;
  trainTrades: number;
  testTrades: number;
}

export interface WalkForwardCheck {
  windows: WalkForwardCheckWindow[];
  /** Share of windows whose test return is > 0. */
  passRate: number;
  passes: boolean;
  minPassRate: number;
  /** Windows left out because their train or test period holds fewer than two bars (a gap in the data). */
  skipped: { trainPeriod: string; testPeriod: string }[];
}

export const WALK_FORWARD_DEFAULTS = Object.freeze({ train: 2, test: 1, unit: 'years' as WindowUnit, minPassRate: 0.5 });

export function walkForward(opts: WalkForwardCheckOptions): WalkForwardCheck {
  const minPassRate = opts.minPassRate ?? WALK_FORWARD_DEFAULTS.minPassRate;
  if (!(minPassRate >= 0 && minPassRate <= 1)) {
    throw new StratlabError('BAD_ARGUMENT', `walkForward.minPassRate: expected a share between 0 and 1, got ${minPassRate}`, { location: { field: 'minPassRate' } });
  }
  const { bars } = opts;
  const time = bars.time;
  const unit = opts.unit ?? WALK_FORWARD_DEFAULTS.unit;
  let specs: TimeWindow[];
  try {
    specs = rollingWindows(time, { train: opts.train ?? WALK_FORWARD_DEFAULTS.train, test: opts.test ?? WALK_FORWARD_DEFAULTS.test, step: opts.step, unit, anchor: opts.anchor });
  } catch (e) {
    // Say which step needs the windows, and how to fit them to short (e.g. intraday) data.
    if (e instanceof StratlabError) {
      throw new StratlabError(e.code, e.message.replace(/^windows:/, 'walkForward:'), {
        hint: e.hint ? `${e.hint}: e.g. { train: 90, test: 30, unit: 'days' }` : undefined,
        location: e.location,
      });
    }
    throw e;
  }
  const warmup = opts.warmup ?? 'auto';
  if (!(warmup === 'auto' || (Number.isInteger(warmup) && warmup >= 0))) {
    throw new StratlabError('BAD_ARGUMENT', `walkForward.warmup: expected 'auto' or a whole number of bars ≥ 0, got ${JSON.stringify(warmup)}`, { location: { field: 'warmup' } });
  }
  const run = runner(bars, opts.strategy, opts.params ?? {}, opts.settings);
  const windows: WalkForwardCheckWindow[] = [];
  const skipped: WalkForwardCheck['skipped'] = [];
  for (const w of specs) {
    const trainPeriod = periodLabel(w.trainStart, w.trainEnd);
    const testPeriod = periodLabel(w.testStart, w.testEnd);
    // One bar has no return to speak of; such a window says nothing either way.
    if (w.trainTo - w.trainFrom < 2 || w.testTo - w.testFrom < 2) {
      skipped.push({ trainPeriod, testPeriod });
      continue;
    }
    const tr = run.run(time[w.trainFrom], time[w.trainTo - 1], warmup);
    const te = run.run(time[w.testFrom], time[w.testTo - 1], warmup);
    windows.push({
      index: w.index, trainPeriod, testPeriod,
      trainReturn: tr.returnPct, testReturn: te.returnPct,
      trainSharpe: tr.sharpe, testSharpe: te.sharpe,
      trainTrades: tr.totalTrades, testTrades: te.totalTrades,
    });
  }
  if (windows.length === 0) {
    throw new StratlabError('EMPTY_DATA', `walkForward: every window lacks bars in its train or test period (${skipped.length} windows)`, {
      hint: 'check the data for gaps, or use other window lengths',
    });
  }
  const passRate = windows.filter((w) => w.testReturn > 0).length / windows.length;
  return { windows, passRate, passes: passRate >= minPassRate, minPassRate, skipped };
}
