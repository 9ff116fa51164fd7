// `npm run bench`: every speed target, measured in one run on this machine, printed and written into
// README.md between the bench markers with the machine it came from. Targets are never timed tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { benchData } from './data.mjs';
import { benchIndicators } from './indicators.mjs';
import { benchEngine } from './engine.mjs';
import { benchSweep } from './sweep.mjs';
import { benchSweepScale } from './sweep-scale.mjs';
import { benchTracker } from './tracker.mjs';
import { benchNotebook } from './notebook.mjs';
import { benchRuns } from './runs.mjs';
import { benchBridge } from './bridge.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lib = require(path.join(ROOT, 'dist'));
const README = path.join(ROOT, 'README.md');

// Targets from the issues, in ms; a row without one is reported for information.
const INDICATOR_TARGETS = { 'sma(close, 20)': 20, 'ema(close, 20)': 20, 'rsi(close, 14)': 20, 'atr(h, l, c, 14)': 20 };

function setupCheckMs() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'setup.mjs'), '--quiet'], { cwd: ROOT });
    if (r.status !== 0) throw new Error('setup check failed');
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2];
}

function machine() {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

function fmt(x) {
  if (!Number.isFinite(x)) return '—';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

// Rows give { value, unit } (engine) or { ms } (the rest); a target is a ceiling unless higherIsBetter.
const valueOf = (r) => r.value ?? r.ms;
const unitOf = (r) => r.unit ?? 'ms';
const met = (r) => Number.isFinite(valueOf(r)) && (r.higherIsBetter ? valueOf(r) >= r.target : valueOf(r) <= r.target);

// `--only engine` (or setup, data, indicators, sweep, sweep-scale, tracker, runs, bridge) runs one group and leaves the README alone.
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const want = (group) => !only || only === group;

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-bench-'));
  const rows = [];
  try {
    if (want('setup')) {
      process.stderr.write('bench: set-up check\n');
      rows.push({ group: 'setup', name: 'set-up check when everything is in place', ms: setupCheckMs(), target: 1000 });
    }
    if (want('data')) {
      process.stderr.write('bench: data (writes 1,000,000-row CSV and Parquet files)\n');
      for (const r of await benchData(lib, tmp)) rows.push({ group: 'data', ...r });
    }
    if (want('indicators')) {
      process.stderr.write('bench: indicators over 1,000,000 bars\n');
      const bars = lib.syntheticBars({ n: 1_000_000, timeframe: '1m', seed: 7 });
      for (const r of await benchIndicators(lib, bars)) rows.push({ group: 'indicators', ...r, target: INDICATOR_TARGETS[r.name] });
    }
    if (want('engine')) process.stderr.write('bench: engine (1,000,000-bar SmaCross, GOOG, peak memory)\n');
    if (want('engine')) {
      const goog = path.resolve(ROOT, '..', 'shared', 'data', 'GOOG.csv');
      for (const r of await benchEngine(lib, goog)) rows.push({ group: 'engine', ...r });
    }
    if (want('sweep')) {
      process.stderr.write('bench: sweep (SmaCross 4,851-combination grid, StochRSI 3,456-combination grid, workers, memory)\n');
      for (const r of await benchSweep(lib)) rows.push({ group: 'sweep', ...r });
    }
    if (want('sweep-scale')) {
      process.stderr.write('bench: sweep scale (peak memory from 10,000 to 10,000,000 combinations; two processes on one experiment vs one)\n');
      for (const r of await benchSweepScale(tmp)) rows.push({ group: 'sweep', ...r });
    }
    if (want('tracker')) {
      process.stderr.write('bench: tracker (saveMany 100,000 rows; queries over a 1,000,000-row database, ~1 GB in the temp folder)\n');
      for (const r of await benchTracker(lib, tmp)) rows.push({ group: 'tracker', ...r });
    }
    if (want('runs')) {
      process.stderr.write('bench: runs (1,000-strategy sweep on 100,000 bars written as a run; TraceAnalysis over 10,000,000 trace rows, ~200 MB in the temp folder)\n');
      for (const r of await benchRuns(lib, tmp)) rows.push({ group: 'runs', ...r });
    }
    if (want('bridge')) {
      process.stderr.write('bench: Python bridge (per-query latency from Python through one persistent bridge process)\n');
      for (const r of await benchBridge(lib, tmp, path.resolve(ROOT, '..', 'shared', 'data', 'GOOG.csv'))) rows.push({ group: 'bridge', ...r });
    }
    if (want('notebook')) {
      process.stderr.write('bench: notebook (generate and execute the analysis notebook of a 100-strategy run)\n');
      for (const r of await benchNotebook(lib, tmp, path.resolve(ROOT, '..', 'shared', 'data', 'GOOG.csv'))) rows.push({ group: 'notebook', ...r });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const when = new Date().toISOString().slice(0, 10);
  const table = [
    `Measured ${when} on ${machine()}. Median of several runs after a warm-up; ✓ = within target.`,
    '',
    '| area | what | measured | target | |',
    '|---|---|---:|---:|---|',
    ...rows.map((r) => `| ${r.group} | ${r.name} | ${Number.isFinite(valueOf(r)) ? `${fmt(valueOf(r))} ${unitOf(r)}` : 'not measured'} | ${r.target === undefined ? '' : `${r.higherIsBetter ? '≥' : '≤'} ${r.target} ${unitOf(r)}`} | ${r.target === undefined ? '' : met(r) ? '✓' : '✗'} |`),
  ].join('\n');
  console.log(table);

  if (!only && !process.argv.includes('--no-readme')) {
    const text = fs.readFileSync(README, 'utf8');
    const start = '<!-- bench:start -->';
    const end = '<!-- bench:end -->';
    const i = text.indexOf(start);
    const j = text.indexOf(end);
    if (i >= 0 && j > i) {
      const next = text.slice(0, i + start.length) + '\n' + table + '\n' + text.slice(j);
      const tmpReadme = `${README}.${process.pid}.tmp`;
      fs.writeFileSync(tmpReadme, next);
      fs.renameSync(tmpReadme, README);
      process.stderr.write('bench: figures written into README.md\n');
    }
  }
  const missed = rows.filter((r) => r.target !== undefined && !met(r));
  if (missed.length) process.stderr.write(`bench: ${missed.length} target(s) missed: ${missed.map((r) => r.name).join(', ')}\n`);
}

main().catch((e) => {
  console.error(`bench: ${e.stack ?? e}`);
  process.exit(1);
});
