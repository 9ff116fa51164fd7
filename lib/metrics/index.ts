/**
 * Performance metrics of a backtest, from its equity curve and closed trades. Every definition is
 * written out in the README ("Metrics") and next to each function here.
 */
export { annualisation, type Annualisation, type CalendarName, type CalendarOption } from './calendar';
export { drawdownSeries, drawdownStats, type DrawdownStats } from './drawdown';
export { returnStats, cagr, yearsSpanned, type ReturnStats } from './returns';
export { equityStats, type EquityStats } from './equity';
export { tradeStats, tradeColumns, exposurePct, type TradeColumns, type TradeStats } from './trades';
export {
  moments, mean, variance, std, skewness, kurtosis, quantile, quantiles, quantileSorted, sortedValues, normalCdf, normalPdf,
  normalQuantile, studentTCdf, regularizedBeta, logGamma, logBeta, type Moments,
} from './distribution';
export { twoProportionZ, informationGain, binaryEntropy, type ProportionTest } from './proportions';
export { returnBlocks, equityReturnBlocks } from './blocks';
export { backtestingPyStats, formatBacktestingPyStats, Timedelta, type BacktestingPyStats, type BacktestingPyValue } from './backtesting-py';
export { monthlyReturns, type MonthlyReturn } from './monthly';
