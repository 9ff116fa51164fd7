/**
 * TraceAnalysis: SQL over a run's traces (docs/patterns.md §1.1), for notebooks, the pattern library
 * and the Python bridge. The view `traces` spans every traces/*.parquet of the run; strategy_index,
 * trades and equity are there too. Queries run on a connection that cannot write and cannot read
 * outside the run, under time, memory and row limits (sandbox.ts); a run whose files changed since
 * they were written is refused at construction (integrity.ts). Results are rows (plain objects); a DataFrame variant would need
 * danfojs, which stratlab does not depend on.
 *
 *   const ta = await TraceAnalysis.open(runDir);
 *   await ta.query('SELECT strategy_hash, count(*) AS signals FROM traces WHERE val <> 0 GROUP BY 1');
 */
import path from 'node:path';
import type { RunManifest } from './format';
import type { QueryLimits } from './limits';
import { readVerifiedManifest } from './open';
import { RunSandbox, type Row } from './sandbox';

export class TraceAnalysis {
  readonly runDir: string;
  /** Read at construction: a missing or damaged run fails here, not at the first query. */
  readonly manifest: RunManifest;
  /** False for a run written before run.json recorded its files' hashes (it cannot be checked). */
  readonly verified: boolean;
  private sandbox?: Promise<RunSandbox>;

  /**
   * Checks the run at once (run.json, and every file against its recorded size and hash); the DuckDB
   * connection opens on the first query (or use TraceAnalysis.open). `limits`: see openRun.
   */
  constructor(runDir: string, private readonly limits?: QueryLimits) {
    this.runDir = path.resolve(runDir);
    const { manifest, verified } = readVerifiedManifest(runDir);
    this.manifest = manifest;
    this.verified = verified;
  }

  /** Opens the run and its connection now. */
  static async open(runDir: string, limits?: QueryLimits): Promise<TraceAnalysis> {
    const ta = new TraceAnalysis(runDir, limits);
    await ta.connection();
    return ta;
  }

  private connection(): Promise<RunSandbox> {
    return (this.sandbox ??= RunSandbox.open(this.runDir, this.manifest, this.limits));
  }

  /**
   * One read-only SELECT; rows as plain objects: BIGINT as number (a string beyond 2^53), TIMESTAMP as an
   * ISO string. Views: traces, strategy_index, trades, equity.
   */
  async query(sql: string): Promise<Row[]> {
    return (await this.connection()).query(sql);
  }

  async close(): Promise<void> {
    const s = this.sandbox;
    this.sandbox = undefined;
    if (s) (await s).close();
  }
}
