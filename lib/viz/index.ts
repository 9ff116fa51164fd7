export { figureHtml, plotlyLibrary } from './plotly';
export type { Figure, FigureHtmlOptions } from './plotly';
export { displayBundle, displayFigure, displayHtml, inNotebook } from './display';
export { htmlTable, textTable, formatValue } from './table';
export type { Row } from './table';
export { priceFigure, lineFigure } from './charts';
export type { PanelSpec, PriceFigureOptions } from './charts';
export { plotPrice, plot, showTable, barRows } from './show';
export { toDataFrame, type DataFrame } from './dataframe';
