/**
 * Whether a run directory's notebooks were executed: `notebook-status.json` beside run.json, one
 * entry per notebook file, rewritten atomically. A notebook with no entry was never executed; one
 * left 'executing' by a process that is gone was interrupted (killed) before it finished.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic';
import { isAlive } from '../core/procfs';

export const NOTEBOOK_STATUS_FILE = 'notebook-status.json';

export interface FailingCell {
  /** 1-based position among all of the notebook's cells. */
  cell: number;
  ename: string;
  /** The first line of the error's message. */
  message: string;
}

export interface NotebookStatus {
  state: 'executing' | 'executed' | 'failed';
  /** The process executing it (state 'executing'). */
  pid?: number;
  failingCells?: FailingCell[];
  /** Why the execution stopped when it did not get through the cells (no kernel, a timeout…). */
  error?: string;
  updatedAt: string;
}

/** True when `dir` is a run directory (it holds run.json). */
export function isRunDirectory(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'run.json'));
}

export function readNotebookStatuses(runDir: string): Record<string, NotebookStatus> {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(runDir, NOTEBOOK_STATUS_FILE), 'utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, NotebookStatus>) : {};
  } catch {
    return {};
  }
}

/** Records the state of `notebook` (a file in a run directory); does nothing outside run directories. */
export function recordNotebookStatus(notebook: string, status: Omit<NotebookStatus, 'updatedAt'>): void {
  const dir = path.dirname(path.resolve(notebook));
  if (!isRunDirectory(dir)) return;
  const all = readNotebookStatuses(dir);
  all[path.basename(notebook)] = { ...status, updatedAt: new Date().toISOString() };
  writeFileAtomic(path.join(dir, NOTEBOOK_STATUS_FILE), JSON.stringify(all, null, 2) + '\n');
}

/** The run's notebooks (analysis_*.ipynb and any other), newest first by modification time. */
export function runNotebooks(runDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(runDir).filter((n) => n.endsWith('.ipynb') && !n.startsWith('.'));
  } catch {
    return [];
  }
  const mtime = (n: string) => fs.statSync(path.join(runDir, n)).mtimeMs;
  return names.sort((a, b) => mtime(b) - mtime(a) || b.localeCompare(a));
}

/**
 * One notebook's state in words: 'not executed', 'executing', 'interrupted' (its process died),
 * 'executed', 'executed, N failing cells' (allowErrors ran them all), 'failed at cell N', 'failed'.
 */
export function summarizeNotebook(status: NotebookStatus | undefined): string {
  if (!status) return 'not executed';
  if (status.state === 'executing') return status.pid !== undefined && isAlive(status.pid) ? 'executing' : 'interrupted';
  const n = status.failingCells?.length ?? 0;
  if (status.state === 'failed') return n > 0 ? `failed at cell ${status.failingCells![0].cell}` : 'failed';
  return n === 0 ? 'executed' : `executed, ${n} failing cell${n === 1 ? '' : 's'}`;
}
