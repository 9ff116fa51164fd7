import path from 'node:path';
import { generateComparative, generateNotebook, generateProductionReady } from '../../notebook/generate';
import { listTemplates } from '../../notebook/templates';
import type { CommandSpec } from '../args';
import { choiceFlag, stringFlag, usageError } from '../flags';
import { resolveRun } from '../run-flags';

export const notebookGenerate: CommandSpec = {
  name: 'notebook generate',
  summary: 'Write the analysis notebook of a run directory (analysis_<type>_<time>.ipynb, TypeScript or Python kernel).',
  usage: 'stratlab notebook generate --run DIR|latest [--run DIR2 …] [--runs DIR] [--kernel ts|python] [--template NAME] [--strategy HASH] [--json]',
  options: {
    run: { type: 'string', multiple: true },
    runs: { type: 'string' },
    strategy: { type: 'string' },
    kernel: { type: 'string' },
    template: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    '  --run DIR|latest   a run directory (runs/<config>/<run-id>/, with run.json); latest: the newest under --runs',
    '  --runs DIR         where `latest` looks (default ./runs)',
    '  --kernel ts|python tslab (default) or Python 3 through the JSON bridge (kernels/python/stratlab_bridge.py)',
    '  --template NAME    analysis (default), quick, production-ready, comparative, or a file in notebook-templates/',
    '  --strategy HASH    with --template production-ready: the strategy to examine (a hash or a unique prefix)',
    '  --json             { notebook, kernel, template }',
    '',
    'Two or more --run: a comparative notebook (written next to the first run\'s folder).',
    '',
    'Then: stratlab notebook execute FILE [--html] [--launch]',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'give the run with --run DIR');
    const runs = ((values.run as string[] | undefined) ?? []).map((r) => resolveRun(r, values));
    const run = runs[0];
    if (!run) throw usageError('--run DIR is required', 'a run directory such as runs/<config>/<run-id> (stratlab run prints it)');
    const kernel = choiceFlag('kernel', stringFlag(values, 'kernel'), ['ts', 'python'] as const) ?? 'ts';
    const template = stringFlag(values, 'template');
    if (template !== undefined && !listTemplates().includes(template)) {
      throw usageError(`--template ${JSON.stringify(template)}: no such template`, `templates: ${listTemplates().join(', ')}`);
    }
    const strategy = stringFlag(values, 'strategy');
    if ((template === 'production-ready') !== (strategy !== undefined)) throw usageError('--template production-ready and --strategy HASH go together');
    if (template === 'comparative' && runs.length < 2) throw usageError('--template comparative: give two or more --run DIR');
    const file = runs.length > 1 ? generateComparative(runs, { kernel })
      : strategy ? generateProductionReady(run, strategy, { kernel }) : generateNotebook(run, { kernel, template });
    const used = runs.length > 1 ? 'comparative' : template ?? 'analysis';
    if (values.json) io.out(JSON.stringify({ notebook: file, kernel, template: used }, null, 2));
    else io.out(`notebook: ${path.relative(process.cwd(), file) || file}\nnext:     stratlab notebook execute ${path.relative(process.cwd(), file)} --html`);
    return 0;
  },
};
