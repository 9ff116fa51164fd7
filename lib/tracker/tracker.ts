/**
 * The experiment tracker: the single record of every automated backtest (docs/experiments.md), in one
 * SQLite file (better-sqlite3, WAL). Sweeps write through saveMany (the ExperimentStore contract),
 * validation updates rows in place, and notebooks, the CLI and the LLM agent read it back.
 *
 *   const tracker = openTracker();                 // ./research.db, or $STRATLAB_DB
 *   tracker.getTopCandidates(10, { validationStatus: 'any' }).display();
 *   tracker.experiments().where({ strategy: 'SmaCross' }).orderBy('sharpe').limit(5).all();
 */
import fs from 'node:fs';
import path from 'node:path';
// The default import stays out of the .d.ts (only the constructor uses it): tslab compiles notebook
// cells without esModuleInterop, where a declaration that default-imports better-sqlite3 fails.
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { StratlabError, isStratlabError } from '../core/errors';
import { parseOptions } from '../data/options';
import { DISQUALIFICATION_RULES } from '../sweep/score';
import type { ChunkClaims, ExperimentRecord, ExperimentStore, TestedQuery } from '../sweep/types';
import { TrackerClaims } from './claims';
import { withDisplay, type ExperimentRows } from './display';
import { ExperimentQuery, type ExperimentFilter } from './query';
import { IDENTITY_SQL, INSERT_SQL, SELECT_COLUMNS, VALIDATION_STATUSES, identityValues, insertValues, rowFromSql, type ExperimentRow, type SqlRow, type ValidationStatus } from './rows';
import { PERIOD_FINGERPRINT_PREFIX, setUp } from './schema';
import { buildSummary, type SummaryOptions } from './summary';
import { resolveCostModel, type CostModelOption } from './cost-model';

/** The database file when none is given: $STRATLAB_DB, else research.db in the working directory. */
export function defaultTrackerPath(): string {
  return process.env.STRATLAB_DB || path.resolve(process.cwd(), 'research.db');
}

export interface ValidationUpdate {
  status: ValidationStatus;
  /** Out-of-sample return, in percent. */
  testReturnPct?: number;
  /** 'YYYY-MM-DD:YYYY-MM-DD'. */
  testPeriod?: string;
  trainPeriod?: string;
  /** Stored as JSON text (walk-forward pass rate, multi-asset results, rejectionReason, …). */
  details?: Record<string, unknown>;
}

export interface TopCandidateOptions {
  /** Fewest trades a row needs (default: DISQUALIFICATION_RULES.minTrades, 30; docs/experiments.md §6.1). */
  minTrades?: number;
  /** 'passed' (default), one other status, several, or 'any'. */
  validationStatus?: ValidationStatus | readonly ValidationStatus[] | 'any';
  experimentId?: string;
  strategy?: string;
  symbol?: string;
  /** Rows that failed a disqualification rule are left out unless this is true. */
  includeDisqualified?: boolean;
  /** Rank within this cost model: 'live' (default: spread 0.0003, delay 0), { spread, executionDelay }, or 'all' (mixed; each row shows its own). */
  costModel?: CostModelOption;
}

/** A row that did not work out, and why: 'error: …', 'disqualified: minTrades, maxDrawdown', 'rejected: …'. */
export type FailureRow = ExperimentRow & { reason: string };

export interface SharpeStats {
  /** Rows with a finite Sharpe (status ok, at least one trade). */
  count: number;
  mean: number;
  /** Sample variance (n − 1); NaN under two rows. */
  variance: number;
}

export interface ExperimentIdInfo {
  experimentId: string;
  count: number;
  failed: number;
  passed: number;
  firstAt: string;
  lastAt: string;
}

const statusSchema = z.enum(VALIDATION_STATUSES as [ValidationStatus, ...ValidationStatus[]]);

const validationUpdateSchema = z
  .object({
    status: statusSchema,
    testReturnPct: z.number().optional(),
    testPeriod: z.string().optional(),
    trainPeriod: z.string().optional(),
    details: z.record(z.unknown()).optional(),
  })
  .strict();

export const costModelSchema = z
  .union([
    z.literal('live'),
    z.literal('all'),
    z.object({ spread: z.number().min(0), executionDelay: z.union([z.literal(0), z.literal(1)]).optional() }).strict(),
  ])
  .optional();

const topOptionsSchema = z
  .object({
    minTrades: z.number().min(0).default(DISQUALIFICATION_RULES.minTrades),
    validationStatus: z.union([z.literal('any'), statusSchema, z.array(statusSchema)]).default('passed'),
    experimentId: z.string().optional(),
    strategy: z.string().optional(),
    symbol: z.string().optional(),
    includeDisqualified: z.boolean().default(false),
    costModel: costModelSchema,
  })
  .strict();

const nonEmpty = (v: unknown, where: string): string => {
  if (typeof v !== 'string' || v === '') {
    throw new StratlabError('BAD_ARGUMENT', `${where}: expected a non-empty string, got ${JSON.stringify(v)}`);
  }
  return v;
};

const strings = (v: unknown, where: string): string[] => {
  if (!Array.isArray(v)) throw new StratlabError('BAD_ARGUMENT', `${where}: expected an array of strings, got ${typeof v}`);
  return v.map((x, i) => nonEmpty(x, `${where}[${i}]`));
};

/** Turns a SqliteError into a one-line StratlabError naming the file; ours pass through. */
function databaseError(e: unknown, file: string, doing: string): StratlabError {
  if (isStratlabError(e)) return e;
  const err = e as { code?: string; message?: string };
  if (err.code === 'SQLITE_NOTADB') {
    return new StratlabError('DATABASE', `${file}: not an SQLite database`, {
      hint: 'pass a research database made by stratlab (or a plain experiments table), or a new file name to start one',
      location: { file },
    });
  }
  return new StratlabError('DATABASE', `${file}: ${doing}: ${err.message ?? String(e)}`, { location: { file } });
}

export class ExperimentTracker implements ExperimentStore {
  /** The database file (':memory:' for an in-memory one). */
  readonly path: string;
  /** The better-sqlite3 connection, for SQL of your own (the table is `experiments`, columns snake_case). */
  readonly db: Database;
  private readonly statements = new Map<string, Statement>();
  /**
   * What opening this file changed that you should know about: e.g. duplicate results an older
   * stratlab wrote, moved to experiments_duplicates when the schema was upgraded. Empty usually.
   */
  readonly migrationNotes: string[];

  constructor(file: string = defaultTrackerPath()) {
    this.path = file === ':memory:' ? file : path.resolve(file);
    if (file !== ':memory:') {
      if (fs.existsSync(this.path) && fs.statSync(this.path).isDirectory()) {
        throw new StratlabError('DATABASE', `${this.path}: is a folder, not a database file`, { hint: 'pass a file path such as research.db', location: { file: this.path } });
      }
      fs.mkdirSync(path.dirname(this.path), { recursive: true });
    }
    let db: Database | undefined;
    try {
      db = new BetterSqlite3(this.path);
      this.migrationNotes = setUp(db, this.path);
    } catch (e) {
      db?.close();
      throw databaseError(e, this.path, 'cannot open');
    }
    this.db = db;
  }

  /** A prepared statement, compiled once per tracker. */
  statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * Saves one record; returns its id. A result is unique by experiment, strategy, parameters, symbol,
   * timeframe, cost model (spread, commission, delay) and data: saving one that is stored updates it.
   */
  save(record: ExperimentRecord): number {
    return this.insert([record], () => 'save: record')[0];
  }

  /** Saves records in one transaction: all of them, or (on any bad record) none. Returns their ids in order. */
  saveMany(records: readonly ExperimentRecord[]): number[] {
    if (!Array.isArray(records)) throw new StratlabError('BAD_ARGUMENT', `saveMany: expected an array of ExperimentRecord, got ${typeof records}`);
    return this.insert(records, (i) => `saveMany: records[${i}]`);
  }

  /** `name(i)` says which record an error is about. One timestamp for the batch: it was saved at once. */
  private insert(records: readonly ExperimentRecord[], name: (i: number) => string): number[] {
    const stmt = this.statement(INSERT_SQL);
    const createdAt = new Date().toISOString();
    const lookup = this.statement(IDENTITY_SQL);
    const run = this.db.transaction(() => {
      let last = Number((this.statement('SELECT last_insert_rowid() AS id').get() as { id: number }).id);
      const ids = new Array<number>(records.length);
      for (let i = 0; i < records.length; i++) {
        const v = insertValues(records[i], name(i), createdAt);
        const rowid = Number(stmt.run(v).lastInsertRowid);
        // AUTOINCREMENT ids only grow: an unchanged last_insert_rowid means the row was updated, not inserted.
        ids[i] = rowid !== last ? rowid : (lookup.get(identityValues(v)) as { id: number }).id;
        last = rowid;
      }
      return ids;
    });
    try {
      // IMMEDIATE: take the write lock up front, waiting (busy_timeout) for another writer, rather
      // than failing mid-batch when a second process (a parallel sweep) is writing too.
      return run.immediate();
    } catch (e) {
      throw databaseError(e, this.path, 'saving experiments');
    }
  }

  /** Records the outcome of validation on row `id`; returns the updated row. */
  updateValidation(id: number, update: ValidationUpdate): ExperimentRow {
    const u = parseOptions(validationUpdateSchema, update, `updateValidation(${id})`);
    const info = this.statement(
      `UPDATE experiments SET validation_status = ?, test_return_pct = coalesce(?, test_return_pct),
         test_period = coalesce(?, test_period), train_period = coalesce(?, train_period),
         validation_details = coalesce(?, validation_details) WHERE id = ?`,
    ).run(u.status, u.testReturnPct ?? null, u.testPeriod ?? null, u.trainPeriod ?? null, u.details === undefined ? null : JSON.stringify(u.details), id);
    if (info.changes === 0) {
      throw new StratlabError('BAD_ARGUMENT', `updateValidation: ${path.basename(this.path)} has no experiment with id ${id}`, {
        hint: 'ids come from save/saveMany or from a row’s id',
        location: { file: this.path, field: 'id' },
      });
    }
    return this.get(id)!;
  }

  get(id: number): ExperimentRow | undefined {
    const r = this.statement(`SELECT ${SELECT_COLUMNS} FROM experiments WHERE id = ?`).get(id) as SqlRow | undefined;
    return r && rowFromSql(r);
  }

  /** A query over every row: `.where(…)`, `.orderBy(…)`, `.limit(n)`, then `.all()`, `.first()` or `.count()`. */
  experiments(): ExperimentQuery {
    return new ExperimentQuery(this);
  }

  /**
   * The best n rows by score (status ok), with at least minTrades trades, passing the
   * disqualification rules, and validated ('passed') unless told otherwise — within one cost model,
   * the live-matched one unless `costModel` names another or 'all' (see cost-model.ts).
   */
  getTopCandidates(n = 10, opts: TopCandidateOptions = {}): ExperimentRows {
    const o = parseOptions(topOptionsSchema, opts, 'getTopCandidates options');
    const filter: ExperimentFilter = {
      status: 'ok',
      totalTrades: { gte: o.minTrades },
      experimentId: o.experimentId,
      strategy: o.strategy,
      symbol: o.symbol,
    };
    // 'any' as the four statuses: an IN over the (validation_status, score) index stops after n rows; no filter would scan the table.
    filter.validationStatus = o.validationStatus === 'any' ? VALIDATION_STATUSES : o.validationStatus;
    if (!o.includeDisqualified) filter.disqualified = false;
    // One cost model unless mixing is asked for: a zero-spread run must not outrank the honest one.
    const model = resolveCostModel(o.costModel);
    if (model) (filter.spread = model.spread, filter.executionDelay = model.executionDelay);
    return this.experiments().where(filter).orderBy('score', 'desc').limit(n).all();
  }

  /** Everything that did not work for a strategy: runs that threw, disqualified runs, runs validation rejected; with the reason. */
  getFailuresForStrategy(strategy: string): ExperimentRows<FailureRow> {
    nonEmpty(strategy, 'getFailuresForStrategy(strategy)');
    const rows = this.statement(
      `SELECT ${SELECT_COLUMNS} FROM experiments WHERE strategy = ?
         AND (status = 'failed' OR disqualified <> '[]' OR validation_status = 'rejected') ORDER BY id`,
    ).all(strategy) as SqlRow[];
    return withDisplay(rows.map((r) => {
      const row = rowFromSql(r);
      return { ...row, reason: failureReason(row) };
    }), `failures of ${strategy}`);
  }

  /** Everything tried on a symbol, oldest first. */
  getExperimentsByAsset(symbol: string): ExperimentRows {
    return this.experiments().where({ symbol: nonEmpty(symbol, 'getExperimentsByAsset(symbol)') }).orderBy('id').all();
  }

  /** Everything from one origin ('existing', 'composable', 'llm_generated', 'notebook'), oldest first. */
  getExperimentsBySource(source: string): ExperimentRows {
    return this.experiments().where({ strategySource: nonEmpty(source, 'getExperimentsBySource(source)') }).orderBy('id').all();
  }

  /** The (symbol, timeframe) pairs with no row at all for the strategy, in the order given. */
  getUntestedCombinations(strategy: string, symbols: readonly string[], timeframes: readonly string[]): { symbol: string; timeframe: string }[] {
    nonEmpty(strategy, 'getUntestedCombinations(strategy)');
    const sy = strings(symbols, 'getUntestedCombinations(symbols)');
    const tf = strings(timeframes, 'getUntestedCombinations(timeframes)');
    const seen = new Set(
      (this.statement('SELECT DISTINCT symbol, timeframe FROM experiments WHERE strategy = ?').all(strategy) as { symbol: string; timeframe: string }[])
        .map((r) => `${r.symbol}\u0000${r.timeframe}`),
    );
    const out: { symbol: string; timeframe: string }[] = [];
    for (const symbol of sy) for (const timeframe of tf) if (!seen.has(`${symbol}\u0000${timeframe}`)) out.push({ symbol, timeframe });
    return out;
  }

  /** True when any row (ok or failed: a run that threw was tried too) has this combination. */
  hasBeenTested(strategy: string, symbol: string, timeframe: string, paramsHash: string): boolean {
    return this.statement(
      'SELECT 1 FROM experiments WHERE strategy = ? AND symbol = ? AND timeframe = ? AND params_hash = ? LIMIT 1',
    ).get(strategy, symbol, timeframe, paramsHash) !== undefined;
  }

  /**
   * For resuming a sweep: the stored rows of a slice of the search space by params hash, failed
   * ones included; when a combination was stored more than once, the latest row wins.
   */
  testedRecords(query: TestedQuery): Map<string, ExperimentRecord> {
    const { where, params } = this.testedWhere(query, 'testedRecords');
    const rows = this.statement(`SELECT ${SELECT_COLUMNS} FROM experiments WHERE ${where} ORDER BY id`).all(...params) as SqlRow[];
    const out = new Map<string, ExperimentRecord>();
    for (const r of rows) out.set(r.params_hash!, rowFromSql(r));
    return out;
  }

  /** As testedRecords, among these params hashes only: what a sweep asks chunk by chunk. */
  storedRecords(query: TestedQuery, hashes: readonly string[]): Map<string, ExperimentRecord> {
    const { where, params } = this.testedWhere(query, 'storedRecords');
    const rows = this.statement(`SELECT ${SELECT_COLUMNS} FROM experiments WHERE ${where} AND params_hash IN (SELECT value FROM json_each(?)) ORDER BY id`)
      .all(...params, JSON.stringify(hashes)) as SqlRow[];
    const out = new Map<string, ExperimentRecord>();
    for (const r of rows) out.set(r.params_hash!, rowFromSql(r));
    return out;
  }

  private testedWhere(query: TestedQuery, what: string): { where: string; params: unknown[] } {
    const where = ['strategy = ?', 'symbol = ?', 'timeframe = ?', 'params_hash IS NOT NULL'];
    const params: unknown[] = [
      nonEmpty(query?.strategy, `${what}: strategy`), nonEmpty(query.symbol, `${what}: symbol`), nonEmpty(query.timeframe, `${what}: timeframe`),
    ];
    if (query.spread !== undefined) (where.push('spread = ?'), params.push(query.spread));
    if (query.commission !== undefined) (where.push('commission = ?'), params.push(query.commission));
    if (query.executionDelay !== undefined) (where.push('execution_delay = ?'), params.push(query.executionDelay));
    if (query.dataFingerprint !== undefined) {
      // Rows saved without a fingerprint (before schema version 2) match by their period.
      where.push('data_fingerprint IN (?, ?)');
      params.push(query.dataFingerprint, query.period === undefined ? query.dataFingerprint : `${PERIOD_FINGERPRINT_PREFIX}${query.period}`);
    } else if (query.period !== undefined) {
      where.push('train_period = ?'), params.push(query.period);
    }
    return { where: where.join(' AND '), params };
  }

  /** Chunk claims for one sweep run (a new owner each call): concurrent sweeps of one experiment split the work through them. */
  claims(): ChunkClaims {
    return new TrackerClaims(this.db, (records) => this.saveMany(records));
  }

  /**
   * How many distinct configurations (strategy, symbol, timeframe, parameters) an experiment tried,
   * failed runs included: the number of trials a Deflated Sharpe Ratio corrects for.
   */
  countConfigurations(experimentId: string): number {
    return (this.statement(
      'SELECT COUNT(*) AS n FROM (SELECT DISTINCT strategy, symbol, timeframe, params_hash FROM experiments WHERE experiment_id = ?)',
    ).get(nonEmpty(experimentId, 'countConfigurations(experimentId)')) as { n: number }).n;
  }

  /**
   * Count, mean and sample variance of the Sharpe ratios of an experiment's ok runs with trades
   * (all experiments when none is named): the variance of trial Sharpes the Deflated Sharpe Ratio needs.
   */
  sharpeStats(experimentId?: string): SharpeStats {
    const scope = experimentId === undefined ? '' : 'experiment_id = ? AND ';
    const args = experimentId === undefined ? [] : [nonEmpty(experimentId, 'sharpeStats(experimentId)')];
    // ±9e999 is ±Infinity to SQLite: the bounds drop NULL (NaN) and infinite Sharpes.
    const where = `WHERE ${scope}status = 'ok' AND total_trades > 0 AND sharpe > -9e999 AND sharpe < 9e999`;
    const { n, mean } = this.statement(`SELECT COUNT(*) AS n, AVG(sharpe) AS mean FROM experiments ${where}`).get(...args) as { n: number; mean: number | null };
    if (n === 0) return { count: 0, mean: NaN, variance: NaN };
    // Two passes (mean, then squared deviations): no cancellation when the Sharpes are close together.
    const { ss } = this.statement(`SELECT SUM((sharpe - ?) * (sharpe - ?)) AS ss FROM experiments ${where}`).get(mean, mean, ...args) as { ss: number };
    return { count: n, mean: mean!, variance: n > 1 ? ss / (n - 1) : NaN };
  }

  /** Every experiment id with its row counts and time span, oldest first. */
  experimentIds(): ExperimentIdInfo[] {
    return (this.statement(
      `SELECT experiment_id AS experimentId, COUNT(*) AS count, SUM(status = 'failed') AS failed,
         SUM(validation_status = 'passed') AS passed, MIN(created_at) AS firstAt, MAX(created_at) AS lastAt
       FROM experiments GROUP BY experiment_id ORDER BY MIN(id)`,
    ).all() as ExperimentIdInfo[]).map((r) => ({ ...r, experimentId: r.experimentId ?? '' }));
  }

  /**
   * A concise plain-text digest for an LLM prompt: top strategies (validated first), notable
   * failures with reasons and counts, untested combinations, totals. Deterministic; bounded by maxResults.
   */
  getSummaryForLLM(maxResults = 20, opts: SummaryOptions = {}): string {
    return buildSummary(this, maxResults, opts);
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    if (!this.db.open) return `ExperimentTracker ${this.path} (closed)`;
    return `ExperimentTracker ${this.path}: ${this.experiments().count().toLocaleString('en-US')} experiments`;
  }
}

/** Why a row counts as a failure; several reasons join with '; '. */
export function failureReason(r: ExperimentRow): string {
  const reasons: string[] = [];
  if (r.status === 'failed') reasons.push(`error: ${r.error ?? 'unknown'}`);
  if (r.disqualified.length) reasons.push(`disqualified: ${r.disqualified.join(', ')}`);
  if (r.validationStatus === 'rejected') {
    const d = r.validationDetails;
    const why = d && (d.rejectionReason ?? d.reason ?? d.rejection_reason);
    reasons.push(why ? `rejected: ${String(why)}` : 'rejected by validation');
  }
  return reasons.join('; ');
}

/** Opens (creating or upgrading as needed) the experiments database: `path`, else $STRATLAB_DB, else ./research.db. */
export function openTracker(file?: string): ExperimentTracker {
  return new ExperimentTracker(file ?? defaultTrackerPath());
}
