/**
 * The one grammar for run directories on the command line:
 *   --run DIR|latest   a run to read (query, result, patterns, notebook generate); `latest` is the newest under --runs
 *   --runs DIR         the folder runs are written to and `latest` is looked for in (default ./runs)
 *   --no-run           do not write the run a command writes by default (backtest, optimize, walk-forward)
 *   --write-run        write one where it is opt-in (sweep: capturing means running every combination again)
 *   --notebook …       the run's analysis notebook, on every command that makes a run
 */
import path from 'node:path';
import { afterRun, type AfterRunResult } from '../notebook/after-run';
import { latestRun } from '../runs/open';
import type { CliIO, CommandSpec } from './args';
import { choiceFlag, stringFlag, usageError } from './flags';

export const DEFAULT_RUNS_DIR = 'runs';

/** Flags of a command that reads a run. */
export const READ_RUN_FLAGS: CommandSpec['options'] = {
  run: { type: 'string' },
  runs: { type: 'string' },
};

export const READ_RUN_HELP = [
  '  --run DIR|latest   a run directory (runs/<config>/<run-id>/, with run.json); latest: the newest run under --runs',
  '  --runs DIR         where `latest` looks (default ./runs)',
];

/** The --runs folder: a non-empty path, or undefined for ./runs. */
export function runsFolderFlag(values: Record<string, unknown>): string | undefined {
  const dir = stringFlag(values, 'runs');
  if (dir !== undefined && dir.trim() === '') throw usageError('--runs: expected a folder, got ""');
  return dir;
}

/** A run named on the command line: a directory, or `latest` (the newest finished run under --runs). */
export function resolveRun(arg: string, values: Record<string, unknown>): string {
  if (arg !== 'latest') return arg;
  const folder = runsFolderFlag(values) ?? DEFAULT_RUNS_DIR;
  const dir = latestRun(folder);
  if (!dir) throw usageError(`--run latest: no finished run under ${path.resolve(folder)}`, 'write one with stratlab run, backtest, optimize, walk-forward or sweep --write-run; or say where runs are with --runs DIR');
  return dir;
}

/** --run DIR|latest, required. */
export function runFlag(values: Record<string, unknown>): string {
  const dir = stringFlag(values, 'run');
  if (dir === undefined || dir.trim() === '') throw usageError('--run DIR is required', 'a run directory such as runs/<config>/<run-id>, or latest for the newest (stratlab run prints it)');
  return resolveRun(dir, values);
}

/**
 * Where this command writes its run: the --runs folder (undefined: ./runs), or null when it writes
 * none. `default` commands write one unless --no-run; `opt-in` ones only with --write-run (or --notebook).
 */
export function runsFlag(values: Record<string, unknown>, mode: 'default' | 'opt-in'): string | undefined | null {
  const dir = runsFolderFlag(values);
  if (mode === 'default') {
    if (dir !== undefined && values['no-run']) throw usageError('--runs DIR and --no-run contradict each other');
    if (values.notebook && values['no-run']) throw usageError('--notebook and --no-run contradict each other: the notebook analyses the run');
    return values['no-run'] ? null : dir;
  }
  const write = !!values['write-run'] || !!values.notebook;
  if (dir !== undefined && !write) throw usageError('--runs DIR is for --write-run: add --write-run to write a run directory');
  return write ? dir : null;
}

// ---- the analysis notebook ---------------------------------------------------------------------

export const NOTEBOOK_FLAGS: CommandSpec['options'] = {
  notebook: { type: 'boolean' },
  kernel: { type: 'string' },
  execute: { type: 'boolean' },
  html: { type: 'boolean' },
  launch: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
};

export const NOTEBOOK_HELP = [
  '  --notebook         also write the run\'s analysis notebook (analysis_<type>_<time>.ipynb in the run directory)',
  '  --kernel ts|python its kernel: tslab (default) or Python through the JSON bridge',
  '  --execute          run it in a real kernel (outputs written into it); --html also exports a report',
  '  --launch           open it: JupyterLab if installed, else classic Notebook, else print the command',
  '                     (--dry-run: print the command only)',
];

export interface NotebookFlags {
  notebook: boolean;
  kernel?: 'ts' | 'python';
  execute: boolean;
  html: boolean;
  launch: boolean;
  dryRun: boolean;
}

/** The notebook flags, checked: --kernel, --execute, --html and --launch need --notebook. */
export function notebookFlags(values: Record<string, unknown>): NotebookFlags {
  const kernel = choiceFlag('kernel', stringFlag(values, 'kernel'), ['ts', 'python'] as const);
  const f = { notebook: !!values.notebook, kernel, execute: !!values.execute, html: !!values.html, launch: !!values.launch, dryRun: !!values['dry-run'] };
  if (!f.notebook && (kernel || f.execute || f.html || f.launch)) throw usageError('--kernel, --execute, --html and --launch go with --notebook');
  return f;
}

/** Generates (executes, opens) the run's notebook when asked; nothing otherwise. */
export function notebookAfterRun(dir: string | null, flags: NotebookFlags, io: CliIO, json: boolean): Promise<AfterRunResult> {
  if (!dir || !flags.notebook) return Promise.resolve({ notebook: null });
  return afterRun(dir, { ...flags, onCell: json ? undefined : (i, n) => io.err(`cell ${i + 1}/${n}`) });
}

/** The notebook part of --json output (undefined when none was written). */
export function notebookJson(nb: AfterRunResult): Record<string, unknown> | undefined {
  if (!nb.notebook) return undefined;
  return { path: nb.notebook, html: nb.executed?.htmlPath ?? null, executed: !!nb.executed, launch: nb.launch ? { app: nb.launch.app, command: nb.launch.shell, pid: nb.launch.pid } : null };
}

/** The notebook lines of text output. */
export function notebookLines(nb: AfterRunResult): string[] {
  const out: string[] = [];
  if (nb.notebook) out.push(`Notebook: ${nb.notebook}${nb.executed ? ` (executed in ${(nb.executed.durationMs / 1000).toFixed(1)} s)` : ''}`);
  if (nb.executed?.htmlPath) out.push(`HTML:     ${nb.executed.htmlPath}`);
  if (nb.launch) out.push(nb.launch.pid ? `Launched: ${nb.launch.app} (pid ${nb.launch.pid})` : `Open it:  ${nb.launch.shell}`);
  return out;
}
