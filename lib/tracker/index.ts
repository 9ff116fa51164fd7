export { ExperimentTracker, openTracker, defaultTrackerPath } from './tracker';
export type { ValidationUpdate, TopCandidateOptions, FailureRow, SharpeStats, ExperimentIdInfo } from './tracker';
export { ExperimentQuery } from './query';
export type { ExperimentFilter, RangeFilter, TextField, NumberField, OrderField } from './query';
export { VALIDATION_STATUSES } from './rows';
export type { ExperimentRow, ValidationStatus } from './rows';
export type { ExperimentRows, Displayable } from './display';
export type { SummaryOptions } from './summary';
export { SCHEMA_VERSION } from './schema';
