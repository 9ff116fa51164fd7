/**
 * A DuckDB connection that sees one run and nothing else, and cannot change it. Writing is stopped at
 * two depths: each statement must be one SELECT by DuckDB's own account (statement.ts), and under
 * that the connection cannot write or reach other files anyway — views over the run's parquet files,
 * then external access off (only those files stay readable: `allowed_paths`), no temp folder to spill
 * to, and the configuration locked. Queries run under limits (limits.ts): a timer interrupts one
 * that runs too long, DuckDB's memory limit and thread count are set before the lock, and a result
 * with too many rows is refused.
 */
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import { StratlabError } from '../core/errors';
import { sqlString } from '../data/duckdb';
import type { RunManifest } from './format';
import { checkRowCounts, listedFiles } from './integrity';
import { resolveLimits, type QueryLimits, type ResolvedLimits } from './limits';
import { firstLine, prepareSelect, sqlError } from './statement';

export type Row = Record<string, unknown>;

/** A result with its columns' names and DuckDB types (TIMESTAMP, DOUBLE, …), for callers that need the schema of an empty result too. */
export interface QueryTable {
  columns: { name: string; type: string }[];
  rows: Row[];
}

/** Empty views with the contract's columns, for files a run does not have (no traces captured…). */
const EMPTY: Record<string, string> = {
  traces: 'SELECT NULL::VARCHAR AS strategy_hash, NULL::TIMESTAMP AS ts, NULL::TINYINT AS val, NULL::DOUBLE AS price, NULL::VARCHAR AS metadata WHERE false',
  trades: `SELECT NULL::VARCHAR AS strategy_hash, NULL::VARCHAR AS side, NULL::DOUBLE AS units, NULL::TIMESTAMP AS entry_ts, NULL::TIMESTAMP AS exit_ts,
    NULL::DOUBLE AS entry_price, NULL::DOUBLE AS exit_price, NULL::DOUBLE AS pnl, NULL::DOUBLE AS return_pct, NULL::DOUBLE AS commission,
    NULL::INTEGER AS bars_held, NULL::VARCHAR AS exit_reason WHERE false`,
  equity: 'SELECT NULL::VARCHAR AS strategy_hash, NULL::TIMESTAMP AS ts, NULL::DOUBLE AS equity WHERE false',
};

export class RunSandbox {
  private constructor(private readonly instance: DuckDBInstance, private readonly conn: DuckDBConnection, readonly dir: string, readonly limits: ResolvedLimits) {}

  /**
   * Views strategy_index, traces, trades and equity over the run's files (which must exist, and match
   * the row counts run.json recorded), then the lock-down.
   */
  static async open(dir: string, manifest: RunManifest, limits?: QueryLimits): Promise<RunSandbox> {
    const lim = resolveLimits(limits);
    const files = manifest.files;
    // No temp folder: DuckDB would otherwise create `.tmp` in the working directory to spill to.
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', allow_community_extensions: 'false', temp_directory: '',
    });
    const conn = await instance.connect();
    try {
      const abs = (f: string) => path.join(dir, f);
      await checkRowCounts(conn, dir, manifest);
      await conn.run("SET TimeZone = 'UTC'");
      await conn.run(`SET allowed_paths = [${listedFiles(files).map(([, f]) => sqlString(abs(f))).join(', ')}]`);
      const view = async (name: string, list: string[]) => {
        const source = list.length ? `SELECT * FROM read_parquet([${list.map((f) => sqlString(abs(f))).join(', ')}])` : EMPTY[name];
        await conn.run(`CREATE VIEW ${name} AS ${source}`);
      };
      await view('strategy_index', [files.strategyIndex]);
      await view('traces', files.traces);
      await view('trades', files.trades ? [files.trades] : []);
      await view('equity', files.equity ? [files.equity] : []);
      await conn.run(`SET memory_limit = '${Math.floor(lim.memoryBytes / 1024)}KiB'`);
      await conn.run(`SET threads = ${lim.threads}`);
      await conn.run('SET enable_external_access = false');
      await conn.run('SET lock_configuration = true');
    } catch (e) {
      conn.closeSync();
      instance.closeSync();
      if (e instanceof StratlabError) throw e;
      throw new StratlabError('DATABASE', `${dir}: cannot open the run's files: ${firstLine(e)}`, { hint: 'the run directory may be damaged; write it again' });
    }
    return new RunSandbox(instance, conn, dir, lim);
  }

  /**
   * Runs one SELECT over the run's views (anything else: READ_ONLY) under the limits (QUERY_LIMIT)
   * and returns its rows: plain objects, BIGINT as number (as a string past 2^53), timestamps and
   * dates as ISO strings.
   */
  async query(sql: string): Promise<Row[]> {
    return (await this.queryTable(sql)).rows;
  }

  /** query(), with the columns' names and types. */
  async queryTable(sql: string): Promise<QueryTable> {
    if (typeof sql !== 'string' || sql.trim() === '') throw new StratlabError('BAD_ARGUMENT', 'query(sql): expected SQL text');
    const { timeoutMs, maxRows } = this.limits;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.conn.interrupt();
    }, timeoutMs);
    let reader: DuckDBResultReader;
    try {
      const p = await prepareSelect(this.conn, sql);
      try {
        // Streamed, and read only one row past the limit: a huge result is refused without being built.
        reader = await p.streamAndReadUntil(maxRows + 1);
      } finally {
        p.destroySync();
      }
    } catch (e) {
      if (e instanceof StratlabError) throw e;
      throw this.limitError(e, timedOut) ?? sqlError(sql, e);
    } finally {
      clearTimeout(timer);
    }
    if (reader.currentRowCount > maxRows) {
      throw new StratlabError('QUERY_LIMIT', `query stopped: the result has more than ${maxRows.toLocaleString('en-US')} rows (the row limit)`, {
        hint: 'aggregate or add a LIMIT, or raise the limit (--max-rows N; maxRows in openRun/TraceAnalysis)',
      });
    }
    const rows = reader.getRowObjectsJS() as Row[];
    const columns = reader.columnNames().map((name, j) => ({ name, type: reader.columnType(j).toString() }));
    for (const r of rows) for (const k in r) r[k] = plain(r[k]);
    return { columns, rows };
  }

  /** The time or memory limit, when that is what stopped a query. */
  private limitError(e: unknown, timedOut: boolean): StratlabError | null {
    const msg = firstLine(e);
    if (timedOut || /^INTERRUPT Error/i.test(msg)) {
      return new StratlabError('QUERY_LIMIT', `query stopped: it ran past the time limit of ${seconds(this.limits.timeoutMs)}`, {
        hint: 'narrow it (filter before joining, bound a recursive CTE), or raise the limit (--timeout SECONDS; timeoutMs in openRun/TraceAnalysis)',
      });
    }
    if (/^Out of Memory Error/i.test(msg)) {
      return new StratlabError('QUERY_LIMIT', `query stopped: it needed more than the memory limit of ${this.limits.memoryLimit}`, {
        hint: 'aggregate earlier or select fewer columns, or raise the limit (--memory-limit SIZE; memoryLimit in openRun/TraceAnalysis)',
      });
    }
    return null;
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

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
