/** Risk-adjusted return of an equity curve, from its bar-to-bar simple returns. */

export interface ReturnStats {
  /** Compound annual growth rate in percent, over the calendar time the bars span. */
  annualisedReturn: number;
  /** Annualised standard deviation of bar returns, in percent. */
  volatility: number;
  sharpe: number;
  sortino: number;
}

/**
 * Sharpe = mean(r − rf) / std(r) × √periodsPerYear, with r the bar returns, std the sample standard
 * deviation and rf the risk-free rate per bar. Sortino divides instead by the downside deviation
 * √(mean(min(r − rf, 0)²)) taken over all bars. A flat curve scores 0.
 */
export function returnStats(equity: ArrayLike<number>, time: ArrayLike<number>, periodsPerYear: number, riskFreeRate = 0): ReturnStats {
  const n = equity.length;
  const rf = riskFreeRate / periodsPerYear;
  const count = Math.max(0, n - 1);
  // One pass of sums shifted by an early estimate of the mean: with the shift the textbook
  // Σx² − (Σx)²/n formula loses no precision, and the pass is one division per bar.
  let shift = 0;
  const head = Math.min(n, 1001);
  for (let i = 1; i < head; i++) shift += ret(equity, i);
  if (head > 1) shift /= head - 1;
  let sum = 0, sq = 0, down = 0;
  for (let i = 1; i < n; i++) {
    const r = ret(equity, i);
    const d = r - shift;
    sum += d;
    sq += d * d;
    // (ex − |ex|)² / 4 is ex² when ex < 0 and 0 otherwise, without a branch: the sign of a
    // return is a coin flip, and a mispredicted branch per bar cost 8× this whole loop.
    const ex = r - rf;
    const neg = ex - Math.abs(ex);
    down += neg * neg;
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
  };
}

function ret(equity: ArrayLike<number>, i: number): number {
  const prev = equity[i - 1];
  return prev > 0 ? equity[i] / prev - 1 : 0;
}

/** Calendar years from the first bar to the last (365.25-day years). */
export function yearsSpanned(time: ArrayLike<number>): number {
  const n = time.length;
  return n < 2 ? 0 : (time[n - 1] - time[0]) / (365.25 * 86_400_000);
}

/** (final / initial)^(1 / years) − 1 in percent, years being the calendar time from the first bar to the last. */
export function cagr(equity: ArrayLike<number>, time: ArrayLike<number>): number {
  const n = equity.length;
  if (n < 2) return 0;
  const years = yearsSpanned(time);
  const growth = equity[n - 1] / equity[0];
  if (!(years > 0)) return 0;
  if (growth <= 0) return -100;
  return (Math.pow(growth, 1 / years) - 1) * 100;
}
