// The Python bridge: per-query latency from Python (stratlab_bridge) against one persistent
// `stratlab bridge serve` process — SQL over a run's strategy_index and a tracker query (`top`) —
// next to the old way, one `node bin/stratlab.js … --json` process per query.
//
//   import { benchBridge } from './bridge.mjs';
//   const rows = await benchBridge(require('../dist'), tmpDir, '../shared/data/GOOG.csv');
// Run alone: `node bench/bridge.mjs`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SCRIPT = `
import json, subprocess, sys, time
import stratlab_bridge as sb
run_dir, db, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def median(xs):
    return sorted(xs)[len(xs) // 2]
def timed(fn, n):
    fn()  # warm-up: starts the bridge process, opens the run
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return median(out)
run = sb.open_run(run_dir)
sql = "SELECT strategy_hash, score FROM strategy_index ORDER BY score DESC LIMIT 5"
query = timed(lambda: run.query(sql), runs)
top = timed(lambda: sb.cli(["top", "--db", db, "-n", "5", "--json"]), runs)
node, script = sb._node(), sb.DEFAULT_ROOT + "/bin/stratlab.js"
spawned = timed(lambda: subprocess.run([node, script, "query", "--run", run_dir, "--sql", sql, "--json"], check=True, capture_output=True), 5)
print(json.dumps({"query": query, "top": top, "spawned": spawned}))
`;

export async function benchBridge(lib, tmp, goog) {
  const dir = fs.mkdtempSync(path.join(tmp, 'stratlab-bench-bridge-'));
  try {
    const bars = await lib.loadBars(goog);
    const tracker = lib.openTracker(path.join(dir, 'research.db'));
    const sw = await lib.sweep(bars).strategy('SmaCross').grid({ fast: [5, 10, 20, 30], slow: [50, 100, 150, 200] })
      .workers(0).progress('none').track(tracker, 'bench_bridge').capture({ traces: true, trades: true, equity: 5 }).run();
    tracker.close();
    const run = await lib.runFromSweep(sw, { runsDir: path.join(dir, 'runs'), configName: 'bench-bridge' });
    const r = spawnSync('/usr/bin/python3', ['-c', SCRIPT, run.dir, path.join(dir, 'research.db'), '50'], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: path.join(ROOT, 'kernels', 'python'), STRATLAB_NODE: process.execPath },
    });
    if (r.status !== 0) throw new Error(`bridge bench failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop());
    return [
      { name: 'Python bridge: run.query over strategy_index (one persistent bridge process)', ms: m.query, target: 20 },
      { name: 'Python bridge: tracker query, cli(["top", "--db", …, "--json"]) (same process)', ms: m.top, target: 20 },
      { name: 'for comparison: one `stratlab query --json` process per query (the old bridge)', ms: m.spawned },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const require = createRequire(import.meta.url);
  const lib = require(path.join(ROOT, 'dist'));
  for (const r of await benchBridge(lib, os.tmpdir(), path.resolve(ROOT, '..', 'shared', 'data', 'GOOG.csv'))) {
    console.log(`${r.name.padEnd(90)} ${r.ms.toFixed(2).padStart(8)} ms${r.target === undefined ? '' : `  (target ≤ ${r.target} ms)`}`);
  }
}
