import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StratlabError } from '../core/errors';
import { JUPYTER_DATA_DIR, PACKAGE_ROOT, systemPython } from '../core/paths';

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

// A crashed or interrupted caller must not leave servers behind: kill them on the way out.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try { child.kill(signal); } catch { /* already gone */ }
  }
}

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
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-jupyter-'));
  const args = serverArgs(app, port, token, rootDir);
  const child = spawn(python, args, {
    cwd: rootDir,
    env: jupyterEnv(runtimeDir),
    detached: true, // own process group, so stop() reaches everything it spawned
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  installExitHook();
  live.add(child);
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
      killGroup(child, 'SIGTERM'); // jupyter_server shuts its kernels down on SIGTERM
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    live.delete(child);
    fs.rmSync(runtimeDir, { recursive: true, force: true });
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
