/**
 * Opening a notebook for a person: JupyterLab when it is installed, else classic Notebook (Debian's
 * python3-notebook), else the command to run. The project's kernelspecs are put on JUPYTER_PATH.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { JUPYTER_DATA_DIR, systemPython } from '../core/paths';

export interface LaunchPlan {
  /** 'jupyterlab', 'notebook', or null when neither is installed (then only `shell` is useful). */
  app: 'jupyterlab' | 'notebook' | null;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** The same as one shell line, to print. */
  shell: string;
}

function importable(python: string, mod: string): boolean {
  return spawnSync(python, ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** What `--launch` would run for `file` (nothing is started). */
export function launchPlan(file: string, has: (mod: string) => boolean = (m) => importable(systemPython(), m)): LaunchPlan {
  const python = systemPython();
  const abs = path.resolve(file);
  const existing = process.env.JUPYTER_PATH;
  const env = { JUPYTER_PATH: existing ? `${JUPYTER_DATA_DIR}${path.delimiter}${existing}` : JUPYTER_DATA_DIR };
  const app = has('jupyterlab') ? 'jupyterlab' : has('notebook') ? 'notebook' : null;
  const args = ['-m', app ?? 'notebook', abs];
  return { app, command: python, args, env, shell: `JUPYTER_PATH=${quote(env.JUPYTER_PATH)} ${[python, ...args].map(quote).join(' ')}` };
}

/** Starts the plan's Jupyter in the background (it outlives this process) and returns its pid; null when none is installed. */
export function launch(plan: LaunchPlan): number | null {
  if (!plan.app) return null;
  const child = spawn(plan.command, plan.args, { env: { ...process.env, ...plan.env }, detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid ?? null;
}
