/**
 * Validation against the experiments table: read a row, validate it with the multiple-testing
 * figures of the sweep it came from, write the verdict back (docs/validation.md §3.3).
 */
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import type { StrategyClass } from '../engine';
import { strategyByName } from '../strategies/registry';
import { RETURN_BLOCKS } from '../sweep/types';
import type { ExperimentFilter } from '../tracker/query';
import type { ExperimentRow } from '../tracker/rows';
import type { TopCandidateOptions, ValidationUpdate } from '../tracker/tracker';
import { resolvePeriod } from './period';
import { validateCandidate, type OverfittingOptions, type ValidateCandidateOptions } from './pipeline';
import type { ValidationReport } from './report';
import type { ValidationSettings } from './settings';
import { pboFromBlocks } from './stats/pbo';

/**
 * What validation needs of a tracker: ExperimentTracker (lib/tracker) provides it; another store
 * (the PostgreSQL tracker to come) only has to provide these.
 */
export interface ValidationTracker {
  get(id: number): ExperimentRow | undefined;
  /** Distinct configurations an experiment tried: the DSR's number of trials. */
  countConfigurations(experimentId: string): number;
  /** Count, mean and sample variance of the experiment's annualised Sharpes. */
  sharpeStats(experimentId: string): { count: number; mean: number; variance: number };
  updateValidation(id: number, update: ValidationUpdate): unknown;
  getTopCandidates(n: number, opts?: TopCandidateOptions): readonly ExperimentRow[];
  experiments(): { where(filter: ExperimentFilter): { all(): readonly ExperimentRow[] } };
}

export interface ValidateExperimentOptions extends Omit<ValidateCandidateOptions, 'strategy' | 'params' | 'symbol' | 'timeframe' | 'data'> {
  /** Bars by symbol: the row's symbol and its related ones. */
  data: Record<string, Bars>;
  /** Strategy classes by name, for rows of non-built-in strategies (built-ins resolve by name). */
  strategies?: Record<string, StrategyClass>;
  /** The PBO of the row's sweep (shorthand for overfitting.pbo); by default computed from the sweep's stored return blocks. */
  pbo?: number | null;
}

/**
 * Validates experiment `id` and stores the verdict: validation_status, test_return_pct, the holdout's
 * train/test periods and validation_details. Unless the caller says otherwise:
 *  - nTrials is tracker.countConfigurations(row.experimentId) (every configuration the sweep tried,
 *    failed ones too) and sharpeVariance the variance of its Sharpes (tracker.sharpeStats);
 *  - PBO comes from the return blocks the sweep stored for the rows of the same experiment, symbol,
 *    timeframe and period (CSCV needs every configuration over the same bars);
 *  - the costs are the row's own (its spread; execution_delay 1 fills at the next open);
 *  - when the row's period ends before the data does, the holdout tests on the data after it (the
 *    only data the sweep never saw); otherwise on the last 30 % of the data.
 */
export function validateExperiment(tracker: ValidationTracker, id: number, opts: ValidateExperimentOptions): ValidationReport {
  return validateRow(tracker, id, opts, new Map());
}

/** One sweep's PBO and how it was found, by experiment, symbol, timeframe and period. */
type PboCache = Map<string, { pbo: number | null; note: string | null }>;

function validateRow(tracker: ValidationTracker, id: number, opts: ValidateExperimentOptions, cache: PboCache): ValidationReport {
  const row = tracker.get(id);
  if (!row) {
    throw new StratlabError('BAD_ARGUMENT', `validateExperiment: no experiment with id ${id}`, {
      hint: 'ids come from tracker.getTopCandidates() or tracker.experiments()',
      location: { field: 'id' },
    });
  }
  if (row.status === 'failed') {
    throw new StratlabError('BAD_ARGUMENT', `validateExperiment: experiment ${id} failed in the sweep (${row.error ?? 'no error recorded'}); there is nothing to validate`, { location: { field: 'id' } });
  }
  const S = opts.strategies?.[row.strategy] ?? strategyByName(row.strategy);
  const notes: string[] = [];
  const stats = tracker.sharpeStats(row.experimentId);
  const nTrials = Math.max(1, tracker.countConfigurations(row.experimentId), stats.count);
  let sharpeVariance = stats.variance;
  if (nTrials > 1 && !Number.isFinite(sharpeVariance)) {
    notes.push(`${row.experimentId}: fewer than two Sharpes to measure the trials' variance; DSR taken with variance 0 (= PSR)`);
    sharpeVariance = 0;
  }
  let pbo = opts.pbo ?? opts.overfitting?.pbo;
  if (pbo === undefined) {
    const key = [row.experimentId, row.symbol, row.timeframe, row.trainPeriod ?? ''].join('\u0000');
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = sweepPbo(tracker, row)));
    pbo = hit.pbo;
    if (hit.note) notes.push(hit.note);
  }
  const overfitting: OverfittingOptions = { nTrials, sharpeVariance: nTrials > 1 ? sharpeVariance : undefined, ...opts.overfitting, pbo };
  const settings: ValidationSettings = {
    ...(Number.isFinite(row.spread) ? { spread: row.spread } : {}),
    fill: row.executionDelay === 1 ? 'next_open' : 'close',
    ...opts.settings,
  };
  const { strategies: _strategies, pbo: _pbo, ...rest } = opts;
  const report = validateCandidate({
    ...rest,
    strategy: S,
    params: row.params,
    symbol: row.symbol,
    timeframe: row.timeframe,
    settings,
    overfitting,
    holdout: opts.holdout ?? afterTheSweep(row, opts.data),
  });
  report.notes.unshift(...notes);
  const h = report.holdout;
  tracker.updateValidation(id, {
    status: report.status,
    ...(h ? { testReturnPct: h.test.returnPct, trainPeriod: h.trainPeriod, testPeriod: h.testPeriod } : {}),
    details: report.details(),
  });
  return report;
}

export interface ValidateTopOptions extends ValidateExperimentOptions {
  /** Which rows: not validated yet ('pending', the default), or 'any'. */
  validationStatus?: 'pending' | 'any';
  /** Further choice of rows, as tracker.getTopCandidates takes it (experimentId, strategy, symbol, minTrades, …). */
  candidates?: Omit<TopCandidateOptions, 'validationStatus'>;
}

/** Validates the top `n` candidates by score, in that order; one report each, every verdict written back. */
export function validateTop(tracker: ValidationTracker, n: number, opts: ValidateTopOptions): ValidationReport[] {
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new StratlabError('BAD_ARGUMENT', `validateTop: n: expected a whole number ≥ 1, got ${n}`, { location: { field: 'n' } });
  }
  const { validationStatus = 'pending', candidates, ...rest } = opts;
  const rows = tracker.getTopCandidates(n, { ...candidates, validationStatus });
  // The PBO of a sweep is the same for all its rows on the same bars, and costs C(16, 8) splits: once.
  const cache: PboCache = new Map();
  return rows.map((row) => validateRow(tracker, row.id, rest, cache));
}

/** PBO over the sweep's configurations on the row's bars, from the return blocks they stored; null when fewer than two did. */
function sweepPbo(tracker: ValidationTracker, row: ExperimentRow): { pbo: number | null; note: string | null } {
  const rows = tracker.experiments().where({ experimentId: row.experimentId, symbol: row.symbol, timeframe: row.timeframe, status: 'ok' }).all();
  const configs = rows
    .filter((r) => r.trainPeriod === row.trainPeriod && r.blocks instanceof Float64Array && r.blocks.length === 3 * RETURN_BLOCKS)
    .map((r) => r.blocks!);
  if (configs.length < 2) return { pbo: null, note: null };
  return {
    pbo: pboFromBlocks(configs, { blocks: RETURN_BLOCKS }).pbo,
    note: `PBO from the return blocks of ${configs.length} configurations of ${row.experimentId} on ${row.symbol} ${row.timeframe}`,
  };
}

/** The holdout that tests on the data after the row's period, when there is enough of it. */
function afterTheSweep(row: ExperimentRow, data: Record<string, Bars>): ValidateCandidateOptions['holdout'] {
  if (!row.trainPeriod) return undefined;
  let end: number;
  try {
    end = resolvePeriod(row.trainPeriod, 'trainPeriod').to;
  } catch {
    return undefined; // a hand-written period we cannot read: fall back to the default split
  }
  const key = Object.keys(data).find((k) => k.toUpperCase() === row.symbol.toUpperCase());
  const time = key === undefined ? undefined : data[key].time;
  if (!time || time.length === 0) return undefined;
  let after = 0;
  for (let i = time.length - 1; i >= 0 && time[i] > end; i--) after++;
  return after >= 2 && time[0] <= end ? { train: row.trainPeriod } : undefined;
}
