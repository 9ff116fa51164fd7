/**
 * Which SQL a run query accepts: one statement that DuckDB itself says is a SELECT. The decision is
 * DuckDB's (the statement is parsed and prepared, and its type read back), never a word list, so
 * comments, case, parentheses or a WITH in front change nothing: `EXPLAIN ANALYZE COPY …` is an
 * EXPLAIN (which would run the COPY), `WITH x AS (…) INSERT …` an INSERT. One rewrite hides under
 * SELECT: DuckDB turns `PRAGMA show_tables` into a SELECT before preparing it, so a SELECT is also
 * checked against the parser alone (json_serialize_sql serialises SELECTs only).
 */
import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { StratlabError } from '../core/errors';
import { sqlString } from '../data/duckdb';

const HINT = "only one SELECT (WITH … SELECT, FROM …, VALUES, DESCRIBE, SUMMARIZE) over the views strategy_index, traces, trades and equity";

/** Prepares `sql` when it is one read-only SELECT; otherwise a READ_ONLY error naming what was refused. */
export async function prepareSelect(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (e) {
    throw sqlError(sql, e);
  }
  if (extracted.count === 0) throw new StratlabError('BAD_ARGUMENT', 'query(sql): no SQL statement in the text');
  if (extracted.count > 1) {
    throw new StratlabError('READ_ONLY', `query refused: the SQL holds ${extracted.count} statements; a run query is one statement`, { hint: HINT });
  }
  let p: DuckDBPreparedStatement;
  try {
    p = await extracted.prepare(0);
  } catch (e) {
    // Binding a statement that names a file outside the run fails here (external access is off).
    if (/^Permission Error/.test(firstLine(e))) throw new StratlabError('READ_ONLY', `query refused: ${firstLine(e)}`, { hint: HINT });
    // A write that cannot even bind (INSERT INTO a view, into a table that does not exist) is still a write.
    if (!(await parsesAsSelect(conn, sql))) throw refused(statementName(null, sql));
    throw sqlError(sql, e);
  }
  const type = p.statementType;
  if (type !== StatementType.SELECT || !(await parsesAsSelect(conn, sql))) {
    p.destroySync();
    throw refused(statementName(type, sql));
  }
  return p;
}

function refused(name: string): StratlabError {
  const why = name.startsWith('EXPLAIN') ? ' (EXPLAIN ANALYZE runs the statement it explains)' : '';
  return new StratlabError('READ_ONLY', `query refused: ${name} is not allowed on a run's data${why}; a run query is one SELECT`, { hint: HINT });
}

/** False when DuckDB's parser alone does not see a SELECT (a PRAGMA rewritten into one). */
async function parsesAsSelect(conn: DuckDBConnection, sql: string): Promise<boolean> {
  const r = await conn.runAndReadAll(`SELECT json_serialize_sql(${sqlString(sql)})::VARCHAR AS j`);
  const json = JSON.parse(String(r.getRowObjectsJS()[0].j)) as { error?: boolean; error_message?: string };
  return !(json.error && /only select statements/i.test(json.error_message ?? ''));
}

/**
 * What to call a refused statement: its own leading words where DuckDB's type covers several commands
 * (LOAD is also INSTALL, SET also RESET/USE/PRAGMA x = y, TRANSACTION is BEGIN/COMMIT, CALL also
 * CHECKPOINT), else DuckDB's type (`WITH … INSERT` is an INSERT). `type` null: DuckDB could not
 * prepare it, so the words alone.
 */
export function statementName(type: StatementType | null, sql: string): string {
  const words = leadingWords(sql);
  const typeName = type === null ? null : NAMES[type] ?? StatementType[type] ?? null;
  const [w0, w1] = words;
  if (w0 === 'EXPLAIN' && w1 === 'ANALYZE') return 'EXPLAIN ANALYZE';
  if (w0 === 'FORCE' && w1) return `FORCE ${w1}`;
  if (w0 === 'SET' && w1 === 'VARIABLE') return 'SET VARIABLE';
  if (w0 && w0 !== 'WITH' && !(typeName ?? '').startsWith(w0)) return w0;
  return typeName ?? (w0 === 'WITH' ? 'a WITH statement that is not a SELECT' : 'this statement');
}

const NAMES: Partial<Record<StatementType, string>> = {
  [StatementType.CREATE_FUNC]: 'CREATE MACRO', [StatementType.COPY_DATABASE]: 'COPY FROM DATABASE', [StatementType.UPDATE_EXTENSIONS]: 'UPDATE EXTENSIONS',
  [StatementType.MERGE_INTO]: 'MERGE INTO', [StatementType.VARIABLE_SET]: 'SET VARIABLE',
};

/** The first two words of the SQL, upper-cased, after whitespace, comments and opening parentheses. */
function leadingWords(sql: string): string[] {
  const rest = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/, '');
  return (/^([A-Za-z_]+)(?:\s+([A-Za-z_]+))?/.exec(rest) ?? []).slice(1).filter(Boolean).map((w) => w.toUpperCase());
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

export function sqlError(sql: string, e: unknown): StratlabError {
  const text = sql.replace(/\s+/g, ' ').trim();
  return new StratlabError('DATABASE', `query failed: ${firstLine(e).replace(/^Failed to extract statements: /, '')}`, { hint: `SQL: ${text.length > 120 ? text.slice(0, 117) + '…' : text}` });
}
