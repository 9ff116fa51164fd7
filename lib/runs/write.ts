/**
 * Writing a run directory (format.ts): every file through DuckDB into `<run-id>.tmp-<pid>`, run.json
 * last (with each file's rows, size and SHA-256: integrity.ts), then one rename, so a reader never
 * sees half a run and a crash leaves no run at all.
 * Traces, trades and equity go from typed arrays into DuckDB by memory copy (appendDoubleColumns),
 * never as one JS object per row: a 1,000-strategy run has millions of trace rows.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { canonicalJson } from '../core/hash';
import { PACKAGE_ROOT } from '../core/paths';
import { normaliseConditions, type ConditionInput, type ConditionSeries } from '../data/conditions';
import { appendDoubleColumns, sqlString, withConnection } from '../data/duckdb';
import { plainParams, type BacktestResult } from '../engine/result';
import { captureRun, type RunCapture } from '../sweep/capture';
import type { SweepResult } from '../sweep/result';
import { BUILT_IN_TYPES, METRIC_COLUMNS, STRATEGY_TYPES, strategyHash, type DataFingerprint, type RunManifest, type StrategyType } from './format';
import { recordIntegrity } from './integrity';

/** One strategy of a run (a parameter set on one symbol and timeframe) and what it left. */
export interface RunStrategyResult {
  /** The strategy's name when a run holds several strategies (default: the run's strategy). */
  strategy?: string;
  symbol: string;
  timeframe: string;
  params: Record<string, unknown>;
  /** camelCase metrics as the engine names them (returnPct, sharpe, …); missing ones are NULL. */
  metrics?: Partial<Record<string, number>>;
  score?: number;
  disqualified?: string[];
  status?: 'ok' | 'failed';
  error?: string;
  /** Bar indexes in `capture` refer to the bars of this symbol/timeframe in `series`. */
  capture?: RunCapture;
}

export interface WriteRunOptions {
  /** Default 'runs' (relative to the working directory). */
  runsDir?: string;
  /** The run goes to <runsDir>/<configName>/<run-id>/. */
  configName: string;
  kind: RunManifest['kind'];
  /** The strategy's class name, with its type when it is not a built-in's (see BUILT_IN_TYPES). */
  strategy: string | { name: string; type?: StrategyType };
  config?: Record<string, unknown>;
  /** The data as loaded (fingerprinted in run.json), and where each came from. */
  data: Bars[];
  paths?: (string | null | undefined)[];
  /** The bars the strategies ran on when not `data` itself (sliced or resampled); default `data`. */
  series?: Bars[];
  settings?: Record<string, unknown>;
  /** Best first: strategy_index keeps this order. */
  results: RunStrategyResult[];
  /** When the work began (default: now). */
  startedAt?: Date;
  /**
   * External series joined to every trace row as of its time (the last value at or before it, null
   * before the first): `{ VIX: vixBars | { time, value } }` puts `"conditions": {"VIX": 18.3}` in each
   * row's metadata beside its parameters.
   */
  conditions?: Record<string, ConditionInput | ConditionSeries>;
}

export interface WrittenRun {
  dir: string;
  runId: string;
  manifest: RunManifest;
}

/** Writes a run directory and returns where it is. */
export async function writeRun(opts: WriteRunOptions): Promise<WrittenRun> {
  const started = opts.startedAt ?? new Date();
  const configName = checkName(opts.configName);
  const strategy = typeof opts.strategy === 'string' ? { name: opts.strategy } : opts.strategy;
  const type: StrategyType = strategy.type ?? BUILT_IN_TYPES[strategy.name] ?? 'generic';
  if (!(STRATEGY_TYPES as readonly string[]).includes(type)) {
    throw new StratlabError('BAD_ARGUMENT', `writeRun: strategy type '${type}' is not one of ${STRATEGY_TYPES.join(', ')}`);
  }
  if (!Array.isArray(opts.data) || opts.data.length === 0) throw new StratlabError('BAD_ARGUMENT', 'writeRun: data: expected the Bars the run used');
  const series = opts.series ?? opts.data;
  const strategies = indexStrategies(strategy.name, opts.results);
  const conditions = normaliseConditions(opts.conditions, 'writeRun: conditions');

  const parent = path.resolve(opts.runsDir ?? 'runs', configName);
  fs.mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent);
  const runId = newRunId(started);
  const finalDir = path.join(parent, runId);
  const tmp = path.join(parent, `${runId}.tmp-${process.pid}`);
  fs.mkdirSync(tmp);
  try {
    const { files, integrity } = await withConnection(async (conn) => {
      const files = await writeFiles(conn, tmp, type, strategies, series, conditions);
      return { files, integrity: await recordIntegrity(conn, tmp, files) };
    });
    const manifest: RunManifest = {
      runId, configName, kind: opts.kind, strategy: { name: strategy.name, type },
      config: jsonSafe(opts.config ?? {}) as Record<string, unknown>,
      data: opts.data.map((b, i) => fingerprint(b, opts.paths?.[i] ?? b.source?.path ?? null)),
      settings: jsonSafe(opts.settings ?? {}) as Record<string, unknown>,
      stratlabVersion: stratlabVersion(), startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
      strategyCount: strategies.length, files, integrity,
      ...(Object.keys(conditions).length > 0 ? { conditions: describeConditions(conditions) } : {}),
    };
    fs.writeFileSync(path.join(tmp, 'run.json'), JSON.stringify(manifest, null, 2) + '\n');
    fs.renameSync(tmp, finalDir);
    return { dir: finalDir, runId, manifest };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Writes a capturing sweep's run (`sweep(…).capture().run()`). */
export async function runFromSweep(sw: SweepResult, opts: Omit<WriteRunOptions, 'kind' | 'strategy' | 'results' | 'data' | 'series' | 'settings'> &
  Partial<Pick<WriteRunOptions, 'kind' | 'strategy' | 'data' | 'settings'>>): Promise<WrittenRun> {
  const cap = sw.captured;
  if (!cap) {
    throw new StratlabError('BAD_ARGUMENT', 'runFromSweep: this sweep captured no traces, trades or equity', { hint: 'run it with .capture() (e.g. sweep(bars).strategy(S).grid(g).capture().run())' });
  }
  return writeRun({
    ...opts,
    kind: opts.kind ?? 'sweep',
    startedAt: opts.startedAt ?? cap.startedAt,
    strategy: opts.strategy ?? sw.strategy,
    data: opts.data ?? cap.bars,
    series: cap.bars,
    conditions: opts.conditions ?? cap.options.conditions,
    settings: opts.settings ?? (cap.settings as unknown as Record<string, unknown>),
    config: opts.config ?? { strategy: sw.strategy, gridKeys: sw.gridKeys, combinations: sw.combinations },
    results: sw.results.filter((r) => !r.resumed).map((r) => ({
      symbol: r.symbol, timeframe: r.timeframe, params: r.params, metrics: r.metrics as unknown as Record<string, number> | undefined,
      score: r.score, disqualified: r.disqualified, status: r.status, error: r.error, capture: r.capture,
    })),
  });
}

/**
 * Writes several capturing sweeps over the same data (a config's `strategies: [...]`) as one run: every
 * strategy of every sweep in its strategy_index, best score first.
 */
export async function runFromSweeps(sweeps: SweepResult[], opts: Omit<WriteRunOptions, 'kind' | 'strategy' | 'results' | 'data' | 'series' | 'settings'> &
  Partial<Pick<WriteRunOptions, 'kind' | 'data' | 'settings'>>): Promise<WrittenRun> {
  if (sweeps.length === 1) return runFromSweep(sweeps[0], opts);
  const caps = sweeps.map((sw) => sw.captured);
  if (sweeps.length === 0 || caps.some((c) => !c)) {
    throw new StratlabError('BAD_ARGUMENT', 'runFromSweeps: expected capturing sweeps', { hint: 'run each with .capture()' });
  }
  const names = [...new Set(sweeps.map((sw) => sw.strategy))];
  const rows = sweeps.flatMap((sw) => sw.results.filter((r) => !r.resumed).map((r) => ({ r, strategy: sw.strategy })));
  rows.sort((a, b) => b.r.score - a.r.score);
  return writeRun({
    ...opts,
    kind: opts.kind ?? 'sweep',
    startedAt: opts.startedAt ?? caps[0]!.startedAt,
    strategy: { name: names.join(', '), type: 'generic' },
    data: opts.data ?? caps[0]!.bars,
    series: caps[0]!.bars,
    conditions: opts.conditions ?? caps[0]!.options.conditions,
    settings: opts.settings ?? (caps[0]!.settings as unknown as Record<string, unknown>),
    config: opts.config ?? { strategies: names },
    results: rows.map(({ r, strategy }) => ({
      strategy, symbol: r.symbol, timeframe: r.timeframe, params: r.params, metrics: r.metrics as unknown as Record<string, number> | undefined,
      score: r.score, disqualified: r.disqualified, status: r.status, error: r.error, capture: r.capture,
    })),
  });
}

/** Writes one backtest (or several, e.g. one per symbol) as a run: its signal changes, trades and equity. */
export async function runFromBacktest(res: BacktestResult | BacktestResult[], opts: Omit<WriteRunOptions, 'kind' | 'strategy' | 'results' | 'data' | 'series' | 'settings'> &
  Partial<Pick<WriteRunOptions, 'kind' | 'strategy' | 'data' | 'settings'>>): Promise<WrittenRun> {
  const list = Array.isArray(res) ? res : [res];
  if (list.length === 0) throw new StratlabError('BAD_ARGUMENT', 'runFromBacktest: expected a BacktestResult');
  return writeRun({
    ...opts,
    kind: opts.kind ?? 'backtest',
    strategy: opts.strategy ?? list[0].strategy,
    data: opts.data ?? list.map((r) => r.bars),
    series: list.map((r) => r.bars),
    settings: opts.settings ?? (list[0].settings as unknown as Record<string, unknown>),
    config: opts.config ?? { strategy: list[0].strategy, params: plainParams(list[0].params) },
    results: list.map((r) => ({
      symbol: r.symbol, timeframe: r.timeframe, params: plainParams(r.params), metrics: r.metrics() as unknown as Record<string, number>,
      score: r.sharpe, disqualified: [], status: 'ok' as const, capture: { ...captureRun(r.tradeLog), equity: r.equity },
    })),
  });
}

// ---- the strategies --------------------------------------------------------------------------

interface IndexedStrategy extends RunStrategyResult {
  strategy: string;
  hash: string;
  parameters: string;
}

/** Hashes every result; the same parameters twice on one dataset are the same strategy (the first is kept). */
function indexStrategies(name: string, results: readonly RunStrategyResult[]): IndexedStrategy[] {
  if (!Array.isArray(results)) throw new StratlabError('BAD_ARGUMENT', 'writeRun: results: expected a list of strategy results');
  const seen = new Set<string>();
  const out: IndexedStrategy[] = [];
  for (const r of results) {
    const params = plainParams(r.params ?? {});
    const strategy = r.strategy ?? name;
    const hash = strategyHash(strategy, params, r.symbol, r.timeframe);
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.push({ ...r, strategy, params, hash, parameters: canonicalJson(params) });
  }
  return out;
}

// ---- the files -------------------------------------------------------------------------------

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const EXIT_REASONS_SQL = "['signal', 'stopLoss', 'takeProfit', 'end', 'trailingStop', 'marginCall']";

async function writeFiles(conn: DuckDBConnection, dir: string, type: StrategyType, strategies: IndexedStrategy[], series: Bars[],
  conditions: Record<string, ConditionSeries>): Promise<RunManifest['files']> {
  await writeStrategyTable(conn, type, strategies);
  const to = (file: string) => `TO ${sqlString(path.join(dir, file))} (FORMAT parquet, COMPRESSION zstd)`;
  await conn.run(`COPY (SELECT * EXCLUDE (sid, metadata) FROM run_strategies ORDER BY sid) ${to('strategy_index.parquet')}`);

  const groups = groupByDataset(strategies, series);
  const files: RunManifest['files'] = { strategyIndex: 'strategy_index.parquet', traces: [], trades: null, equity: null };

  if (strategies.some((s) => s.capture?.traces)) {
    fs.mkdirSync(path.join(dir, 'traces'));
    const { joins, metadata } = await conditionJoins(conn, conditions);
    const used = new Set<string>();
    for (const g of groups) {
      let file = `traces/${safeName(g.bars.symbol)}_${safeName(g.bars.timeframe)}.parquet`;
      for (let k = 2; used.has(file); k++) file = `traces/${safeName(g.bars.symbol)}_${safeName(g.bars.timeframe)}_${k}.parquet`;
      used.add(file);
      await appendDoubleColumns(conn, 'run_traces', ['sid', 'ts', 'val', 'price'], traceColumns(g));
      await conn.run(`COPY (SELECT s.strategy_hash, epoch_ms(t.ts::BIGINT) AS ts, t.val::TINYINT AS val, t.price, ${metadata} AS metadata
        FROM run_traces t JOIN run_strategies s USING (sid)${joins} ORDER BY t.sid, t.ts) ${to(file)}`);
      files.traces.push(file);
    }
    await conn.run('DROP TABLE IF EXISTS run_traces');
    for (let i = 0; i < Object.keys(conditions).length; i++) await conn.run(`DROP TABLE IF EXISTS run_condition_${i}`);
  }

  if (strategies.some((s) => s.capture?.trades)) {
    await appendDoubleColumns(conn, 'run_trades', TRADE_SOURCE, tradeColumns(groups));
    await conn.run(`COPY (SELECT s.strategy_hash, CASE WHEN t.side > 0 THEN 'long' ELSE 'short' END AS side, t.units,
        epoch_ms(t.entry_ts::BIGINT) AS entry_ts, epoch_ms(t.exit_ts::BIGINT) AS exit_ts, t.entry_price, t.exit_price, t.pnl, t.return_pct,
        t.commission, t.bars_held::INTEGER AS bars_held, ${EXIT_REASONS_SQL}[t.exit_reason::INTEGER + 1] AS exit_reason
      FROM run_trades t JOIN run_strategies s USING (sid) ORDER BY t.sid, t.exit_ts, t.entry_ts) ${to('trades.parquet')}`);
    await conn.run('DROP TABLE run_trades');
    files.trades = 'trades.parquet';
  }

  if (strategies.some((s) => s.capture?.equity)) {
    await appendDoubleColumns(conn, 'run_equity', ['sid', 'ts', 'equity'], equityColumns(groups));
    await conn.run(`COPY (SELECT s.strategy_hash, epoch_ms(e.ts::BIGINT) AS ts, e.equity
      FROM run_equity e JOIN run_strategies s USING (sid) ORDER BY e.sid, e.ts) ${to('equity.parquet')}`);
    await conn.run('DROP TABLE run_equity');
    files.equity = 'equity.parquet';
  }
  await conn.run('DROP TABLE run_strategies');
  return files;
}

/** strategy_index's columns (plus sid and metadata, used by the joins) as a temp table, one appended row per strategy. */
async function writeStrategyTable(conn: DuckDBConnection, type: StrategyType, strategies: IndexedStrategy[]): Promise<void> {
  const metricCols = METRIC_COLUMNS.map((c) => `${c} DOUBLE`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE run_strategies (sid INTEGER, strategy_hash VARCHAR, strategy_type VARCHAR, strategy VARCHAR,
    symbol VARCHAR, timeframe VARCHAR, parameters VARCHAR, ${metricCols}, score DOUBLE, disqualified VARCHAR, status VARCHAR, error VARCHAR, metadata VARCHAR)`);
  const app = await conn.createAppender('run_strategies');
  const several = new Set(strategies.map((s) => s.strategy)).size > 1;
  const num = (x: number | undefined) => (typeof x === 'number' && !Number.isNaN(x) ? app.appendDouble(x) : app.appendNull());
  strategies.forEach((s, sid) => {
    app.appendInteger(sid);
    app.appendVarchar(s.hash);
    // A run of several strategies types each row by its own (a built-in's type, else generic).
    app.appendVarchar(several ? BUILT_IN_TYPES[s.strategy] ?? 'generic' : type);
    app.appendVarchar(s.strategy);
    app.appendVarchar(s.symbol);
    app.appendVarchar(s.timeframe);
    app.appendVarchar(s.parameters);
    for (const c of METRIC_COLUMNS) num(s.metrics?.[camel(c)]);
    num(s.score);
    app.appendVarchar((s.disqualified ?? []).join(','));
    app.appendVarchar(s.status ?? 'ok');
    if (s.error) app.appendVarchar(s.error);
    else app.appendNull();
    app.appendVarchar(`{"parameters":${s.parameters}}`);
    app.endRow();
  });
  app.flushSync();
  app.closeSync();
}

/**
 * Each condition as a temp table (ts, value), joined ASOF: the row with the greatest ts at or before
 * the trace's ts, so a value dated after a signal never reaches it; none (before the series) is null.
 * The metadata is built as text: DuckDB prints a DOUBLE in its shortest round-trip form, valid JSON
 * since the values are finite (checked in normaliseConditions).
 */
async function conditionJoins(conn: DuckDBConnection, conditions: Record<string, ConditionSeries>): Promise<{ joins: string; metadata: string }> {
  const names = Object.keys(conditions);
  if (names.length === 0) return { joins: '', metadata: 's.metadata' };
  let joins = '';
  const fields: string[] = [];
  for (const [i, name] of names.entries()) {
    const c = conditions[name];
    await appendDoubleColumns(conn, `run_condition_${i}`, ['ts', 'value'], [c.time, c.value]);
    joins += ` ASOF LEFT JOIN run_condition_${i} c${i} ON t.ts >= c${i}.ts`;
    fields.push(`${sqlString(`${i ? ',' : ''}"${name}":`)} || COALESCE(c${i}.value::VARCHAR, 'null')`);
  }
  return { joins, metadata: `'{"parameters":' || s.parameters || ',"conditions":{' || ${fields.join(' || ')} || '}}'` };
}

/** run.json's note of each condition: where it came from and the span it covers. */
function describeConditions(conditions: Record<string, ConditionSeries>): NonNullable<RunManifest['conditions']> {
  return Object.fromEntries(Object.entries(conditions).map(([name, c]) => [name, {
    path: c.path ?? null, rows: c.time.length,
    first: c.time.length ? new Date(c.time[0]).toISOString() : null,
    last: c.time.length ? new Date(c.time[c.time.length - 1]).toISOString() : null,
  }]));
}

interface Group {
  bars: Bars;
  members: { sid: number; s: IndexedStrategy }[];
}

function groupByDataset(strategies: IndexedStrategy[], series: Bars[]): Group[] {
  const groups = new Map<string, Group>();
  strategies.forEach((s, sid) => {
    const key = `${s.symbol}\u0000${s.timeframe}`;
    let g = groups.get(key);
    if (!g) {
      const bars = series.find((b) => b.symbol === s.symbol && b.timeframe === s.timeframe);
      if (!bars) {
        if (!s.capture?.traces && !s.capture?.trades && !s.capture?.equity) return;
        throw new StratlabError('BAD_ARGUMENT', `writeRun: strategy ${s.hash} ran on ${s.symbol} ${s.timeframe}, and no bars for it were given`, { hint: 'pass the bars it ran on in `series`' });
      }
      groups.set(key, (g = { bars, members: [] }));
    }
    g.members.push({ sid, s });
  });
  return [...groups.values()];
}

function badIndex(s: IndexedStrategy, what: string, bar: number, n: number): StratlabError {
  return new StratlabError('BAD_ARGUMENT', `writeRun: strategy ${s.hash} (${s.symbol} ${s.timeframe} ${s.parameters}): ${what} bar ${bar} is outside the ${n} bars`);
}

function traceColumns(g: Group): Float64Array[] {
  let rows = 0;
  for (const { s } of g.members) rows += s.capture?.traces?.bar.length ?? 0;
  const sid = new Float64Array(rows), ts = new Float64Array(rows), val = new Float64Array(rows), price = new Float64Array(rows);
  const { time, close } = g.bars, n = time.length;
  let j = 0;
  for (const m of g.members) {
    const t = m.s.capture?.traces;
    if (!t) continue;
    for (let k = 0; k < t.bar.length; k++, j++) {
      const b = t.bar[k];
      if (!(b >= 0 && b < n)) throw badIndex(m.s, 'trace', b, n);
      sid[j] = m.sid;
      ts[j] = time[b];
      val[j] = t.val[k];
      price[j] = close[b];
    }
  }
  return [sid, ts, val, price];
}

const TRADE_SOURCE = ['sid', 'side', 'units', 'entry_ts', 'exit_ts', 'entry_price', 'exit_price', 'pnl', 'return_pct', 'commission', 'bars_held', 'exit_reason'];

function tradeColumns(groups: Group[]): Float64Array[] {
  let rows = 0;
  for (const g of groups) for (const { s } of g.members) rows += s.capture?.trades?.length ?? 0;
  const cols = TRADE_SOURCE.map(() => new Float64Array(rows));
  const [sid, side, units, entryTs, exitTs, entryPrice, exitPrice, pnl, returnPct, commission, barsHeld, exitReason] = cols;
  let j = 0;
  for (const g of groups) {
    const time = g.bars.time, n = time.length;
    for (const m of g.members) {
      const t = m.s.capture?.trades;
      if (!t) continue;
      for (let k = 0; k < t.length; k++, j++) {
        const a = t.entryBar[k], b = t.exitBar[k];
        if (!(a >= 0 && a < n)) throw badIndex(m.s, 'trade entry', a, n);
        if (!(b >= 0 && b < n)) throw badIndex(m.s, 'trade exit', b, n);
        sid[j] = m.sid; side[j] = t.side[k]; units[j] = t.units[k]; entryTs[j] = time[a]; exitTs[j] = time[b];
        entryPrice[j] = t.entryPrice[k]; exitPrice[j] = t.exitPrice[k]; pnl[j] = t.pnl[k]; returnPct[j] = t.returnPct[k];
        commission[j] = t.commission[k]; barsHeld[j] = b - a; exitReason[j] = t.exitReason[k];
      }
    }
  }
  return cols;
}

function equityColumns(groups: Group[]): Float64Array[] {
  let rows = 0;
  for (const g of groups) for (const { s } of g.members) if (s.capture?.equity) rows += s.capture.equity.length;
  const sid = new Float64Array(rows), ts = new Float64Array(rows), eq = new Float64Array(rows);
  let j = 0;
  for (const g of groups) {
    for (const m of g.members) {
      const e = m.s.capture?.equity;
      if (!e) continue;
      if (e.length !== g.bars.time.length) {
        throw new StratlabError('BAD_ARGUMENT', `writeRun: strategy ${m.s.hash}: equity has ${e.length} values for ${g.bars.time.length} bars of ${m.s.symbol} ${m.s.timeframe}`);
      }
      sid.fill(m.sid, j, j + e.length);
      ts.set(g.bars.time, j);
      eq.set(e, j);
      j += e.length;
    }
  }
  return [sid, ts, eq];
}

// ---- run.json --------------------------------------------------------------------------------

/** 16 hex digits of SHA-256 over the time and OHLCV columns' bytes. */
export function fingerprint(b: Bars, file: string | null): DataFingerprint {
  const h = crypto.createHash('sha256');
  for (const c of [b.time, b.open, b.high, b.low, b.close, b.volume]) h.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  const n = b.time.length;
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');
  const abs = file ? path.resolve(file) : null;
  const fp: DataFingerprint = { symbol: b.symbol, timeframe: b.timeframe, path: abs, rows: n, first: iso(b.time[0]), last: iso(b.time[n - 1]), sha256: h.digest('hex').slice(0, 16) };
  // The options loadBars read the file with (when these bars are that file's), so an analysis reloads the same rows.
  if (abs !== null && b.source?.path === abs) {
    const { path: _path, ...load } = b.source;
    if (Object.keys(load).length > 0) fp.load = load;
  }
  return fp;
}

let version: string | undefined;
function stratlabVersion(): string {
  return (version ??= (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
}

/** '20261121-194501-a1b2c3': the UTC start, then 6 random hex digits. */
export function newRunId(at: Date = new Date()): string {
  const t = at.toISOString();
  return `${t.slice(0, 10).replace(/-/g, '')}-${t.slice(11, 19).replace(/:/g, '')}-${crypto.randomBytes(3).toString('hex')}`;
}

function checkName(name: string): string {
  if (typeof name !== 'string' || name.trim() === '' || /[/\\]|^\.\.?$/.test(name)) {
    throw new StratlabError('BAD_ARGUMENT', `writeRun: configName ${JSON.stringify(name)}: expected a folder name (no slashes), e.g. 'sma-cross-goog'`);
  }
  return name;
}

/** A symbol or timeframe as part of a file name. */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** Folders `<id>.tmp-<pid>` whose writer process is gone (killed mid-write): never runs, so removed. */
function removeStaleTemps(parent: string): void {
  for (const e of fs.readdirSync(parent, { withFileTypes: true })) {
    const m = /\.tmp-(\d+)$/.exec(e.name);
    if (!e.isDirectory() || !m || alive(Number(m[1]))) continue;
    fs.rmSync(path.join(parent, e.name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Plain JSON: functions by name, non-finite numbers as null, typed arrays dropped. */
function jsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'function' ? x.name : ArrayBuffer.isView(x) ? undefined : typeof x === 'number' && !Number.isFinite(x) ? null : x)) ?? 'null');
}
