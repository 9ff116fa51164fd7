import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { loadBars, slice } from '../lib/data';
import { optimize } from '../lib/optimize/optimize';
import type { Params } from '../lib/optimize/space';
import { walkForwardOptimize } from '../lib/optimize/walk-forward';
import { disqualify } from '../lib/sweep/score';
import { GOOG } from './helpers/paths';

// The shipped SmaCross config (configs/sma-cross-goog.yaml): its rules, space and walk-forward windows.
const RULES = { maxDrawdown: 60, minTrades: 10, minTradesPerYear: 2 };
const SPACE = { fast: { min: 2, max: 50 }, slow: { min: 10, max: 200 } };
const fastBelowSlow = (p: Params) => (p.fast as number) < (p.slow as number);

let goog: Bars;
beforeAll(async () => {
  goog = slice(await loadBars(GOOG), '2005-01-01', '2011-12-31');
});

describe('the optimizers apply the disqualification rules, as a sweep does', () => {
  it('optimize records a trial that breaks a rule as disqualified, with the rules it broke, and never picks it as best', async () => {
    const res = await optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 40, seed: 1, sampler: 'random', rules: RULES });
    const dq = res.trials.filter((t) => t.state === 'disqualified');
    expect(dq.length).toBeGreaterThan(0);
    for (const t of dq) {
      expect(t.disqualified!.length).toBeGreaterThan(0);
      expect(t.disqualified).toEqual(disqualify(t.metrics!, RULES));
    }
    for (const t of res.trials.filter((x) => x.state === 'complete')) expect(disqualify(t.metrics!, RULES)).toEqual([]);
    expect(res.bestTrial!.state).toBe('complete');
    expect(disqualify(res.bestTrial!.metrics!, RULES)).toEqual([]);
    expect(res.ranked().findIndex((t) => t.state === 'disqualified')).toBeGreaterThan(res.ranked().findLastIndex((t) => t.state === 'complete'));
    expect(res.toString()).toMatch(new RegExp(`^Trials +40 \\(0 failed, ${dq.length} disqualified\\)$`, 'm'));
  });

  it('refuses a misspelt rule with a suggestion, before running anything', async () => {
    await expect(optimize({ strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, nTrials: 5, rules: { minTrade: 10 } as object })).rejects.toThrow(
      /^optimize: rules: unknown rule 'minTrade'\. Did you mean 'minTrades'\?$/,
    );
  });

  it('walk-forward: every window picks an in-sample winner that passes the config rules (no one-trade 2-year winners)', async () => {
    const opts = { strategy: 'SmaCross', bars: goog, paramSpace: SPACE, where: fastBelowSlow, inSampleDays: 730, outSampleDays: 180, stepDays: 180, nTrials: 30, seed: 1 };
    const wf = await walkForwardOptimize({ ...opts, rules: RULES });
    expect(wf.windows.length).toBeGreaterThanOrEqual(8);
    for (const w of wf.windows) {
      expect(disqualify(w.inSample.metrics, RULES)).toEqual([]);
      expect(w.inSample.metrics.totalTrades).toBeGreaterThanOrEqual(RULES.minTrades);
    }
    // Without rules the same search does pick such a winner: the rules are what changed the choice.
    const loose = await walkForwardOptimize(opts);
    expect(loose.windows.some((w) => disqualify(w.inSample.metrics, RULES).length > 0)).toBe(true);
  });
});
