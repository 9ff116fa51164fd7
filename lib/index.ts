// The one public entry of stratlab. Notebooks and user code import from here only.
export { StratlabError, isStratlabError } from './core/errors';
export type { ErrorCode, ErrorLocation } from './core/errors';
export { barCount, viewRows } from './core/bars';
export type { Bars, BarsSource, RepairReport } from './core/bars';
export { paramsHash } from './core/hash';
export { timeframeMs, labelForMs } from './core/timeframe';

export * from './data';

import * as indicators from './indicators';
export { indicators };

export * from './metrics';
export {
  engine, Engine, ENGINE_DEFAULTS, Strategy, Series, crossover, crossunder, InitContext, BarContext, BacktestResult,
  METRIC_KEYS, parseParams, parameterDefaults, parameterNames, parameterKey, strategyName, runBacktest, checkLookahead, equityFigure, drawdownFigure, tradesFigure,
  plotFigure, monthlyReturnsFigure, MAX_DRAWN_BARS, CANDLE_LIMIT,
} from './engine';
export type {
  EngineSettings, StrategyClass, BarView, PositionView, PlotMode, RegisteredIndicator, IndicatorOptions, BacktestMetrics, RunSettings, RunSpec,
  ResultJsonOptions, DisplayOptions, LookaheadReport, Trade, Order, OrderOptions, CloseOptions, StopSpec, TrailSpec, OrderType, RunStop, Sizing, FillMode, Side,
  ExitReason, OrderReason, OrderStatus, DefaultSizing, PlotOptions,
} from './engine';

import * as strategies from './strategies';
export { strategies };

export * from './sweep';
export * from './tracker';
export * from './validation';
export * from './optimize';

import * as viz from './viz';
export { viz };
export { plotPrice, plot, showTable, barRows, displayHtml, displayFigure, inNotebook, figureHtml, toDataFrame } from './viz';
export type { Figure, DataFrame } from './viz';

export { executeNotebook, exportHtml } from './notebook/execute';
export type { ExecuteOptions, ExecuteResult, CellError } from './notebook/execute';
export { startJupyterServer } from './notebook/server';
export type { JupyterServer } from './notebook/server';

// Run directories, read back (lib/runs); generated notebooks import these.
export { openRun, latestRun, Run, TraceAnalysis, writeRun, runFromSweep, runFromBacktest, STRATEGY_TYPES, BUILT_IN_TYPES } from './runs';
export type { RunManifest, StrategyType, QueryLimits } from './runs';
// Generated analysis notebooks (lib/notebook).
export {
  generateNotebook, generateComparative, generateProductionReady, registerTemplate, listTemplates, registerSection, contributeSection,
  heatmapFigure, scatterFigure, barFigure, timeFigure,
} from './notebook';
export type { GenerateOptions, NotebookTemplate, Section, NotebookContext, CellSpec, NotebookKernel } from './notebook';
// The pattern library (lib/patterns): SQL patterns over run traces, with measured success rates.
export { PatternLibrary, PatternDiscovery, definePattern, measurePattern, savePattern, patternHash, describeSuccess } from './patterns';
export type { Pattern, PatternSpec, PatternMetadata, PatternMeasurement, RegimeCondition, PatternProblem, Discovery, PatternTest, SaveResult } from './patterns';
