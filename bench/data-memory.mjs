// Peak memory of loading a big CSV: `loadBars` and `inspectBars` (what `stratlab data inspect` runs)
// on generated 1-minute CSVs of about 10, 50 and 200 MB. Each measurement is a fresh child process:
// its peak RSS (VmHWM) after the call, minus its RSS just before it (Node, the library and a warm
// DuckDB, which every load pays whatever the file), against the loaded columns themselves
// (6 Float64 columns × rows × 8 bytes). The target is a peak under 3× the columns.
// `benchDataMemory(libPath, tmpDir, sizesMb?)` returns rows { name, mb, rows, columnsMb, peakMb, ratio }.
// Run alone: `node bench/data-memory.mjs [MB ...]` (default: 10 50 200; needs dist/, `npm run setup`).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const MEMORY_TARGET_RATIO = 3;

/** Peak RSS growth (bytes) of `call` ('loadBars' | 'inspectBars') on `file`, in a fresh process. */
function peakGrowth(libPath, file, call) {
  const code = `
    const fs = require('fs');
    const lib = require(${JSON.stringify(libPath)});
    const kb = (key) => Number(fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(key + ':\\\\s+(\\\\d+) kB'))[1]);
    (async () => {
      // Warm up on a one-row file: DuckDB's instance and the modules are paid before the baseline.
      const tiny = ${JSON.stringify(file)} + '.tiny.csv';
      fs.writeFileSync(tiny, 'time,open,high,low,close,volume\\n2020-01-01T00:00:00Z,1,1,1,1,1\\n');
      await lib.${call}(tiny);
      fs.rmSync(tiny);
      global.gc?.();
      const before = kb('VmRSS');
      // VmHWM is the peak since exec: reset it so it measures from the baseline on (Linux ≥ 4.0).
      try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch {}
      const out = await lib.${call}(${JSON.stringify(file)});
      const rows = out.time ? out.time.length : out.rows;
      process.stdout.write(JSON.stringify({ before, peak: kb('VmHWM'), rows }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${call}(${file}) failed: ${r.stderr}`);
  const { before, peak, rows } = JSON.parse(r.stdout);
  return { growth: Math.max(0, peak - before) * 1024, rows };
}

/** A 1-minute CSV of about `mb` MB, written once per size. */
async function csvOfSize(lib, dir, mb) {
  const file = path.join(dir, `SYNTH_${mb}MB.csv`);
  // About 70 bytes a row (ISO time with Z, 5 prices, a volume): size the sample, then scale.
  const probe = path.join(dir, 'probe.csv');
  await lib.writeBarsCsv(lib.syntheticBars({ n: 10_000, timeframe: '1m', seed: 1 }), probe);
  const perRow = fs.statSync(probe).size / 10_000;
  fs.rmSync(probe);
  const n = Math.round((mb * 1e6) / perRow);
  await lib.writeBarsCsv(lib.syntheticBars({ n, timeframe: '1m', seed: 1 }), file);
  return file;
}

export async function benchDataMemory(libPath, tmpDir, sizesMb = [10, 50, 200]) {
  const require = createRequire(import.meta.url);
  const lib = require(libPath);
  const dir = fs.mkdtempSync(path.join(tmpDir, 'stratlab-bench-memory-'));
  const rows = [];
  try {
    for (const mb of sizesMb) {
      const file = await csvOfSize(lib, dir, mb);
      const fileMb = fs.statSync(file).size / 1e6;
      for (const call of ['loadBars', 'inspectBars']) {
        const { growth, rows: n } = peakGrowth(libPath, file, call);
        const columns = 6 * 8 * n;
        rows.push({
          name: `${call} CSV ${Math.round(fileMb)} MB`,
          mb: Math.round(fileMb * 10) / 10,
          rows: n,
          columnsMb: Math.round((columns / 1e6) * 10) / 10,
          peakMb: Math.round((growth / 1e6) * 10) / 10,
          ratio: Math.round((growth / columns) * 100) / 100,
        });
      }
      fs.rmSync(file);
    }
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function formatMemoryRows(rows) {
  return rows.map((r) =>
    `${r.name.padEnd(26)} ${r.rows.toLocaleString('en-US').padStart(10)} rows  columns ${String(r.columnsMb).padStart(6)} MB  ` +
    `peak +${String(r.peakMb).padStart(6)} MB  ${r.ratio.toFixed(2)}× (target < ${MEMORY_TARGET_RATIO}×)${r.ratio >= MEMORY_TARGET_RATIO ? '  OVER' : ''}`,
  ).join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const libPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const rows = await benchDataMemory(libPath, os.tmpdir(), sizes.length ? sizes : undefined);
  console.log(formatMemoryRows(rows));
}
