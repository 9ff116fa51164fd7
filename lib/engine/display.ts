/** result.display(): the summary table and the three charts, in a tslab notebook; text elsewhere. */
import { displayFigure, displayHtml } from '../viz/display';
import { htmlTable } from '../viz/table';
import { drawdownFigure, equityFigure, tradesFigure } from './figures';
import type { BacktestResult } from './result';

export interface DisplayOptions {
  /** Bars of price shown with the trades (default 1500, the most recent). */
  last?: number;
  /** false: the summary table only. */
  charts?: boolean;
}

export function displayResult(res: BacktestResult, opts: DisplayOptions = {}): void {
  const rows = res.summary().map(([metric, value]) => ({ metric, value }));
  const text = res.toString();
  if (!displayHtml(htmlTable(rows, { caption: `${res.strategy} — ${res.symbol} ${res.timeframe}` }), text)) {
    console.log(text);
    return;
  }
  if (opts.charts === false) return;
  displayFigure(equityFigure(res));
  displayFigure(drawdownFigure(res));
  displayFigure(opts.last === undefined ? tradesFigure(res) : tradesFigure(res, opts.last));
}
