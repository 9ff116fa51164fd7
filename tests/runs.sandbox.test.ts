import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../lib/cli/main';
import { StratlabError } from '../lib/core/errors';
import type { Bars } from '../lib/core/bars';
import { loadBars } from '../lib/data';
import { engine } from '../lib/engine';
import { generateNotebook } from '../lib/notebook';
import { openRun, runFromBacktest, TraceAnalysis, type Run } from '../lib/runs';
import { SmaCross } from '../lib/strategies/sma-cross';
import { CLI, GOOG } from './helpers/paths';

let tmp: string;
let goog: Bars;
let runDir: string;
let run: Run;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-sandbox-'));
  goog = await loadBars(GOOG);
  const results = [{ fast: 10, slow: 30 }, { fast: 20, slow: 50 }].map((p) => engine(goog).strategy(SmaCross, p).run());
  runDir = (await runFromBacktest(results, { runsDir: tmp, configName: 'sma-goog', paths: [GOOG, GOOG] })).dir;
  run = await openRun(runDir);
}, 60_000);

afterAll(() => {
  run?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Out { code: number; out: string; err: string }

async function cli(args: string[]): Promise<Out> {
  let out = '', err = '';
  const code = await runCli(args, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
  return { code, out, err };
}

/** The real binary in a child process, as the Python bridge calls it. */
function binary(args: string[]): Promise<Out> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<StratlabError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StratlabError);
    return e as StratlabError;
  }
  throw new Error('expected the promise to reject');
}

/** Every file of a directory with its bytes, to prove nothing changed. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const abs = path.join(dir, f);
    if (fs.statSync(abs).isFile()) out.set(f, crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex'));
  }
  return out;
}

/** A copy of the run to damage. */
function copyRun(name: string): string {
  const dir = path.join(tmp, 'copies', name);
  fs.cpSync(runDir, dir, { recursive: true });
  return dir;
}

/** Writes a parquet file with DuckDB outside stratlab, as a stray COPY would have. */
async function overwrite(file: string, select: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
}

describe('a run query is one SELECT, as DuckDB reads it', () => {
  it('refuses every write and escape, however it is spelled, and leaves the run as it was', async () => {
    const trades = path.join(runDir, 'trades.parquet');
    const index = path.join(runDir, 'strategy_index.parquet');
    const outside = path.join(tmp, 'leak');
    const before = snapshot(runDir);
    const refused: [string, RegExp][] = [
      // The case: EXPLAIN ANALYZE runs the COPY it explains, over a file the sandbox may read.
      [`EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '${trades}' (FORMAT parquet)`, /EXPLAIN ANALYZE is not allowed/],
      [`EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '${trades}' (FORMAT parquet, USE_TMP_FILE false)`, /EXPLAIN ANALYZE is not allowed/],
      [`/* plan */ explain   Analyze\n  copy (select 1 as x) to '${index}' (format parquet)`, /EXPLAIN ANALYZE is not allowed/],
      [`EXPLAIN SELECT * FROM trades`, /EXPLAIN is not allowed/],
      [`COPY (SELECT 1 AS x) TO '${trades}' (FORMAT parquet, USE_TMP_FILE false)`, /COPY is not allowed/],
      [`-- overwrite\ncOpY trades TO '${index}' (FORMAT parquet)`, /COPY is not allowed/],
      [`COPY (SELECT 1 AS x) TO '${outside}.csv'`, /Permission Error/],
      [`COPY trades FROM '${trades}'`, /COPY is not allowed/],
      [`ATTACH '${outside}.db' AS x`, /ATTACH is not allowed/],
      [`attach database ':memory:' as m`, /ATTACH is not allowed/],
      ['DETACH memory', /DETACH is not allowed/],
      ['INSTALL httpfs', /INSTALL is not allowed/],
      ['force install httpfs', /FORCE INSTALL is not allowed/],
      ['LOAD httpfs', /LOAD is not allowed/],
      ['UPDATE EXTENSIONS', /UPDATE EXTENSIONS is not allowed/],
      ['SET enable_external_access = true', /SET is not allowed/],
      ["set lock_configuration = false", /SET is not allowed/],
      ['RESET threads', /RESET is not allowed/],
      ['PRAGMA threads = 64', /PRAGMA is not allowed/],
      ['PRAGMA show_tables', /PRAGMA is not allowed/],
      ['/* a pragma DuckDB rewrites into a SELECT */ pragma version', /PRAGMA is not allowed/],
      ['SET VARIABLE x = 1', /SET VARIABLE is not allowed/],
      ["SELECT * FROM read_csv('/etc/passwd')", /Permission Error/],
      ["select * from READ_TEXT('/etc/hostname')", /Permission Error/],
      [`SELECT * FROM read_parquet('${path.dirname(runDir)}/*/strategy_index.parquet')`, /Permission Error/],
      ["SELECT * FROM glob('/etc/*')", /Permission Error/],
      ['CREATE TABLE t AS SELECT 1', /CREATE is not allowed/],
      ['create or replace view trades as select 1 as x', /CREATE is not allowed/],
      ['CREATE MACRO m() AS 1', /CREATE is not allowed/],
      ['INSERT INTO trades SELECT * FROM trades', /INSERT is not allowed/],
      ['WITH t AS (SELECT 1) INSERT INTO x SELECT * FROM t', /WITH statement that is not a SELECT is not allowed/],
      ['DELETE FROM trades', /DELETE is not allowed/],
      ['UPDATE trades SET pnl = 0', /UPDATE is not allowed/],
      ['DROP VIEW trades', /DROP is not allowed/],
      ['ALTER VIEW trades RENAME TO t2', /ALTER is not allowed/],
      ['CALL pragma_version()', /CALL is not allowed/],
      ['CHECKPOINT', /CHECKPOINT is not allowed/],
      ['BEGIN TRANSACTION', /BEGIN is not allowed/],
      ['USE memory', /USE is not allowed/],
      [`EXPORT DATABASE '${outside}'`, /Permission Error/],
      [`SELECT 1; COPY (SELECT 1 AS x) TO '${trades}' (FORMAT parquet)`, /holds 2 statements/],
      ['SELECT 1; SELECT 2', /holds 2 statements/],
    ];
    for (const [sql, why] of refused) {
      const e = await failure(run.query(sql));
      expect(e.code, sql).toBe('READ_ONLY');
      expect(e.message, sql).toMatch(why);
      expect(e.message.split('\n'), sql).toHaveLength(1);
    }
    expect(snapshot(runDir)).toEqual(before);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('leak'))).toEqual([]);
    // The run still opens: its files match run.json.
    const again = await openRun(runDir);
    expect(again.verified).toBe(true);
    again.close();
  });

  it('names what it refused: INSTALL is refused as INSTALL, not LOAD', async () => {
    expect((await failure(run.query('INSTALL httpfs'))).message).toMatch(/^query refused: INSTALL is not allowed/);
    expect((await failure(run.query('  /* x */ LOAD parquet'))).message).toMatch(/^query refused: LOAD is not allowed/);
    const r = await cli(['query', '--run', runDir, '--sql', 'INSTALL httpfs']);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/^stratlab query: query refused: INSTALL is not allowed/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('answers a SELECT in its other forms, with comments and any case', async () => {
    const n = (await run.query('SELECT count(*) AS n FROM trades'))[0].n as number;
    expect(n).toBeGreaterThan(0);
    expect(await run.query('-- count\nwith t as (select * from trades) SELECT count(*) AS n FROM t;')).toEqual([{ n }]);
    expect(await run.query('/* from-first */ FROM trades SELECT count(*) AS n')).toEqual([{ n }]);
    expect(await run.query('(SELECT count(*) AS n FROM trades)')).toEqual([{ n }]);
    expect(await run.query('VALUES (1)')).toEqual([{ col0: 1 }]);
    expect((await run.query('DESCRIBE trades')).map((r) => r.column_name)).toContain('exit_reason');
    expect((await run.query('SUMMARIZE strategy_index')).length).toBeGreaterThan(5);
  });

  it('cannot write underneath either: external access off, configuration locked, no temp folder to spill to', async () => {
    const [s] = await run.query(`SELECT current_setting('enable_external_access') AS ext, current_setting('lock_configuration') AS locked,
      current_setting('temp_directory') AS temp, current_setting('autoinstall_known_extensions') AS autoinstall`);
    expect(s).toEqual({ ext: false, locked: true, temp: '', autoinstall: false });
  });
});

describe('query limits', () => {
  it('stops a query that would run forever at the time limit, with one QUERY_LIMIT line, and answers the next', async () => {
    const r = await openRun(runDir, { timeoutMs: 1000 });
    try {
      for (const sql of [
        'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
        'SELECT sum(a.equity * b.units * c.range) FROM equity a, trades b, range(1000000000) c',
      ]) {
        const e = await failure(r.query(sql));
        expect(e.code).toBe('QUERY_LIMIT');
        expect(e.message).toBe('query stopped: it ran past the time limit of 1 s');
        expect(e.hint).toMatch(/--timeout SECONDS/);
      }
      expect(await r.query('SELECT count(*) AS n FROM strategy_index')).toEqual([{ n: 2 }]);
    } finally {
      r.close();
    }
  }, 30_000);

  it('refuses a result over the row limit rather than cutting it short', async () => {
    const r = await openRun(runDir, { maxRows: 1000 });
    try {
      const e = await failure(r.query('SELECT * FROM equity'));
      expect(e.code).toBe('QUERY_LIMIT');
      expect(e.message).toMatch(/more than 1,000 rows \(the row limit\)/);
      expect(await r.query('SELECT * FROM equity LIMIT 1000')).toHaveLength(1000);
    } finally {
      r.close();
    }
  });

  it('stops a query at the memory limit', async () => {
    const ta = await TraceAnalysis.open(runDir, { memoryLimit: '32MB' });
    try {
      const e = await failure(ta.query('SELECT list(i) AS l FROM range(50000000) t(i)'));
      expect(e.code).toBe('QUERY_LIMIT');
      expect(e.message).toBe('query stopped: it needed more than the memory limit of 32MB');
    } finally {
      await ta.close();
    }
  });

  it('sets DuckDB below the machine by default: memory at most half of it, threads at most 4', async () => {
    const [s] = await run.query("SELECT current_setting('memory_limit') AS mem, current_setting('threads') AS threads");
    const m = /^([\d.]+) (KiB|MiB|GiB)$/.exec(s.mem as string)!;
    const bytes = Number(m[1]) * { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2] as 'KiB'];
    expect(bytes).toBeLessThanOrEqual(Math.min(2 * 1024 ** 3, os.totalmem() / 2) * 1.01);
    expect(s.threads).toBeGreaterThanOrEqual(1);
    expect(s.threads).toBeLessThanOrEqual(4);
    const r = await openRun(runDir, { threads: 1, memoryLimit: '256MB' });
    expect(await r.query("SELECT current_setting('threads') AS t, current_setting('memory_limit') AS m")).toEqual([{ t: 1, m: '244.1 MiB' }]);
    r.close();
  });

  it('checks the limits it is given, naming the field', async () => {
    await expect(openRun(runDir, { timeoutMs: 0 })).rejects.toThrow(/query limits: timeoutMs: expected a number of milliseconds > 0, got 0/);
    await expect(openRun(runDir, { memoryLimit: 'lots' })).rejects.toThrow(/query limits: memoryLimit: expected a size/);
    await expect(openRun(runDir, { maxRows: 2.5 })).rejects.toThrow(/query limits: maxRows: expected a whole number/);
  });

  it('takes the limits as flags in stratlab query and result, and refuses bad ones with exit 2', async () => {
    const slow = await binary(['query', '--run', runDir, '--timeout', '1', '--sql', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r']);
    expect(slow.code).toBe(1);
    expect(slow.err.trim()).toMatch(/^stratlab query: query stopped: it ran past the time limit of 1 s \(.*--timeout SECONDS/);
    expect(slow.err.trim().split('\n')).toHaveLength(1);
    const many = await cli(['result', '--run', runDir, '--what', 'equity', '--max-rows', '100']);
    expect(many).toMatchObject({ code: 1, err: expect.stringMatching(/more than 100 rows \(the row limit\)/) });
    const ok = await cli(['query', '--run', runDir, '--threads', '1', '--memory-limit', '128MB', '--max-rows', '5', '--sql', 'SELECT * FROM strategy_index', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).rows).toHaveLength(2);
    for (const [flag, value, msg] of [
      ['--timeout', 'soon', /--timeout "soon" is not a number/],
      ['--timeout', '0', /--timeout 0 is out of range/],
      ['--memory-limit', 'big', /--memory-limit "big" is not a size/],
      ['--memory-limit', '1MB', /--memory-limit 1MB is out of range/],
      ['--threads', '0', /--threads 0 is out of range/],
      ['--max-rows', '1.5', /--max-rows 1.5 is out of range/],
    ] as const) {
      const r = await cli(['query', '--run', runDir, flag, value, '--sql', 'SELECT 1']);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.err).toMatch(msg);
    }
  }, 30_000);
});

describe('a run is checked against the manifest written with it', () => {
  it('records every file\'s rows, size and SHA-256 in run.json', async () => {
    const m = run.manifest;
    const files = [m.files.strategyIndex, ...m.files.traces, m.files.trades!, m.files.equity!];
    expect(Object.keys(m.integrity!).sort()).toEqual([...files].sort());
    const views: Record<string, string> = { [m.files.strategyIndex]: 'strategy_index', [m.files.trades!]: 'trades', [m.files.equity!]: 'equity', [m.files.traces[0]]: 'traces' };
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(runDir, f));
      expect(m.integrity![f].bytes).toBe(bytes.length);
      expect(m.integrity![f].sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
      expect([{ n: m.integrity![f].rows }]).toEqual(await run.query(`SELECT count(*) AS n FROM ${views[f]}`));
    }
    expect(run.verified).toBe(true);
  });

  it('refuses a run whose strategy index was replaced by a one-row file, naming it: openRun, TraceAnalysis, result, notebook generate', async () => {
    const dir = copyRun('one-row-index');
    const file = path.join(dir, 'strategy_index.parquet');
    await overwrite(file, `SELECT * FROM read_parquet('${path.join(runDir, 'strategy_index.parquet')}') LIMIT 1`);
    const e = await failure(openRun(dir));
    expect(e.code).toBe('TAMPERED_RUN');
    expect(e.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: changed since the run was written`));
    expect(() => new TraceAnalysis(dir)).toThrow(/strategy_index\.parquet: changed since the run was written/);
    const res = await cli(['result', '--run', dir]);
    expect(res.code).toBe(1);
    expect(res.err.trim().split('\n')).toHaveLength(1);
    expect(res.err).toMatch(/strategy_index\.parquet: changed since the run was written/);
    const nb = await cli(['notebook', 'generate', '--run', dir]);
    expect(nb.code).toBe(1);
    expect(nb.err).toMatch(/strategy_index\.parquet: changed since the run was written/);
    expect(() => generateNotebook(dir)).toThrow(/strategy_index\.parquet: changed since the run was written/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb'))).toEqual([]);
  });

  it('refuses trades overwritten with the same number of bytes, by their content hash', async () => {
    const dir = copyRun('same-size');
    const file = path.join(dir, 'trades.parquet');
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const e = await failure(openRun(dir));
    expect(e.code).toBe('TAMPERED_RUN');
    expect(e.message).toMatch(/trades\.parquet: changed since the run was written: its content hash \(SHA-256\) differs/);
  });

  it('compares row counts with what the parquet footers say', async () => {
    const dir = copyRun('row-count');
    const json = path.join(dir, 'run.json');
    const m = JSON.parse(fs.readFileSync(json, 'utf8'));
    const rows = m.integrity['equity.parquet'].rows;
    m.integrity['equity.parquet'].rows = rows + 1;
    fs.writeFileSync(json, JSON.stringify(m));
    const e = await failure(openRun(dir));
    expect(e.code).toBe('TAMPERED_RUN');
    expect(e.message).toMatch(new RegExp(`equity\\.parquet: changed since the run was written: ${rows.toLocaleString('en-US')} rows, run.json recorded ${(rows + 1).toLocaleString('en-US')}`));
  });

  it('refuses a listed file without an integrity entry', async () => {
    const dir = copyRun('no-entry');
    const json = path.join(dir, 'run.json');
    const m = JSON.parse(fs.readFileSync(json, 'utf8'));
    delete m.integrity['trades.parquet'];
    fs.writeFileSync(json, JSON.stringify(m));
    await expect(openRun(dir)).rejects.toThrow(/trades\.parquet: changed since the run was written: listed in run\.json \(files\.trades\) without an integrity entry/);
  });

  it('opens a run written before run.json recorded hashes, unverified, and says so', async () => {
    const dir = copyRun('older');
    const json = path.join(dir, 'run.json');
    const { integrity: _, ...older } = JSON.parse(fs.readFileSync(json, 'utf8'));
    fs.writeFileSync(json, JSON.stringify(older));
    const r = await openRun(dir);
    try {
      expect(r.verified).toBe(false);
      expect(r.note).toMatch(/run\.json has no integrity record .*cannot be verified/);
      expect(await r.query('SELECT count(*) AS n FROM strategy_index')).toEqual([{ n: 2 }]);
    } finally {
      r.close();
    }
    const q = await cli(['query', '--run', dir, '--sql', 'SELECT count(*) AS n FROM strategy_index', '--json']);
    expect(q.code).toBe(0);
    expect(JSON.parse(q.out).rows).toEqual([{ n: 2 }]);
    expect(q.err).toMatch(/^note: .*cannot be verified\n$/);
  });
});
