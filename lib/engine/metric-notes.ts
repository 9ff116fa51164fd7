/**
 * Why a metric has no meaningful value. A backtest never shows NaN or ∞ bare: each such metric (and
 * each trade statistic of a run without trades, which is 0 by convention) gets a reason, printed as
 * `n/a (reason)` and returned in `result.metricNotes` / `toJSON().metricNotes`.
 */
import type { Bars } from '../core/bars';
import { formatTime } from '../data/timestamps';
import { PRICE_MAX, PRICE_MIN } from '../data/validate';

/** Metric name → why it cannot be computed. Only metrics that need one are present. */
export type MetricNotes = Partial<Record<string, string>>;

/** Trade statistics that mean nothing without a trade (they are 0 then, by convention). */
const TRADE_METRICS = [
  'winRate', 'avgWin', 'avgLoss', 'profitFactor', 'profitFactorPnl', 'bestTradePct', 'worstTradePct', 'avgTradePct',
  'expectancy', 'sqn', 'avgBarsHeld',
] as const;

/** Reasons for infinite values that are a fact, not a failure. */
const INFINITE: Record<string, string> = {
  profitFactor: 'no losing trades',
  profitFactorPnl: 'no losing trades',
  sortino: 'no bar lost money',
  calmar: 'no drawdown',
};

/** Counts and price-only figures, which stay meaningful when the equity curve breaks. */
const UNBROKEN = new Set(['initialCash', 'totalTrades', 'tradesPerYear', 'cappedOrders', 'exposurePct', 'avgBarsHeld', 'buyAndHoldReturnPct']);

export function metricNotes(metrics: Record<string, number>, equity: Float64Array, bars: Bars): MetricNotes {
  const notes: MetricNotes = {};
  const broken = equityBreak(equity, bars);
  for (const [key, x] of Object.entries(metrics)) {
    // Once equity is not finite, every figure built on it is meaningless, even where it came out finite.
    if (broken && !UNBROKEN.has(key)) notes[key] = broken;
    else if (Number.isFinite(x)) continue;
    else notes[key] = (Math.abs(x) === Infinity && INFINITE[key]) || 'the arithmetic overflowed (the inputs are finite, the result is not)';
  }
  if (metrics.totalTrades === 0) for (const key of TRADE_METRICS) notes[key] ??= 'no trades';
  return notes;
}

/** Where and why the equity curve stops being a number, or '' when it never does. */
function equityBreak(equity: Float64Array, bars: Bars): string {
  let i = 0;
  while (i < equity.length && Number.isFinite(equity[i])) i++;
  if (i === equity.length) return '';
  const at = `equity is not finite from bar ${i} (${formatTime(bars.time[i])})`;
  for (let k = 0; k <= i; k++) {
    for (const field of ['open', 'high', 'low', 'close'] as const) {
      const p = bars[field][k];
      if (!(p >= PRICE_MIN && p <= PRICE_MAX)) {
        const where = k === i ? `its ${field}` : `${field} at bar ${k} (${formatTime(bars.time[k])})`;
        return `${at}: ${where} ${p} is outside the price range 1e-8 … 1e12`;
      }
    }
  }
  return `${at}: a fill or position value overflowed`;
}
