import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StratlabError } from '../core/errors';
import { JUPYTER_DATA_DIR, PACKAGE_ROOT, systemPython } from '../core/paths';
import { killWithEnv } from '../core/procfs';
import { cleanStaleServers, currentOwner, removeServerRecord, SERVER_ID_ENV, writeServerRecord, type ServerRecord } from './server-state';

export interface JupyterServer {
  baseUrl: string;
  token: string;
  rootDir: string;
  /** Stops the server and the kernels it started. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartServerOptions {
  /** Folder the server serves; kernels start in the folder of the notebook they run. */
  rootDir?: string;
  /** How long to wait for the server to answer (default 60 s: the first start compiles bytecode). */
  startTimeoutMs?: number;
  /** 'server' (headless jupyter_server, default) or 'notebook' (classic Notebook with its web UI). */
  app?: 'server' | 'notebook';
}

/** A free TCP port on the loopback interface (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A caller that exits without stop() (process.exit, an uncaught error) closes the watchdog's pipe
// anyway; SIGTERM makes it start at once. SIGKILL of the group would kill the watchdog before it
// could stop the kernels, which live in sessions of their own.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) signalWatchdog(child, 'SIGTERM');
  });
}

function signalWatchdog(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    /* already gone */
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try { child.kill(signal); } catch { /* already gone */ }
  }
}

/** The watchdog that runs the server and stops it, its kernels and their children when this process ends. */
export const WATCHDOG_SCRIPT = path.join(PACKAGE_ROOT, 'kernels', 'jupyter_watchdog.py');

/** The environment a server (and so its kernels) runs with: project kernelspecs, private runtime dirs. */
export function jupyterEnv(runtimeDir: string): NodeJS.ProcessEnv {
  const binDir = path.join(PACKAGE_ROOT, 'node_modules', '.bin');
  const existing = process.env.JUPYTER_PATH;
  return {
    ...process.env,
    JUPYTER_PATH: existing ? `${JUPYTER_DATA_DIR}${path.delimiter}${existing}` : JUPYTER_DATA_DIR,
    JUPYTER_RUNTIME_DIR: path.join(runtimeDir, 'runtime'),
    JUPYTER_CONFIG_DIR: path.join(runtimeDir, 'config'),
    JUPYTER_PLATFORM_DIRS: '1',
    // Kernels (and the Python bridge) find `stratlab` and `tslab` without a global install.
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    PYTHONUNBUFFERED: '1',
  };
}

/**
 * Start a jupyter_server on 127.0.0.1 with a random port and token, and wait until it answers.
 * Always pair with `stop()` (use try/finally); it is also killed if this process exits.
 */
export async function startJupyterServer(opts: StartServerOptions = {}): Promise<JupyterServer> {
  const rootDir = path.resolve(opts.rootDir ?? process.cwd());
  const python = systemPython();
  if (!fs.existsSync(python)) {
    throw new StratlabError('SETUP', `${python} not found: Jupyter needs Debian's python3`, {
      hint: 'run `npm run setup` (it installs python3-jupyter-server and friends)',
    });
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(rootDir, python, opts.startTimeoutMs ?? 60_000, opts.app ?? 'server');
    } catch (e) {
      lastError = e;
      // A port taken between probing and binding is the only failure worth a retry.
      if (!(e instanceof StratlabError && /address already in use/i.test(e.message))) throw e;
    }
  }
  throw lastError;
}

function serverArgs(app: 'server' | 'notebook', port: number, token: string, rootDir: string): string[] {
  // Classic Notebook 6 (Debian's) is its own app with its own option names.
  const [mod, cls, dirOption] = app === 'server' ? ['jupyter_server', 'ServerApp', 'root_dir'] : ['notebook', 'NotebookApp', 'notebook_dir'];
  return [
    '-m', mod, '--no-browser', '--allow-root',
    `--${cls}.ip=127.0.0.1`, `--${cls}.port=${port}`, `--${cls}.port_retries=0`,
    `--${cls}.token=${token}`, `--${cls}.${dirOption}=${rootDir}`,
  ];
}

async function startOnce(rootDir: string, python: string, timeoutMs: number, app: 'server' | 'notebook'): Promise<JupyterServer> {
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  // Servers (and kernels) left by an owner that died are stopped before another starts.
  await cleanStaleServers();
  const id = randomBytes(6).toString('hex');
  const runtimeDir = path.join(os.tmpdir(), `stratlab-jupyter-${id}`);
  fs.mkdirSync(runtimeDir, { recursive: true });
  const marker = `${SERVER_ID_ENV}=${id}`;
  const record: ServerRecord = { id, ...currentOwner(), watchdogPid: null, runtimeDir, startedAt: new Date().toISOString() };
  writeServerRecord(record); // before the spawn: a kill right after it still leaves a record to clean from
  const args = [WATCHDOG_SCRIPT, marker, runtimeDir, '--', python, ...serverArgs(app, port, token, rootDir)];
  const child = spawn(python, args, {
    cwd: rootDir,
    env: { ...jupyterEnv(runtimeDir), [SERVER_ID_ENV]: id },
    detached: true, // own process group, so a Ctrl-C meant for the caller does not reach the server first
    // stdin is the watchdog's lifeline: it reads EOF when this process ends, however it ends.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  installExitHook();
  live.add(child);
  if (child.pid !== undefined) writeServerRecord({ ...record, watchdogPid: child.pid });
  let log = '';
  const collect = (b: Buffer) => { log = (log + b.toString()).slice(-20_000); };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  const baseUrl = `http://127.0.0.1:${port}/`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      // The watchdog SIGTERMs the server (which shuts its kernels down), then kills what is left.
      signalWatchdog(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await killWithEnv(marker); // only finds something when the watchdog itself was killed
    live.delete(child);
    child.stdin?.destroy();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    removeServerRecord(id);
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      const last = log.trim().split('\n').slice(-3).join(' | ');
      throw new StratlabError('NOTEBOOK', `${app === 'server' ? 'jupyter_server' : 'Jupyter Notebook'} exited before it was ready: ${last}`, {
        hint: 'run `npm run setup` to install Jupyter and the kernelspecs',
      });
    }
    try {
      const res = await fetch(`${baseUrl}api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) return { baseUrl, token, rootDir, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new StratlabError('NOTEBOOK', `jupyter_server did not answer on ${baseUrl} within ${timeoutMs} ms`);
}
