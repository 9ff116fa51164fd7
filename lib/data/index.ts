/**
 * lib/data: load, validate, repair, resample, slice, synthesize and inspect OHLCV bars.
 */
export { loadBars, readRawColumns } from './load';
export type { LoadOptions } from './options';
export { resample } from './resample';
export { slice, type TimeLike } from './slice';
export { rollingWindows, periodLabel, type TimeWindow, type WindowSpec, type WindowUnit } from './windows';
export { syntheticBars, type SyntheticOptions } from './synthetic';
export { inspectBars, formatInspectReport, type InspectReport, type InspectOptions } from './inspect';
export { writeBarsCsv, writeBarsParquet, writeBarsJson, type WriteJsonOptions } from './write';
export { detectTimeframe, detectFormat, symbolFromPath } from './detect';
export { validateBars, findProblems, loadCellText, type Problem, type ProblemList } from './validate';
export { findGaps, type Gap, type GapKind, type GapSummary } from './gaps';
export { parseTimestamp, formatTime } from './timestamps';
export { loadCondition, normaliseConditions, asOfIndex, type ConditionInput, type ConditionSeries } from './conditions';
export { COLUMN_ALIASES, type ColumnMapping, type ResolvedColumns } from './columns';
export type { RawColumns, DataFormat } from './raw';
export type { Bars, RepairReport } from '../core/bars';
