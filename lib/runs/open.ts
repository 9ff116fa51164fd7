/**
 * Reading a run directory back: `openRun(dir)` checks run.json and the files it lists (present, and
 * unchanged since they were written: integrity.ts), and answers SQL over them on a sandboxed
 * connection with limits (sandbox.ts, limits.ts). `latestRun(runsDir, config?)` finds the newest.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StratlabError } from '../core/errors';
import { sqlString } from '../data/duckdb';
import { STRATEGY_TYPES, type RunManifest } from './format';
import { listedFiles, verifyFiles, type Verification } from './integrity';
import type { QueryLimits } from './limits';
import { RunSandbox, type QueryTable, type Row } from './sandbox';

export type { QueryTable, Row } from './sandbox';
export type { QueryLimits } from './limits';

const text = z.string({ invalid_type_error: 'expected text', required_error: 'missing' });
const fingerprint = z.object({
  symbol: text, timeframe: text, path: z.string({ invalid_type_error: 'expected a path or null' }).nullable(),
  rows: z.number({ invalid_type_error: 'expected a number', required_error: 'missing' }), first: text, last: text, sha256: text,
  load: z.object({
    format: z.enum(['csv', 'parquet', 'json']).optional(), timezone: z.string().optional(),
    columns: z.record(z.string()).optional(), repair: z.boolean().optional(),
  }, { invalid_type_error: 'expected { format, timezone, columns, repair }' }).optional(),
});
const relative = text.refine((f) => !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..'), { message: 'expected a path inside the run directory' });
const manifestSchema = z.object({
  runId: text,
  configName: text,
  kind: z.enum(['backtest', 'sweep', 'optimize', 'run'], { errorMap: () => ({ message: 'expected backtest, sweep, optimize or run' }) }),
  strategy: z.object({ name: text, type: z.enum(STRATEGY_TYPES, { errorMap: () => ({ message: `expected one of ${STRATEGY_TYPES.join(', ')}` }) }) }),
  config: z.record(z.unknown(), { invalid_type_error: 'expected an object' }),
  data: z.array(fingerprint, { invalid_type_error: 'expected a list' }),
  settings: z.record(z.unknown(), { invalid_type_error: 'expected an object' }),
  stratlabVersion: text,
  startedAt: text,
  finishedAt: text,
  strategyCount: z.number({ invalid_type_error: 'expected a number', required_error: 'missing' }).int().min(0),
  files: z.object({
    strategyIndex: relative,
    traces: z.array(relative, { invalid_type_error: 'expected a list of paths', required_error: 'missing' }),
    trades: relative.nullable(),
    equity: relative.nullable(),
  }),
  integrity: z.record(z.object({
    rows: z.number({ invalid_type_error: 'expected a number', required_error: 'missing' }).int().min(0),
    bytes: z.number({ invalid_type_error: 'expected a number', required_error: 'missing' }).int().min(0),
    sha256: text.regex(/^[0-9a-f]{64}$/, { message: 'expected 64 hex digits' }),
  }), { invalid_type_error: 'expected an object (file → { rows, bytes, sha256 })' }).optional(),
});

/** Reads and checks `<dir>/run.json`; every problem names the file and the field. */
export function readManifest(dir: string): RunManifest {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new StratlabError('FILE_NOT_FOUND', `${dir}: no such run directory`, { location: { file: dir } });
  if (!fs.statSync(abs).isDirectory()) throw new StratlabError('BAD_ARGUMENT', `${dir}: not a directory (expected a run directory holding run.json)`, { location: { file: dir } });
  const file = path.join(dir, 'run.json');
  if (/\.tmp-\d+$/.test(abs)) {
    throw new StratlabError('FILE_NOT_FOUND', `${dir}: an unfinished run (its writer stopped before the end); it holds no complete run`, { location: { file: dir } });
  }
  if (!fs.existsSync(file)) {
    throw new StratlabError('FILE_NOT_FOUND', `${file}: missing; ${dir} is not a finished run directory`, { location: { file }, hint: 'a run directory is runs/<config>/<run-id>/, written by stratlab run, backtest, optimize, walk-forward or sweep --write-run' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new StratlabError('PARSE_ERROR', `${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`, { location: { file } });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
    throw new StratlabError('PARSE_ERROR', `${file}: ${field || '(top level)'}: ${issue.message === 'Required' ? 'missing' : issue.message}`, { location: { file, field } });
  }
  const m = parsed.data as RunManifest;
  for (const [field, f] of listedFiles(m.files)) {
    if (!fs.existsSync(path.join(dir, f))) {
      throw new StratlabError('FILE_NOT_FOUND', `${path.join(dir, f)}: listed in run.json (${field}) but missing`, { location: { file: path.join(dir, f), field } });
    }
  }
  return m;
}

/**
 * readManifest, then the files against run.json's integrity record: a changed file is a TAMPERED_RUN
 * error naming it; a run written before the record existed comes back unverified, with a note.
 */
export function readVerifiedManifest(dir: string): { manifest: RunManifest } & Verification {
  const manifest = readManifest(dir);
  return { manifest, ...verifyFiles(dir, manifest) };
}

export class Run {
  /** @internal use openRun(dir) */
  constructor(readonly dir: string, readonly manifest: RunManifest, private readonly sandbox: RunSandbox, private readonly verification: Verification) {}

  /** True when every file matched the row counts and hashes run.json recorded; false for a run written before they were recorded. */
  get verified(): boolean {
    return this.verification.verified;
  }

  /** Why the run is not verified (see verified); undefined when it is. */
  get note(): string | undefined {
    return this.verification.note;
  }

  get runId(): string {
    return this.manifest.runId;
  }

  /**
   * One read-only SELECT over the views strategy_index, traces, trades and equity; rows as plain
   * objects. Anything else is a READ_ONLY error; a query past a limit, QUERY_LIMIT.
   */
  query(sql: string): Promise<Row[]> {
    return this.sandbox.query(sql);
  }

  /** query(), with the result's column names and DuckDB types (what `stratlab query --json` prints). */
  queryTable(sql: string): Promise<QueryTable> {
    return this.sandbox.queryTable(sql);
  }

  /** One row per strategy, best score first (the order the run was written in). */
  strategyIndex(): Promise<Row[]> {
    return this.query('SELECT * FROM strategy_index');
  }

  /** A strategy's signal changes, oldest first. `hash` may be a unique prefix (≥ 4 characters). */
  async traces(hash: string): Promise<Row[]> {
    return this.query(`SELECT * FROM traces WHERE strategy_hash = ${sqlString(await this.resolve(hash))} ORDER BY ts`);
  }

  /** A strategy's trades, in the order they closed. */
  async trades(hash: string): Promise<Row[]> {
    return this.query(`SELECT * FROM trades WHERE strategy_hash = ${sqlString(await this.resolve(hash))} ORDER BY exit_ts, entry_ts`);
  }

  /** A strategy's equity curve (empty unless it was among the best the run kept equity for). */
  async equity(hash: string): Promise<Row[]> {
    return this.query(`SELECT * FROM equity WHERE strategy_hash = ${sqlString(await this.resolve(hash))} ORDER BY ts`);
  }

  /** The full hash of a strategy of this run from its hash or a unique prefix of it. */
  async resolve(hash: string): Promise<string> {
    if (typeof hash !== 'string' || !/^[0-9a-f]{4,16}$/i.test(hash)) {
      throw new StratlabError('BAD_ARGUMENT', `strategy ${JSON.stringify(hash)}: expected a strategy hash (16 hex digits, or a unique prefix of 4 or more)`);
    }
    const rows = await this.query(`SELECT strategy_hash FROM strategy_index WHERE starts_with(strategy_hash, ${sqlString(hash.toLowerCase())}) LIMIT 2`);
    if (rows.length === 0) throw new StratlabError('BAD_ARGUMENT', `strategy ${hash}: not in run ${this.manifest.runId}`, { hint: 'the hashes are in strategy_index (stratlab result --run DIR --what index)' });
    if (rows.length > 1) throw new StratlabError('BAD_ARGUMENT', `strategy ${hash}: more than one strategy of run ${this.manifest.runId} starts with it; give more digits`);
    return rows[0].strategy_hash as string;
  }

  close(): void {
    this.sandbox.close();
  }
}

/**
 * Opens a finished run directory, refusing one whose files changed since it was written. Queries
 * run under `limits` (time, memory, threads, result rows; defaults in limits.ts). Close it when
 * done (it holds a DuckDB instance).
 */
export async function openRun(dir: string, limits?: QueryLimits): Promise<Run> {
  const abs = path.resolve(dir);
  const { manifest, ...verification } = readVerifiedManifest(dir);
  return new Run(abs, manifest, await RunSandbox.open(abs, manifest, limits), verification);
}

/**
 * The newest finished run under `runsDir` (of one config, or of any), by run id (which starts with
 * its UTC start time); null when there is none. Unfinished (`.tmp-…`) folders are never runs.
 */
export function latestRun(runsDir = 'runs', configName?: string): string | null {
  if (!fs.existsSync(runsDir)) return null;
  const configs = configName !== undefined ? [configName] : fs.readdirSync(runsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  let best: { id: string; dir: string } | null = null;
  for (const c of configs) {
    const parent = path.join(runsDir, c);
    if (!fs.existsSync(parent)) continue;
    for (const e of fs.readdirSync(parent, { withFileTypes: true })) {
      if (!e.isDirectory() || /\.tmp-\d+$/.test(e.name) || !fs.existsSync(path.join(parent, e.name, 'run.json'))) continue;
      if (!best || e.name > best.id) best = { id: e.name, dir: path.join(parent, e.name) };
    }
  }
  return best ? path.resolve(best.dir) : null;
}
