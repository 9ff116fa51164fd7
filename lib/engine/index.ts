/** The backtest engine: strategies, the broker, results. See run.ts for the order of events in a bar. */
export { engine, Engine, ENGINE_DEFAULTS, ENGINE_OPTION_KEYS, checkEngineOptions, type EngineSettings, type EngineOptions, type Warmup } from './builder';
export { Strategy, parseParams, parameterDefaults, parameterNames, parameterKey, checkParameterNames, completeParams, strategyName, type StrategyClass, type StrategyReport } from './strategy';
export { Series, crossover, crossunder } from './series';
export { InitContext, BarContext, type BarView, type PositionView, type PlotMode, type RegisteredIndicator, type IndicatorOptions } from './context';
export { BacktestResult, METRIC_KEYS, type BacktestMetrics, type RunSettings, type ResultJsonOptions } from './result';
export type { DisplayOptions } from './display';
export { runBacktest, type RunSpec, type RunScratch } from './run';
export { checkLookahead, type LookaheadReport } from './lookahead';
export { equityFigure, drawdownFigure, tradesFigure } from './figures';
export { plotFigure, MAX_DRAWN_BARS, CANDLE_LIMIT, type PlotOptions } from './plot';
export { monthlyReturnsFigure } from './monthly';
export type { Trade, Order, OrderOptions, CloseOptions, StopSpec, TrailSpec, Sizing, FillMode, Side, ExitReason, OrderReason, OrderStatus, OrderType, DefaultSizing } from './types';
export type { RunStop } from './broker';
