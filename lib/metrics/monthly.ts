/**
 * Calendar-month returns of an equity curve (UTC months): each month's last equity over the previous
 * month's last equity, minus one, in percent. The first month is measured from `initial` (the starting
 * cash) when given, else from the first equity value. Months without a bar are absent, not zero.
 */
export interface MonthlyReturn {
  year: number;
  /** 1..12 */
  month: number;
  returnPct: number;
}

export function monthlyReturns(time: ArrayLike<number>, equity: ArrayLike<number>, initial?: number): MonthlyReturn[] {
  const out: MonthlyReturn[] = [];
  const n = Math.min(time.length, equity.length);
  if (n === 0) return out;
  let base = initial ?? equity[0];
  for (let i = 0; i < n; i++) {
    const d = new Date(time[i]);
    const y = d.getUTCFullYear(), m = d.getUTCMonth();
    const next = i + 1 < n ? new Date(time[i + 1]) : null;
    if (next && next.getUTCFullYear() === y && next.getUTCMonth() === m) continue;
    // i is the month's last bar.
    out.push({ year: y, month: m + 1, returnPct: base > 0 ? 100 * (equity[i] / base - 1) : NaN });
    base = equity[i];
  }
  return out;
}
