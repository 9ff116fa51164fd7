import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inspect } from 'util';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { StratlabError } from '../lib/core/errors';
import { canonicalJson, paramsHash } from '../lib/core/hash';
import { RETURN_BLOCKS, type ExperimentMetrics, type ExperimentRecord } from '../lib/sweep/types';
import { ExperimentTracker, SCHEMA_VERSION, defaultTrackerPath, openTracker, type ExperimentRow } from '../lib/tracker';

let dir: string;
const open: ExperimentTracker[] = [];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-tracker-'));
});
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let fileNo = 0;
/** A tracker on a new file in the temp dir (closed after the test). */
function fresh(name = `t${++fileNo}.db`): ExperimentTracker {
  const t = openTracker(path.join(dir, name));
  open.push(t);
  return t;
}

function errorOf(fn: () => unknown): StratlabError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StratlabError);
    return e as StratlabError;
  }
  throw new Error('expected a StratlabError');
}

function metrics(m: Partial<ExperimentMetrics> & { sharpe: number; totalTrades: number }): ExperimentMetrics {
  return {
    returnPct: m.annualisedReturn !== undefined ? m.annualisedReturn * 5 : 10,
    annualisedReturn: 2,
    maxDrawdown: -12.5,
    tradesPerYear: m.totalTrades / 5,
    winRate: 0.48,
    profitFactor: 1.3,
    ...m,
  };
}

function blocks(seed: number): Float64Array {
  const b = new Float64Array(3 * RETURN_BLOCKS);
  for (let i = 0; i < RETURN_BLOCKS; i++) {
    b[i] = Math.sin(seed + i) * 0.01;
    b[RETURN_BLOCKS + i] = 1e-4 * (1 + Math.cos(seed * i));
    b[2 * RETURN_BLOCKS + i] = 134;
  }
  return b;
}

/** A sweep's record of one run. */
function rec(strategy: string, symbol: string, timeframe: string, params: Record<string, unknown>, m: ExperimentMetrics | null, extra: Partial<ExperimentRecord> = {}): ExperimentRecord {
  const r: ExperimentRecord = {
    experimentId: 'sweep_001',
    strategy,
    strategySource: 'existing',
    symbol,
    timeframe,
    params,
    paramsHash: paramsHash(params),
    status: m ? 'ok' : 'failed',
    score: m ? (m.totalTrades < 30 ? -999 : m.sharpe) : -999,
    disqualified: [],
    trainPeriod: '2020-01-01:2025-12-31',
    spread: 0.0003,
    executionDelay: 0,
    ...extra,
  };
  if (m) r.metrics = m;
  return r;
}

const donchian = (entryPeriod: number, exitPeriod: number) => ({ entryPeriod, exitPeriod, stopLossAtr: 2, atrPeriod: 14 });
const stoch = (oversold: number, overbought: number) => ({ rsiPeriod: 14, stochPeriod: 14, oversold, overbought, slAtr: 2 });

/**
 * A small research history: DonchianBreakout passes on XLE 4h, SmaCross is marginal on SPY and
 * rejected on QQQ, StochRSIMeanReversion loses everywhere on SPY/QQQ (and one run throws), and an
 * LLM-written MACDBollinger has one run.
 */
function history(): ExperimentRecord[] {
  const sr = (symbol: string, tf: string, oversold: number, ret: number, trades: number) =>
    rec('StochRSIMeanReversion', symbol, tf, stoch(oversold, 80), metrics({ sharpe: ret / 10, returnPct: ret, annualisedReturn: ret / 5, totalTrades: trades, profitFactor: 0.9 }), {
      disqualified: trades < 30 ? ['minTrades', 'minTradesPerYear', 'minProfitFactor'] : ['minProfitFactor'],
    });
  return [
    rec('DonchianBreakout', 'XLE', '4h', donchian(20, 10), metrics({ sharpe: 0.8, annualisedReturn: 3.2, totalTrades: 42 }), { blocks: blocks(1) }),
    rec('DonchianBreakout', 'XLE', '4h', donchian(55, 20), metrics({ sharpe: 0.95, annualisedReturn: 3.9, totalTrades: 31 }), { blocks: blocks(2) }),
    rec('DonchianBreakout', 'XLE', '4h', donchian(10, 5), metrics({ sharpe: 1.4, annualisedReturn: 6, totalTrades: 12 }), { disqualified: ['minTrades', 'minTradesPerYear'] }),
    rec('DonchianBreakout', 'SPY', '1d', donchian(20, 10), metrics({ sharpe: 0.5, annualisedReturn: 1.5, totalTrades: 35 })),
    rec('SmaCross', 'QQQ', '1h', { fast: 10, slow: 30 }, metrics({ sharpe: 1.2, annualisedReturn: 8, totalTrades: 80 })),
    rec('SmaCross', 'SPY', '1d', { fast: 20, slow: 50 }, metrics({ sharpe: 0.6, annualisedReturn: 2.1, totalTrades: 50 })),
    sr('SPY', '1h', 20, -0.2, 40),
    sr('SPY', '1h', 25, -0.6, 12),
    sr('SPY', '4h', 20, -0.4, 41),
    sr('SPY', '4h', 25, 0.1, 9),
    sr('QQQ', '1h', 20, -0.5, 44),
    sr('QQQ', '1h', 25, -0.3, 45),
    sr('QQQ', '4h', 20, -0.4, 8),
    sr('QQQ', '4h', 25, -0.9, 46),
    rec('StochRSIMeanReversion', 'QQQ', '1h', stoch(30, 70), null, { error: 'RangeError: period must be >= 2' }),
    rec('MACDBollinger', 'XLE', '1h', { macdFast: 12, macdSlow: 26, macdSignal: 9, bbPeriod: 20, bbStd: 2 }, metrics({ sharpe: 0.3, annualisedReturn: 0.9, totalTrades: 40 }), {
      experimentId: 'llm_iter_001', strategySource: 'llm_generated',
    }),
  ];
}

/** The history saved, with validation outcomes recorded on three rows. */
function researched(): { t: ExperimentTracker; ids: number[] } {
  const t = fresh();
  const ids = t.saveMany(history());
  t.updateValidation(ids[0], { status: 'passed', testReturnPct: 1.1, testPeriod: '2024-01-01:2025-12-31', details: { walkForwardPassRate: 0.75 } });
  t.updateValidation(ids[4], { status: 'rejected', testReturnPct: -2.4, details: { rejectionReason: 'negative_out_of_sample' } });
  t.updateValidation(ids[5], { status: 'marginal', testReturnPct: 0.4 });
  return { t, ids };
}

const key = (r: ExperimentRow) => `${r.strategy} ${r.symbol} ${r.timeframe} ${r.score}`;

describe('opening a research database', () => {
  it('defaults to research.db in the working directory, or $STRATLAB_DB', () => {
    const saved = process.env.STRATLAB_DB;
    try {
      delete process.env.STRATLAB_DB;
      expect(defaultTrackerPath()).toBe(path.resolve(process.cwd(), 'research.db'));
      process.env.STRATLAB_DB = path.join(dir, 'from-env.db');
      const t = openTracker();
      open.push(t);
      expect(t.path).toBe(path.join(dir, 'from-env.db'));
      expect(fs.existsSync(t.path)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.STRATLAB_DB;
      else process.env.STRATLAB_DB = saved;
    }
  });

  it('lets a second connection read while the first one writes, and see each batch once committed', () => {
    const writer = fresh('shared.db');
    const reader = fresh('shared.db');
    writer.saveMany(history().slice(0, 4));
    expect(reader.experiments().count()).toBe(4);
    writer.db.exec('BEGIN IMMEDIATE');
    writer.db.exec("UPDATE experiments SET score = 9 WHERE id = 1");
    expect(reader.get(1)!.score).toBe(0.8); // WAL: the reader is not blocked and sees the last commit
    writer.db.exec('COMMIT');
    expect(reader.get(1)!.score).toBe(9);
  });

  it('creates the folder it is asked to write in', () => {
    const t = fresh(path.join('nested', 'deeper', 'research.db'));
    expect(t.path).toBe(path.join(dir, 'nested', 'deeper', 'research.db'));
  });

  it('runs in WAL mode with synchronous=NORMAL, a busy timeout and the current schema version', () => {
    const t = fresh();
    expect(t.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(t.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(t.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(t.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(t.db.pragma('page_size', { simple: true })).toBe(16384);
  });

  it("has the seed's experiments columns and defaults, plus stratlab's", () => {
    const t = fresh();
    const cols = t.db.prepare("SELECT name, type, dflt_value, \"notnull\" FROM pragma_table_info('experiments')").all() as { name: string; type: string; dflt_value: string | null; notnull: number }[];
    const by = Object.fromEntries(cols.map((c) => [c.name, c]));
    const seed = ['id', 'experiment_id', 'strategy', 'strategy_source', 'symbol', 'timeframe', 'parameters', 'return_pct', 'annualised_return',
      'max_drawdown', 'total_trades', 'trades_per_year', 'win_rate', 'profit_factor', 'sharpe', 'score', 'train_period', 'test_period',
      'test_return_pct', 'validation_status', 'validation_details', 'parent_experiment_id', 'created_at', 'spread', 'execution_delay'];
    expect(cols.map((c) => c.name)).toEqual([...seed, 'params_hash', 'status', 'error', 'disqualified', 'return_blocks', 'commission', 'data_fingerprint']);
    expect(by.spread).toMatchObject({ type: 'REAL', dflt_value: '0.0003' });
    expect(by.execution_delay).toMatchObject({ type: 'INTEGER', dflt_value: '0' });
    expect(by.validation_status.dflt_value).toBe("'pending'");
    expect(by.status).toMatchObject({ dflt_value: "'ok'", notnull: 1 });
    expect(by.disqualified.dflt_value).toBe("'[]'");
    expect(by.return_blocks.type).toBe('BLOB');
    // A row written by hand gets the defaults, and an ISO UTC timestamp.
    t.db.prepare("INSERT INTO experiments (strategy, symbol, timeframe, parameters) VALUES ('SmaCross', 'SPY', '1d', '{}')").run();
    const row = t.db.prepare('SELECT * FROM experiments').get() as Record<string, unknown>;
    expect(row).toMatchObject({ validation_status: 'pending', status: 'ok', disqualified: '[]', spread: 0.0003, execution_delay: 0 });
    expect(row.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('indexes the lookups, and getTopCandidates reads the (validation_status, score) index instead of sorting', () => {
    const t = fresh();
    const indexes = (t.db.prepare("SELECT name FROM pragma_index_list('experiments')").all() as { name: string }[]).map((r) => r.name).sort();
    expect(indexes).toEqual(['experiments_combo', 'experiments_experiment', 'experiments_identity', 'experiments_source', 'experiments_symbol', 'experiments_validation_score']);
    const { sql, params } = t.experiments().where({ status: 'ok', totalTrades: { gte: 30 }, validationStatus: 'passed', disqualified: false }).orderBy('score').limit(10).toSQL();
    const plan = (t.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan).toContain('experiments_validation_score');
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it("migrates a database holding the seed's plain experiments table, keeping its rows", () => {
    const file = path.join(dir, 'seed.db');
    const raw = new Database(file);
    raw.exec(`CREATE TABLE IF NOT EXISTS experiments (
      id INTEGER PRIMARY KEY AUTOINCREMENT, experiment_id TEXT, strategy TEXT, strategy_source TEXT, symbol TEXT, timeframe TEXT,
      parameters TEXT, return_pct REAL, annualised_return REAL, max_drawdown REAL, total_trades INTEGER, trades_per_year REAL,
      win_rate REAL, profit_factor REAL, sharpe REAL, score REAL, train_period TEXT, test_period TEXT, test_return_pct REAL,
      validation_status TEXT, validation_details TEXT, parent_experiment_id TEXT, created_at TEXT,
      spread REAL DEFAULT 0.0003, execution_delay INTEGER DEFAULT 0)`);
    const insert = raw.prepare(`INSERT INTO experiments (experiment_id, strategy, strategy_source, symbol, timeframe, parameters, return_pct,
      annualised_return, max_drawdown, total_trades, trades_per_year, win_rate, profit_factor, sharpe, score, validation_status, created_at)
      VALUES (?, ?, 'existing', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '2025-06-01T10:00:00')`);
    insert.run('sweep_001', 'StochRSIMeanReversion', 'SPY', '5m', '{"rsi_period": 14, "oversold": 20}', 0.99, 0.2, -8.1, 61, 12.2, 0.52, 1.05, 0.1, 0.1, 'PASSED');
    insert.run('sweep_001', 'DonchianBreakout', 'XLE', '4h', '{"entry_period": 20}', 4.1, 0.8, -6.3, 33, 6.6, 0.45, 1.4, 0.7, 0.7, null);
    insert.run('manual', 'MACDBollinger', 'QQQ', '1h', "{'macd_fast': 12}", -1.2, -0.3, -9.9, 18, 3.6, 0.39, 0.9, -0.2, -0.2, 'rejected');
    raw.close();

    const t = fresh('seed.db');
    expect(t.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const cols = (t.db.prepare("SELECT name FROM pragma_table_info('experiments')").all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(expect.arrayContaining(['params_hash', 'status', 'error', 'disqualified', 'return_blocks']));
    const [a, b] = t.experiments().all();
    expect(a).toMatchObject({
      strategy: 'StochRSIMeanReversion', params: { rsi_period: 14, oversold: 20 }, paramsHash: paramsHash({ oversold: 20, rsi_period: 14 }),
      status: 'ok', disqualified: [], validationStatus: 'passed', spread: 0.0003, executionDelay: 0, createdAt: '2025-06-01T10:00:00',
    });
    expect(a.metrics).toMatchObject({ returnPct: 0.99, totalTrades: 61, winRate: 0.52 });
    expect(b.validationStatus).toBe('pending');
    // Parameters that are not JSON (a Python repr) are kept as text, without a hash.
    expect(t.get(3)).toMatchObject({ params: { unparsed: "{'macd_fast': 12}" }, paramsHash: '', validationStatus: 'rejected' });
    expect(t.hasBeenTested('DonchianBreakout', 'XLE', '4h', paramsHash({ entry_period: 20 }))).toBe(true);
    // New rows go in beside the old ones; opening again changes nothing.
    t.save(rec('SmaCross', 'SPY', '1d', { fast: 10, slow: 30 }, metrics({ sharpe: 0.88, totalTrades: 66 })));
    t.close();
    const again = fresh('seed.db');
    expect(again.experiments().count()).toBe(4);
    expect(again.getTopCandidates(10).map((r) => r.strategy)).toEqual(['StochRSIMeanReversion']);
  });

  it('refuses a database written by a newer stratlab, and leaves it alone', () => {
    const file = path.join(dir, 'newer.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE experiments (id INTEGER PRIMARY KEY, future_column TEXT)');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const e = errorOf(() => openTracker(file));
    expect(e.code).toBe('DATABASE');
    expect(e.message).toBe(`${file}: experiments schema version ${SCHEMA_VERSION + 1} is newer than this stratlab's (${SCHEMA_VERSION})`);
    expect(e.hint).toMatch(/upgrade stratlab/);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete'); // not switched to WAL either
    check.close();
  });

  it('says in one line that a file is not an SQLite database', () => {
    const file = path.join(dir, 'notes.db');
    fs.writeFileSync(file, 'strategy,symbol\nSmaCross,SPY\n'.repeat(200));
    const e = errorOf(() => openTracker(file));
    expect(e.code).toBe('DATABASE');
    expect(e.message).toBe(`${file}: not an SQLite database`);
    expect(e.message).not.toContain('\n');
    expect(e.location.file).toBe(file);
  });

  it('refuses an "experiments" table that is something else, naming the missing column', () => {
    const file = path.join(dir, 'other.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE experiments (id INTEGER PRIMARY KEY, name TEXT)');
    raw.close();
    const e = errorOf(() => openTracker(file));
    expect(e.message).toBe(`${file}: table "experiments" is not an experiments table (no column "strategy")`);
  });
});

describe('saving and reading back', () => {
  it('stores a record and reads back every field, params as canonical JSON', () => {
    const t = fresh();
    const r = rec('DonchianBreakout', 'XLE', '4h', donchian(20, 10), metrics({ sharpe: 0.8, annualisedReturn: 3.2, totalTrades: 42 }), {
      blocks: blocks(3), parentExperimentId: 'sweep_000', testPeriod: '2024-01-01:2025-12-31',
    });
    const id = t.save(r);
    const row = t.get(id)!;
    expect(row).toEqual({
      ...r, id, commission: 0, validationStatus: 'pending', validationDetails: null, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect(row.blocks).toBeInstanceOf(Float64Array);
    expect(Array.from(row.blocks!)).toEqual(Array.from(r.blocks!));
    const stored = t.db.prepare('SELECT parameters, max_drawdown, win_rate FROM experiments WHERE id = ?').get(id) as Record<string, unknown>;
    expect(stored).toEqual({ parameters: canonicalJson(r.params), max_drawdown: -12.5, win_rate: 0.48 });
    expect(t.get(id + 1)).toBeUndefined();
  });

  it('keeps an infinite profit factor, and reads a NaN metric back as NaN', () => {
    const t = fresh();
    const id = t.save(rec('SmaCross', 'SPY', '1d', { fast: 10, slow: 30 }, metrics({ sharpe: NaN, totalTrades: 31, profitFactor: Infinity })));
    expect(t.db.prepare('SELECT typeof(profit_factor) AS pf, typeof(sharpe) AS s FROM experiments').get()).toEqual({ pf: 'real', s: 'null' });
    const m = t.get(id)!.metrics!;
    expect(m.profitFactor).toBe(Infinity);
    expect(m.sharpe).toBeNaN();
    expect(t.experiments().where({ profitFactor: { gt: 1e300 } }).count()).toBe(1);
  });

  it('stores a run that threw, with its error and no metrics', () => {
    const t = fresh();
    const id = t.save(rec('StochRSIMeanReversion', 'QQQ', '1h', stoch(30, 70), null, { error: 'RangeError: period must be >= 2' }));
    const row = t.get(id)!;
    expect(row).toMatchObject({ status: 'failed', error: 'RangeError: period must be >= 2', score: -999 });
    expect(row.metrics).toBeUndefined();
    // A run that threw was tried: a resumed sweep or the LLM agent need not try it again.
    expect(t.hasBeenTested('StochRSIMeanReversion', 'QQQ', '1h', paramsHash(stoch(30, 70)))).toBe(true);
  });

  it('recognises the same parameters written in another key order as one combination', () => {
    const t = fresh();
    t.save(rec('SmaCross', 'SPY', '1d', { fast: 10, slow: 30, longOnly: false }, metrics({ sharpe: 0.88, totalTrades: 66 })));
    const reordered = { longOnly: false, slow: 30, fast: 10 };
    expect(paramsHash(reordered)).toBe(paramsHash({ fast: 10, slow: 30, longOnly: false }));
    expect(t.hasBeenTested('SmaCross', 'SPY', '1d', paramsHash(reordered))).toBe(true);
    expect(t.hasBeenTested('SmaCross', 'SPY', '1d', paramsHash({ ...reordered, fast: 11 }))).toBe(false);
    expect(t.hasBeenTested('SmaCross', 'QQQ', '1d', paramsHash(reordered))).toBe(false);
    // Saved again in the other order: the stored text is the same canonical JSON.
    t.save({ ...rec('SmaCross', 'SPY', '1d', reordered, metrics({ sharpe: 0.88, totalTrades: 66 })) });
    const texts = t.db.prepare('SELECT DISTINCT parameters FROM experiments').all();
    expect(texts).toEqual([{ parameters: '{"fast":10,"longOnly":false,"slow":30}' }]);
  });

  it('refuses a record whose paramsHash is not the hash of its params, or that lacks what it needs', () => {
    const t = fresh();
    const good = rec('SmaCross', 'SPY', '1d', { fast: 10, slow: 30 }, metrics({ sharpe: 0.88, totalTrades: 66 }));
    let e = errorOf(() => t.save({ ...good, paramsHash: paramsHash({ fast: 10, slow: 31 }) }));
    expect(e.message).toMatch(/^save: record\.paramsHash: "[0-9a-f]{16}" is not the hash of its params \([0-9a-f]{16}\)$/);
    e = errorOf(() => t.save({ ...good, metrics: undefined }));
    expect(e.message).toBe('save: record.metrics: expected the metrics of an ok run, got undefined');
    e = errorOf(() => t.save({ ...good, executionDelay: 2 as 0 }));
    expect(e.message).toBe('save: record.executionDelay: expected 0 or 1, got 2');
    e = errorOf(() => t.save({ ...good, blocks: new Float64Array(10) }));
    expect(e.message).toBe(`save: record.blocks: expected a Float64Array of ${3 * RETURN_BLOCKS} values, got object`);
    expect(t.experiments().count()).toBe(0);
  });
});

describe('saveMany', () => {
  it('saves a batch in one transaction and returns the ids in order', () => {
    const t = fresh();
    const records = history();
    const ids = t.saveMany(records);
    expect(ids).toHaveLength(records.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.map((id) => t.get(id)!.strategy)).toEqual(records.map((r) => r.strategy));
    // One batch, one timestamp.
    expect(new Set(t.experiments().all().map((r) => r.createdAt)).size).toBe(1);
  });

  it('writes nothing when a record in the middle is bad, and names that record', () => {
    const t = fresh();
    t.save(rec('SmaCross', 'SPY', '1d', { fast: 5, slow: 50 }, metrics({ sharpe: 0.4, totalTrades: 70 })));
    const records = history();
    records[7] = { ...records[7], symbol: '' };
    const e = errorOf(() => t.saveMany(records));
    expect(e.code).toBe('BAD_ARGUMENT');
    expect(e.message).toBe('saveMany: records[7].symbol: expected a non-empty string, got ""');
    expect(t.experiments().count()).toBe(1);
    expect(t.db.prepare('SELECT COUNT(*) AS n FROM experiments').get()).toEqual({ n: 1 });
  });
});

describe('queries over a research history', () => {
  let t: ExperimentTracker;
  let ids: number[];
  beforeAll(() => {
    const file = path.join(dir, 'history.db');
    t = openTracker(file);
    ids = t.saveMany(history());
    t.updateValidation(ids[0], { status: 'passed', testReturnPct: 1.1, testPeriod: '2024-01-01:2025-12-31', details: { walkForwardPassRate: 0.75 } });
    t.updateValidation(ids[4], { status: 'rejected', testReturnPct: -2.4, details: { rejectionReason: 'negative_out_of_sample' } });
    t.updateValidation(ids[5], { status: 'marginal', testReturnPct: 0.4 });
  });
  afterAll(() => t.close());

  it('getTopCandidates: validated (passed) rows by score, with enough trades, passing the rules', () => {
    expect(t.getTopCandidates().map(key)).toEqual(['DonchianBreakout XLE 4h 0.8']);
    expect(t.getTopCandidates(10, { validationStatus: 'any' }).map(key)).toEqual([
      'SmaCross QQQ 1h 1.2', 'DonchianBreakout XLE 4h 0.95', 'DonchianBreakout XLE 4h 0.8', 'SmaCross SPY 1d 0.6', 'DonchianBreakout SPY 1d 0.5', 'MACDBollinger XLE 1h 0.3',
    ]);
    expect(t.getTopCandidates(2, { validationStatus: 'any' })).toHaveLength(2);
    expect(t.getTopCandidates(10, { validationStatus: 'any', minTrades: 40 }).map(key)).toEqual([
      'SmaCross QQQ 1h 1.2', 'DonchianBreakout XLE 4h 0.8', 'SmaCross SPY 1d 0.6', 'MACDBollinger XLE 1h 0.3',
    ]);
    expect(t.getTopCandidates(10, { validationStatus: ['passed', 'marginal'] }).map(key)).toEqual(['DonchianBreakout XLE 4h 0.8', 'SmaCross SPY 1d 0.6']);
    expect(t.getTopCandidates(10, { validationStatus: 'any', strategy: 'DonchianBreakout', experimentId: 'sweep_001' }).map(key)).toEqual([
      'DonchianBreakout XLE 4h 0.95', 'DonchianBreakout XLE 4h 0.8', 'DonchianBreakout SPY 1d 0.5',
    ]);
    expect(t.getTopCandidates(10, { validationStatus: 'any', experimentId: 'llm_iter_001' }).map(key)).toEqual(['MACDBollinger XLE 1h 0.3']);
    // Disqualified runs (the 12-trade DonchianBreakout with Sharpe 1.4, every StochRSI run) come in only when asked for.
    expect(t.getTopCandidates(100, { validationStatus: 'any', minTrades: 0 })).toHaveLength(6);
    expect(t.getTopCandidates(100, { validationStatus: 'any', minTrades: 0, includeDisqualified: true })).toHaveLength(15);
    expect(t.getTopCandidates(1, { validationStatus: 'pending', minTrades: 0, includeDisqualified: true, strategy: 'DonchianBreakout', symbol: 'XLE' })[0].score).toBe(0.95);
    const e = errorOf(() => t.getTopCandidates(10, { validationStatus: 'PASSED' as 'passed' }));
    expect(e.message).toMatch(/^getTopCandidates options: validationStatus: /);
    expect(errorOf(() => t.getTopCandidates(10, { minTrade: 5 } as object)).hint).toBe('did you mean "minTrades"?');
  });

  it('getFailuresForStrategy: runs that threw, were disqualified or were rejected, with the reason', () => {
    const fails = t.getFailuresForStrategy('StochRSIMeanReversion');
    expect(fails).toHaveLength(9);
    expect(fails.find((f) => f.status === 'failed')!.reason).toBe('error: RangeError: period must be >= 2');
    expect(fails[1].reason).toBe('disqualified: minTrades, minTradesPerYear, minProfitFactor');
    const sma = t.getFailuresForStrategy('SmaCross');
    expect(sma.map((f) => [f.symbol, f.reason])).toEqual([['QQQ', 'rejected: negative_out_of_sample']]);
    expect(t.getFailuresForStrategy('DonchianBreakout').map((f) => f.reason)).toEqual(['disqualified: minTrades, minTradesPerYear']);
    expect(t.getFailuresForStrategy('BollingerBreakout')).toEqual([]);
  });

  it('getExperimentsByAsset and getExperimentsBySource: everything tried, oldest first', () => {
    const xle = t.getExperimentsByAsset('XLE');
    expect(xle.map((r) => `${r.strategy} ${r.timeframe}`)).toEqual(['DonchianBreakout 4h', 'DonchianBreakout 4h', 'DonchianBreakout 4h', 'MACDBollinger 1h']);
    expect(xle.map((r) => r.id)).toEqual([ids[0], ids[1], ids[2], ids[15]]);
    expect(t.getExperimentsBySource('llm_generated').map((r) => r.strategy)).toEqual(['MACDBollinger']);
    expect(t.getExperimentsBySource('existing')).toHaveLength(15);
    expect(t.getExperimentsByAsset('IWM')).toEqual([]);
  });

  it('getUntestedCombinations: the symbol/timeframe pairs a strategy has no row for', () => {
    expect(t.getUntestedCombinations('SmaCross', ['SPY', 'QQQ'], ['1h', '1d'])).toEqual([
      { symbol: 'SPY', timeframe: '1h' }, { symbol: 'QQQ', timeframe: '1d' },
    ]);
    expect(t.getUntestedCombinations('StochRSIMeanReversion', ['SPY', 'QQQ'], ['1h', '4h'])).toEqual([]);
    expect(t.getUntestedCombinations('BollingerBreakout', ['SPY'], ['1d'])).toEqual([{ symbol: 'SPY', timeframe: '1d' }]);
    expect(errorOf(() => t.getUntestedCombinations('SmaCross', 'SPY' as unknown as string[], ['1d'])).message).toBe(
      'getUntestedCombinations(symbols): expected an array of strings, got string',
    );
  });

  it('updateValidation: stores status, out-of-sample return and details; an unknown id is an error', () => {
    const row = t.get(ids[0])!;
    expect(row).toMatchObject({ validationStatus: 'passed', testReturnPct: 1.1, testPeriod: '2024-01-01:2025-12-31', validationDetails: { walkForwardPassRate: 0.75 } });
    expect(t.db.prepare('SELECT validation_details FROM experiments WHERE id = ?').get(ids[0])).toEqual({ validation_details: '{"walkForwardPassRate":0.75}' });
    let e = errorOf(() => t.updateValidation(99_999, { status: 'passed' }));
    expect(e.message).toBe('updateValidation: history.db has no experiment with id 99999');
    e = errorOf(() => t.updateValidation(ids[0], { status: 'PASSED' as 'passed' }));
    expect(e.message).toMatch(/^updateValidation\(\d+\): status: expected 'pending' \| 'passed' \| 'marginal' \| 'rejected', got "PASSED"$/);
  });

  it('countConfigurations and sharpeStats: the trials and the spread of their Sharpes, for a Deflated Sharpe Ratio', () => {
    expect(t.countConfigurations('sweep_001')).toBe(15);
    expect(t.countConfigurations('llm_iter_001')).toBe(1);
    expect(t.countConfigurations('nothing')).toBe(0);
    const sharpes = history().filter((r) => r.experimentId === 'sweep_001' && r.status === 'ok').map((r) => r.metrics!.sharpe);
    const mean = sharpes.reduce((a, b) => a + b, 0) / sharpes.length;
    const variance = sharpes.reduce((a, b) => a + (b - mean) ** 2, 0) / (sharpes.length - 1);
    const s = t.sharpeStats('sweep_001');
    expect(s.count).toBe(14);
    expect(s.mean).toBeCloseTo(mean, 12);
    expect(s.variance).toBeCloseTo(variance, 12);
    expect(t.sharpeStats('llm_iter_001')).toEqual({ count: 1, mean: 0.3, variance: NaN });
    expect(t.sharpeStats('nothing')).toEqual({ count: 0, mean: NaN, variance: NaN });
    expect(t.sharpeStats().count).toBe(15);
  });

  it('experimentIds: each experiment with its counts', () => {
    expect(t.experimentIds()).toEqual([
      { experimentId: 'sweep_001', count: 15, failed: 1, passed: 1, firstAt: expect.any(String), lastAt: expect.any(String) },
      { experimentId: 'llm_iter_001', count: 1, failed: 0, passed: 0, firstAt: expect.any(String), lastAt: expect.any(String) },
    ]);
  });

  describe('experiments(): the fluent query', () => {
    it('filters with =, IN for arrays, IS NULL for null and comparisons, and counts', () => {
      const q = t.experiments();
      expect(q.where({ strategy: 'SmaCross' }).count()).toBe(2);
      expect(q.where({ symbol: ['SPY', 'QQQ'], timeframe: '1h' }).count()).toBe(6);
      expect(q.where({ sharpe: { gte: 0.8 } }).orderBy('sharpe').all().map((r) => r.metrics!.sharpe)).toEqual([1.4, 1.2, 0.95, 0.8]);
      expect(q.where({ sharpe: { gt: 0.5, lt: 1 } }).count()).toBe(3);
      expect(q.where({ testReturnPct: null }).count()).toBe(13);
      expect(q.where({ validationStatus: ['passed', 'marginal'], strategySource: 'existing' }).count()).toBe(2);
      expect(q.where({ status: 'failed' }).first()!.error).toBe('RangeError: period must be >= 2');
      expect(q.where({ disqualified: true }).count()).toBe(9);
      expect(q.where({ experimentId: 'llm_iter_001' }).first()!.strategy).toBe('MACDBollinger');
      expect(q.where({ symbol: [] }).count()).toBe(0);
      expect(q.where({ strategy: 'SmaCross' }).where({ symbol: 'SPY' }).count()).toBe(1);
    });

    it('is immutable: each call returns a new query, so one base can branch', () => {
      const base = t.experiments().where({ strategy: 'DonchianBreakout' });
      const best = base.orderBy('score').limit(1);
      const xle = base.where({ symbol: 'XLE' });
      expect(base.count()).toBe(4);
      expect(xle.count()).toBe(3);
      expect(best.all()).toHaveLength(1);
      expect(base.all()).toHaveLength(4);
      expect(base.describe()).toBe("experiments, where strategy = 'DonchianBreakout'");
    });

    it('orders best first for metrics and oldest first for id, pages with limit/offset, ties by id', () => {
      const q = t.experiments().where({ strategy: 'DonchianBreakout' });
      expect(q.orderBy('score').all().map((r) => r.score)).toEqual([0.95, 0.8, 0.5, -999]);
      expect(q.orderBy('score', 'asc').all().map((r) => r.score)).toEqual([-999, 0.5, 0.8, 0.95]);
      expect(q.orderBy('id').all().map((r) => r.id)).toEqual([ids[0], ids[1], ids[2], ids[3]]);
      expect(q.orderBy('score').limit(2).offset(1).all().map((r) => r.score)).toEqual([0.8, 0.5]);
      expect(q.orderBy('score').limit(2).count()).toBe(4); // count ignores paging
      expect(q.where({ symbol: 'XLE' }).orderBy('timeframe').all().map((r) => r.id)).toEqual([ids[0], ids[1], ids[2]]);
      // NaN (NULL) metrics sort last either way.
      expect(t.experiments().where({ strategy: 'StochRSIMeanReversion' }).orderBy('returnPct', 'asc').all().at(-1)!.status).toBe('failed');
    });

    it('binds every value: quotes in a filter are data, not SQL', () => {
      expect(t.experiments().where({ symbol: "SPY' OR '1'='1" }).count()).toBe(0);
      const { sql, params } = t.experiments().where({ symbol: "x'); DROP TABLE experiments; --" }).toSQL();
      expect(sql).not.toContain('DROP');
      expect(params[0]).toBe("x'); DROP TABLE experiments; --");
      expect(t.experiments().count()).toBe(16);
    });

    it('refuses unknown fields with a suggestion, and values of the wrong type', () => {
      let e = errorOf(() => t.experiments().where({ strateg: 'SmaCross' } as object));
      expect(e.message).toBe('experiments().where: unknown field "strateg"');
      expect(e.hint).toBe('did you mean "strategy"?');
      e = errorOf(() => t.experiments().where({ sharpe: { gtq: 1 } } as object));
      expect(e.message).toBe('experiments().where: sharpe.gtq: unknown comparison');
      expect(e.hint).toBe('did you mean "gt"?');
      e = errorOf(() => t.experiments().where({ sharpe: '1' } as object));
      expect(e.message).toBe('experiments().where: sharpe: expected a number, got "1"');
      e = errorOf(() => t.experiments().orderBy('sharp' as 'sharpe'));
      expect(e.message).toBe('experiments().orderBy: unknown field "sharp"');
      expect(e.hint).toBe('did you mean "sharpe"?');
      expect(errorOf(() => t.experiments().limit(-1)).message).toBe('experiments().limit: expected a whole number >= 0, got -1');
    });
  });

  describe('testedRecords: what a resumed sweep can skip', () => {
    it('maps params hash → record over one strategy/symbol/timeframe, with return blocks', () => {
      const m = t.testedRecords({ strategy: 'DonchianBreakout', symbol: 'XLE', timeframe: '4h' });
      expect([...m.keys()].sort()).toEqual([donchian(20, 10), donchian(55, 20), donchian(10, 5)].map(paramsHash).sort());
      const r = m.get(paramsHash(donchian(20, 10)))!;
      expect(r.metrics!.sharpe).toBe(0.8);
      expect(Array.from(r.blocks!)).toEqual(Array.from(blocks(1)));
      expect(t.testedRecords({ strategy: 'StochRSIMeanReversion', symbol: 'QQQ', timeframe: '1h' }).size).toBe(3); // the failed run included
      expect(t.testedRecords({ strategy: 'DonchianBreakout', symbol: 'XLE', timeframe: '4h', period: '2019-01-01:2019-12-31' }).size).toBe(0);
      expect(t.testedRecords({ strategy: 'DonchianBreakout', symbol: 'XLE', timeframe: '4h', spread: 0.0003, executionDelay: 0, period: '2020-01-01:2025-12-31' }).size).toBe(3);
      expect(t.testedRecords({ strategy: 'DonchianBreakout', symbol: 'XLE', timeframe: '4h', executionDelay: 1 }).size).toBe(0);
    });
  });
});

describe('testedRecords across re-runs', () => {
  it('keeps the latest row when a combination was stored twice', () => {
    const t = fresh();
    const params = { fast: 10, slow: 30 };
    t.save(rec('SmaCross', 'SPY', '1d', params, null, { error: 'Error: data file locked' }));
    const id = t.save(rec('SmaCross', 'SPY', '1d', { slow: 30, fast: 10 }, metrics({ sharpe: 0.88, totalTrades: 66 })));
    const m = t.testedRecords({ strategy: 'SmaCross', symbol: 'SPY', timeframe: '1d' });
    expect(m.size).toBe(1);
    expect((m.get(paramsHash(params)) as ExperimentRow).id).toBe(id);
    expect(m.get(paramsHash(params))!.status).toBe('ok');
    expect(t.countConfigurations('sweep_001')).toBe(1);
  });
});

describe('display in a notebook and a terminal', () => {
  it('row arrays stay plain arrays that also render as an HTML table and a text table', () => {
    const { t } = researched();
    const rows = t.getTopCandidates(10, { validationStatus: 'any' });
    expect(Array.isArray(rows)).toBe(true);
    expect(Object.keys(rows)).toEqual(rows.map((_, i) => String(i)));
    expect(JSON.parse(JSON.stringify(rows))[0].strategy).toBe('SmaCross');
    const html = rows.toHTML();
    expect(html).toMatch(/^<table class="stratlab-table"><caption[^>]*>experiments, where status = 'ok' and totalTrades &gt;= 30/);
    expect(html).toContain('<td>DonchianBreakout atrPeriod=14 entryPeriod=20 exitPeriod=10 stopLossAtr=2</td>');
    expect(html).toContain('(6 rows)');
    const text = inspect(rows);
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^id\s+experiment\s+strategy\s+symbol\s+tf\s+score\s+return %\s+ann %\s+sharpe\s+max dd %\s+trades\s+win rate\s+PF\s+costs\s+validation\s+state$/);
    expect(lines[3]).toMatch(/^\s*5\s+sweep_001\s+SmaCross fast=10 slow=30\s+QQQ\s+1h\s+1\.2\s+40\s+8\s+1\.2\s+-12\.5\s+80\s+0\.48\s+1\.3\s+0\.0003 close\s+rejected\s+ok$/);
    expect(lines.at(-1)).toBe('(6 rows)');
  });

  it('a query shows its rows when inspected, and display() prints text outside a notebook', () => {
    const { t } = researched();
    const q = t.experiments().where({ strategy: 'StochRSIMeanReversion' }).orderBy('returnPct').limit(3);
    const text = inspect(q);
    expect(text.split('\n')[0]).toBe("experiments, where strategy = 'StochRSIMeanReversion', order by returnPct desc, limit 3");
    expect(text).toContain('dq: minTrades, minTradesPerYear, minProfitFactor');
    expect(text.split('\n').at(-1)).toBe('(3 of 9 rows shown)');
    expect(q.toHTML()).toContain('(3 of 9 rows shown)');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      q.display();
      t.getFailuresForStrategy('SmaCross').display();
      expect(log).toHaveBeenCalledTimes(2);
      expect(log.mock.calls[0][0]).toBe(text);
      expect(log.mock.calls[1][0]).toMatch(/^failures of SmaCross\n.*reason\n[\s\S]*rejected: negative_out_of_sample\n\(1 row\)$/);
    } finally {
      log.mockRestore();
    }
    expect(inspect(t)).toBe(`ExperimentTracker ${t.path}: 16 experiments`);
    expect(inspect(t.experiments().where({ symbol: 'IWM' }))).toBe("experiments, where symbol = 'IWM'\n(no rows)");
  });
});

describe('getSummaryForLLM', () => {
  it('says so when there is nothing yet', () => {
    const t = fresh('research.db');
    expect(t.getSummaryForLLM()).toBe('No experiments recorded yet in research.db.');
    expect(t.getSummaryForLLM(20, { strategies: ['SmaCross', 'DonchianBreakout'] })).toBe(
      'No experiments recorded yet in research.db.\nUNTESTED: every strategy: SmaCross, DonchianBreakout.',
    );
  });

  it('lists top strategies (validated first), notable failures with reasons, untested gaps and totals', () => {
    const { t } = researched();
    const text = t.getSummaryForLLM(20, { strategies: ['BollingerBreakout', 'SmaCross'] });
    expect(text).toBe([
      'TOP STRATEGIES (cost model spread 0.0003, fill close (live-matched); best run per strategy/symbol/timeframe with ≥ 30 trades that passes the disqualification rules; validated first):',
      '1. DonchianBreakout on XLE 4h: +3.2% ann, Sharpe 0.80, 42 trades, PASSED, out-of-sample +1.1% (atrPeriod=14 entryPeriod=20 exitPeriod=10 stopLossAtr=2)',
      '2. SmaCross on SPY 1d: +2.1% ann, Sharpe 0.60, 50 trades, MARGINAL, out-of-sample +0.4% (fast=20 slow=50)',
      '3. DonchianBreakout on SPY 1d: +1.5% ann, Sharpe 0.50, 35 trades, UNVALIDATED (atrPeriod=14 entryPeriod=20 exitPeriod=10 stopLossAtr=2)',
      '4. MACDBollinger on XLE 1h: +0.9% ann, Sharpe 0.30, 40 trades, UNVALIDATED (bbPeriod=20 bbStd=2 macdFast=12 macdSignal=9 macdSlow=26)',
      '',
      'NOTABLE FAILURES (no validated run, and the median run lost or every run failed a check):',
      '1. StochRSIMeanReversion on QQQ/SPY (all timeframes, 9 runs): median return −0.4%, 0 passed, ' +
        '8 disqualified (minProfitFactor 8, minTrades 3, minTradesPerYear 3), 1 error ("RangeError: period must be >= 2" 1)',
      '2. SmaCross on QQQ (1h, 1 run): median return +40.0%, 0 passed, 1 rejected by validation (negative_out_of_sample 1)',
      '',
      'UNTESTED (over the 3 symbols × 3 timeframes seen (1h, 4h, 1d)):',
      '- BollingerBreakout: never run',
      '- DonchianBreakout: not on QQQ; SPY 1h/4h, XLE 1h/1d',
      '- MACDBollinger: not on QQQ/SPY; XLE 4h/1d',
      '- SmaCross: not on XLE; QQQ 4h/1d, SPY 1h/4h',
      '- StochRSIMeanReversion: not on XLE; QQQ 1d, SPY 1d',
      '',
      'TOTALS: 16 runs in 2 experiments (4 strategies × 3 symbols × 3 timeframes); 15 ok, 1 error, 9 disqualified; ' +
        'validation: 1 passed, 1 marginal, 1 rejected, 13 pending.',
    ].join('\n'));
    expect(t.getSummaryForLLM(20, { strategies: ['BollingerBreakout', 'SmaCross'] })).toBe(text);
  });

  it('stays within maxResults lines per section', () => {
    const { t } = researched();
    const text = t.getSummaryForLLM(1);
    const numbered = text.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(numbered).toEqual([
      expect.stringMatching(/^1\. DonchianBreakout on XLE 4h: /),
      expect.stringMatching(/^1\. StochRSIMeanReversion on QQQ\/SPY /),
    ]);
    expect(text).toContain('… and 1 more strategies');
    expect(text).toContain('… and 3 more strategies with gaps');
    expect(errorOf(() => t.getSummaryForLLM(0)).message).toBe('getSummaryForLLM: maxResults must be a whole number >= 1, got 0');
  });
});
