/** Drawdowns of an equity curve: how far below its running peak it is, for how long. */

/** The drawdown at each bar as a negative fraction of the running peak (0 at a new high). */
export function drawdownSeries(equity: ArrayLike<number>): Float64Array {
  const n = equity.length;
  const out = new Float64Array(n);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (e > peak) peak = e;
    out[i] = peak > 0 ? e / peak - 1 : 0;
  }
  return out;
}

export interface DrawdownStats {
  /** Deepest drawdown in percent, ≤ 0 (−47.98 means the equity fell 47.98 % below its peak). */
  maxDrawdown: number;
  /** Bar of the peak before the deepest drawdown, and of its trough. */
  peakBar: number;
  troughBar: number;
  /** Longest run of bars spent below a previous peak (from the peak to the bar that regains it, or the end). */
  maxDrawdownDuration: number;
  /** The same run measured in calendar days. */
  maxDrawdownDurationDays: number;
}

export function drawdownStats(equity: ArrayLike<number>, time: ArrayLike<number>): DrawdownStats {
  const n = equity.length;
  let peak = -Infinity, peakBar = 0;
  let worst = 0, worstPeak = 0, worstTrough = 0;
  let longest = 0, longestMs = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (e >= peak) {
      // Back at (or above) the peak: the drawdown that started at peakBar is over.
      if (i - peakBar > longest) {
        longest = i - peakBar;
        longestMs = time[i] - time[peakBar];
      }
      peak = e;
      peakBar = i;
      continue;
    }
    const dd = peak > 0 ? 1 - e / peak : 0;
    if (dd > worst) {
      worst = dd;
      worstPeak = peakBar;
      worstTrough = i;
    }
  }
  // A drawdown still open at the end lasts until the last bar.
  if (n && n - 1 - peakBar > longest && equity[n - 1] < peak) {
    longest = n - 1 - peakBar;
    longestMs = time[n - 1] - time[peakBar];
  }
  return {
    maxDrawdown: worst === 0 ? 0 : -worst * 100,
    peakBar: worstPeak,
    troughBar: worstTrough,
    maxDrawdownDuration: longest,
    maxDrawdownDurationDays: longestMs / 86_400_000,
  };
}
