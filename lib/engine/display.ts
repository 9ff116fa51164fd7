/** result.display(): the summary table and the three charts, in a tslab notebook; text elsewhere. */
import { displayFigure, displayHtml } from '../viz/display';
import { htmlTable } from '../viz/table';
import { drawdownFigure, equityFigure, tradesFigure } from './figures';
import type { BacktestResult } from './result';

export function displayResult(res: BacktestResult): void {
  const rows = res.summary().map(([metric, value]) => ({ metric, value }));
  const text = res.toString();
  if (!displayHtml(htmlTable(rows, { caption: `${res.strategy} — ${res.symbol} ${res.timeframe}` }), text)) {
    console.log(text);
    return;
  }
  displayFigure(equityFigure(res));
  displayFigure(drawdownFigure(res));
  displayFigure(tradesFigure(res));
}
