/** result.plotMonthlyReturns(): a year × month heatmap of the equity curve's returns, the percent in each cell. */
import { monthlyReturns } from '../metrics';
import { colorscale } from '../viz/colorscales';
import type { Figure } from '../viz/plotly';
import type { BacktestResult } from './result';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function monthlyReturnsFigure(res: BacktestResult): Figure {
  const rows = monthlyReturns(res.time, res.equity, res.initialCash);
  const years = [...new Set(rows.map((r) => r.year))].sort((a, b) => a - b);
  const z: (number | null)[][] = years.map(() => MONTHS.map(() => null));
  const yearTotal = new Map<number, number>();
  let worst = 0;
  for (const r of rows) {
    if (!Number.isFinite(r.returnPct)) continue;
    z[years.indexOf(r.year)][r.month - 1] = Math.round(r.returnPct * 100) / 100;
    yearTotal.set(r.year, (yearTotal.get(r.year) ?? 1) * (1 + r.returnPct / 100));
    worst = Math.max(worst, Math.abs(r.returnPct));
  }
  // Year labels carry the year's compounded return; the scale is symmetric around 0 (red loses, green gains).
  const labels = years.map((y) => `${y} (${((yearTotal.get(y) ?? 1) * 100 - 100).toFixed(1)} %)`);
  return {
    data: [{
      type: 'heatmap', name: 'Monthly return', x: MONTHS, y: labels, z,
      colorscale: colorscale('RdYlGn'), zmin: -worst || -1, zmax: worst || 1,
      texttemplate: '%{z:.1f}', hovertemplate: '%{x} %{y}<br>%{z:.2f} %<extra></extra>', hoverongaps: false,
      colorbar: { title: { text: 'Return (%)' }, ticksuffix: ' %' },
    }],
    layout: {
      title: { text: `Monthly returns (%): ${res.strategy} on ${res.symbol} ${res.timeframe}` },
      height: Math.max(260, 120 + 26 * years.length),
      margin: { l: 60, r: 20, t: 60, b: 40 },
      xaxis: { type: 'category' },
      // Earliest year at the top, as a calendar table reads.
      yaxis: { type: 'category', autorange: 'reversed', title: { text: 'Year (its return)' }, automargin: true },
    },
  };
}
