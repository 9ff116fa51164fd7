/**
 * lib/validation: is a sweep's winner an edge or luck? Holdout, walk-forward and multi-asset checks
 * (docs/validation.md §4–§6), the overfitting statistics (./stats), and the pipeline that runs them in order and
 * writes the verdict to the experiments table.
 */
export { holdout, holdoutPeriods, degradation, DEFAULT_TEST_FRACTION, DEGRADATION_MEASURES, type HoldoutOptions, type HoldoutResult, type HoldoutDegradation } from './holdout';
export { walkForward, WALK_FORWARD_DEFAULTS, type WalkForwardCheckOptions, type WalkForwardSpec, type WalkForwardCheck, type WalkForwardCheckWindow } from './walk-forward';
export { multiAsset, relatedSymbols, RELATED_SYMBOLS, DEFAULT_MULTI_ASSET_THRESHOLD, type MultiAssetOptions, type MultiAssetResult } from './multi-asset';
export {
  validateCandidate, validateCandidate as validate, barReturns, VALIDATION_THRESHOLDS, BOOTSTRAP_DEFAULTS,
  type ValidateCandidateOptions, type OverfittingOptions, type BootstrapOptions,
} from './pipeline';
export { validateExperiment, validateTop, type ValidationTracker, type ValidateExperimentOptions, type ValidateTopOptions } from './experiment';
export {
  ValidationReport, type ValidationReportInit, type ValidationVerdict, type ValidationStep, type ReasonCode,
  type DeflatedSharpeReport, type BootstrapReport,
} from './report';
export { VALIDATION_DEFAULTS, type ValidationSettings } from './settings';
export { resolvePeriod, type PeriodSpec, type Period } from './period';
export * from './stats';
