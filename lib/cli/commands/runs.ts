/**
 * `stratlab runs`: the run directories under a folder, newest first, each with its strategy, data,
 * cost model, best score and whether its notebook was executed (notebook-status.json, written by the
 * executor). A damaged run is listed with what is wrong instead of stopping the listing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sqlString, withConnection } from '../../data/duckdb';
import { readNotebookStatuses, runNotebooks, summarizeNotebook } from '../../notebook/status';
import { readManifest } from '../../runs/open';
import { textTable } from '../../viz/table';
import type { CommandSpec } from '../args';
import { numberFlag, stringFlag, usageError } from '../flags';

export interface RunListing {
  runId: string;
  configName: string;
  dir: string;
  /** run.json's startedAt (ISO time), null when run.json is damaged. */
  startedAt: string | null;
  kind: string | null;
  strategy: string | null;
  /** 'GOOG 1d', one per dataset. */
  data: string[];
  costModel: { spread: number | null; commission: number | null; fill: string | null };
  strategyCount: number | null;
  /** The score of the run's best strategy (strategy_index's first row); null when it has none. */
  bestScore: number | null;
  /** The newest notebook of the run (file name), null when none was generated. */
  notebook: string | null;
  /** 'none', 'not executed', 'executing', 'interrupted', 'executed', 'executed, N failing cells', 'failed at cell N', 'failed'. */
  notebookStatus: string;
  /** What is wrong with a damaged run directory (the other fields are then partly null). */
  error?: string;
}

/** Run directories (holding run.json) under `runsDir`/<config>/; unfinished `.tmp-<pid>` folders are not runs. */
export function findRunDirs(runsDir: string): { configName: string; runId: string; dir: string }[] {
  const found: { configName: string; runId: string; dir: string }[] = [];
  for (const c of fs.readdirSync(runsDir, { withFileTypes: true })) {
    if (!c.isDirectory()) continue;
    const parent = path.join(runsDir, c.name);
    for (const r of fs.readdirSync(parent, { withFileTypes: true })) {
      if (r.isDirectory() && !/\.tmp-\d+$/.test(r.name) && fs.existsSync(path.join(parent, r.name, 'run.json'))) {
        found.push({ configName: c.name, runId: r.name, dir: path.resolve(parent, r.name) });
      }
    }
  }
  return found;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Describes each run directory, newest first (by start time; run ids only carry whole seconds). */
export async function listRuns(runsDir: string, limit = Infinity): Promise<RunListing[]> {
  const described = findRunDirs(runsDir).map((d) => {
    const notebook = runNotebooks(d.dir)[0] ?? null;
    const base: RunListing = {
      runId: d.runId, configName: d.configName, dir: d.dir, startedAt: null, kind: null, strategy: null, data: [],
      costModel: { spread: null, commission: null, fill: null }, strategyCount: null, bestScore: null,
      notebook, notebookStatus: notebook ? summarizeNotebook(readNotebookStatuses(d.dir)[notebook]) : 'none',
    };
    try {
      const m = readManifest(d.dir);
      const s = m.settings;
      const listing: RunListing = {
        ...base, startedAt: m.startedAt, kind: m.kind, strategy: m.strategy.name, data: m.data.map((x) => `${x.symbol} ${x.timeframe}`),
        costModel: { spread: num(s.spread), commission: num(s.commission), fill: typeof s.fill === 'string' ? s.fill : null },
        strategyCount: m.strategyCount,
      };
      return { listing, index: path.join(d.dir, m.files.strategyIndex) };
    } catch (e) {
      return { listing: { ...base, error: (e as Error).message.split('\n')[0] }, index: null };
    }
  });
  const key = (r: RunListing) => r.startedAt ?? r.runId;
  described.sort((a, b) => key(b.listing).localeCompare(key(a.listing)) || b.listing.runId.localeCompare(a.listing.runId));
  const chosen = described.slice(0, limit);
  await withConnection(async (conn) => {
    for (const r of chosen) {
      if (!r.index) continue;
      try {
        const rows = await conn.runAndReadAll(`SELECT score FROM read_parquet(${sqlString(r.index)}) LIMIT 1`);
        r.listing.bestScore = num(rows.getRowObjects()[0]?.score);
      } catch (e) {
        r.listing.error = `${r.index}: ${(e as Error).message.split('\n')[0]}`;
      }
    }
  });
  return chosen.map((r) => r.listing);
}

function costText(c: RunListing['costModel']): string {
  const parts = [c.spread !== null ? `spread ${c.spread}` : '', c.commission !== null ? `commission ${c.commission}` : '', c.fill ?? ''];
  return parts.filter(Boolean).join(', ');
}

export const runsCommand: CommandSpec = {
  name: 'runs',
  summary: 'The run directories, newest first: strategy, data, cost model, best score, and whether the notebook was executed.',
  usage: 'stratlab runs [--runs DIR] [-n N] [--json]',
  options: {
    runs: { type: 'string' },
    n: { type: 'string', short: 'n' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    '  --runs DIR   where the run directories are (default ./runs): DIR/<config>/<run-id>/',
    '  -n N         only the N newest',
    '  --json       [{ runId, configName, dir, startedAt, kind, strategy, data, costModel: { spread, commission, fill },',
    '               strategyCount, bestScore, notebook, notebookStatus, error? }]',
    '  -h, --help   this help',
    '',
    'notebook: "not executed" (generated, never run: stratlab notebook execute FILE runs it), "executing",',
    '"interrupted" (its process died first), "executed", "executed, N failing cells" (run with errors allowed),',
    '"failed at cell N", or "none" (no notebook was generated).',
    '',
    'Example: stratlab runs -n 5',
    'Exit codes: 0 listed (also when there are no runs); 2 a flag is wrong or --runs DIR does not exist.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'give the folder with --runs DIR');
    const given = stringFlag(values, 'runs');
    const runsDir = given ?? 'runs';
    const n = numberFlag('n', stringFlag(values, 'n'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
    if (!fs.existsSync(runsDir) || !fs.statSync(runsDir).isDirectory()) {
      if (given !== undefined) throw usageError(`--runs ${JSON.stringify(given)}: no such folder`, 'the folder stratlab run wrote to (its --runs, default ./runs)');
      io.out(values.json ? '[]' : 'no runs (there is no ./runs folder; stratlab run --config FILE writes one)');
      return 0;
    }
    const list = await listRuns(runsDir, n);
    if (values.json) {
      io.out(JSON.stringify(list, null, 2));
      return 0;
    }
    if (list.length === 0) {
      io.out(`no runs under ${runsDir}`);
      return 0;
    }
    const rows = list.map((r) => ({
      run: `${r.configName}/${r.runId}`, strategy: r.strategy ?? '', data: r.data.join(', '), cost: costText(r.costModel),
      'best score': r.bestScore, notebook: r.error ? `damaged: ${r.error}` : r.notebook ? `${r.notebookStatus}` : 'none',
    }));
    io.out(textTable(rows, { columns: ['run', 'strategy', 'data', 'cost', 'best score', 'notebook'] }));
    return 0;
  },
};
