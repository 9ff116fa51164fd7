/** What `stratlab run … --notebook [--kernel] [--execute] [--html] [--launch]` does once the run is written. */
import { executeNotebook, type ExecuteResult } from './execute';
import { generateNotebook } from './generate';
import type { NotebookKernel } from './cells';
import { launch, launchPlan, type LaunchPlan } from './launch';

export interface AfterRunFlags {
  notebook?: boolean;
  kernel?: NotebookKernel;
  template?: string;
  execute?: boolean;
  html?: boolean;
  launch?: boolean;
  /** Print the launch command instead of starting Jupyter (tests, scripts). */
  dryRun?: boolean;
  onCell?: (index: number, total: number) => void;
}

export interface AfterRunResult {
  notebook: string | null;
  executed?: ExecuteResult;
  launch?: LaunchPlan & { pid: number | null };
}

/** Generates the run's notebook, and executes (with --html, exports) and launches it when asked. */
export async function afterRun(runDir: string, flags: AfterRunFlags): Promise<AfterRunResult> {
  if (!flags.notebook && !flags.execute && !flags.html && !flags.launch) return { notebook: null };
  const notebook = generateNotebook(runDir, { kernel: flags.kernel ?? 'ts', template: flags.template });
  const out: AfterRunResult = { notebook };
  if (flags.execute || flags.html) out.executed = await executeNotebook(notebook, { html: !!flags.html, onCell: flags.onCell });
  if (flags.launch) {
    const plan = launchPlan(notebook);
    out.launch = { ...plan, pid: flags.dryRun ? null : launch(plan) };
  }
  return out;
}
