// Benchmarks of lib/data: load 1,000,000 bars from CSV and Parquet, resample them, make them.
// `benchData(lib, tmpDir)` returns rows { name, ms, target } (ms = median of a few runs).
// Run alone: `node bench/data.mjs [path/to/compiled/index.js]` (default: dist/index.js).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const N = 1_000_000;

async function median(runs, fn) {
  const times = [];
  for (let k = 0; k < runs; k++) {
    globalThis.gc?.();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] * 10) / 10;
}

export async function benchData(lib, tmpDir) {
  const dir = fs.mkdtempSync(path.join(tmpDir, 'stratlab-bench-data-'));
  const csv = path.join(dir, 'SYNTH.csv');
  const parquet = path.join(dir, 'SYNTH.parquet');
  try {
    let bars;
    const synthMs = await median(3, () => {
      bars = lib.syntheticBars({ n: N, timeframe: '1m', seed: 42 });
    });
    await lib.writeBarsCsv(bars, csv);
    await lib.writeBarsParquet(bars, parquet);

    const check = (loaded) => {
      if (loaded.time.length !== N) throw new Error(`expected ${N} rows, loaded ${loaded.time.length}`);
    };
    await lib.loadBars(csv).then(check); // warm-up: DuckDB start, page cache
    const csvMs = await median(3, async () => check(await lib.loadBars(csv)));
    const parquetMs = await median(5, async () => check(await lib.loadBars(parquet)));
    lib.resample(bars, '5m');
    const resampleMs = await median(7, () => lib.resample(bars, '5m'));

    return [
      { name: 'syntheticBars 1M 1m bars', ms: synthMs, target: 500 },
      { name: 'loadBars CSV 1M rows', ms: csvMs, target: 1500 },
      { name: 'loadBars Parquet 1M rows', ms: parquetMs, target: 500 },
      { name: 'resample 1M 1m bars to 5m', ms: resampleMs, target: 50 },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const require = createRequire(import.meta.url);
  const libPath = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js'));
  const rows = await benchData(require(libPath), os.tmpdir());
  for (const r of rows) console.log(`${r.name.padEnd(36)} ${String(r.ms).padStart(8)} ms  (target ≤ ${r.target} ms)${r.ms > r.target ? '  SLOW' : ''}`);
}
