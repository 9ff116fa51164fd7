// Notebook rows: generating the analysis notebook of a 100-strategy run (from run.json only), and
// executing the generated TypeScript notebook in a fresh tslab kernel (jupyter_server start included).
import path from 'node:path';
import { median } from './timing.mjs';

export async function benchNotebook(lib, tmp, goog) {
  const bars = await lib.loadBars(goog);
  // SmaCross fast 5..50 × slow 60..150: 100 strategies on GOOG daily, traces, trades and 10 equity curves.
  const sw = await lib.sweep(bars).strategy(lib.strategies.SmaCross)
    .grid({ fast: [5, 10, 15, 20, 25, 30, 35, 40, 45, 50], slow: [60, 70, 80, 90, 100, 110, 120, 130, 140, 150] })
    .capture({ traces: true, trades: true, equity: 10 }).progress('none').run();
  const run = await lib.runFromSweep(sw, { runsDir: path.join(tmp, 'nb-runs'), configName: 'bench', paths: [goog] });
  const gen = [];
  let file;
  lib.generateNotebook(run.dir, { kernel: 'ts' }); // warm-up: module load, template read
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    file = lib.generateNotebook(run.dir, { kernel: 'ts' });
    gen.push(performance.now() - t0);
  }
  const t0 = performance.now();
  const res = await lib.executeNotebook(file);
  const exec = performance.now() - t0;
  return [
    { name: `generate the analysis notebook of a ${run.manifest.strategyCount}-strategy run (TypeScript kernel)`, ms: median(gen), target: 200 },
    { name: `execute it (${res.codeCells} code cells), starting jupyter_server and the tslab kernel included`, ms: exec, target: 30_000 },
  ];
}
