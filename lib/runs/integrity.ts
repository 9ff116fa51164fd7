/**
 * A run's files against what its run.json recorded when they were written: per file its size, its
 * row count and the SHA-256 of its bytes (RunManifest.integrity). A run directory is written once;
 * a file that changed afterwards (edited, replaced, overwritten by a query in an older stratlab) is
 * refused by name when the run is opened, queried or given a notebook. Runs written before the
 * record existed open as unverified.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { StratlabError } from '../core/errors';
import { sqlString } from '../data/duckdb';
import type { FileIntegrity, RunManifest } from './format';

export interface Verification {
  /** True when every file matched its record; false for a run written without one (older stratlab). */
  verified: boolean;
  /** Why the run could not be verified, for a reader to show; undefined when verified. */
  note?: string;
}

const HINT = 'a run directory is written once: write the run again (stratlab run, sweep --run, backtest --run) instead of editing its files';

/** The files of a run by role: [run.json field, relative path]. */
export function listedFiles(files: RunManifest['files']): [string, string][] {
  const out: [string, string][] = [['files.strategyIndex', files.strategyIndex], ...files.traces.map((f, i): [string, string] => [`files.traces[${i}]`, f])];
  if (files.trades) out.push(['files.trades', files.trades]);
  if (files.equity) out.push(['files.equity', files.equity]);
  return out;
}

/** SHA-256 (hex) of a file's bytes, read in 1 MiB pieces so a large run does not need its size in memory. */
export function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Parquet row counts from the files' footers (metadata only: no data is read). */
export async function parquetRowCounts(conn: DuckDBConnection, files: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (files.length === 0) return out;
  const r = await conn.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata([${files.map(sqlString).join(', ')}])`);
  for (const row of r.getRowObjectsJS()) out.set(path.resolve(String(row.file_name)), Number(row.num_rows));
  return out;
}

/** The record for run.json, made right after the files were written (on the writer's connection). */
export async function recordIntegrity(conn: DuckDBConnection, dir: string, files: RunManifest['files']): Promise<Record<string, FileIntegrity>> {
  const rel = listedFiles(files).map(([, f]) => f);
  const rows = await parquetRowCounts(conn, rel.map((f) => path.resolve(dir, f)));
  const out: Record<string, FileIntegrity> = {};
  for (const f of rel) {
    const abs = path.resolve(dir, f);
    out[f] = { rows: rows.get(abs) ?? 0, bytes: fs.statSync(abs).size, sha256: sha256File(abs) };
  }
  return out;
}

/**
 * Checks every listed file's size and SHA-256 against run.json (row counts: checkRowCounts, which
 * needs DuckDB). Throws TAMPERED_RUN naming the first file that differs.
 */
export function verifyFiles(dir: string, manifest: RunManifest): Verification {
  const record = manifest.integrity;
  if (!record) {
    return { verified: false, note: `${path.join(dir, 'run.json')} has no integrity record (written by stratlab ${manifest.stratlabVersion}); the run's files cannot be verified` };
  }
  const listed = listedFiles(manifest.files);
  for (const [field, f] of listed) {
    if (!record[f]) throw tampered(dir, f, `listed in run.json (${field}) without an integrity entry`);
  }
  // Sizes first: a changed size is found without reading any file.
  for (const [, f] of listed) {
    const bytes = fs.statSync(path.join(dir, f)).size;
    if (bytes !== record[f].bytes) throw tampered(dir, f, `${bytes.toLocaleString('en-US')} bytes, run.json recorded ${record[f].bytes.toLocaleString('en-US')}`);
  }
  for (const [, f] of listed) {
    if (sha256File(path.join(dir, f)) !== record[f].sha256) throw tampered(dir, f, 'its content hash (SHA-256) differs from the one run.json recorded');
  }
  return { verified: true };
}

/** Checks the listed files' row counts (from their parquet footers) against run.json. */
export async function checkRowCounts(conn: DuckDBConnection, dir: string, manifest: RunManifest): Promise<void> {
  const record = manifest.integrity;
  if (!record) return;
  const rel = listedFiles(manifest.files).map(([, f]) => f);
  const rows = await parquetRowCounts(conn, rel.map((f) => path.resolve(dir, f)));
  for (const f of rel) {
    const n = rows.get(path.resolve(dir, f));
    if (n !== record[f].rows) throw tampered(dir, f, `${(n ?? 0).toLocaleString('en-US')} rows, run.json recorded ${record[f].rows.toLocaleString('en-US')}`);
  }
}

function tampered(dir: string, f: string, what: string): StratlabError {
  const file = path.join(dir, f);
  return new StratlabError('TAMPERED_RUN', `${file}: changed since the run was written: ${what}`, { hint: HINT, location: { file } });
}
