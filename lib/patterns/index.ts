/** lib/patterns: SQL patterns over run traces, measured for real, kept in a YAML library. */
export { definePattern, patternHash, canonicalSql, patternJson, describeSuccess } from './pattern';
export type { Pattern, PatternSpec, PatternMetadata, PatternMeasurement, RegimeCondition } from './pattern';
export { PatternLibrary, DEFAULT_LIBRARY, problemText } from './library';
export type { PatternProblem, SearchOptions, AddResult } from './library';
export { measurePattern, savePattern, DEFAULT_HORIZON } from './measure';
export type { MeasureOptions, SaveOptions, SaveResult, RunSource } from './measure';
export { PatternDiscovery } from './discovery';
export type { Discovery, DiscoveryOptions, PatternTest } from './discovery';
