/** Parameter optimization: search spaces, ask/tell studies (TPE, random, grid), optimize() and walk-forward. */
export { defineSpace, SearchSpace, type SpaceSpec, type ParamSpec, type RangeSpec, type ParamDef, type Params, type Choice } from './space';
export { createStudy, Study, minimize, maximize, type StudyOptions, type StudyTrial, type SamplerName, type Direction, type FunctionOptimizeOptions, type FunctionOptimizeResult } from './study';
export { tpeSuggest, defaultGamma, type Observation, type TpeOptions } from './tpe';
export { optimize, type OptimizeOptions } from './optimize';
export { OptimizeResult, type OptimizeTrial, type OptimizeProgress } from './optimize-result';
export {
  inProcessEvaluator, defaultEvaluator, runTrial, type Evaluator, type EvaluatorFactory, type EvaluationJob, type TrialTask, type TrialOutcome,
  type MetricKey, type MetricFn,
} from './evaluator';
export type { TrialState, StoredTrial } from './storage';
export { walkForwardOptimize, WalkForwardResult, type WalkForwardOptions, type WalkForwardWindow, type WalkForwardSummary, type WalkForwardProgress, type PeriodResult, type Significance } from './walk-forward';
export { analyzeResults, type AnalyzableResult, type BacktestAnalysis, type OptimizeAnalysis, type WalkForwardAnalysis, type BatchAnalysis } from './analyze-results';
export { type InitialTrial } from './optimize-result';
export { detectPatterns, type PatternAnalysis, type PatternOptions, type PatternFinding, type RuleCondition, type WinRates } from './trade-patterns';
export { tradeFeatures, type TradeFeatures, type TradeFeature } from './trade-features';
export { backtestBatch, type BatchOptions, type BatchResult } from './batch';
