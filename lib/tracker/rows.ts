/**
 * ExperimentRecord ⇄ experiments row: the record is checked and encoded for INSERT, and a row read
 * back becomes an ExperimentRow (camelCase, params parsed, NULL metrics as NaN, blocks as Float64Array).
 */
import { StratlabError } from '../core/errors';
import { canonicalJson, hashCanonicalJson } from '../core/hash';
import { RETURN_BLOCKS, type ExperimentMetrics, type ExperimentRecord } from '../sweep/types';
import { IDENTITY, PERIOD_FINGERPRINT_PREFIX } from './schema';

export type ValidationStatus = 'pending' | 'passed' | 'marginal' | 'rejected';
export const VALIDATION_STATUSES: readonly ValidationStatus[] = ['pending', 'passed', 'marginal', 'rejected'];

/** A stored experiment: the record as saved, plus what the table adds. */
export interface ExperimentRow extends ExperimentRecord {
  id: number;
  /** Out-of-sample return in percent, once validation has run. */
  testReturnPct?: number;
  validationStatus: ValidationStatus;
  /** What the validation stored (parsed JSON), or null. */
  validationDetails: Record<string, unknown> | null;
  /** ISO 8601 UTC. */
  createdAt: string;
}

/** Every column, in the order rowFromSql reads them. */
export const SELECT_COLUMNS =
  'id, experiment_id, strategy, strategy_source, symbol, timeframe, parameters, params_hash, status, error, ' +
  'return_pct, annualised_return, max_drawdown, total_trades, trades_per_year, win_rate, profit_factor, sharpe, ' +
  'score, disqualified, train_period, test_period, test_return_pct, validation_status, validation_details, ' +
  'parent_experiment_id, created_at, spread, execution_delay, return_blocks, commission, data_fingerprint';

const INSERT_COLUMNS = [
  'experiment_id', 'strategy', 'strategy_source', 'symbol', 'timeframe', 'parameters', 'params_hash', 'status', 'error',
  'return_pct', 'annualised_return', 'max_drawdown', 'total_trades', 'trades_per_year', 'win_rate', 'profit_factor', 'sharpe',
  'score', 'disqualified', 'train_period', 'test_period', 'validation_status', 'parent_experiment_id', 'created_at',
  'spread', 'execution_delay', 'return_blocks', 'commission', 'data_fingerprint',
];

/** What a second save of the same result (same IDENTITY) replaces: its outcome, not its id or validation. */
const RESULT_COLUMNS = INSERT_COLUMNS.filter((c) => !(IDENTITY as readonly string[]).includes(c) && c !== 'validation_status');

/**
 * Saving a result that is already stored updates that row (the latest save wins). No RETURNING: it
 * makes each insert ~3× dearer, and the tracker is what concurrent sweeps queue on; the tracker
 * tells an insert from an update by last_insert_rowid and looks an updated row's id up (IDENTITY_SQL).
 */
export const INSERT_SQL = `INSERT INTO experiments (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (${IDENTITY.join(', ')}) DO UPDATE SET ${RESULT_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`;

/** The id of the row with a result's identity. */
export const IDENTITY_SQL = `SELECT id FROM experiments WHERE ${IDENTITY.map((c) => `${c} = ?`).join(' AND ')}`;

/** IDENTITY_SQL's arguments, from insertValues' output. */
export function identityValues(v: readonly unknown[]): unknown[] {
  return IDENTITY.map((c) => v[INSERT_COLUMNS.indexOf(c)]);
}

const METRIC_KEYS: readonly (keyof ExperimentMetrics)[] = [
  'returnPct', 'annualisedReturn', 'maxDrawdown', 'totalTrades', 'tradesPerYear', 'winRate', 'profitFactor', 'sharpe',
];

function bad(where: string, field: string, expected: string, got: unknown): never {
  throw new StratlabError('BAD_ARGUMENT', `${where}.${field}: expected ${expected}, got ${show(got)}`, {
    hint: 'records come from a sweep; build them as ExperimentRecord (lib/sweep/types.ts) describes',
    location: { field },
  });
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

function text(v: unknown, where: string, key: string): string {
  if (typeof v !== 'string' || v === '') bad(where, key, 'a non-empty string', v);
  return v;
}

function optionalText(v: unknown, where: string, key: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') bad(where, key, 'a string', v);
  return v;
}

/**
 * The INSERT values of one record (in INSERT_COLUMNS order), after checking it; `where` names it
 * in errors ('saveMany: records[3]'). Parameters are stored as canonical JSON, and a given
 * paramsHash must be the canonical hash of params (a missing one is computed).
 */
export function insertValues(record: ExperimentRecord, where: string, createdAt: string): unknown[] {
  if (record === null || typeof record !== 'object') bad(where, 'record', 'an ExperimentRecord', record);
  const r = record as unknown as Record<string, unknown>;
  const params = r.params;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) bad(where, 'params', 'an object of parameters', params);
  // paramsHash(params) without canonicalising twice: saveMany does this for every row.
  const json = canonicalJson(params);
  const hash = hashCanonicalJson(json);
  if (r.paramsHash !== undefined && r.paramsHash !== hash) {
    throw new StratlabError('BAD_ARGUMENT', `${where}.paramsHash: "${String(r.paramsHash)}" is not the hash of its params (${hash})`, {
      hint: 'set paramsHash = paramsHash(params) (lib/core/hash.ts), or leave it out',
      location: { field: 'paramsHash' },
    });
  }
  const status = r.status ?? 'ok';
  if (status !== 'ok' && status !== 'failed') bad(where, 'status', "'ok' or 'failed'", status);
  const error = optionalText(r.error, where, 'error');
  if (status === 'failed' && !error) bad(where, 'error', 'the reason a failed run failed', r.error);

  const v: unknown[] = new Array(INSERT_COLUMNS.length);
  v[0] = text(r.experimentId, where, 'experimentId');
  v[1] = text(r.strategy, where, 'strategy');
  v[2] = text(r.strategySource, where, 'strategySource');
  v[3] = text(r.symbol, where, 'symbol');
  v[4] = text(r.timeframe, where, 'timeframe');
  v[5] = json;
  v[6] = hash;
  v[7] = status;
  v[8] = error;
  const m = r.metrics as Record<string, unknown> | undefined | null;
  if (m !== undefined && m !== null) {
    if (typeof m !== 'object') bad(where, 'metrics', 'an object', m);
    for (let k = 0; k < METRIC_KEYS.length; k++) {
      const x = m[METRIC_KEYS[k]];
      if (typeof x !== 'number') bad(where, `metrics.${METRIC_KEYS[k]}`, 'a number', x);
      v[9 + k] = x; // NaN binds as NULL
    }
  } else if (status === 'ok') {
    bad(where, 'metrics', 'the metrics of an ok run', m);
  } else {
    for (let k = 0; k < METRIC_KEYS.length; k++) v[9 + k] = null;
  }
  if (typeof r.score !== 'number') bad(where, 'score', 'a number', r.score);
  v[17] = r.score;
  const dq = r.disqualified ?? [];
  if (!Array.isArray(dq) || dq.some((x) => typeof x !== 'string')) bad(where, 'disqualified', 'an array of rule names', dq);
  v[18] = dq.length === 0 ? '[]' : JSON.stringify(dq);
  v[19] = optionalText(r.trainPeriod, where, 'trainPeriod');
  v[20] = optionalText(r.testPeriod, where, 'testPeriod');
  v[21] = 'pending';
  v[22] = optionalText(r.parentExperimentId, where, 'parentExperimentId');
  v[23] = createdAt;
  const spread = r.spread ?? 0.0003;
  if (typeof spread !== 'number' || !(spread >= 0)) bad(where, 'spread', 'a number >= 0', spread);
  v[24] = spread;
  const delay = r.executionDelay ?? 0;
  if (delay !== 0 && delay !== 1) bad(where, 'executionDelay', '0 or 1', delay);
  v[25] = delay;
  const b = r.blocks;
  if (b !== undefined && b !== null) {
    if (!(b instanceof Float64Array) || b.length !== 3 * RETURN_BLOCKS) bad(where, 'blocks', `a Float64Array of ${3 * RETURN_BLOCKS} values`, b);
    v[26] = Buffer.from(b.buffer, b.byteOffset, b.byteLength); // a view: better-sqlite3 copies on bind
  } else {
    v[26] = null;
  }
  const commission = r.commission ?? 0;
  if (typeof commission !== 'number' || !(commission >= 0)) bad(where, 'commission', 'a number >= 0', commission);
  v[27] = commission;
  const fingerprint = r.dataFingerprint ?? `${PERIOD_FINGERPRINT_PREFIX}${(v[19] as string | null) ?? ''}`;
  if (typeof fingerprint !== 'string') bad(where, 'dataFingerprint', 'a string', fingerprint);
  v[28] = fingerprint;
  return v;
}

/** A row as better-sqlite3 returns it for SELECT_COLUMNS. */
export interface SqlRow {
  id: number;
  experiment_id: string | null;
  strategy: string | null;
  strategy_source: string | null;
  symbol: string | null;
  timeframe: string | null;
  parameters: string | null;
  params_hash: string | null;
  status: string;
  error: string | null;
  return_pct: number | null;
  annualised_return: number | null;
  max_drawdown: number | null;
  total_trades: number | null;
  trades_per_year: number | null;
  win_rate: number | null;
  profit_factor: number | null;
  sharpe: number | null;
  score: number | null;
  disqualified: string;
  train_period: string | null;
  test_period: string | null;
  test_return_pct: number | null;
  validation_status: string | null;
  validation_details: string | null;
  parent_experiment_id: string | null;
  created_at: string | null;
  spread: number | null;
  execution_delay: number | null;
  return_blocks: Buffer | null;
  commission: number | null;
  data_fingerprint: string | null;
}

const num = (v: number | null): number => (v === null ? NaN : v);

function parseJson(s: string | null): unknown {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Lenient on purpose: rows written by the earlier Python system (or by hand) may lack what stratlab writes (docs/experiments.md §6.3). */
export function rowFromSql(r: SqlRow): ExperimentRow {
  const parsed = parseJson(r.parameters);
  // Parameters that are not a JSON object (a Python repr) are kept as text, not dropped.
  const params = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : r.parameters === null ? {} : { unparsed: r.parameters };
  const status = r.status === 'failed' ? 'failed' : 'ok';
  const row: ExperimentRow = {
    id: r.id,
    experimentId: r.experiment_id ?? '',
    strategy: r.strategy ?? '',
    strategySource: r.strategy_source ?? '',
    symbol: r.symbol ?? '',
    timeframe: r.timeframe ?? '',
    params,
    paramsHash: r.params_hash ?? '',
    status,
    score: num(r.score),
    disqualified: r.disqualified === '[]' ? [] : ((parseJson(r.disqualified) as string[] | undefined) ?? []),
    spread: num(r.spread),
    executionDelay: r.execution_delay === 1 ? 1 : 0,
    commission: r.commission ?? 0,
    validationStatus: (r.validation_status ?? 'pending') as ValidationStatus,
    validationDetails: null,
    createdAt: r.created_at ?? '',
  };
  const hasMetrics = status === 'ok' || r.return_pct !== null || r.total_trades !== null;
  if (hasMetrics) {
    row.metrics = {
      returnPct: num(r.return_pct),
      annualisedReturn: num(r.annualised_return),
      maxDrawdown: num(r.max_drawdown),
      totalTrades: num(r.total_trades),
      tradesPerYear: num(r.trades_per_year),
      winRate: num(r.win_rate),
      profitFactor: num(r.profit_factor),
      sharpe: num(r.sharpe),
    };
  }
  if (r.error !== null) row.error = r.error;
  if (r.data_fingerprint && !r.data_fingerprint.startsWith(PERIOD_FINGERPRINT_PREFIX)) row.dataFingerprint = r.data_fingerprint;
  if (r.train_period !== null) row.trainPeriod = r.train_period;
  if (r.test_period !== null) row.testPeriod = r.test_period;
  if (r.test_return_pct !== null) row.testReturnPct = r.test_return_pct;
  if (r.parent_experiment_id !== null) row.parentExperimentId = r.parent_experiment_id;
  if (r.validation_details !== null) {
    const d = parseJson(r.validation_details);
    row.validationDetails = d !== null && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : { unparsed: r.validation_details };
  }
  if (r.return_blocks !== null && r.return_blocks.byteLength % 8 === 0) {
    // Copy into a fresh, aligned buffer (the Buffer may be a slice of a pool).
    row.blocks = new Float64Array(new Uint8Array(r.return_blocks).buffer);
  }
  return row;
}
