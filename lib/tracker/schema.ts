/**
 * The experiments table: the seed's columns with their defaults, plus stratlab's (params_hash,
 * status, error, disqualified, return_blocks), the indexes the tracker's queries use, and the
 * connection settings. The schema version lives in PRAGMA user_version; MIGRATIONS bring an older
 * file (a fresh one is version 0, and so is a file holding the seed's plain table) up to date, in order.
 */
import type { Database } from 'better-sqlite3';
import { paramsHash } from '../core/hash';
import { StratlabError } from '../core/errors';

/** The schema version this stratlab writes; a file with a higher one came from a newer stratlab. */
export const SCHEMA_VERSION = 1;

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

/** The columns a table must have to be taken for the seed's experiments table and upgraded in place. */
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
  up(db: Database, file: string): void;
}

/** Ordered; each runs once, in one transaction with the user_version bump. Append, never edit. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "the seed's experiments table plus params_hash, status, error, disqualified, return_blocks; query indexes",
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
];

function tableColumns(db: Database): Set<string> {
  const rows = db.prepare('SELECT name FROM pragma_table_info(?)').all('experiments') as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

/** A table made by the seed's CREATE TABLE (or an older variant): add what it lacks and fill it in. */
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
  // The seed wrote statuses in either case ('PASSED' in its pipeline, 'passed' in its schema) or none.
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
export function setUp(db: Database, file: string): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  refuseNewer(db, file); // the first read: a file that is not SQLite fails here
  db.pragma(`page_size = ${PAGE_SIZE}`); // only takes effect before the first table is created
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${CACHE_KIB}`);
  migrate(db, file);
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

/** Brings the file to SCHEMA_VERSION, running the migrations it has not had. */
function migrate(db: Database, file: string): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  // IMMEDIATE takes the write lock first; re-read inside, in case another process migrated meanwhile.
  db.transaction(() => {
    refuseNewer(db, file);
    const from = userVersion(db);
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      m.up(db, file);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}
