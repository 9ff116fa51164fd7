/**
 * The experiments table (docs/experiments.md §1.2): the earlier system's columns with their defaults, plus
 * stratlab's (params_hash, status, error, disqualified, return_blocks), the indexes the tracker's queries use,
 * and the connection settings. The schema version lives in PRAGMA user_version; MIGRATIONS bring an older
 * file (a fresh one is version 0, and so is a file holding the earlier system's plain table) up to date, in
 * order (docs/experiments.md §5).
 */
import type { Database } from 'better-sqlite3';
import { paramsHash } from '../core/hash';
import { StratlabError } from '../core/errors';

/** The schema version this stratlab writes; a file with a higher one came from a newer stratlab. */
export const SCHEMA_VERSION = 2;

/** How long a writer waits for another connection's lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

interface ColumnDef {
  name: string;
  /** The declaration in CREATE TABLE. */
  decl: string;
  /** The declaration for ALTER TABLE ADD COLUMN, when it differs (ADD COLUMN takes no expression default). */
  added?: string;
}

/**
 * Units, as the engine reports them: return_pct, annualised_return, max_drawdown (≤ 0: −12.5 is a
 * 12.5 % drawdown) and test_return_pct in percent; win_rate a fraction 0..1. A NaN metric is stored
 * as NULL and reads back as NaN; ±Infinity (a profit factor with no losing trade) is stored as is.
 */
const COLUMNS: readonly ColumnDef[] = [
  { name: 'id', decl: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  { name: 'experiment_id', decl: 'TEXT' },
  { name: 'strategy', decl: 'TEXT' },
  { name: 'strategy_source', decl: 'TEXT' },
  { name: 'symbol', decl: 'TEXT' },
  { name: 'timeframe', decl: 'TEXT' },
  { name: 'parameters', decl: 'TEXT' },
  { name: 'return_pct', decl: 'REAL' },
  { name: 'annualised_return', decl: 'REAL' },
  { name: 'max_drawdown', decl: 'REAL' },
  { name: 'total_trades', decl: 'INTEGER' },
  { name: 'trades_per_year', decl: 'REAL' },
  { name: 'win_rate', decl: 'REAL' },
  { name: 'profit_factor', decl: 'REAL' },
  { name: 'sharpe', decl: 'REAL' },
  { name: 'score', decl: 'REAL' },
  { name: 'train_period', decl: 'TEXT' },
  { name: 'test_period', decl: 'TEXT' },
  { name: 'test_return_pct', decl: 'REAL' },
  { name: 'validation_status', decl: "TEXT DEFAULT 'pending'" },
  { name: 'validation_details', decl: 'TEXT' },
  { name: 'parent_experiment_id', decl: 'TEXT' },
  { name: 'created_at', decl: "TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", added: 'TEXT' },
  { name: 'spread', decl: 'REAL DEFAULT 0.0003' },
  { name: 'execution_delay', decl: 'INTEGER DEFAULT 0' },
  // stratlab's additions
  { name: 'params_hash', decl: 'TEXT' },
  { name: 'status', decl: "TEXT NOT NULL DEFAULT 'ok'" },
  { name: 'error', decl: 'TEXT' },
  { name: 'disqualified', decl: "TEXT NOT NULL DEFAULT '[]'" },
  { name: 'return_blocks', decl: 'BLOB' },
];

/** Version 2's columns: the rest of a result's identity (see IDENTITY). */
const IDENTITY_COLUMNS: readonly ColumnDef[] = [
  { name: 'commission', decl: 'REAL NOT NULL DEFAULT 0' },
  // A hash of the bars a run saw; rows without one (written before version 2, or by hand) get
  // 'period:' and their train_period, so results over different periods stay distinct.
  { name: 'data_fingerprint', decl: "TEXT NOT NULL DEFAULT ''" },
];

/**
 * What makes a result one result: the same experiment, strategy, parameters, symbol, timeframe,
 * cost model (spread, commission, fill delay) and data. Unique from schema version 2 on.
 */
export const IDENTITY = ['experiment_id', 'strategy', 'symbol', 'timeframe', 'params_hash', 'spread', 'commission', 'execution_delay', 'data_fingerprint'] as const;

/** The data fingerprint of a row that has none: its period. */
export const PERIOD_FINGERPRINT_PREFIX = 'period:';

/** The columns a table must have to be taken for the earlier system's experiments table and upgraded in place (docs/experiments.md §5.2). */
const SEED_CORE = ['id', 'strategy', 'symbol', 'timeframe', 'parameters'];

const INDEXES = `
  CREATE INDEX IF NOT EXISTS experiments_combo ON experiments (strategy, symbol, timeframe, params_hash);
  CREATE INDEX IF NOT EXISTS experiments_experiment ON experiments (experiment_id);
  CREATE INDEX IF NOT EXISTS experiments_validation_score ON experiments (validation_status, score DESC);
  CREATE INDEX IF NOT EXISTS experiments_symbol ON experiments (symbol);
  CREATE INDEX IF NOT EXISTS experiments_source ON experiments (strategy_source);
`;

export interface Migration {
  version: number;
  description: string;
  /** Returns what the user should hear about (duplicates found, …), if anything. */
  up(db: Database, file: string): string | void;
}

/** Ordered; each runs once, in one transaction with the user_version bump. Append, never edit. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "the plain experiments table plus params_hash, status, error, disqualified, return_blocks; query indexes",
    up(db, file) {
      const existing = tableColumns(db);
      if (existing.size === 0) {
        db.exec(`CREATE TABLE experiments (\n  ${COLUMNS.map((c) => `${c.name} ${c.decl}`).join(',\n  ')}\n)`);
      } else {
        upgradeSeedTable(db, file, existing);
      }
      db.exec(INDEXES);
    },
  },
  {
    version: 2,
    description: 'a result is unique by its identity (commission and data_fingerprint added); duplicates moved to experiments_duplicates; sweep_claims for concurrent sweeps',
    up(db, file) {
      const existing = tableColumns(db);
      for (const c of IDENTITY_COLUMNS) if (!existing.has(c.name)) db.exec(`ALTER TABLE experiments ADD COLUMN ${c.name} ${c.decl}`);
      db.exec(`UPDATE experiments SET data_fingerprint = '${PERIOD_FINGERPRINT_PREFIX}' || ifnull(train_period, '') WHERE data_fingerprint = ''`);
      const note = moveDuplicates(db, file);
      db.exec(`CREATE UNIQUE INDEX experiments_identity ON experiments (${IDENTITY.join(', ')})`);
      db.exec(CLAIMS_TABLE);
      return note;
    },
  },
];

/**
 * The claims of concurrent sweeps: each chunk of a sweep (by sweep key and number) is run by the
 * process that claimed it; a lease that is not renewed (the process was killed) can be taken over.
 */
const CLAIMS_TABLE = `
  CREATE TABLE IF NOT EXISTS sweep_claims (
    sweep_key TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    lease_until INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sweep_key, chunk)
  ) WITHOUT ROWID
`;

/**
 * Rows that share an identity (two sweeps of one experiment at once wrote every result twice before
 * version 2): one is kept — a validated one if any, else the latest, as testedRecords always read it —
 * and the others move to experiments_duplicates (nothing is deleted), with kept_id naming the row kept.
 */
function moveDuplicates(db: Database, file: string): string | void {
  const key = IDENTITY.join(', ');
  // Rows with a NULL in the identity (older rows without experiment_id or parameters) are never equal in a UNIQUE index.
  const notNull = IDENTITY.map((c) => `${c} IS NOT NULL`).join(' AND ');
  const ranked = `SELECT id, first_value(id) OVER w AS kept_id, row_number() OVER w AS rank FROM experiments WHERE ${notNull}
    WINDOW w AS (PARTITION BY ${key} ORDER BY (validation_status <> 'pending') DESC, id DESC)`;
  const { n, groups } = db.prepare(`SELECT count(*) AS n, count(DISTINCT kept_id) AS groups FROM (${ranked}) WHERE rank > 1`).get() as { n: number; groups: number };
  if (n === 0) return;
  db.exec('CREATE TABLE IF NOT EXISTS experiments_duplicates AS SELECT *, 0 AS kept_id FROM experiments WHERE 0');
  db.exec(`CREATE TEMP TABLE dup_ids AS SELECT id, kept_id FROM (${ranked}) WHERE rank > 1`);
  const cols = (db.prepare('SELECT name FROM pragma_table_info(?)').all('experiments') as { name: string }[]).map((r) => r.name);
  db.exec(`INSERT INTO experiments_duplicates (${cols.join(', ')}, kept_id)
    SELECT ${cols.map((c) => `e.${c}`).join(', ')}, d.kept_id FROM experiments e JOIN dup_ids d ON d.id = e.id`);
  db.exec('DELETE FROM experiments WHERE id IN (SELECT id FROM dup_ids)');
  db.exec('DROP TABLE dup_ids');
  return `${file}: ${n.toLocaleString('en-US')} duplicate result(s) of ${groups.toLocaleString('en-US')} combination(s) moved to table experiments_duplicates ` +
    '(one row kept per combination: a validated one, else the latest); a result is unique from now on';
}

function tableColumns(db: Database): Set<string> {
  const rows = db.prepare('SELECT name FROM pragma_table_info(?)').all('experiments') as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

/** A table made by the earlier system's CREATE TABLE (or an older variant): add what it lacks and fill it in (docs/experiments.md §5.2). */
function upgradeSeedTable(db: Database, file: string, existing: Set<string>): void {
  const missing = SEED_CORE.find((c) => !existing.has(c));
  if (missing) {
    throw new StratlabError('DATABASE', `${file}: table "experiments" is not an experiments table (no column "${missing}")`, {
      hint: 'rename that table, or open another database file',
      location: { file, field: missing },
    });
  }
  for (const c of COLUMNS) {
    if (!existing.has(c.name)) db.exec(`ALTER TABLE experiments ADD COLUMN ${c.name} ${c.added ?? c.decl}`);
  }
  // The earlier system wrote statuses in either case ('PASSED' in its pipeline, 'passed' in its schema) or none (docs/experiments.md §4.1).
  db.exec("UPDATE experiments SET validation_status = lower(coalesce(validation_status, 'pending'))");
  // Old rows get the canonical hash of their parameters, so resumption and hasBeenTested see them.
  const rows = db.prepare('SELECT id, parameters FROM experiments WHERE params_hash IS NULL AND parameters IS NOT NULL').all() as { id: number; parameters: string }[];
  const set = db.prepare('UPDATE experiments SET params_hash = ? WHERE id = ?');
  for (const r of rows) {
    let params: unknown;
    try {
      params = JSON.parse(r.parameters);
    } catch {
      continue; // not JSON (a Python repr?): left as written, without a hash
    }
    set.run(paramsHash(params), r.id);
  }
}

/** Page cache per connection, in KiB: keeps the indexes of a million-row table in memory while a sweep writes. */
export const CACHE_KIB = 64 * 1024;

/** Page size of a new file: rows are ~1 KB (the return blocks alone are 384 bytes), 4 KiB pages hold only a few. */
export const PAGE_SIZE = 16384;

/**
 * Readies a connection: refuses a file from a newer stratlab before touching it, then WAL (readers
 * never block the writer), synchronous=NORMAL (durable at checkpoints, safe from corruption, much
 * faster than FULL), a busy timeout, 16 KiB pages for a new file (~15 % faster inserts than 4 KiB;
 * an existing file keeps its own), a page cache big enough that inserting into the indexes does not
 * thrash (the 2 MiB default makes a 1,000,000-row table's batches ~2× slower), and the migrations.
 */
export function setUp(db: Database, file: string): string[] {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  refuseNewer(db, file); // the first read: a file that is not SQLite fails here
  db.pragma(`page_size = ${PAGE_SIZE}`); // only takes effect before the first table is created
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${CACHE_KIB}`);
  return migrate(db, file);
}

const userVersion = (db: Database) => db.pragma('user_version', { simple: true }) as number;

function refuseNewer(db: Database, file: string): void {
  const v = userVersion(db);
  if (v > SCHEMA_VERSION) {
    throw new StratlabError('DATABASE', `${file}: experiments schema version ${v} is newer than this stratlab's (${SCHEMA_VERSION})`, {
      hint: 'upgrade stratlab to open this database; it was not changed',
      location: { file },
    });
  }
}

/** Brings the file to SCHEMA_VERSION, running the migrations it has not had; returns their notes. */
function migrate(db: Database, file: string): string[] {
  if (userVersion(db) === SCHEMA_VERSION) return [];
  const notes: string[] = [];
  // IMMEDIATE takes the write lock first; re-read inside, in case another process migrated meanwhile.
  db.transaction(() => {
    refuseNewer(db, file);
    const from = userVersion(db);
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      const note = m.up(db, file);
      if (note) notes.push(note);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
  return notes;
}
