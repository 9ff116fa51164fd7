/**
 * vitest globalSetup: the suite fails when a test leaves a process or a temp folder behind.
 *
 * Before the run: a temp folder of the run's own becomes TMPDIR, and STRATLAB_TEST_RUN=<id> goes into
 * the environment; test workers inherit both, and so does everything they start (Jupyter servers,
 * kernels, bridge processes, Chromium, sweep workers). After the run: a process still carrying the id,
 * or anything left in that temp folder, is a leftover — listed, cleaned up, and the run fails: the
 * teardown throws (vitest prints it) and sets the exit code (vitest 4 exits 0 on a teardown error alone).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processesWithEnv, waitFor, type ProcessInfo } from './processes';

export const RUN_ENV = 'STRATLAB_TEST_RUN';

/** Caches tools keep in TMPDIR on purpose (not a test's doing). */
const TOOL_CACHES = [/^tsx-\d+$/, /^node-compile-cache$/, /^v8-compile-cache/];

function stratlabState(dir: string, name: string): boolean {
  // The per-user folder lib/notebook/server-state.ts keeps server records in: only its records count.
  return /^stratlab-\d+$/.test(name) && !fs.readdirSync(path.join(dir, name), { recursive: true, withFileTypes: true }).some((e) => e.isFile());
}

/** What is left in `dir` that no tool cache explains. */
export function leftoverFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => !TOOL_CACHES.some((re) => re.test(n)) && !stratlabState(dir, n)).map((n) => path.join(dir, n));
}

/** Processes of this run that are not vitest's own (the main process and its workers). */
function leftoverProcesses(id: string): ProcessInfo[] {
  return processesWithEnv(`${RUN_ENV}=${id}`).filter((p) => !(p.ppid === process.pid && /vitest/.test(p.command)));
}

export default function setup(): () => Promise<void> {
  const outerTmp = os.tmpdir();
  const dir = fs.mkdtempSync(path.join(outerTmp, 'stratlab-test-run-'));
  const id = path.basename(dir);
  process.env.TMPDIR = dir;
  process.env[RUN_ENV] = id;

  return async () => {
    // A server stopped by the last test may take a moment to go; a leftover never goes.
    await waitFor(() => leftoverProcesses(id).length === 0, 10_000, 200);
    const processes = leftoverProcesses(id);
    const files = leftoverFiles(dir);
    for (const p of processes) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    process.env.TMPDIR = outerTmp;
    fs.rmSync(dir, { recursive: true, force: true });
    if (processes.length || files.length) {
      const lines = [
        ...processes.map((p) => `  process ${p.pid}: ${p.command.slice(0, 200)}`),
        ...files.map((f) => `  temp folder entry ${path.relative(dir, f)}`),
      ];
      // vitest logs a teardown's error but exits 0 for it (4.1): set the exit code as well.
      process.exitCode = 1;
      throw new Error(`tests left ${processes.length} process(es) and ${files.length} temp entr${files.length === 1 ? 'y' : 'ies'} behind (now removed):\n${lines.join('\n')}`);
    }
  };
}
