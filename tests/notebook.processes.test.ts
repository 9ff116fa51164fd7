/**
 * A process running a notebook can die any way it likes (kill -9 included): the Jupyter server and
 * kernel it started go with it, and their temp folders are gone at the latest when the next server
 * starts. Real child processes, a real jupyter_server and a real ipykernel; /proc is the witness.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths';
import { processesWithEnv, waitFor, type ProcessInfo } from './helpers/processes';

const DIST = path.join(ROOT, 'dist');
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-kill-'));
});
afterAll(() => {
  for (const p of processesWithEnv(`TMPDIR=${tmp}`)) process.kill(p.pid, 'SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A folder of its own as TMPDIR: every process the child starts carries it, which is how we find them. */
function childTmp(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  return dir;
}

function sleepyNotebook(dir: string): string {
  const file = path.join(dir, 'sleepy.ipynb');
  const cell = (source: string) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source });
  fs.writeFileSync(file, JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [cell("print('ready')"), cell('import time\ntime.sleep(600)')],
  }));
  return file;
}

function nodeChild(code: string, args: string[], tmpDir: string): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['-e', code, ...args], { env: { ...process.env, TMPDIR: tmpDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  return { child, output: () => out };
}

/** Starts a child node process that executes the sleepy notebook, and waits until its kernel runs the second cell. */
async function executingChild(tmpDir: string) {
  const nb = sleepyNotebook(tmpDir);
  const run = nodeChild(
    `require(${JSON.stringify(DIST)}).executeNotebook(process.argv[1], { onCell: (i) => console.log('cell ' + (i + 1)) })`,
    [nb], tmpDir,
  );
  const started = await waitFor(() => run.output().includes('cell 2') || run.child.exitCode !== null, 120_000);
  expect(started, run.output()).toBe(true);
  expect(run.child.exitCode, run.output()).toBe(null);
  const ours = () => processesWithEnv(`TMPDIR=${tmpDir}`).filter((p) => p.pid !== run.child.pid);
  const has = (list: ProcessInfo[], what: RegExp) => list.some((p) => what.test(p.command));
  await waitFor(() => has(ours(), /ipykernel_launcher/), 30_000);
  return { ...run, ours, has };
}

const jupyterDirs = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith('stratlab-jupyter-'));

describe('Jupyter processes and temp folders', () => {
  it('stops the server and its kernel within seconds when the process executing a notebook is killed with SIGKILL', async () => {
    const dir = childTmp('sigkill');
    const run = await executingChild(dir);
    const before = run.ours();
    expect(run.has(before, /jupyter_server/)).toBe(true);
    expect(run.has(before, /ipykernel_launcher/)).toBe(true);
    expect(jupyterDirs(dir)).toHaveLength(1);

    run.child.kill('SIGKILL');
    const gone = await waitFor(() => run.ours().length === 0, 15_000);
    expect(gone, `still running: ${run.ours().map((p) => p.command).join(' | ')}`).toBe(true);
    expect(jupyterDirs(dir)).toEqual([]);
  });

  it('cleans up, at the next start, a server whose owner and watchdog were both killed', async () => {
    const dir = childTmp('both-killed');
    const run = await executingChild(dir);
    const watchdog = run.ours().find((p) => /jupyter_watchdog/.test(p.command));
    expect(watchdog).toBeDefined();
    run.child.kill('SIGKILL');
    process.kill(watchdog!.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1_000));
    // Nothing watches them now: the server and the kernel are orphans.
    const orphans = run.ours();
    expect(run.has(orphans, /jupyter_server/)).toBe(true);
    expect(run.has(orphans, /ipykernel_launcher/)).toBe(true);
    expect(jupyterDirs(dir)).toHaveLength(1);

    const next = nodeChild(`require(${JSON.stringify(DIST)}).startJupyterServer().then((s) => s.stop())`, [], dir);
    const code = await new Promise<number | null>((r) => next.child.on('exit', r));
    expect(code, next.output()).toBe(0);
    expect(run.ours().map((p) => p.command)).toEqual([]);
    expect(jupyterDirs(dir)).toEqual([]);
  });
});
