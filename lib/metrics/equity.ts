/**
 * returnStats and drawdownStats of one equity curve in ONE pass over it: what a backtest computes for
 * every run. The same operations in the same order as the two functions, so the figures are identical
 * to theirs (tests/metrics.test.ts holds them to it); a long curve is read once instead of twice.
 */
import { drawdownStats, type DrawdownStats } from './drawdown';
import { cagr, returnStats, type ReturnStats } from './returns';

export type EquityStats = ReturnStats & DrawdownStats;

export function equityStats(equity: ArrayLike<number>, time: ArrayLike<number>, periodsPerYear: number, riskFreeRate = 0): EquityStats {
  const n = equity.length;
  // Not a plain typed array (a view over something else): the two passes, as written.
  if (!(equity instanceof Float64Array)) return { ...returnStats(equity, time, periodsPerYear, riskFreeRate), ...drawdownStats(equity, time) };
  const rf = riskFreeRate / periodsPerYear;
  const count = Math.max(0, n - 1);
  // returnStats' shift: the mean of the first (up to) 1,000 returns.
  let shift = 0;
  const head = Math.min(n, 1001);
  for (let i = 1; i < head; i++) {
    const prev = equity[i - 1];
    shift += prev > 0 ? equity[i] / prev - 1 : 0;
  }
  if (head > 1) shift /= head - 1;
  let sum = 0, sq = 0, down = 0;
  let peak = -Infinity, peakBar = 0;
  let worst = 0, worstPeak = 0, worstTrough = 0;
  let longest = 0, longestMs = 0;
  let prev = n ? equity[0] : 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (i > 0) {
      const r = prev > 0 ? e / prev - 1 : 0;
      const d = r - shift;
      sum += d;
      sq += d * d;
      const ex = r - rf;
      const neg = ex - Math.abs(ex); // branch-free min(ex, 0) × 2, as returnStats
      down += neg * neg;
      prev = e;
    }
    if (e >= peak) {
      if (i - peakBar > longest) {
        longest = i - peakBar;
        longestMs = time[i] - time[peakBar];
      }
      peak = e;
      peakBar = i;
    } else {
      const dd = peak > 0 ? 1 - e / peak : 0;
      if (dd > worst) {
        worst = dd;
        worstPeak = peakBar;
        worstTrough = i;
      }
    }
  }
  if (n && n - 1 - peakBar > longest && equity[n - 1] < peak) {
    longest = n - 1 - peakBar;
    longestMs = time[n - 1] - time[peakBar];
  }
  down /= 4;
  const mean = count ? shift + sum / count : 0;
  const m2 = count ? Math.max(0, sq - (sum * sum) / count) : 0;
  const variance = count > 1 ? m2 / (count - 1) : 0;
  const std = Math.sqrt(variance);
  const excess = mean - rf;
  const downside = count ? Math.sqrt(down / count) : 0;
  const scale = Math.sqrt(periodsPerYear);
  return {
    annualisedReturn: cagr(equity, time),
    volatility: std * scale * 100,
    sharpe: std > 0 ? (excess / std) * scale : 0,
    sortino: downside > 0 ? (excess / downside) * scale : excess > 0 ? Infinity : 0,
    maxDrawdown: worst === 0 ? 0 : -worst * 100,
    peakBar: worstPeak,
    troughBar: worstTrough,
    maxDrawdownDuration: longest,
    maxDrawdownDurationDays: longestMs / 86_400_000,
  };
}
