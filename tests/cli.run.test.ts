import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../lib/cli/main';
import { openRun } from '../lib/runs';
import { CLI, GOOG } from './helpers/paths';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-cli-run-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

interface Out { code: number; out: string; err: string }

/** The CLI in this process (sweep workers run from dist/, as in the real CLI). */
async function cli(args: string[]): Promise<Out> {
  let out = '', err = '';
  const code = await runCli(args, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
  return { code, out, err };
}

/** The real binary in a child process, as the Python bridge calls it. */
function binary(args: string[], cwd = TMP): Promise<Out> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const CONFIG = path.join(TMP, 'sma-small.yaml');
let runDir: string;

beforeAll(async () => {
  fs.writeFileSync(CONFIG, `experiment: sma_cli_run
data:
  GOOG: ${path.relative(TMP, GOOG)}
strategy: SmaCross
grid:
  fast: [5, 10]
  slow: [30, 50]
settings: { spread: 0.0003, fill: close }
workers: 2
`);
  const r = await binary(['run', '--config', CONFIG, '--json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  runDir = JSON.parse(r.out).runDir;
}, 60_000);

describe('stratlab run', () => {
  it('sweeps the config with capture and writes runs/<config name>/<run-id>/ in the working directory', async () => {
    expect(path.dirname(runDir)).toBe(path.join(TMP, 'runs', 'sma-small'));
    const run = await openRun(runDir);
    try {
      expect(run.manifest).toMatchObject({ kind: 'run', configName: 'sma-small', strategyCount: 4, strategy: { name: 'SmaCross', type: 'momentum' } });
      expect(run.manifest.config).toMatchObject({ experiment: 'sma_cli_run', strategy: 'SmaCross', grid: { fast: [5, 10], slow: [30, 50] } });
      expect(run.manifest.data[0]).toMatchObject({ symbol: 'GOOG', path: GOOG, rows: 2148 });
      expect(run.manifest.files.traces).toEqual(['traces/GOOG_1d.parquet']);
      expect(await run.query('SELECT count(DISTINCT strategy_hash) AS n FROM equity')).toEqual([{ n: 4 }]);
    } finally {
      run.close();
    }
  });

  it('prints the run directory and what to do next', async () => {
    const r = await cli(['run', '--config', CONFIG, '--runs', path.join(TMP, 'elsewhere'), '--workers', '0', '--equity', '1']);
    expect(r.code).toBe(0);
    const dir = /Run written to (\S+)/.exec(r.out)?.[1] as string;
    expect(dir.startsWith(path.join(TMP, 'elsewhere', 'sma-small'))).toBe(true);
    expect(r.out).toContain(`stratlab query --run ${dir}`);
    const run = await openRun(dir);
    try {
      expect(await run.query('SELECT count(DISTINCT strategy_hash) AS n FROM equity')).toEqual([{ n: 1 }]);
    } finally {
      run.close();
    }
  });

  it('refuses bad flags with usage errors (exit 2)', async () => {
    expect((await cli(['run'])).err).toMatch(/--config FILE is required/);
    expect((await cli(['run'])).code).toBe(2);
    expect((await cli(['run', '--config', CONFIG, '--equity', '-1'])).err).toMatch(/--equity -1 is out of range/);
    expect((await cli(['run', '--config', path.join(TMP, 'missing.yaml')])).code).toBe(2);
  });
});

describe('stratlab query', () => {
  it('answers SQL as { columns, rows } JSON: numbers as numbers, timestamps as ISO text', async () => {
    const r = await binary(['query', '--run', runDir, '--sql', 'SELECT strategy_hash, count(*) AS n, min(ts) AS first FROM traces GROUP BY 1 ORDER BY n DESC', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const t = JSON.parse(r.out);
    expect(t.columns).toEqual([{ name: 'strategy_hash', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }, { name: 'first', type: 'TIMESTAMP' }]);
    expect(t.rows).toHaveLength(4);
    expect(typeof t.rows[0].n).toBe('number');
    expect(t.rows[0].first).toMatch(/^200\d-\d\d-\d\dT00:00:00\.000Z$/);
  });

  it('prints a table, and the columns of an empty result', async () => {
    const r = await cli(['query', '--run', runDir, '--sql', 'SELECT symbol, count(*) AS n FROM strategy_index GROUP BY 1']);
    expect(r.out).toMatch(/symbol\s+n\n-+\s+-+\nGOOG\s+4\n\(1 row\)/);
    const empty = await cli(['query', '--run', runDir, '--sql', "SELECT * FROM trades WHERE side = 'sideways'", '--json']);
    expect(JSON.parse(empty.out).rows).toEqual([]);
    expect(JSON.parse(empty.out).columns.map((c: { name: string }) => c.name)).toContain('exit_reason');
  });

  it('fails in one line: writes refused, a missing run, bad SQL', async () => {
    const copy = await cli(['query', '--run', runDir, '--sql', `COPY (SELECT 1) TO '${path.join(TMP, 'leak.csv')}'`]);
    expect(copy.code).toBe(1);
    expect(copy.err.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(TMP, 'leak.csv'))).toBe(false);
    const missing = await cli(['query', '--run', path.join(TMP, 'nope'), '--sql', 'SELECT 1']);
    expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/nope: no such run directory/) });
    const bad = await cli(['query', '--run', runDir, '--sql', 'SELEC 1']);
    expect(bad).toMatchObject({ code: 1, err: expect.stringMatching(/^stratlab query: query failed: Parser Error/) });
    expect((await cli(['query', '--run', runDir])).code).toBe(2);
  });
});

describe('stratlab result', () => {
  it('shows the index, a strategy\'s trades, equity and traces, and the manifest', async () => {
    const index = JSON.parse((await cli(['result', '--run', runDir, '--json'])).out);
    expect(index.rows).toHaveLength(4);
    const hash = index.rows[0].strategy_hash as string;
    const trades = JSON.parse((await cli(['result', '--run', runDir, '--what', 'trades', '--strategy', hash.slice(0, 6), '--json'])).out);
    expect(trades.rows.length).toBe(index.rows[0].total_trades);
    expect(trades.rows.every((t: { strategy_hash: string }) => t.strategy_hash === hash)).toBe(true);
    const equity = JSON.parse((await cli(['result', '--run', runDir, '--what', 'equity', '--strategy', hash, '--json'])).out);
    expect(equity.rows).toHaveLength(2148);
    expect(equity.rows[2147].equity).toBeCloseTo(index.rows[0].final_equity, 6);
    const traces = JSON.parse((await cli(['result', '--run', runDir, '--what', 'traces', '--strategy', hash, '--limit', '3', '--json'])).out);
    expect(traces.rows).toHaveLength(3);
    const manifest = JSON.parse((await cli(['result', '--run', runDir, '--what', 'manifest'])).out);
    expect(manifest.runId).toBe(path.basename(runDir));
  });

  it('refuses a wrong --what and an unknown strategy', async () => {
    const what = await cli(['result', '--run', runDir, '--what', 'trade']);
    expect(what).toMatchObject({ code: 2, err: expect.stringMatching(/--what "trade" must be index, trades, equity, traces or manifest \(did you mean trades\?\)/) });
    const unknown = await cli(['result', '--run', runDir, '--what', 'trades', '--strategy', 'ffffffff']);
    expect(unknown).toMatchObject({ code: 1, err: expect.stringMatching(/strategy ffffffff: not in run/) });
  });
});

describe('backtest and sweep --run', () => {
  it('backtest writes a run directory beside its usual output (unless --no-run)', async () => {
    const runs = path.join(TMP, 'bt-runs');
    const r = await cli(['backtest', '--data', GOOG, '--strategy', 'SmaCross', '--params', '{"fast":10,"slow":30}', '--runs', runs, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(path.dirname(out.runDir)).toBe(path.join(runs, 'backtest'));
    const run = await openRun(out.runDir);
    try {
      const [row] = await run.strategyIndex();
      expect(row.total_trades).toBe(out.totalTrades);
      expect(await run.query('SELECT count(*) AS n FROM trades')).toEqual([{ n: out.trades.length }]);
    } finally {
      run.close();
    }
    const none = await cli(['backtest', '--data', GOOG, '--strategy', 'SmaCross', '--no-run', '--json']);
    expect(JSON.parse(none.out).runDir).toBeUndefined();
    expect((await cli(['backtest', '--data', GOOG, '--strategy', 'SmaCross', '--runs', runs, '--no-run'])).err).toMatch(/--runs DIR and --no-run contradict/);
  });

  it('sweep --write-run writes a run and records each result once in the database, even when run twice', async () => {
    const runs = path.join(TMP, 'sw-runs');
    const db = path.join(TMP, 'research.db');
    for (let k = 0; k < 2; k++) {
      const r = await cli(['sweep', '--config', CONFIG, '--db', db, '--write-run', '--runs', runs, '--json']);
      expect(r.code).toBe(0);
      const run = await openRun(JSON.parse(r.out).runDir);
      try {
        expect(run.manifest.kind).toBe('sweep');
        expect(run.manifest.strategyCount).toBe(4);
      } finally {
        run.close();
      }
    }
    const sqlite = new Database(db, { readonly: true });
    expect((sqlite.prepare('SELECT count(*) AS n FROM experiments').get() as { n: number }).n).toBe(4);
    sqlite.close();
    expect(fs.readdirSync(path.join(runs, 'sma-small'))).toHaveLength(2);
  });
});
