/**
 * The suite's leftover check (tests/helpers/leftovers.ts, vitest globalSetup): a run whose tests
 * leave a process or a temp folder behind fails — non-zero exit, each leftover named — and the
 * leftovers are removed. A real nested vitest run of a fixture suite.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths';
import { processesWithEnv } from './helpers/processes';

function vitest(leak: boolean): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'tests/fixtures/leftovers/vitest.config.mts'], {
      cwd: ROOT,
      env: { ...process.env, LEAK: leak ? '1' : '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (b) => (output += b));
    child.stderr!.on('data', (b) => (output += b));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const sleepers = () => processesWithEnv('LEAK=1').filter((p) => p.command === 'sleep 397');

describe('the leftover check', () => {
  it('fails a run whose test leaves a process and a temp folder behind, names them, and removes them', async () => {
    const r = await vitest(true);
    expect(r.output).toMatch(/1 passed/); // the test itself passed…
    expect(r.code, r.output).toBe(1); // …the run did not
    expect(r.output).toMatch(/tests left 1 process\(es\) and 1 temp entry behind/);
    expect(r.output).toMatch(/process \d+: sleep 397/);
    expect(r.output).toMatch(/temp folder entry stratlab-forgotten-\w+/);
    expect(sleepers()).toEqual([]);
  });

  it('passes the same run when the test cleans up after itself', async () => {
    const r = await vitest(false);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/tests left/);
  });
});
