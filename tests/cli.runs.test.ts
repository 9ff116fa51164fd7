/**
 * `stratlab runs`: every run directory, newest first, with what it ran on and whether its notebook
 * was executed — including a notebook whose execution was killed, which a rerun then executes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../lib/cli/main';
import { openRun } from '../lib/runs';
import { CLI, GOOG } from './helpers/paths';
import { waitFor } from './helpers/processes';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-cli-runs-'));
const RUNS = path.join(TMP, 'runs');
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

interface Out { code: number; out: string; err: string }

async function cli(args: string[]): Promise<Out> {
  let out = '', err = '';
  const code = await runCli(args, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
  return { code, out, err };
}

async function runsJson(): Promise<Record<string, any>[]> {
  const r = await cli(['runs', '--runs', RUNS, '--json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
}

let withNotebook: { dir: string; notebook: string };
let plain: string;

beforeAll(async () => {
  const config = path.join(TMP, 'sma-goog.yaml');
  fs.writeFileSync(config, `data:
  GOOG: ${GOOG}
strategy: SmaCross
grid:
  fast: [5, 10]
  slow: [30, 50]
settings: { spread: 0.0004, commission: 0.001, fill: next_open }
`);
  const first = await cli(['run', '--config', config, '--runs', RUNS, '--workers', '0', '--notebook', '--json']);
  expect(first.code, first.err).toBe(0);
  const parsed = JSON.parse(first.out);
  withNotebook = { dir: parsed.runDir, notebook: parsed.notebook.path };
  const second = await cli(['run', '--config', config, '--runs', RUNS, '--workers', '0', '--json']);
  expect(second.code, second.err).toBe(0);
  plain = JSON.parse(second.out).runDir;
}, 120_000);

describe('stratlab runs', () => {
  it('lists runs newest first with strategy, data, cost model, best score and whether the notebook was executed', async () => {
    const list = await runsJson();
    expect(list.map((r) => r.dir)).toEqual([plain, withNotebook.dir]);
    const run = await openRun(withNotebook.dir);
    const best = (await run.strategyIndex())[0].score as number;
    run.close();
    expect(list[1]).toMatchObject({
      configName: 'sma-goog', kind: 'run', strategy: 'SmaCross', data: ['GOOG 1d'], strategyCount: 4,
      costModel: { spread: 0.0004, commission: 0.001, fill: 'next_open' },
      notebook: path.basename(withNotebook.notebook), notebookStatus: 'not executed',
    });
    expect(list[1].bestScore).toBeCloseTo(best, 12);
    expect(list[0]).toMatchObject({ notebook: null, notebookStatus: 'none' });

    const text = await cli(['runs', '--runs', RUNS]);
    expect(text.code).toBe(0);
    const lines = text.out.split('\n');
    const row = lines.find((l) => l.includes(path.basename(withNotebook.dir)))!;
    expect(row).toMatch(/SmaCross.*GOOG 1d.*spread 0\.0004, commission 0\.001, next_open.*not executed/);
    expect(lines.findIndex((l) => l.includes(path.basename(plain)))).toBeLessThan(lines.indexOf(row));
  });

  it('says a notebook killed during execution was interrupted, and a rerun executes it', async () => {
    const child = spawn(process.execPath, [CLI, 'notebook', 'execute', withNotebook.notebook], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (b) => (log += b));
    child.stdout!.on('data', (b) => (log += b));
    expect(await waitFor(() => /cell 2\//.test(log) || child.exitCode !== null, 120_000), log).toBe(true);
    expect((await runsJson())[1].notebookStatus).toBe('executing');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect((await runsJson())[1].notebookStatus).toBe('interrupted');

    const rerun = await cli(['notebook', 'execute', withNotebook.notebook, '--json']);
    expect(rerun.code, rerun.err).toBe(0);
    expect((await runsJson())[1]).toMatchObject({ notebookStatus: 'executed' });
  });

  it('lists a damaged run with what is wrong, and refuses a --runs folder that does not exist', async () => {
    const broken = path.join(RUNS, 'sma-goog', '20200101-000000-abcdef');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'run.json'), '{"runId": 3');
    try {
      const list = await runsJson();
      expect(list).toHaveLength(3);
      expect(list.find((r) => r.dir === broken)?.error).toMatch(/run\.json: not valid JSON/);
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
    const missing = await cli(['runs', '--runs', path.join(TMP, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toContain('nowhere');
  });
});
