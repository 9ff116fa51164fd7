import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { StratlabError } from '../lib/core/errors';
import { loadBars, rollingWindows, slice } from '../lib/data';
import { type Warmup, engine, type BacktestResult } from '../lib/engine';
import { SmaCross } from '../lib/strategies/sma-cross';
import { paramsHash } from '../lib/core/hash';
import { returnBlocks } from '../lib/metrics';
import type { DisqualificationRules } from '../lib/sweep/score';
import { RETURN_BLOCKS, type ExperimentRecord } from '../lib/sweep/types';
import { openTracker, type ExperimentTracker } from '../lib/tracker/tracker';
import {
  barReturns, holdout, multiAsset, pboFromBlocks, relatedSymbols, validateCandidate, validateExperiment, validateTop, walkForward, RELATED_SYMBOLS,
  type ValidateCandidateOptions,
} from '../lib/validation';
import { BTCUSD, EURUSD, GOOG } from './helpers/paths';

let goog: Bars, eur: Bars, btc: Bars;
beforeAll(async () => {
  [goog, eur, btc] = await Promise.all([loadBars(GOOG), loadBars(EURUSD), loadBars(BTCUSD)]);
});

/** The seed's cost model, as the engine's defaults also are: spread 0.0003, fills at the close, $10,000. */
const direct = (bars: Bars, params: object, from?: string | number, to?: string | number, warmup: Warmup = 0): BacktestResult => {
  const e = engine(bars).strategy(SmaCross, params).spread(0.0003).fill('close').cash(10_000);
  return (from === undefined ? e : e.between(from, to, { warmup })).run();
};

const thrown = (f: () => unknown): StratlabError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StratlabError);
    return e as StratlabError;
  }
  throw new Error('expected a StratlabError');
};

describe('holdout', () => {
  const params = { fast: 10, slow: 30 };

  it('runs the test period independently: its metrics are those of a direct run over that period', () => {
    const h = holdout({ strategy: SmaCross, params, bars: goog, train: '2006-01-01:2009-12-31', test: '2010-01-01:2012-12-31' });
    expect(h.trainPeriod).toBe('2006-01-01:2009-12-31');
    expect(h.testPeriod).toBe('2010-01-01:2012-12-31');
    expect(h.test).toEqual(direct(goog, params, '2010-01-01', '2012-12-31').metrics());
    expect(h.train).toEqual(direct(goog, params, '2006-01-01', '2009-12-31').metrics());
    // A fresh account: the test run starts from the initial cash, not from the training run's equity.
    expect(h.test.initialCash).toBe(10_000);
    expect(h.testBars).toBe(slice(goog, '2010-01-01', '2012-12-31').time.length);
  });

  it('reports degradation as train minus test in per-period measures, never total returns of periods of different lengths', () => {
    // A 7-year training period against a 14-month test: their total returns are not comparable.
    const h = holdout({ strategy: SmaCross, params, bars: goog, train: '2005-01-01:2011-12-31', test: '2012-01-01:2013-03-01' });
    expect(h.degradation).toEqual({
      measures: expect.stringMatching(/annualised return \(pp\), Sharpe, max drawdown \(pp.*\), trades per year/),
      annualisedReturn: h.train.annualisedReturn - h.test.annualisedReturn,
      sharpe: h.train.sharpe - h.test.sharpe,
      maxDrawdown: h.train.maxDrawdown - h.test.maxDrawdown,
      tradesPerYear: h.train.tradesPerYear - h.test.tradesPerYear,
    });
    expect(h.degradation).not.toHaveProperty('returnPct');
    // The annualised gap differs from the gap in total returns (which mostly measures the lengths).
    expect(Math.abs(h.degradation.annualisedReturn - (h.train.returnPct - h.test.returnPct))).toBeGreaterThan(10);
  });

  it('by default tests on the last 30 % of the time span, cut at a midnight, and trains on the rest', () => {
    const h = holdout({ strategy: SmaCross, params, bars: goog });
    const t = goog.time, first = t[0], last = t[t.length - 1];
    const cut = Math.floor((first + 0.7 * (last - first)) / 86_400_000) * 86_400_000;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    expect(h.trainPeriod).toBe(`2004-08-19:${day(cut - 1)}`);
    expect(h.testPeriod).toBe(`${day(cut)}:2013-03-01`);
    expect(h.trainBars + h.testBars).toBe(t.length);
    expect(h.test).toEqual(direct(goog, params, cut, last).metrics());
  });

  it('takes testFraction, and { from, to } periods', () => {
    const a = holdout({ strategy: SmaCross, params, bars: goog, testFraction: 0.5 });
    expect(a.trainBars / (a.trainBars + a.testBars)).toBeGreaterThan(0.45);
    expect(a.trainBars / (a.trainBars + a.testBars)).toBeLessThan(0.55);
    const b = holdout({ strategy: SmaCross, params, bars: goog, train: { from: '2005-01-01', to: '2007-12-31' }, test: { from: new Date('2008-01-01T00:00:00Z'), to: '2008-12-31' } });
    expect(b.testPeriod).toBe('2008-01-01:2008-12-31');
    expect(b.test).toEqual(direct(goog, params, '2008-01-01', '2008-12-31').metrics());
  });

  it('trains on everything before a test period given alone', () => {
    const h = holdout({ strategy: SmaCross, params, bars: goog, test: '2011-01-01:2013-03-01' });
    expect(h.trainPeriod).toBe('2004-08-19:2010-12-31');
    expect(h.train).toEqual(direct(goog, params, goog.time[0], '2010-12-31').metrics());
  });

  it('refuses overlapping periods, unreadable periods and periods without bars, naming the field', () => {
    const overlap = thrown(() => holdout({ strategy: SmaCross, params, bars: goog, train: '2006-01-01:2010-06-30', test: '2010-01-01:2012-12-31' }));
    expect(overlap.message).toMatch(/overlaps the test period/);
    const bad = thrown(() => holdout({ strategy: SmaCross, params, bars: goog, test: '2010/01/01-2012/12/31' }));
    expect(bad.message).toBe('holdout.test: "2010/01/01-2012/12/31" is not a period');
    expect(bad.hint).toMatch(/YYYY-MM-DD:YYYY-MM-DD/);
    const empty = thrown(() => holdout({ strategy: SmaCross, params, bars: goog, test: '2020-01-01:2020-12-31' }));
    expect(empty.message).toBe('holdout.test: 0 bars in 2020-01-01:2020-12-31 (the data runs 2004-08-19 → 2013-03-01)');
    expect(thrown(() => holdout({ strategy: SmaCross, params, bars: goog, testFraction: 1.2 })).message).toMatch(/testFraction/);
  });

  it('uses the settings given: a wider spread costs the test run', () => {
    const cheap = holdout({ strategy: SmaCross, params, bars: goog });
    const dear = holdout({ strategy: SmaCross, params, bars: goog, settings: { spread: 0.002, commission: 0.001 } });
    expect(dear.test.returnPct).toBeLessThan(cheap.test.returnPct);
    expect(dear.test.totalCommission).toBeGreaterThan(0);
  });
});

describe('walk-forward with fixed parameters', () => {
  const params = { fast: 10, slow: 20, longOnly: true };

  it('rolls train 2 years / test 1 year windows from 1 January, each run on its own, its indicators warm from the bars before it', () => {
    const wf = walkForward({ strategy: SmaCross, params, bars: goog });
    // GOOG runs 2004-08-19 → 2013-03-01: the first full year is 2005, the last full test year 2012.
    expect(wf.windows.map((w) => `${w.trainPeriod} → ${w.testPeriod}`)).toEqual([
      '2005-01-01:2006-12-31 → 2007-01-01:2007-12-31',
      '2006-01-01:2007-12-31 → 2008-01-01:2008-12-31',
      '2007-01-01:2008-12-31 → 2009-01-01:2009-12-31',
      '2008-01-01:2009-12-31 → 2010-01-01:2010-12-31',
      '2009-01-01:2010-12-31 → 2011-01-01:2011-12-31',
      '2010-01-01:2011-12-31 → 2012-01-01:2012-12-31',
    ]);
    for (const w of wf.windows) {
      const [trFrom, trTo] = w.trainPeriod.split(':');
      const [teFrom, teTo] = w.testPeriod.split(':');
      const tr = direct(goog, params, trFrom, trTo, 'auto'), te = direct(goog, params, teFrom, teTo, 'auto');
      expect(w.trainReturn).toBe(tr.returnPct);
      expect(w.testReturn).toBe(te.returnPct);
      expect(w.trainSharpe).toBe(tr.sharpe);
      expect(w.testSharpe).toBe(te.sharpe);
      expect(w.testTrades).toBe(te.totalTrades);
    }
  });

  it('passes when the share of positive test periods reaches minPassRate (0.5 by default)', () => {
    const wf = walkForward({ strategy: SmaCross, params, bars: goog });
    const positive = wf.windows.filter((w) => direct(goog, params, ...(w.testPeriod.split(':') as [string, string])).returnPct > 0).length;
    expect(wf.passRate).toBe(positive / 6);
    expect(wf.passes).toBe(positive / 6 >= 0.5);
    expect(wf.minPassRate).toBe(0.5);
    const strict = walkForward({ strategy: SmaCross, params, bars: goog, minPassRate: 1 });
    expect(strict.passes).toBe(positive === 6);
  });

  it('fails a candidate that loses in most test years', () => {
    const wf = walkForward({ strategy: SmaCross, params: { fast: 30, slow: 200 }, bars: goog });
    expect(wf.passRate).toBeLessThan(0.5);
    expect(wf.passes).toBe(false);
  });

  it('cuts windows in days for intraday data, matching rollingWindows', () => {
    const wf = walkForward({ strategy: SmaCross, params: { fast: 10, slow: 30 }, bars: eur, train: 60, test: 30, unit: 'days' });
    const spec = rollingWindows(eur.time, { train: 60, test: 30, unit: 'days' });
    expect(wf.windows).toHaveLength(spec.length);
    const w = spec[2];
    const te = engine(eur).strategy(SmaCross, { fast: 10, slow: 30 }).between(eur.time[w.testFrom], eur.time[w.testTo - 1], { warmup: 'auto' }).run();
    expect(wf.windows[2].testReturn).toBe(te.returnPct);
    expect(wf.passRate).toBe(wf.windows.filter((x) => x.testReturn > 0).length / wf.windows.length);
  });

  it('says when the data is shorter than one window', () => {
    const e = thrown(() => walkForward({ strategy: SmaCross, params, bars: eur }));
    expect(e.message).toMatch(/^walkForward: the data spans 294 days, shorter than one train \+ test period \(2 \+ 1 years\)$/);
    expect(e.hint).toMatch(/unit: 'days'/);
  });
});

describe('multi-asset consistency', () => {
  const params = { fast: 10, slow: 30 };

  it('runs each symbol and counts the positive ones', () => {
    const ma = multiAsset({ strategy: SmaCross, params, data: { GOOG: goog, EURUSD: eur, BTCUSD: btc } });
    const expected = { GOOG: direct(goog, params).returnPct, EURUSD: direct(eur, params).returnPct, BTCUSD: direct(btc, params).returnPct };
    expect(ma.results).toEqual(expected);
    const positive = Object.values(expected).filter((r) => r > 0).length;
    expect(ma.positiveCount).toBe(positive);
    expect(ma.positiveRate).toBe(positive / 3);
    // The seed's rule: positive count ≥ 60 % of the symbols (2 of 3).
    expect(ma.passes).toBe(positive >= 2);
  });

  it('passes when enough symbols are positive, with the threshold as a count of symbols', () => {
    const p = { fast: 10, slow: 20, longOnly: true };
    const ma = multiAsset({ strategy: SmaCross, params: p, data: { GOOG: goog, EURUSD: eur, BTCUSD: btc } });
    expect(ma.positiveCount).toBe(3);
    expect(ma.passes).toBe(true);
    const q3 = slice(eur, '2017-07-01', '2017-09-30'); // a quarter the same rule lost money in
    const mixed = multiAsset({ strategy: SmaCross, params: p, data: { GOOG: goog, EURUSD: q3 } });
    expect(mixed.results.EURUSD).toBeLessThan(0);
    expect(mixed.positiveRate).toBe(0.5);
    expect(mixed.passes).toBe(false); // 1 < 0.6 × 2
    expect(multiAsset({ strategy: SmaCross, params: p, data: { GOOG: goog, EURUSD: q3 }, threshold: 0.5 }).passes).toBe(true);
  });

  it('runs every symbol over a common period when given', () => {
    const ma = multiAsset({ strategy: SmaCross, params, data: { GOOG: goog, BTCUSD: btc }, period: '2012-01-01:2012-12-31' });
    expect(ma.results.GOOG).toBe(direct(goog, params, '2012-01-01', '2012-12-31').returnPct);
  });

  it('knows a few related symbols, and takes the caller’s map first', () => {
    expect(relatedSymbols('SPY')).toEqual(['QQQ', 'IWM', 'DIA']);
    expect(relatedSymbols('qqq')).toEqual(['SPY', 'IWM']);
    expect(relatedSymbols('BTCUSD')).toEqual(['ETHUSD']);
    expect(relatedSymbols('EURUSD')).toContain('GBPUSD');
    expect(relatedSymbols('GOOG')).toEqual([]);
    expect(relatedSymbols('GOOG', { GOOG: ['GOOGL', 'MSFT', 'GOOG'] })).toEqual(['GOOGL', 'MSFT']);
    expect(relatedSymbols('SPY', { SPY: ['VOO'] })).toEqual(['VOO']);
    expect(Object.isFrozen(RELATED_SYMBOLS)).toBe(true);
  });

  it('refuses an empty universe', () => {
    expect(thrown(() => multiAsset({ strategy: SmaCross, params, data: {} })).message).toBe('multiAsset.data: no symbols to test on');
  });
});

// Rules loose enough for long-horizon crossovers on one stock, so the later steps are reached.
const LOOSE: Partial<DisqualificationRules> = { minTrades: 10, minTradesPerYear: 1, maxDrawdown: 60, minWinRate: 0.25 };
// SmaCross(10, 20) long only on GOOG: 47 trades, Sharpe ≈ 1.1, positive out of sample and in 5 of 6 walk-forward years.
const GOOD = { fast: 10, slow: 20, longOnly: true };

describe('validateCandidate', () => {
  const base = (over: Partial<ValidateCandidateOptions> = {}): ValidateCandidateOptions => ({
    strategy: SmaCross, params: GOOD, symbol: 'GOOG', timeframe: '1d', data: { GOOG: goog }, rules: LOOSE, bootstrap: { iterations: 300 }, ...over,
  });

  it('rejects a candidate that trades too rarely, at the first step, with the rule it broke', () => {
    const r = validateCandidate({ strategy: SmaCross, params: { fast: 50, slow: 200 }, symbol: 'GOOG', data: { GOOG: goog } });
    expect(r.status).toBe('rejected');
    expect(r.reasonCode).toBe('disqualified');
    expect(r.reason).toMatch(/^disqualified: trades 10 < 30; trades\/year [\d.]+ < 6/);
    expect(r.steps).toEqual(['disqualification']);
    expect(r.disqualified).toContain('minTrades');
    expect(r.holdout).toBeNull();
    expect(r.full.totalTrades).toBe(10);
  });

  it('applies the seed rules unless overridden', () => {
    // SmaCross(10, 20) long only trades 5.5 times a year: under the seed's 6.
    expect(validateCandidate(base({ rules: undefined })).reason).toMatch(/^disqualified: trades\/year 5\.\d+ < 6$/);
  });

  it('rejects a candidate that loses out of sample', () => {
    const r = validateCandidate(base({ params: { fast: 10, slow: 30 } }));
    expect(r.holdout!.test.returnPct).toBeLessThan(0);
    expect(r).toMatchObject({ status: 'rejected', reason: 'negative_out_of_sample', reasonCode: 'negative_out_of_sample', steps: ['disqualification', 'holdout'] });
    expect(r.walkForward).toBeNull();
  });

  it('rejects a candidate that fails walk-forward', () => {
    // Positive in 4 of 6 test years: short of a pass rate of 0.75.
    const r = validateCandidate(base({ params: { fast: 5, slow: 200 }, walkForward: { minPassRate: 0.75 } }));
    expect(r.holdout!.test.returnPct).toBeGreaterThanOrEqual(0);
    expect(r.walkForward!.passRate).toBeLessThan(0.75);
    expect(r).toMatchObject({ status: 'rejected', reason: 'walk_forward_failure', steps: ['disqualification', 'holdout', 'walkForward'] });
  });

  it('rejects on the deflated Sharpe when many trials with widely spread Sharpes were tried', () => {
    const r = validateCandidate(base({ overfitting: { nTrials: 1000, sharpeVariance: 1 } }));
    expect(r.status).toBe('rejected');
    expect(r.reasonCode).toBe('deflated_sharpe');
    expect(r.reason).toMatch(/^deflated_sharpe 0\.\d\d < 0\.95$/);
    expect(r.deflatedSharpe!.nTrials).toBe(1000);
    expect(r.deflatedSharpe!.dsr).toBeLessThan(r.deflatedSharpe!.psr);
    // The best of 1000 skill-less trials with Sharpe sd 1 reaches about 3 by luck: far above this candidate's 1.1.
    expect(r.deflatedSharpe!.expectedMaxSharpe).toBeGreaterThan(2.5);
    expect(r.deflatedSharpe!.expectedMaxSharpe).toBeLessThan(3.6);
    // The interval is there whichever test of the step decided.
    expect(r.bootstrapSharpe!.low).toBeLessThan(r.full.sharpe);
  });

  it('with one trial computes DSR as the PSR, and says so', () => {
    const r = validateCandidate(base());
    expect(r.deflatedSharpe!.nTrials).toBe(1);
    expect(r.deflatedSharpe!.dsr).toBeCloseTo(r.deflatedSharpe!.psr, 12);
    expect(r.deflatedSharpe!.expectedMaxSharpe).toBe(0);
    expect(r.deflatedSharpe!.nObs).toBe(goog.time.length - 1);
    expect(r.notes.join('\n')).toMatch(/nTrials is 1: the deflated Sharpe is the probabilistic Sharpe/);
  });

  it('rejects when the sweep’s PBO is above maxPbo', () => {
    const r = validateCandidate(base({ overfitting: { pbo: 0.8 } }));
    expect(r).toMatchObject({ status: 'rejected', reason: 'pbo 0.80 > 0.5', reasonCode: 'pbo', pbo: 0.8 });
    expect(validateCandidate(base({ overfitting: { pbo: 0.8, maxPbo: 0.9 } })).reasonCode).not.toBe('pbo');
  });

  it('gives the bootstrap Sharpe interval, and rejects on it only when asked', () => {
    // SmaCross(20, 100) long only: Sharpe ≈ 0.6 over 8.5 years, too little data for a CI clear of 0.
    const weak = { params: { fast: 20, slow: 100, longOnly: true }, overfitting: { minDsr: 0.5 } };
    const informative = validateCandidate(base(weak));
    expect(informative.bootstrapSharpe!.low).toBeLessThanOrEqual(0);
    expect(informative.bootstrapSharpe!.high).toBeGreaterThan(informative.full.sharpe);
    expect(informative.status).not.toBe('rejected');
    const strict = validateCandidate(base({ ...weak, bootstrap: { iterations: 300, requirePositiveCi: true } }));
    expect(strict.status).toBe('rejected');
    expect(strict.reasonCode).toBe('sharpe_ci');
    expect(strict.reason).toMatch(/^sharpe_ci low -?\d+\.\d\d ≤ 0$/);
    // Reproducible: the same seed gives the same interval.
    expect(validateCandidate(base(weak)).bootstrapSharpe).toEqual(informative.bootstrapSharpe);
  });

  it('is marginal when no related data is there', () => {
    const r = validateCandidate(base());
    expect(r).toMatchObject({ status: 'marginal', reason: 'multi_asset: no related symbols', reasonCode: 'multi_asset_no_related' });
    expect(r.steps).toEqual(['disqualification', 'holdout', 'walkForward', 'overfitting']);
    const missing = validateCandidate(base({ related: ['GOOGL', 'MSFT'] }));
    expect(missing.status).toBe('marginal');
    expect(missing.notes).toContain('multi-asset: no data for GOOGL, MSFT');
  });

  it('is marginal when the related symbols mostly lose, passed when they make money', () => {
    const q3 = slice(eur, '2017-07-01', '2017-09-30');
    const btcBear = slice(btc, '2018-01-01', '2019-12-31');
    const marginal = validateCandidate(base({ data: { GOOG: goog, EURUSD: q3, BTCUSD: btcBear }, related: ['EURUSD', 'BTCUSD'] }));
    expect(marginal.multiAsset!.results.EURUSD).toBeLessThan(0);
    expect(marginal).toMatchObject({ status: 'marginal', reasonCode: 'multi_asset', reason: `multi_asset ${marginal.multiAsset!.positiveCount}/2 positive` });
    expect(marginal.multiAsset!.positiveCount).toBeLessThan(2);

    const passed = validateCandidate(base({ data: { GOOG: goog, EURUSD: eur, BTCUSD: btc }, related: ['EURUSD', 'BTCUSD'] }));
    expect(passed).toMatchObject({ status: 'passed', reason: null, reasonCode: null });
    expect(passed.steps).toEqual(['disqualification', 'holdout', 'walkForward', 'overfitting', 'multiAsset']);
    expect(passed.multiAsset!.results).toEqual({ EURUSD: direct(eur, GOOD).returnPct, BTCUSD: direct(btc, GOOD).returnPct });
  });

  it('uses the default related map when the caller gives none', () => {
    const r = validateCandidate(base({ symbol: 'SPY', data: { SPY: goog, QQQ: goog, IWM: eur } }));
    expect(Object.keys(r.multiAsset!.results)).toEqual(['QQQ', 'IWM']);
    expect(r.notes).toContain('multi-asset: no data for DIA');
  });

  it('at best marginal when walk-forward is skipped', () => {
    const r = validateCandidate(base({ walkForward: false, data: { GOOG: goog, EURUSD: eur, BTCUSD: btc }, related: ['EURUSD', 'BTCUSD'] }));
    expect(r).toMatchObject({ status: 'marginal', reasonCode: 'walk_forward_skipped' });
    expect(r.walkForward).toBeNull();
  });

  it('refuses data that is not the candidate’s, and half-given trial statistics', () => {
    expect(thrown(() => validateCandidate(base({ symbol: 'SPY' }))).message).toBe('validateCandidate: data has no bars for SPY (it has GOOG)');
    expect(thrown(() => validateCandidate(base({ timeframe: '1h' }))).message).toBe('validateCandidate: timeframe: the candidate was found on 1h bars, the data for GOOG is 1d');
    const e = thrown(() => validateCandidate(base({ overfitting: { nTrials: 50 } })));
    expect(e.message).toBe('validateCandidate: overfitting.sharpeVariance: required when nTrials > 1 (50)');
    expect(e.hint).toMatch(/sharpeStats/);
  });

  it('shows a compact table of the steps, and the tracker’s details', () => {
    const r = validateCandidate(base({ overfitting: { nTrials: 1000, sharpeVariance: 1 } }));
    const text = r.toString();
    expect(text.split('\n')[0]).toMatch(/^Validation of SmaCross \{"fast":10,"slow":20,"longOnly":true\} on GOOG 1d \(2004-08-19 → 2013-03-01\): REJECTED: deflated_sharpe 0\.\d\d < 0\.95$/);
    expect(text).toMatch(/disqualification\s+pass\s+47 trades/);
    expect(text).toMatch(/holdout\s+pass\s+train 2004-08-19:.*; degradation \(train − test, per year\) ann\. return -?\d+\.\d\d pp, Sharpe -?\d+\.\d\d, max DD -?\d+\.\d\d pp, trades\/yr -?\d+\.\d\d$/m);
    expect(text).toMatch(/walk-forward\s+pass\s+5\/6 test periods positive/);
    expect(text).toMatch(/overfitting\s+fail\s+DSR 0\.\d{3}/);
    expect(text).toMatch(/multi-asset\s+not run/);
    const d = r.details();
    expect(d).toMatchObject({
      holdout_degradation: r.holdout!.degradation.annualisedReturn,
      holdout_degradation_measures: r.holdout!.degradation.measures,
      holdout_max_drawdown_degradation: r.holdout!.degradation.maxDrawdown,
      holdout_trades_per_year_degradation: r.holdout!.degradation.tradesPerYear,
      walk_forward_pass_rate: 5 / 6,
      multi_asset_positive_rate: null,
      rejection_reason: r.reason,
      n_trials: 1000,
    });
    expect((d.walk_forward_windows as unknown[]).length).toBe(6);
    expect(JSON.parse(JSON.stringify(r.toJSON())).status).toBe('rejected');
  });
});

describe('validateExperiment through a real tracker', () => {
  let dir: string;
  let tracker: ExperimentTracker;
  const ids: Record<string, number> = {};

  const record = (params: Record<string, unknown>, res: BacktestResult, period: string): ExperimentRecord => ({
    experimentId: 'sweep_goog', strategy: 'SmaCross', strategySource: 'existing', symbol: 'GOOG', timeframe: '1d',
    params: res.params, paramsHash: paramsHash(res.params), status: 'ok',
    metrics: {
      returnPct: res.returnPct, annualisedReturn: res.annualisedReturn, maxDrawdown: res.maxDrawdown, totalTrades: res.totalTrades,
      tradesPerYear: res.tradesPerYear, winRate: res.winRate, profitFactor: res.profitFactor, sharpe: res.sharpe,
    },
    score: res.sharpe, disqualified: [], trainPeriod: period, spread: 0.0003, executionDelay: 0,
    blocks: returnBlocks(barReturns(res.equity), RETURN_BLOCKS),
  });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-validation-'));
    tracker = openTracker(path.join(dir, 'research.db'));
    // A small sweep over 2004–2010 only: the data after it is what the sweep never saw.
    const insample = slice(goog, undefined, '2010-12-31');
    const grid = [{ fast: 10, slow: 20, longOnly: true }, { fast: 10, slow: 30, longOnly: false }, { fast: 5, slow: 30, longOnly: true }, { fast: 20, slow: 50, longOnly: true }];
    for (const p of grid) {
      const res = direct(insample, p);
      ids[JSON.stringify(p)] = tracker.save(record(p, res, '2004-08-19:2010-12-31'));
    }
  });
  afterAll(() => {
    tracker?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('validates a row with its sweep’s trial count and variance, and writes the verdict back', () => {
    const id = ids[JSON.stringify(GOOD)];
    const stats = tracker.sharpeStats('sweep_goog');
    const report = validateExperiment(tracker, id, { data: { GOOG: goog }, rules: LOOSE, bootstrap: { iterations: 300 } });
    expect(report.deflatedSharpe!.nTrials).toBe(tracker.countConfigurations('sweep_goog'));
    expect(report.deflatedSharpe!.sharpeVariance).toBe(stats.variance);
    // The holdout tests on the data after the sweep's period.
    expect(report.holdout!.trainPeriod).toBe('2004-08-19:2010-12-31');
    expect(report.holdout!.testPeriod).toBe('2011-01-01:2013-03-01');
    const row = tracker.get(id)!;
    expect(row.validationStatus).toBe(report.status);
    expect(row.testReturnPct).toBe(report.holdout!.test.returnPct);
    expect(row.testPeriod).toBe('2011-01-01:2013-03-01');
    expect(row.validationDetails).toMatchObject({
      holdout_degradation: report.holdout!.degradation.annualisedReturn,
      walk_forward_pass_rate: report.walkForward!.passRate,
      multi_asset_positive_rate: null,
      rejection_reason: report.status === 'rejected' ? report.reason : null,
      deflated_sharpe: report.deflatedSharpe!.dsr,
      n_trials: 4,
    });
    expect((row.validationDetails!.walk_forward_windows as unknown[]).length).toBe(report.walkForward!.windows.length);
  });

  it('takes PBO from the return blocks the sweep stored for the same bars', () => {
    const id = ids[JSON.stringify(GOOD)];
    const report = validateExperiment(tracker, id, { data: { GOOG: goog }, rules: LOOSE, bootstrap: false, overfitting: { maxPbo: 1 } });
    const blocks = tracker.experiments().where({ experimentId: 'sweep_goog' }).all().map((r) => r.blocks!);
    expect(report.pbo).toBe(pboFromBlocks(blocks, { blocks: RETURN_BLOCKS }).pbo);
    expect(report.notes).toContain('PBO from the return blocks of 4 configurations of sweep_goog on GOOG 1d');
    expect(tracker.get(id)!.validationDetails!.pbo).toBe(report.pbo);
  });

  it('validates under the row’s own costs: execution_delay 1 fills at the next open', () => {
    const res = engine(goog).strategy(SmaCross, GOOD).fill('next_open').run();
    const id = tracker.save({ ...record(GOOD, res, '2004-08-19:2013-03-01'), experimentId: 'sweep_next_open', executionDelay: 1, spread: 0.001 });
    const report = validateExperiment(tracker, id, { data: { GOOG: goog }, rules: LOOSE, bootstrap: false });
    expect(report.full).toEqual(engine(goog).strategy(SmaCross, GOOD).fill('next_open').spread(0.001).run().metrics());
    // The row covers all the data: the holdout falls back to the last 30 %.
    expect(report.holdout!.testPeriod.endsWith(':2013-03-01')).toBe(true);
    expect(report.notes.join('\n')).toMatch(/nTrials is 1/);
  });

  it('stores a rejection with its reason', () => {
    const id = ids[JSON.stringify({ fast: 10, slow: 30, longOnly: false })];
    const report = validateExperiment(tracker, id, { data: { GOOG: goog }, rules: LOOSE, pbo: 0.9 });
    expect(report.status).toBe('rejected');
    const row = tracker.get(id)!;
    expect(row.validationStatus).toBe('rejected');
    expect(row.validationDetails!.rejection_reason).toBe(report.reason);
  });

  it('validates the top pending candidates in score order, then none are pending', () => {
    const before = tracker.getTopCandidates(10, { validationStatus: 'pending', minTrades: 0, includeDisqualified: true });
    const reports = validateTop(tracker, 10, { data: { GOOG: goog }, rules: LOOSE, bootstrap: false, candidates: { minTrades: 0, includeDisqualified: true } });
    expect(reports.map((r) => paramsHash(r.params))).toEqual(before.map((r) => paramsHash(r.params)));
    expect(before.length).toBeGreaterThan(1);
    expect(tracker.getTopCandidates(10, { validationStatus: 'pending', minTrades: 0, includeDisqualified: true })).toHaveLength(0);
  });

  it('names a missing row', () => {
    expect(thrown(() => validateExperiment(tracker, 9999, { data: { GOOG: goog } })).message).toBe('validateExperiment: no experiment with id 9999');
  });
});
