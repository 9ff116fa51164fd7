/**
 * A DuckDB connection that sees one run and nothing else: views over the run's parquet files, then
 * external access off (only those files stay readable: `allowed_paths`) and the configuration
 * locked. DuckDB still lets an allowed file be overwritten (`COPY … TO` it), so statements are
 * also checked before they run: only queries (SELECT, EXPLAIN) pass.
 */
import path from 'node:path';
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { StratlabError } from '../core/errors';
import { sqlString } from '../data/duckdb';
import type { RunManifest } from './format';

export type Row = Record<string, unknown>;

/** A result with its columns' names and DuckDB types (TIMESTAMP, DOUBLE, …), for callers that need the schema of an empty result too. */
export interface QueryTable {
  columns: { name: string; type: string }[];
  rows: Row[];
}

const ALLOWED = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/** Empty views with the contract's columns, for files a run does not have (no traces captured…). */
const EMPTY: Record<string, string> = {
  traces: 'SELECT NULL::VARCHAR AS strategy_hash, NULL::TIMESTAMP AS ts, NULL::TINYINT AS val, NULL::DOUBLE AS price, NULL::VARCHAR AS metadata WHERE false',
  trades: `SELECT NULL::VARCHAR AS strategy_hash, NULL::VARCHAR AS side, NULL::DOUBLE AS units, NULL::TIMESTAMP AS entry_ts, NULL::TIMESTAMP AS exit_ts,
    NULL::DOUBLE AS entry_price, NULL::DOUBLE AS exit_price, NULL::DOUBLE AS pnl, NULL::DOUBLE AS return_pct, NULL::DOUBLE AS commission,
    NULL::INTEGER AS bars_held, NULL::VARCHAR AS exit_reason WHERE false`,
  equity: 'SELECT NULL::VARCHAR AS strategy_hash, NULL::TIMESTAMP AS ts, NULL::DOUBLE AS equity WHERE false',
};

export class RunSandbox {
  private constructor(private readonly instance: DuckDBInstance, private readonly conn: DuckDBConnection, readonly dir: string) {}

  /** Views strategy_index, traces, trades and equity over the run's files (which must exist). */
  static async open(dir: string, files: RunManifest['files']): Promise<RunSandbox> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const conn = await instance.connect();
    try {
      const abs = (f: string) => path.join(dir, f);
      const all = [files.strategyIndex, ...files.traces, ...(files.trades ? [files.trades] : []), ...(files.equity ? [files.equity] : [])].map(abs);
      await conn.run("SET TimeZone = 'UTC'");
      await conn.run(`SET allowed_paths = [${all.map(sqlString).join(', ')}]`);
      const view = async (name: string, list: string[]) => {
        const source = list.length ? `SELECT * FROM read_parquet([${list.map((f) => sqlString(abs(f))).join(', ')}])` : EMPTY[name];
        await conn.run(`CREATE VIEW ${name} AS ${source}`);
      };
      await view('strategy_index', [files.strategyIndex]);
      await view('traces', files.traces);
      await view('trades', files.trades ? [files.trades] : []);
      await view('equity', files.equity ? [files.equity] : []);
      await conn.run('SET enable_external_access = false');
      await conn.run('SET lock_configuration = true');
    } catch (e) {
      conn.closeSync();
      instance.closeSync();
      throw new StratlabError('DATABASE', `${dir}: cannot open the run's files: ${firstLine(e)}`, { hint: 'the run directory may be damaged; write it again' });
    }
    return new RunSandbox(instance, conn, dir);
  }

  /**
   * Runs read-only SQL over the run's views and returns the rows of the last statement: plain
   * objects, BIGINT as number (as a string past 2^53), timestamps and dates as ISO strings.
   */
  async query(sql: string): Promise<Row[]> {
    return (await this.queryTable(sql)).rows;
  }

  /** query(), with the columns' names and types. */
  async queryTable(sql: string): Promise<QueryTable> {
    if (typeof sql !== 'string' || sql.trim() === '') throw new StratlabError('BAD_ARGUMENT', 'query(sql): expected SQL text');
    let rows: Row[] = [];
    let columns: QueryTable['columns'] = [];
    let statements;
    try {
      statements = await this.conn.extractStatements(sql);
    } catch (e) {
      throw sqlError(sql, e);
    }
    if (statements.count === 0) throw new StratlabError('BAD_ARGUMENT', 'query(sql): no SQL statement in the text');
    const prepared = [];
    for (let i = 0; i < statements.count; i++) {
      let p;
      try {
        p = await statements.prepare(i);
      } catch (e) {
        throw sqlError(sql, e);
      }
      if (!ALLOWED.has(p.statementType)) {
        throw new StratlabError('BAD_ARGUMENT', `query: only read-only queries (SELECT, WITH, EXPLAIN) run on a run's data; statement ${i + 1} is ${StatementType[p.statementType]}`, {
          hint: 'the views are strategy_index, traces, trades and equity',
        });
      }
      prepared.push(p);
    }
    try {
      for (const p of prepared) {
        const reader = await p.runAndReadAll();
        rows = reader.getRowObjectsJS() as Row[];
        columns = reader.columnNames().map((name, j) => ({ name, type: reader.columnType(j).toString() }));
      }
    } catch (e) {
      throw sqlError(sql, e);
    } finally {
      for (const p of prepared) p.destroySync();
    }
    for (const r of rows) for (const k in r) r[k] = plain(r[k]);
    return { columns, rows };
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** JS values as JSON can carry them. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : null;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Row = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function sqlError(sql: string, e: unknown): StratlabError {
  const text = sql.replace(/\s+/g, ' ').trim();
  return new StratlabError('DATABASE', `query failed: ${firstLine(e).replace(/^Failed to extract statements: /, '')}`, { hint: `SQL: ${text.length > 120 ? text.slice(0, 117) + '…' : text}` });
}
