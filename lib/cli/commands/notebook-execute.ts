import path from 'node:path';
import { executeNotebook } from '../../notebook/execute';
import { launch, launchPlan } from '../../notebook/launch';
import type { CommandSpec } from '../args';

export const notebookExecute: CommandSpec = {
  name: 'notebook execute',
  summary: 'Run every cell of a notebook in a real kernel (a jupyter_server started on 127.0.0.1 and always stopped) and write the outputs.',
  usage: 'stratlab notebook execute FILE [--output OUT.ipynb] [--html] [--html-path OUT.html] [--kernel NAME] [--timeout SECONDS] [--launch [--dry-run]] [--json]',
  options: {
    output: { type: 'string', short: 'o' },
    html: { type: 'boolean' },
    'html-path': { type: 'string' },
    kernel: { type: 'string' },
    timeout: { type: 'string' },
    launch: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    'Outputs go back into FILE unless --output is given. The first cell error stops the run with a',
    'one-line message naming the cell; outputs up to it are written. --html also writes a',
    'self-contained report (plotly.js inline, renders offline) next to the output.',
    '--launch then opens it: JupyterLab when installed, else classic Notebook (python3 -m notebook),',
    'else prints the command; --dry-run prints the command without starting anything.',
  ],
  async run(values, positionals, io) {
    if (positionals.length !== 1) {
      io.err(`stratlab notebook execute: expected exactly one FILE (usage: ${this.usage})`);
      return 2;
    }
    const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeout !== undefined && !(timeout > 0)) {
      io.err(`stratlab notebook execute: --timeout: expected a positive number of seconds, got "${values.timeout}"`);
      return 2;
    }
    const res = await executeNotebook(positionals[0], {
      output: values.output as string | undefined,
      kernel: values.kernel as string | undefined,
      cellTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
      html: (values['html-path'] as string | undefined) ?? Boolean(values.html),
      onCell: values.json ? undefined : (i, n) => io.err(`cell ${i + 1}/${n}`),
    });
    // The executed notebook is what a person opens: JupyterLab, else classic Notebook, else the command.
    const plan = values.launch ? launchPlan(res.path) : undefined;
    const pid = plan && !values['dry-run'] ? launch(plan) : null;
    if (values.json) io.out(JSON.stringify(plan ? { ...res, launch: { app: plan.app, command: plan.shell, pid } } : res, null, 2));
    else {
      io.out(`executed ${res.codeCells} code cells in ${(res.durationMs / 1000).toFixed(1)} s`);
      io.out(`notebook: ${path.relative(process.cwd(), res.path) || res.path}`);
      if (res.htmlPath) io.out(`html:     ${path.relative(process.cwd(), res.htmlPath)}`);
      if (plan) io.out(pid ? `launched: ${plan.app} (pid ${pid}): ${plan.shell}` : plan.app ? `launch:   ${plan.shell}` : `Jupyter is not installed; open it with: ${plan.shell}`);
    }
    return 0;
  },
};
