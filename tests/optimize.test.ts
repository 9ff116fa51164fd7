import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { loadBars } from '../lib/data';
import { rollingWindows } from '../lib/data/windows';
import { engine } from '../lib/engine';
import { inProcessEvaluator, type EvaluationJob, type TrialTask } from '../lib/optimize/evaluator';
import { optimize } from '../lib/optimize/optimize';
import type { Params } from '../lib/optimize/space';
import { walkForwardOptimize, type WalkForwardResult } from '../lib/optimize/walk-forward';
import { SmaCross } from '../lib/strategies/sma-cross';
import { GOOG } from './helpers/paths';

const SPACE = { fast: { min: 2, max: 50 }, slow: { min: 10, max: 200 } };
const fastBelowSlow = (p: Params) => (p.fast as number) < (p.slow as number);

let goog: Bars;
let tmp: string;
beforeAll(async () => {
  goog = await loadBars(GOOG);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-optimize-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('optimize SmaCross on GOOG daily (fast 2..50, slow 10..200, fast < slow)', () => {
  it('reports a best value equal to a direct backtest of the best parameters', async () => {
    const res = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 60, seed: 1 });
    expect(res.trials).toHaveLength(60);
    expect(res.failedTrials).toBe(0);
    for (const t of res.trials) expect(fastBelowSlow(t.params)).toBe(true);
    const direct = engine(goog).strategy(SmaCross, res.bestParams!).spread(0.0003).run();
    expect(res.bestValue).toBe(direct.sharpe);
    expect(res.bestValue).toBe(Math.max(...res.trials.map((t) => t.value)));
    expect(res.bestTrial!.metrics!.returnPct).toBe(direct.returnPct);
    // Best-so-far never falls, and ends at the best value.
    for (let i = 1; i < res.convergence.length; i++) expect(res.convergence[i]).toBeGreaterThanOrEqual(res.convergence[i - 1]);
    expect(res.convergence[59]).toBe(res.bestValue);
    expect(res.toString()).toMatch(/Best parameters +\{"fast":\d+,"slow":\d+\}/);
  });

  it('records trials the strategy refuses as failed, with the error, and goes on', async () => {
    // No `where`: SmaCross's own schema refuses fast ≥ slow.
    const res = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: { fast: { min: 2, max: 60 }, slow: { min: 10, max: 60 } }, nTrials: 40, sampler: 'random', seed: 2 });
    const failed = res.trials.filter((t) => t.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed) {
      expect(t.params.fast as number).toBeGreaterThanOrEqual(t.params.slow as number);
      expect(t.error).toMatch(/SmaCross: fast must be shorter than slow/);
      expect(t.value).toBeNaN();
    }
    expect(res.trials.filter((t) => t.state === 'complete').length).toBe(40 - failed.length);
    expect(Number.isFinite(res.bestValue)).toBe(true);
  });

  it('takes fixed parameters, snake_case names and any metric', async () => {
    const res = await optimize({
      strategy: SmaCross, bars: goog, paramSpace: { fast: { min: 5, max: 20 }, long_only: [true, false] }, fixedParams: { slow: 40 },
      metric: 'returnPct', nTrials: 15, seed: 3, settings: { spread: 0, commission: 0.001 },
    });
    expect(res.bestParams).toMatchObject({ slow: 40 });
    const direct = engine(goog).strategy(SmaCross, res.bestParams!).spread(0).commission(0.001).run();
    expect(res.bestValue).toBe(direct.returnPct);
  });

  it('refuses a misspelled parameter, metric or setting before running anything', async () => {
    await expect(optimize({ strategy: 'SmaCross', bars: goog, paramSpace: { fsat: { min: 2, max: 5 } } })).rejects.toThrow("SmaCross has no parameter 'fsat'. Did you mean 'fast'?");
    await expect(optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, metric: 'sharp' as never })).rejects.toThrow(/metric: 'sharp' is not a metric of a backtest. Did you mean 'sharpe'\?/);
    await expect(optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, settings: { sprad: 0 } as never })).rejects.toThrow(/unknown setting 'sprad'. Did you mean 'spread'\?/);
    await expect(optimize({ strategy: 'SmaCros', bars: goog, paramSpace: SPACE })).rejects.toThrow(/unknown strategy 'SmaCros'. Did you mean 'SmaCross'\?/);
  });

  it('starts from a configured engine when settings is an Engine', async () => {
    const base = engine(goog).fill('next_open').spread(0.001);
    const res = await optimize({ strategy: 'SmaCross', paramSpace: SPACE, where: fastBelowSlow, nTrials: 12, seed: 4, settings: base });
    expect(res.bestValue).toBe(base.strategy(SmaCross, res.bestParams!).run().sharpe);
  });

  it('resumes from storage: 20 trials, then a rerun to 30 runs only 10 more, exactly as one run of 30', async () => {
    const file = path.join(tmp, 'resume.jsonl');
    const opts = { strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, seed: 7, storage: file };
    const first = await optimize({ ...opts, nTrials: 20 });
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(21); // header + 20 trials
    const second = await optimize({ ...opts, nTrials: 30 });
    expect(second.resumedTrials).toBe(20);
    expect(second.trials).toHaveLength(30);
    expect(second.trials.slice(0, 20).map((t) => t.value)).toEqual(first.trials.map((t) => t.value));
    const straight = await optimize({ ...opts, storage: undefined, nTrials: 30 });
    expect(second.trials.map((t) => t.params)).toEqual(straight.trials.map((t) => t.params));
    expect(second.bestValue).toBe(straight.bestValue);
    // Nothing new found in trials 21–30 means the same best as after 20.
    const newBest = Math.max(...second.trials.slice(20).map((t) => t.value)) > first.bestValue;
    if (!newBest) expect(second.bestParams).toEqual(first.bestParams);
    // Asking for no more than is stored runs nothing.
    const third = await optimize({ ...opts, nTrials: 25 });
    expect(third.trials).toHaveLength(30);
    expect(third.resumedTrials).toBe(30);
  });

  it('ignores a partial last line left by a killed run, with a warning, and cuts the file back', async () => {
    const file = path.join(tmp, 'killed.jsonl');
    const opts = { strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, seed: 8, storage: file };
    await optimize({ ...opts, nTrials: 5 });
    fs.appendFileSync(file, '{"kind":"trial","number":5,"params":{"fa');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const res = await optimize({ ...opts, nTrials: 8 });
    warn.mockRestore();
    expect(res.resumedTrials).toBe(5);
    expect(res.warnings).toEqual(['killed.jsonl: line 7 is incomplete (a run stopped mid-write); ignored']);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(9);
    for (const l of lines) JSON.parse(l);
  });

  it('refuses to resume a storage file of a different study', async () => {
    const file = path.join(tmp, 'other.jsonl');
    await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 2, storage: file });
    await expect(optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 4, storage: file, metric: 'sortino' }))
      .rejects.toThrow(/storage other\.jsonl: it holds a study with metric "sharpe", this one has "sortino"/);
  });

  it('stops starting trials once the timeout has passed, and says so', async () => {
    const slowMetric = (r: { sharpe: number }) => {
      const until = performance.now() + 15;
      while (performance.now() < until);
      return r.sharpe;
    };
    const res = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 100, metric: slowMetric, timeoutMs: 100 });
    expect(res.timedOut).toBe(true);
    expect(res.trials.length).toBeGreaterThan(0);
    expect(res.trials.length).toBeLessThan(20);
    expect(res.toString()).toMatch(/stopped by the timeout/);
  });

  it('reports progress after each trial', async () => {
    const seen: { done: number; total: number; best: number }[] = [];
    const res = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 6, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.every((p) => p.total === 6)).toBe(true);
    expect(seen[5].best).toBe(res.bestValue);
  });

  it('hands nJobs candidates at a time to the evaluator (the seam for a worker pool)', async () => {
    const batches: TrialTask[][] = [];
    const evaluator = (job: EvaluationJob) => {
      const inner = inProcessEvaluator(job);
      return { evaluate: (batch: readonly TrialTask[]) => (batches.push([...batch]), inner.evaluate(batch)) };
    };
    const res = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 30, nJobs: 4, evaluator });
    expect(batches.map((b) => b.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    expect(batches.flat().map((t) => t.number)).toEqual(res.trials.map((t) => t.number));
    // Candidates of one batch differ: the ones still running count as the worst (constant liar).
    for (const b of batches.slice(3)) expect(new Set(b.map((t) => JSON.stringify(t.params))).size).toBe(b.length);
  });

  it('grid search runs each feasible grid point once and stops there', async () => {
    const res = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: { fast: { min: 5, max: 20, step: 5 }, slow: { min: 20, max: 40, step: 10 } }, where: fastBelowSlow, sampler: 'grid', nTrials: 100 });
    expect(res.trials).toHaveLength(11); // 4 × 3 = 12 points, less (20, 20)
  });
});

describe('walk-forward optimization of SmaCross on GOOG (in-sample 730 days, out-of-sample 180, step 180)', () => {
  let wf: WalkForwardResult;
  beforeAll(async () => {
    wf = await walkForwardOptimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 15, inSampleDays: 730, outSampleDays: 180, stepDays: 180 });
  });

  it('makes one window per rollingWindows span, none skipped', () => {
    const spans = rollingWindows(goog.time, { train: 730, test: 180, step: 180, unit: 'days' });
    expect(wf.windows.map((w) => w.index)).toEqual(spans.map((s) => s.index));
    expect(wf.skipped).toEqual([]);
    expect(wf.summary.windows).toBe(spans.length);
  });

  it('never lets an out-of-sample period overlap its in-sample period, nor the next window\'s', () => {
    const spans = rollingWindows(goog.time, { train: 730, test: 180, step: 180, unit: 'days' });
    for (const [k, w] of wf.windows.entries()) {
      const span = spans[k];
      expect(w.inSample.from).toBeGreaterThanOrEqual(span.trainStart);
      expect(w.inSample.to).toBeLessThan(span.trainEnd);
      expect(w.outSample.from).toBeGreaterThanOrEqual(span.trainEnd);
      expect(w.outSample.to).toBeLessThan(span.testEnd);
      if (k > 0) expect(w.outSample.from).toBeGreaterThan(wf.windows[k - 1].outSample.to);
    }
  });

  it('backtests each window\'s in-sample winner out of sample on the out-of-sample bars only', () => {
    const w = wf.windows[3];
    const from = goog.time.indexOf(w.outSample.from), to = goog.time.indexOf(w.outSample.to) + 1;
    const oos = { ...goog, time: goog.time.slice(from, to), open: goog.open.slice(from, to), high: goog.high.slice(from, to), low: goog.low.slice(from, to), close: goog.close.slice(from, to), volume: goog.volume.slice(from, to) };
    expect(engine(oos).strategy(SmaCross, w.params).run().metrics()).toEqual(w.outSample.metrics);
    expect(w.degradation.sharpe).toBe(w.outSample.metrics.sharpe - w.inSample.metrics.sharpe);
  });

  it('chains the out-of-sample equity multiplicatively, continuous across windows', () => {
    const { time, equity } = wf.stitchedEquity;
    for (let i = 1; i < time.length; i++) expect(time[i]).toBeGreaterThan(time[i - 1]);
    // step = out-of-sample: whole periods, each window's bars once.
    expect(time.length).toBe(wf.windows.reduce((s, w) => s + w.outSample.bars, 0));
    let carry = 10_000, at = 0;
    for (const w of wf.windows) {
      expect(w.counted.returnPct).toBeCloseTo((w.outSample.metrics.finalEquity / 10_000 - 1) * 100, 9);
      carry *= w.outSample.metrics.finalEquity / 10_000;
      at += w.outSample.bars;
      expect(equity[at - 1]).toBeCloseTo(carry, 6);
    }
    expect(wf.summary.stitchedReturnPct).toBeCloseTo((carry / 10_000 - 1) * 100, 9);
  });

  it('tests the mean out-of-sample return against 0 with a one-sided t-test (checked by hand)', () => {
    const r = wf.windows.map((w) => (w.outSample.metrics.finalEquity / 10_000 - 1) * 100);
    const n = r.length, mean = r.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    const t = mean / (sd / Math.sqrt(n));
    // P(T > t) for n − 1 degrees of freedom, by Simpson's rule on the t density.
    const df = n - 1, dens = (x: number) => (1 + (x * x) / df) ** (-(df + 1) / 2);
    const simpson = (a: number, b: number, k = 200_000) => {
      const h = (b - a) / k;
      let s = dens(a) + dens(b);
      for (let i = 1; i < k; i++) s += dens(a + i * h) * (i % 2 ? 4 : 2);
      return (s * h) / 3;
    };
    const p = simpson(t, 400) / simpson(-400, 400);
    expect(wf.significance).toMatchObject({ test: 't-test of per-window OOS returns > 0', n });
    expect(wf.significance.tStat).toBeCloseTo(t, 10);
    expect(wf.significance.pValue).toBeCloseTo(p, 6);
  });

  it('summarises the windows', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(wf.summary.meanOutSampleSharpe).toBeCloseTo(mean(wf.windows.map((w) => w.outSample.metrics.sharpe)), 12);
    expect(wf.summary.efficiency).toBeCloseTo(mean(wf.windows.map((w) => w.outSample.metrics.annualisedReturn)) / mean(wf.windows.map((w) => w.inSample.metrics.annualisedReturn)), 12);
    expect(wf.summary.positiveShare).toBe(wf.windows.filter((w) => w.counted.returnPct > 0).length / wf.windows.length);
    expect(wf.toString()).toMatch(/Walk-forward efficiency/);
  });

  it('counts only the first stepDays of each out-of-sample period when windows overlap', async () => {
    const small = await walkForwardOptimize({ strategy: 'SmaCross', bars: goog, paramSpace: { fast: { min: 3, max: 10 }, slow: { min: 15, max: 40 } }, nTrials: 4, inSampleDays: 365, outSampleDays: 90, stepDays: 30, sampler: 'random' });
    const t = small.stitchedEquity.time;
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]);
    const ws = small.windows;
    for (let k = 0; k < ws.length - 1; k++) {
      expect(ws[k].counted.to - ws[k].counted.from).toBeLessThan(30 * 86_400_000);
      expect(ws[k].counted.to).toBeLessThan(ws[k + 1].counted.from);
    }
    expect(ws[ws.length - 1].counted.to).toBe(ws[ws.length - 1].outSample.to);
  });
});
