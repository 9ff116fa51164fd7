/** lib/sweep: parameter sweeps over strategies × symbols × timeframes, scored, ranked and tracked. */
export { sweep, Sweep, type SweepData } from './sweep';
export { experimentMetrics, chunkSize, DEFAULT_KEEP } from './runner';
export { SweepResult, type SweepRow, type SweepSummary, type SweepCaptured } from './result';
export { sweepHeatmap, type SweepHeatmapOptions } from './heatmap';
export { captureRun, type CaptureOptions, type RunCapture, type SignalChanges, type CapturedTrades } from './capture';
export { expandGrid, gridCombos, gridSize, countCombinations, checkGrid, range, DEFAULT_MAX_COMBINATIONS, type ParamGrid, type Constraint } from './grid';
export { disqualify, explainDisqualification, sharpeScore, SCORES, DISQUALIFICATION_RULES, DISQUALIFIED_SCORE, type DisqualificationRules, type ScoreFunction } from './score';
export { RETURN_BLOCKS, type ExperimentRecord, type ExperimentMetrics, type ExperimentStore, type TestedQuery, type ChunkClaims, type ClaimState } from './types';
export { progressReporter, type Progress, type ProgressMode } from './progress';
export { availableCores } from './pool';
