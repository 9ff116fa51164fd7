import { describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import { engine } from '../lib/engine';
import { drawdownStats, equityStats, returnStats } from '../lib/metrics';
import { SmaCross } from '../lib/strategies';
import { EURUSD, GOOG } from './helpers/paths';

const DAY = 86_400_000;
const days = (n: number) => Float64Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * DAY);
const twoPasses = (e: Float64Array, t: Float64Array, ppy: number, rf = 0) => ({ ...returnStats(e, t, ppy, rf), ...drawdownStats(e, t) });

describe('equityStats: returnStats and drawdownStats in one pass', () => {
  it('gives bit-identical figures to the two functions on SmaCross equity curves (GOOG daily, EURUSD hourly)', async () => {
    for (const [file, ppy] of [[GOOG, 252], [EURUSD, 260 * 24]] as const) {
      const bars = await loadBars(file);
      const r = engine(bars).strategy(SmaCross).fractional().run();
      for (const rf of [0, 0.04]) expect(equityStats(r.equity, r.time, ppy, rf)).toEqual(twoPasses(r.equity, r.time, ppy, rf));
    }
  });

  it('agrees at the edges: one bar, a flat curve, a curve that hits zero, a drawdown open at the end', () => {
    const cases = [[100], [100, 100, 100], [100, 120, 0, 0, 50], [100, 110, 90, 95, 80], [100, 90, 120, 130, 130]];
    for (const c of cases) {
      const e = Float64Array.from(c), t = days(c.length);
      expect(equityStats(e, t, 252)).toEqual(twoPasses(e, t, 252));
    }
  });
});
