/** lib/runs: run directories (format.ts), written through DuckDB and read back with sandboxed SQL. */
export * from './format';
export { writeRun, runFromSweep, runFromSweeps, runFromBacktest, fingerprint, newRunId, type WriteRunOptions, type WrittenRun, type RunStrategyResult } from './write';
export { openRun, latestRun, readManifest, readVerifiedManifest, Run, type Row, type QueryTable } from './open';
export { defaultLimits, type QueryLimits } from './limits';
export { TraceAnalysis } from './traces';
