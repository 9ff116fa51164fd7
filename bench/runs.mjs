// Run directories: a 1,000-strategy SmaCross sweep on 100,000 5-minute bars with every strategy's
// traces and trades captured (and the 10 best equity curves), the sweep and writeRun timed apart;
// then a TraceAnalysis group-by over a synthetic run of 10,000,000 trace rows (written straight
// through DuckDB: no sweep makes that many signal changes in reasonable time). Opening a run checks
// every file against run.json (sizes, SHA-256, parquet row counts): timed on both runs, and against
// the same big run without the record (as an older stratlab wrote it) for the cost of verifying.
//
//   import { benchRuns } from './runs.mjs';
//   const rows = await benchRuns(require('../dist'), tmpDir);
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './timing.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// 40 × 25 = 1,000 combinations, fast < slow everywhere.
const GRID = { fast: Array.from({ length: 40 }, (_, i) => 5 + i), slow: Array.from({ length: 25 }, (_, i) => 50 + 10 * i) };

async function timed(fn) {
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, out };
}

export async function benchRuns(lib, tmp) {
  const rows = [];
  const runs = require_();
  const bars = lib.syntheticBars({ n: 100_000, timeframe: '5m', seed: 3, session: { open: '14:30', close: '21:00' } });
  const base = lib.sweep(bars).strategy('SmaCross').grid(GRID).workers(2).progress('none');
  await base.run(); // warm-up: the pool, the modules, the JIT

  const plain = [], captured = [], writes = [];
  let written;
  let traceRows = 0, tradeRows = 0;
  for (let r = 0; r < 3; r++) {
    plain.push((await timed(() => base.run())).ms);
    const sw = await timed(() => base.capture({ traces: true, trades: true, equity: 10 }).run());
    captured.push(sw.ms);
    const w = await timed(() => runs.runFromSweep(sw.out, { runsDir: path.join(tmp, 'runs'), configName: 'bench' }));
    writes.push(w.ms);
    written = w.out.dir;
    traceRows = sw.out.results.reduce((s, x) => s + (x.capture?.traces?.bar.length ?? 0), 0);
    tradeRows = sw.out.results.reduce((s, x) => s + (x.capture?.trades?.length ?? 0), 0);
  }
  const k = (x) => x.toLocaleString('en-US');
  rows.push({ name: `SmaCross 1,000-combination sweep on 100,000 5-minute bars, 2 workers, no capture`, value: median(plain) / 1000, unit: 's' });
  rows.push({ name: `the same with traces and trades of every strategy and the 10 best equity curves captured`, value: median(captured) / 1000, unit: 's' });
  rows.push({ name: `writeRun of that sweep: ${k(traceRows)} trace rows, ${k(tradeRows)} trades, 10 × 100,000 equity points, through DuckDB into parquet`, value: median(writes) / 1000, unit: 's', target: 10 });
  rows.push({ name: `sweep with capture + writeRun (the issue's "writing a run with 1,000 strategies' traces over 100,000 bars")`, value: (median(captured) + median(writes)) / 1000, unit: 's', target: 10 });

  const opens = async (dir) => {
    await (await runs.openRun(dir)).close(); // warm-up: the OS page cache
    const times = [];
    for (let r = 0; r < 5; r++) times.push((await timed(async () => (await runs.openRun(dir)).close())).ms);
    return median(times) / 1000;
  };
  const mb = (dir) => Object.values(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).integrity).reduce((s, f) => s + f.bytes, 0) / 1e6;
  rows.push({ name: `openRun of that run, its files (${mb(written).toFixed(1)} MB) checked against run.json: sizes, SHA-256, parquet row counts`, value: await opens(written), unit: 's' });

  const dir = await syntheticRun(lib, runs, path.join(tmp, 'big'), 10_000_000, 1000);
  const verified = await opens(dir);
  const older = path.join(tmp, 'big-older');
  fs.cpSync(dir, older, { recursive: true });
  const { integrity: _, ...manifest } = JSON.parse(fs.readFileSync(path.join(older, 'run.json'), 'utf8'));
  fs.writeFileSync(path.join(older, 'run.json'), JSON.stringify(manifest));
  rows.push({ name: `openRun of a 10,000,000-trace-row run (${mb(dir).toFixed(0)} MB of parquet), verified against run.json`, value: verified, unit: 's' });
  rows.push({ name: 'the same run without an integrity record (written by an older stratlab: opens unverified)', value: await opens(older), unit: 's' });

  const ta = await runs.TraceAnalysis.open(dir);
  try {
    const queries = {
      'TraceAnalysis group-by over 10,000,000 trace rows (per strategy: count, longs, mean price)':
        'SELECT strategy_hash, count(*) AS n, sum(CASE WHEN val = 1 THEN 1 ELSE 0 END) AS longs, avg(price) AS price FROM traces GROUP BY 1',
      'the same joined to strategy_index, grouped by a parameter and the hour of day':
        "SELECT json_extract_string(s.parameters, '$.fast') AS fast, hour(t.ts) AS h, count(*) AS n FROM traces t JOIN strategy_index s USING (strategy_hash) GROUP BY 1, 2",
    };
    let first = true;
    for (const [name, sql] of Object.entries(queries)) {
      await ta.query(sql); // warm-up: parquet metadata, the OS page cache
      const times = [];
      for (let r = 0; r < 5; r++) times.push((await timed(() => ta.query(sql))).ms);
      rows.push({ name, value: median(times) / 1000, unit: 's', ...(first ? { target: 2 } : {}) });
      first = false;
    }
  } finally {
    await ta.close();
  }
  return rows;
}

/** lib/runs as built (dist/runs: the whole module, helpers such as newRunId included). */
function require_() {
  return require(path.join(ROOT, 'dist', 'runs'));
}

/** A run directory whose traces file has `n` rows over `strategies` strategies, written by DuckDB alone. */
async function syntheticRun(lib, runs, dir, n, strategies) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  fs.mkdirSync(path.join(dir, 'traces'), { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const q = (s) => `'${s.replace(/'/g, "''")}'`;
  await conn.run(`CREATE TABLE s AS SELECT i, substr(md5(i::VARCHAR), 1, 16) AS strategy_hash, 5 + i % 40 AS fast, 50 + 10 * (i // 40) AS slow FROM range(${strategies}) t(i)`);
  await conn.run(`COPY (SELECT strategy_hash, 'momentum' AS strategy_type, 'SmaCross' AS strategy, 'SYN' AS symbol, '5m' AS timeframe,
      '{"fast":' || fast || ',"slow":' || slow || '}' AS parameters, random() * 100 AS return_pct, random() AS sharpe, random() AS score,
      '' AS disqualified, 'ok' AS status, NULL::VARCHAR AS error FROM s ORDER BY i) TO ${q(path.join(dir, 'strategy_index.parquet'))} (FORMAT parquet)`);
  const per = Math.ceil(n / strategies);
  await conn.run(`COPY (SELECT s.strategy_hash, TIMESTAMP '2020-01-01' + to_minutes((r % ${per}) * 37) AS ts,
      ((r * 7 + s.i) % 3 - 1)::TINYINT AS val, 100 + (r % 1000) / 10.0 AS price,
      '{"parameters":{"fast":' || s.fast || ',"slow":' || s.slow || '}}' AS metadata
      FROM range(${n}) t(r) JOIN s ON s.i = r // ${per} ORDER BY r) TO ${q(path.join(dir, 'traces', 'SYN_5m.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
  conn.closeSync();
  db.closeSync();
  // run.json's integrity record, as writeRun makes it (rows as written, size, SHA-256 of the bytes).
  const rowsOf = { 'strategy_index.parquet': strategies, 'traces/SYN_5m.parquet': n };
  const integrity = Object.fromEntries(Object.entries(rowsOf).map(([f, rows]) => {
    const bytes = fs.readFileSync(path.join(dir, f));
    return [f, { rows, bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') }];
  }));
  const now = new Date().toISOString();
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
    runId: runs.newRunId(), configName: 'bench', kind: 'run', strategy: { name: 'SmaCross', type: 'momentum' }, config: {}, data: [], settings: {},
    stratlabVersion: 'bench', startedAt: now, finishedAt: now, strategyCount: strategies,
    files: { strategyIndex: 'strategy_index.parquet', traces: ['traces/SYN_5m.parquet'], trades: null, equity: null }, integrity,
  }));
  return dir;
}
