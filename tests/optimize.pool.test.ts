import { beforeAll, describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import { engine } from '../lib/engine';
import { optimize } from '../lib/optimize';
import { SmaCross } from '../lib/strategies/sma-cross';
import type { Bars } from '../lib/core/bars';
import { GOOG } from './helpers/paths';

let goog: Bars;
beforeAll(async () => {
  goog = await loadBars(GOOG);
});

describe('optimize with nJobs > 1', () => {
  it('runs trials on the worker pool with the same results as in this thread', async () => {
    const common = {
      strategy: 'SmaCross', bars: goog, paramSpace: { fast: { min: 2, max: 40 }, slow: { min: 10, max: 120 } },
      where: (p: Record<string, unknown>) => (p.fast as number) < (p.slow as number), metric: 'sharpe' as const, nTrials: 16, sampler: 'random' as const, seed: 3,
    };
    const here = await optimize({ ...common, nJobs: 1 });
    const pooled = await optimize({ ...common, nJobs: 2 });
    // Random suggestions depend only on (seed, trial number), so both runs try the same points.
    expect(pooled.trials.map((t) => t.params)).toEqual(here.trials.map((t) => t.params));
    expect(pooled.trials.map((t) => t.value)).toEqual(here.trials.map((t) => t.value));
    expect(pooled.bestValue).toBe(engine(goog).strategy(SmaCross, pooled.bestParams).run().sharpe);
  });

  it('records a trial the schema refuses as failed on the workers too', async () => {
    const res = await optimize({
      strategy: 'SmaCross', bars: goog, paramSpace: { fast: [10, 40], slow: [30] }, metric: 'sharpe', nTrials: 2, sampler: 'grid', nJobs: 2,
    });
    const failed = res.trials.filter((t) => t.state === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toContain('fast must be shorter than slow');
  });
});
