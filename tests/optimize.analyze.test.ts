import { beforeAll, describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import { engine, type BacktestResult } from '../lib/engine';
import { drawdownStats } from '../lib/metrics';
import type { DeepAnalysis } from '../lib/optimize/analyze';
import { analyzeResults } from '../lib/optimize/analyze-results';
import { SmaCross } from '../lib/strategies/sma-cross';
import { GOOG } from './helpers/paths';

// Independent computations from the result's public pieces (trade objects, equity curve, close).
const barReturns = (x: ArrayLike<number>) => Array.from({ length: x.length - 1 }, (_, i) => x[i + 1] / x[i] - 1);
const avg = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const cov = (x: number[], y: number[]) => {
  const mx = avg(x), my = avg(y);
  return x.reduce((a, v, i) => a + (v - mx) * (y[i] - my), 0) / (x.length - 1);
};

describe('analyzeResults on SmaCross(10, 30), GOOG daily', () => {
  let res: BacktestResult;
  let deep: DeepAnalysis;
  let r: number[];
  beforeAll(async () => {
    const bars = await loadBars(GOOG);
    res = engine(bars).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    deep = analyzeResults(res, 'deep');
    r = barReturns(res.equity);
  });

  describe('basic', () => {
    it('reads the trade statistics the result already has', () => {
      const t = analyzeResults(res).trades;
      expect(t.count).toBe(res.trades.length);
      expect(t.winRate).toBe(res.winRate);
      expect([t.avgWin, t.avgLoss, t.expectancy, t.avgBarsHeld]).toEqual([res.avgWin, res.avgLoss, res.expectancy, res.avgBarsHeld]);
      expect([t.best, t.worst]).toEqual([res.bestTradePct, res.worstTradePct]);
      expect(t.payoffRatio).toBeCloseTo(res.avgWin / -res.avgLoss, 12);
    });

    it('averages the winning and losing trades\' returns in percent', () => {
      const t = deep.trades;
      expect(t.avgWinPct).toBeCloseTo(avg(res.trades.filter((x) => x.pnl > 0).map((x) => x.returnPct)), 12);
      expect(t.avgLossPct).toBeCloseTo(avg(res.trades.filter((x) => x.pnl < 0).map((x) => x.returnPct)), 12);
      expect(t.avgWinPct).toBeGreaterThan(0);
      expect(t.avgLossPct).toBeLessThan(0);
    });

    it('counts the longest winning and losing streaks in the order trades closed', () => {
      // Streaks counted over the trade objects as a string of W / L / = (break-even ends a streak).
      const seq = res.trades.map((x) => (x.pnl > 0 ? 'W' : x.pnl < 0 ? 'L' : '=')).join('');
      const longest = (c: string) => Math.max(0, ...(seq.match(new RegExp(`${c}+`, 'g')) ?? []).map((m) => m.length));
      expect(deep.trades.longestWinStreak).toBe(longest('W'));
      expect(deep.trades.longestLossStreak).toBe(longest('L'));
      expect(deep.trades.longestLossStreak).toBeGreaterThan(1);
    });

    it('finds every drawdown episode: the runs of bars below the running peak', () => {
      // Episodes from the drawdown series: maximal runs of bars with drawdown < 0.
      const dd = res.drawdown();
      const runs: { start: number; trough: number; end: number | null; depth: number }[] = [];
      for (let i = 0; i < dd.length; i++) {
        if (dd[i] >= 0) continue;
        let j = i, trough = i;
        while (j < dd.length && dd[j] < 0) {
          if (dd[j] < dd[trough]) trough = j;
          j++;
        }
        runs.push({ start: i - 1, trough, end: j < dd.length ? j : null, depth: dd[trough] * 100 });
        i = j;
      }
      const d = deep.drawdown;
      expect(d.episodes).toBe(runs.length);
      expect(d.deeperThan5Pct).toBe(runs.filter((x) => x.depth < -5).length);
      const top = runs.slice().sort((a, b) => a.depth - b.depth).slice(0, 5);
      expect(d.top.map((e) => [e.startBar, e.troughBar, e.endBar])).toEqual(top.map((x) => [x.start, x.trough, x.end]));
      d.top.forEach((e, k) => expect(e.depth).toBeCloseTo(top[k].depth, 10));
      expect(d.top[0].start).toBe(new Date(res.time[top[0].start]).toISOString());
    });

    it('agrees with the result on the deepest drawdown and the longest time under water', () => {
      const d = deep.drawdown, s = drawdownStats(res.equity, res.time);
      expect(d.max).toBe(res.maxDrawdown);
      expect(d.top[0].depth).toBeCloseTo(res.maxDrawdown, 10);
      expect([d.top[0].startBar, d.top[0].troughBar]).toEqual([s.peakBar, s.troughBar]);
      expect([d.maxDurationBars, d.maxDurationDays]).toEqual([res.maxDrawdownDuration, res.maxDrawdownDurationDays]);
      expect(Math.max(...d.top.map((e) => e.durationBars))).toBeLessThanOrEqual(res.maxDrawdownDuration);
    });

    it('measures the recovery of the deepest drawdown from its trough, or says it never recovered', () => {
      const d = deep.drawdown, e = d.top[0];
      if (e.endBar === null) {
        expect(d.recoveryBars).toBeNull();
        expect(d.recoveryDays).toBeNull();
      } else {
        expect(d.recoveryBars).toBe(e.endBar - e.troughBar);
        expect(d.recoveryDays).toBe((res.time[e.endBar] - res.time[e.troughBar]) / 86_400_000);
        expect(res.equity[e.endBar]).toBeGreaterThanOrEqual(res.equity[e.startBar]);
      }
    });

    it('describes the distribution of bar returns (Pearson kurtosis)', () => {
      const d = deep.returns, m = avg(r), sd = Math.sqrt(cov(r, r));
      const m2 = r.reduce((a, v) => a + (v - m) ** 2, 0) / r.length;
      const m3 = r.reduce((a, v) => a + (v - m) ** 3, 0) / r.length;
      const m4 = r.reduce((a, v) => a + (v - m) ** 4, 0) / r.length;
      expect(d.count).toBe(res.barCount - 1);
      expect(d.mean).toBeCloseTo(m, 15);
      expect(d.std).toBeCloseTo(sd, 14);
      expect(d.skew).toBeCloseTo(m3 / m2 ** 1.5, 10);
      expect(d.kurtosis).toBeCloseTo(m4 / m2 ** 2, 10);
      expect(d.kurtosis).toBeGreaterThan(3); // daily equity returns are fat-tailed
      expect([d.best, d.worst]).toEqual([Math.max(...r), Math.min(...r)]);
      expect(d.positiveShare).toBe(r.filter((v) => v > 0).length / r.length);
    });

    it('returns a plain object that survives JSON unchanged', () => {
      expect(JSON.parse(JSON.stringify(deep))).toEqual(deep);
    });
  });

  describe('advanced', () => {
    it('takes Sharpe, Sortino, Calmar and volatility from the result', () => {
      const k = deep.risk;
      expect([k.sharpe, k.sortino, k.calmar, k.volatility, k.annualisedReturn]).toEqual([res.sharpe, res.sortino, res.calmar, res.volatility, res.annualisedReturn]);
      expect(k.periodsPerYear).toBe(252);
    });

    it('gives historical VaR and CVaR at 95 % as positive loss fractions of one bar', () => {
      const sorted = r.slice().sort((a, b) => a - b);
      const h = (sorted.length - 1) * 0.05, lo = Math.floor(h);
      const q = sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
      expect(deep.risk.confidence).toBe(0.95);
      expect(deep.risk.var).toBeCloseTo(-q, 14);
      expect(deep.risk.cvar).toBeCloseTo(-avg(sorted.filter((v) => v <= q)), 14);
      expect(deep.risk.cvar!).toBeGreaterThan(deep.risk.var!);
      const at99 = analyzeResults(res, 'advanced', { confidence: 0.99 }).risk;
      expect(at99.var!).toBeGreaterThan(deep.risk.var!);
    });

    it('compares with buy & hold of the traded close by default', () => {
      const b = barReturns(res.bars.close), ppy = 252;
      const beta = cov(r, b) / cov(b, b);
      const k = deep.benchmark;
      expect(k.source).toBe('buy_and_hold');
      expect(k.beta).toBeCloseTo(beta, 12);
      expect(k.correlation).toBeCloseTo(cov(r, b) / Math.sqrt(cov(r, r) * cov(b, b)), 12);
      expect(k.alpha).toBeCloseTo((avg(r) - beta * avg(b)) * ppy * 100, 10);
      const diff = r.map((v, i) => v - b[i]);
      expect(k.trackingError).toBeCloseTo(Math.sqrt(cov(diff, diff) * ppy) * 100, 10);
      expect(k.informationRatio).toBeCloseTo((avg(diff) / Math.sqrt(cov(diff, diff))) * Math.sqrt(ppy), 10);
    });

    it('gives beta 1, correlation 1 and no alpha against itself', () => {
      const k = analyzeResults(res, 'advanced', { benchmark: res.equity }).benchmark;
      expect(k.source).toBe('benchmark');
      expect(k.beta).toBeCloseTo(1, 14);
      expect(k.correlation).toBeCloseTo(1, 14);
      expect(k.alpha).toBeCloseTo(0, 12);
      expect(k.trackingError).toBe(0);
      expect(k.informationRatio).toBeNull();
    });

    it('takes Bars as the benchmark (their close), which must line up with the result', () => {
      const viaBars = analyzeResults(res, 'advanced', { benchmark: res.bars }).benchmark;
      // The close itself, not cash × close / first close: the same returns up to rounding.
      expect(viaBars.source).toBe('benchmark');
      for (const key of ['correlation', 'beta', 'alpha', 'trackingError', 'informationRatio'] as const) expect(viaBars[key]).toBeCloseTo(deep.benchmark[key]!, 10);
      expect(() => analyzeResults(res, 'advanced', { benchmark: res.equity.subarray(1) })).toThrow(
        /analyzeResults: benchmark has 2147 values but the result has 2148 bars/,
      );
      const shifted = { ...res.bars, time: res.bars.time.map((t) => t + 1) };
      expect(() => analyzeResults(res, 'advanced', { benchmark: shifted })).toThrow(/benchmark bar 0 is at .* the bars must align/);
    });
  });

  describe('deep', () => {
    it('compounds the trades in their real order as the reference path', () => {
      const final = res.trades.reduce((e, t) => e * (1 + t.returnPct / 100), res.initialCash);
      expect(deep.monteCarlo.actual.finalEquity).toBeCloseTo(final, 6);
      expect(deep.monteCarlo.trades).toBe(res.totalTrades);
      expect(deep.monteCarlo.initialCash).toBe(res.initialCash);
    });

    it('resamples trades into 1,000 paths: ordered percentiles around the real sequence', () => {
      const mc = deep.monteCarlo, f = mc.finalEquity, d = mc.maxDrawdown;
      expect(mc.iterations).toBe(1000);
      expect(f.p5).toBeLessThanOrEqual(f.p25);
      expect(f.p25).toBeLessThanOrEqual(f.p50);
      expect(f.p50).toBeLessThanOrEqual(f.p75);
      expect(f.p75).toBeLessThanOrEqual(f.p95);
      expect(d.p5).toBeLessThanOrEqual(d.p50);
      expect(d.p95).toBeLessThanOrEqual(0);
      // The median path compounds the mean log return, as the real order does.
      expect(mc.actual.finalEquity).toBeGreaterThan(f.p25);
      expect(mc.actual.finalEquity).toBeLessThan(f.p75);
      expect(mc.probabilityOfLoss).toBeGreaterThanOrEqual(0);
      expect(mc.probabilityOfLoss).toBeLessThanOrEqual(1);
    });

    it('is deterministic with a seed', () => {
      const a = analyzeResults(res, 'deep', { monteCarlo: { iterations: 200, seed: 9 } }).monteCarlo;
      const b = analyzeResults(res, 'deep', { monteCarlo: { iterations: 200, seed: 9 } }).monteCarlo;
      const c = analyzeResults(res, 'deep', { monteCarlo: { iterations: 200, seed: 10 } }).monteCarlo;
      expect(b).toEqual(a);
      expect(c.finalEquity.p50).not.toBe(a.finalEquity.p50);
    });
  });

  it('returns only what the depth asks for', () => {
    const basic = analyzeResults(res);
    expect(Object.keys(basic)).not.toContain('risk');
    expect(Object.keys(analyzeResults(res, 'advanced'))).not.toContain('monteCarlo');
    expect(basic.depth).toBe('basic');
    expect([basic.symbol, basic.bars]).toEqual(['GOOG', res.barCount]);
  });

  it('refuses an unknown depth and bad options, naming them', () => {
    expect(() => analyzeResults(res, 'full' as 'deep')).toThrow(/analyzeResults: depth must be 'basic', 'advanced' or 'deep', got 'full'/);
    expect(() => analyzeResults(res, 'advanced', { confidence: 95 })).toThrow(/confidence must be between 0 and 1, got 95/);
    expect(() => analyzeResults(res, 'deep', { monteCarlo: { iterations: 0 } })).toThrow(/monteCarlo.iterations must be an integer ≥ 1, got 0/);
  });
});
