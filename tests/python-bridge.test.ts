/**
 * The Python bridge keeps one `stratlab bridge serve` process per Python process (per kernel) and
 * asks it JSON lines; killed, it is started again on the next query; it goes when Python goes.
 * Real Python (Debian's, with pandas), the real CLI binary, a real run directory over GOOG.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../lib/cli/main';
import { CLI, GOOG, ROOT } from './helpers/paths';
import { waitFor } from './helpers/processes';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-py-bridge-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));
let runDir: string;

beforeAll(async () => {
  const config = path.join(TMP, 'sma-goog.yaml');
  fs.writeFileSync(config, `data:\n  GOOG: ${GOOG}\nstrategy: SmaCross\ngrid:\n  fast: [5, 10, 20]\n  slow: [50, 100]\n`);
  let out = '';
  const code = await runCli(['run', '--config', config, '--runs', path.join(TMP, 'runs'), '--workers', '0', '--json'], { out: (t) => (out += t), err: () => undefined });
  expect(code).toBe(0);
  runDir = JSON.parse(out).runDir;
}, 60_000);

/** Runs a Python script with the bridge importable; its last stdout line is JSON. */
function python(script: string): Record<string, any> {
  const r = spawnSync('/usr/bin/python3', ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: path.join(ROOT, 'kernels', 'python'), STRATLAB_NODE: process.execPath },
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the Python bridge', () => {
  it('answers every query of a kernel from one bridge process, and starts a new one when it was killed', () => {
    const r = python(`
import json, os, signal, time
import stratlab_bridge as sb
run = sb.open_run(${JSON.stringify(runDir)})
count = "SELECT count(*) AS n FROM strategy_index"
first = int(run.query(count)["n"][0])
pid = sb.bridge_pid()
best = run.query("SELECT strategy_hash, score FROM strategy_index ORDER BY score DESC LIMIT 3")
same = sb.bridge_pid()
os.kill(pid, signal.SIGKILL)
time.sleep(0.3)
again = int(run.query(count)["n"][0])
try:
    run.query("SELECT nope FROM strategy_index")
    error = None
except sb.StratlabError as e:
    error = str(e)
index = run.result("--what", "index")
print(json.dumps({"first": first, "again": again, "pid": pid, "same": same, "after": sb.bridge_pid(), "best": best["score"].tolist(),
                  "error": error, "index": len(index["rows"]), "me": os.getpid()}))
`);
    expect(r.first).toBe(6);
    expect(r.again).toBe(6);
    expect(r.same).toBe(r.pid);
    expect(r.after).not.toBe(r.pid);
    expect(r.best).toHaveLength(3);
    expect(r.best[0]).toBeGreaterThanOrEqual(r.best[1]);
    expect(r.error).toMatch(/nope/);
    expect(r.error.split('\n')).toHaveLength(1);
    expect(r.index).toBe(6);
    // The bridge process ended with the Python process that started it.
    expect(alive(r.after)).toBe(false);
  });

  it('answers bad requests with a one-line JSON error and goes on', async () => {
    const child = spawn(process.execPath, [CLI, 'bridge', 'serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b) => (out += b));
    child.stdin!.write('not json\n');
    child.stdin!.write(JSON.stringify({ id: 2, op: 'query', run: path.join(TMP, 'nowhere'), sql: 'SELECT 1' }) + '\n');
    child.stdin!.write(JSON.stringify({ id: 3, op: 'query', run: runDir }) + '\n');
    child.stdin!.write(JSON.stringify({ id: 4, op: 'query', run: runDir, sql: 'SELECT count(*) AS n FROM trades WHERE pnl > 0' }) + '\n');
    child.stdin!.end();
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.ok, l.error?.code])).toEqual([[null, false, 'PARSE_ERROR'], [2, false, 'FILE_NOT_FOUND'], [3, false, 'BAD_ARGUMENT'], [4, true, undefined]]);
    expect(lines[1].error.message).toContain('nowhere');
    expect(lines[2].error.message).toMatch(/sql: missing/);
    expect(lines[3].result.rows[0].n).toBeGreaterThan(0);
  });

  it('stops when its kernel is gone: the bridge exits when its stdin closes', async () => {
    const child = spawn(process.execPath, [CLI, 'bridge', 'serve'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (b) => (out += b));
    child.stdin!.write(JSON.stringify({ id: 1, op: 'ping' }) + '\n');
    expect(await waitFor(() => out.includes('\n') || child.exitCode !== null, 20_000)).toBe(true);
    expect(JSON.parse(out)).toEqual({ id: 1, ok: true, result: { pid: child.pid } });
    expect(child.exitCode).toBe(null); // it waits for the next request…
    child.stdin!.destroy();
    expect(await waitFor(() => child.exitCode !== null, 20_000)).toBe(true); // …until its stdin closes
    expect(child.exitCode).toBe(0);
  });
});
