/**
 * Train/test holdout (docs/validation.md §4): the strategy runs on the training period, then independently
 * on the test period — a fresh account and a fresh warm-up of its indicators (docs/validation.md §4.2) —
 * so nothing carries over from one period to the other.
 */
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { lowerBound } from '../data/slice';
import type { BacktestMetrics, StrategyClass } from '../engine';
import { day, resolvePeriod, type Period, type PeriodSpec } from './period';
import { runner, type ValidationSettings } from './settings';

export interface HoldoutOptions {
  strategy: StrategyClass;
  params?: Record<string, unknown>;
  bars: Bars;
  /** The training period; by default everything before the test period. */
  train?: PeriodSpec;
  /** The test period; by default everything after the training period. */
  test?: PeriodSpec;
  /** When neither period is given: the last `testFraction` of the time span is the test (default 0.3). */
  testFraction?: number;
  settings?: ValidationSettings;
}

export interface HoldoutResult {
  train: BacktestMetrics;
  test: BacktestMetrics;
  /** 'YYYY-MM-DD:YYYY-MM-DD', both days included (the experiments table's train_period / test_period). */
  trainPeriod: string;
  testPeriod: string;
  trainBars: number;
  testBars: number;
  /**
   * Train minus test, in per-period measures only, so a 7-year training run and a 14-month test run
   * compare (their total returns would not): positive is worse out of sample, except trades per year,
   * where positive means it traded less often. See HoldoutDegradation.
   */
  degradation: HoldoutDegradation;
}

/** Train minus test of measures that do not grow with the length of a period. */
export interface HoldoutDegradation {
  /** What the numbers are, for reports: the four measures and their units. */
  measures: string;
  /** Annualised return, in percentage points. */
  annualisedReturn: number;
  /** Annualised Sharpe ratio. */
  sharpe: number;
  /** Max drawdown depth in percentage points (test deeper than train: positive). */
  maxDrawdown: number;
  /** Trades per year. */
  tradesPerYear: number;
}

export const DEGRADATION_MEASURES = 'train − test: annualised return (pp), Sharpe, max drawdown (pp, positive = deeper in test), trades per year';

/** Train minus test of the per-period measures (see HoldoutResult.degradation). */
export function degradation(train: BacktestMetrics, test: BacktestMetrics): HoldoutDegradation {
  return {
    measures: DEGRADATION_MEASURES,
    annualisedReturn: train.annualisedReturn - test.annualisedReturn,
    sharpe: train.sharpe - test.sharpe,
    // maxDrawdown is ≤ 0: train − test is positive when the test's drawdown is deeper.
    maxDrawdown: train.maxDrawdown - test.maxDrawdown,
    tradesPerYear: train.tradesPerYear - test.tradesPerYear,
  };
}

export const DEFAULT_TEST_FRACTION = 0.3;
const DAY = 86_400_000;

export function holdout(opts: HoldoutOptions): HoldoutResult {
  const { bars } = opts;
  const { train, test } = holdoutPeriods(bars.time, opts);
  const run = runner(bars, opts.strategy, opts.params ?? {}, opts.settings);
  const trainRes = run.run(train.from, train.to);
  const testRes = run.run(test.from, test.to);
  return {
    train: trainRes.metrics(),
    test: testRes.metrics(),
    trainPeriod: train.label,
    testPeriod: test.label,
    trainBars: trainRes.barCount,
    testBars: testRes.barCount,
    degradation: degradation(trainRes, testRes),
  };
}

/** The two periods a holdout runs on, checked: each holds at least two bars, and they do not overlap. */
export function holdoutPeriods(time: Float64Array, opts: Pick<HoldoutOptions, 'train' | 'test' | 'testFraction'>): { train: Period; test: Period } {
  const n = time.length;
  if (n < 4) throw new StratlabError('EMPTY_DATA', `holdout: ${n} bars, too few to split into a training and a test period`);
  const first = time[0], last = time[n - 1];
  let train: Period, test: Period;
  if (opts.train !== undefined && opts.test !== undefined) {
    train = resolvePeriod(opts.train, 'holdout.train');
    test = resolvePeriod(opts.test, 'holdout.test');
    if (train.from <= test.to && test.from <= train.to) {
      throw new StratlabError('BAD_ARGUMENT', `holdout: the training period ${train.label} overlaps the test period ${test.label}`, {
        hint: 'a test period the strategy was tuned on is not out of sample; make them disjoint',
        location: { field: 'holdout.test' },
      });
    }
  } else if (opts.test !== undefined) {
    test = resolvePeriod(opts.test, 'holdout.test');
    train = span(first, test.from - 1);
  } else if (opts.train !== undefined) {
    train = resolvePeriod(opts.train, 'holdout.train');
    test = span(train.to + 1, last);
  } else {
    const f = opts.testFraction ?? DEFAULT_TEST_FRACTION;
    if (!(f > 0 && f < 1)) {
      throw new StratlabError('BAD_ARGUMENT', `holdout.testFraction: expected a fraction between 0 and 1, got ${f}`, { location: { field: 'testFraction' } });
    }
    // Cut at a UTC midnight so the two labels are whole days that do not share one.
    let cut = Math.floor((first + (1 - f) * (last - first)) / DAY) * DAY;
    if (cut <= first) cut = first + 1;
    train = span(first, cut - 1);
    test = span(cut, last);
  }
  for (const [name, p] of [['train', train], ['test', test]] as const) {
    const bars = lowerBound(time, p.to + 1) - lowerBound(time, p.from);
    if (bars < 2) {
      throw new StratlabError('EMPTY_DATA', `holdout.${name}: ${bars} bar${bars === 1 ? '' : 's'} in ${p.label} (the data runs ${day(first)} → ${day(last)})`, {
        hint: 'choose periods inside the data, each at least two bars long',
        location: { field: `holdout.${name}` },
      });
    }
  }
  return { train, test };
}

function span(from: number, to: number): Period {
  return { from, to, label: `${day(from)}:${day(to)}` };
}
