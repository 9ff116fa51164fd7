/**
 * `stratlab run --config FILE`: the config's sweep with capture on, written as a run directory
 * (runs/<config-name>/<run-id>/, lib/runs/format.ts) whose path it prints. `runConfig` is the
 * whole flow as a function, for commands that go on from the run (notebook generation).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Bars } from '../../core/bars';
import { loadCondition } from '../../data/conditions';
import { runFromSweeps, type WrittenRun } from '../../runs/write';
import { sweep as buildSweep, type ProgressMode, type SweepResult } from '../../sweep';
import type { CommandSpec } from '../args';
import { loadConfig, loadConfigConditions, loadConfigData, type ResearchConfig, type StrategyPlan } from '../config';
import { numberFlag, stringFlag, usageError } from '../flags';
import { NOTEBOOK_FLAGS, NOTEBOOK_HELP, notebookAfterRun, notebookFlags, notebookJson, notebookLines, runsFolderFlag } from '../run-flags';

/** Equity curves kept by default: the 10 best strategies. */
export const DEFAULT_EQUITY_TOP = 10;

export interface RunConfigOptions {
  /** Default 'runs' in the working directory. */
  runsDir?: string;
  workers?: number;
  /** How many of the best keep their equity curve (default 10). */
  equityTop?: number;
  progress?: ProgressMode;
  /** More conditions for the traces, name: file (relative to the working directory); over the config's of the same name. */
  conditions?: Record<string, string>;
}

export interface RunConfigResult extends WrittenRun {
  /** The first strategy's sweep. */
  sweep: SweepResult;
  /** One per strategy of the config (`strategies: [...]`), in its order. */
  sweeps: SweepResult[];
  config: ResearchConfig;
}

/** The folder name a config's runs go under: its file name without the extension. */
export function configNameOf(file: string): string {
  return path.basename(file).replace(/\.(ya?ml|json)$/i, '') || 'run';
}

/** Runs a research config's sweep with traces, trades and equity captured, and writes the run directory. */
export async function runConfig(file: string, opts: RunConfigOptions = {}): Promise<RunConfigResult> {
  const config = loadConfig(file);
  const data = await loadConfigData(config.data);
  const conditions = await loadConfigConditions(config);
  for (const [name, file] of Object.entries(opts.conditions ?? {})) conditions[name] = await loadCondition(file, name);
  const sweeps: SweepResult[] = [];
  for (const plan of config.strategies) sweeps.push(await sweepWithCapture(config, data, opts, plan));
  const written = await runFromSweeps(sweeps, {
    runsDir: opts.runsDir, configName: configNameOf(file), kind: 'run',
    config: rawConfig(file), data: config.data.map((d) => data[d.symbol]), paths: config.data.map((d) => d.path), conditions,
  });
  return { ...written, sweep: sweeps[0], sweeps, config };
}

/** One strategy's sweep (or, with no grid, its defaults once per dataset) with capture on; the config's first by default. */
export function sweepWithCapture(config: ResearchConfig, data: Record<string, Bars>, opts: RunConfigOptions = {}, plan: StrategyPlan = config.strategies[0]): Promise<SweepResult> {
  let sw = buildSweep(data).strategy(plan.strategy);
  sw = plan.grid ? sw.grid(plan.grid) : sw.paramSets([{}]);
  if (plan.where) sw = sw.where(plan.where.fn);
  if (config.timeframes) sw = sw.timeframes(config.timeframes);
  if (config.between) sw = sw.between(config.between.from, config.between.to);
  const n = opts.workers ?? config.workers;
  if (n !== undefined) sw = sw.workers(n);
  if (config.score) sw = sw.score(config.score);
  if (config.rules) sw = sw.rules(config.rules);
  return sw.settings(config.settings).capture({ traces: true, trades: true, equity: opts.equityTop ?? DEFAULT_EQUITY_TOP }).progress(opts.progress ?? 'none').run();
}

/** The config as written (YAML parsed to JSON), for run.json. */
export function rawConfig(file: string): Record<string, unknown> {
  const v: unknown = parseYaml(fs.readFileSync(file, 'utf8'));
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Run a research config\'s sweep with traces, trades and equity captured, and write its run directory (runs/<config>/<run-id>/).',
  usage: 'stratlab run --config FILE [--runs DIR] [--workers N] [--equity N] [--condition NAME=FILE]… [--no-progress] [--notebook [--kernel ts|python] [--execute] [--html] [--launch]] [--json]',
  options: {
    config: { type: 'string' },
    runs: { type: 'string' },
    workers: { type: 'string' },
    equity: { type: 'string' },
    condition: { type: 'string', multiple: true },
    'no-progress': { type: 'boolean' },
    // The analysis notebook (lib/notebook): generated, executed, exported, opened.
    ...NOTEBOOK_FLAGS,
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    '  --config FILE      the research config (YAML or JSON): data, strategy, grid, where, settings… (see configs/README.md);',
    '                     without a grid, the strategy runs once per dataset with its default parameters',
    '  --runs DIR         where run directories go (default ./runs): DIR/<config file name>/<run-id>/',
    '  --workers N        worker threads, 0 runs in this thread (default: the config\'s workers, else the cores, at most 4)',
    `  --equity N         keep the equity curves of the N best strategies (default ${DEFAULT_EQUITY_TOP})`,
    '  --condition NAME=FILE  an external series in each trace row\'s metadata as of its time (repeatable; over the',
    '                     config\'s conditions): a bars file (its close) or a CSV of time,value rows, e.g. --condition VIX=VIX.csv',
    '  --no-progress      no progress bar (it is drawn on stderr only when stderr is a terminal)',
    ...NOTEBOOK_HELP,
    '  --json             { runDir, runId, strategyCount, files, summary, notebook? } as one JSON document',
    '  -h, --help         this help',
    '',
    'The run directory holds run.json, strategy_index.parquet, traces/<SYMBOL>_<TF>.parquet (signal changes),',
    'each trace row\'s metadata with the config\'s conditions (conditions: { VIX: ./VIX.csv }) as of its time,',
    'trades.parquet and equity.parquet; query it with stratlab query --run DIR --sql "…" or stratlab result --run DIR.',
    'Nothing is recorded in the experiments database (stratlab sweep --write-run does both).',
    '',
    'Example: stratlab run --config configs/sma-cross-goog.yaml',
    'Exit codes: 0 written; 1 the data did not load or the run failed; 2 a flag or the config is wrong.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'give the config with --config FILE');
    const file = stringFlag(values, 'config');
    if (!file) throw usageError('--config FILE is required', 'see stratlab run --help and configs/README.md');
    const runsDir = runsFolderFlag(values);
    const workers = numberFlag('workers', stringFlag(values, 'workers'), (x) => Number.isInteger(x) && x >= 0, 'a whole number ≥ 0');
    const equityTop = numberFlag('equity', stringFlag(values, 'equity'), (x) => Number.isInteger(x) && x >= 0, 'a whole number ≥ 0');
    const progress = !values['no-progress'] && process.stderr.isTTY ? 'bar' : 'none';
    const nbFlags = notebookFlags(values);

    const conditions = conditionFlags(values.condition);
    const r = await runConfig(file, { runsDir, workers, equityTop, progress, conditions });
    const nb = await notebookAfterRun(r.dir, nbFlags, io, !!values.json);
    if (values.json) {
      const { results: _results, ...summary } = r.sweep.toJSON();
      const strategies = r.sweeps.length > 1 ? { strategies: r.sweeps.map((sw) => { const { results: _r, ...rest } = sw.toJSON(); return rest; }) } : {};
      io.out(JSON.stringify({ runDir: r.dir, runId: r.runId, strategyCount: r.manifest.strategyCount, files: r.manifest.files, summary, ...strategies, notebook: notebookJson(nb) }, null, 2));
    } else {
      io.out(`${r.sweeps.map((sw) => sw.headline()).join('\n')}\nRun written to ${r.dir}\nNext: stratlab result --run ${r.dir}; stratlab query --run ${r.dir} --sql "SELECT * FROM strategy_index LIMIT 5"`);
      for (const line of notebookLines(nb)) io.out(line);
    }
    return 0;
  },
};

/** `--condition NAME=FILE`, repeatable: checked here so a typo is a usage error (exit 2) before anything runs. */
function conditionFlags(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of Array.isArray(v) ? (v as string[]) : []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(text);
    if (!m) throw usageError(`--condition ${JSON.stringify(text)}: expected NAME=FILE (NAME: letters, digits and _)`, 'e.g. --condition VIX=data/VIX.csv');
    if (!fs.existsSync(m[2])) throw usageError(`--condition ${m[1]}: file not found: ${m[2]}`, 'the path is relative to the working directory');
    out[m[1]] = m[2];
  }
  return out;
}
