import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optimizeCommand } from '../lib/cli/commands/optimize';
import { sweepCommand } from '../lib/cli/commands/sweep';
import { top } from '../lib/cli/commands/top';
import { validate } from '../lib/cli/commands/validate';
import { walkForwardCommand } from '../lib/cli/commands/walk-forward';
import { CLI, EURUSD, GOOG } from './helpers/paths';

interface Run { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-research-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** The real CLI in a child process, in `cwd` (the default research.db lands there), without $STRATLAB_DB. */
function stratlab(cwd: string, args: string[], onSpawn?: (pid: number) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.STRATLAB_DB;
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
    if (onSpawn && child.pid) onSpawn(child.pid);
  });
}

/** A fresh folder with `config.yaml` in it; data paths are written relative to the folder, as users write them. */
function project(name: string, yaml: (rel: (file: string) => string) => string, file = 'config.yaml'): string {
  const dir = path.join(TMP, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, file), yaml((f) => path.relative(dir, f)));
  return dir;
}

const json = (r: Run) => {
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
};

const CAMEL = /^[a-z][a-zA-Z0-9]*$/;
function expectCamel(o: Record<string, unknown>): void {
  for (const k of Object.keys(o)) expect(k).toMatch(CAMEL);
}

/** SmaCross on GOOG, swept on 2005–2011 so 2012–2013 is left for the holdout; 4 × 4 − 0 = 16 combinations. */
const SMA = (rel: (f: string) => string) => `# a research config written by the test
experiment: sma_test
data:
  GOOG: ${rel(GOOG)}
between: { from: 2005-01-01, to: 2011-12-31 }
strategy: SmaCross
grid:
  fast: { from: 5, to: 20, step: 5 }
  slow: [30, 50, 70, 90]
where: fast < slow
settings: { spread: 0.0003, fill: close }
rules: { maxDrawdown: 60, minTrades: 10, minTradesPerYear: 2 }
workers: 2
validation:
  walkForward: { train: 2, test: 1, unit: years }
optimize:
  paramSpace:
    fast: { min: 2, max: 50 }
    slow: { min: 10, max: 200 }
  nTrials: 12
  seed: 7
walkForward:
  inSampleDays: 730
  outSampleDays: 365
  stepDays: 365
  nTrials: 6
`;

describe('stratlab sweep → top → validate → top --status', () => {
  const dir = project('flow', SMA);
  const db = path.join(dir, 'research.db');
  let first: Record<string, any>;
  let second: Record<string, any>;
  beforeAll(async () => {
    first = json(await stratlab(dir, ['sweep', '--config', 'config.yaml', '--json']));
    second = json(await stratlab(dir, ['sweep', '--config', 'config.yaml', '--json']));
  });

  it('runs every combination into ./research.db and prints the summary and the 10 best as camelCase JSON', () => {
    expect(path.basename(first.tracker)).toBe('research.db'); // the working folder's, by default
    expect(fs.existsSync(db)).toBe(true);
    expectCamel(first.summary);
    expect(first.summary).toMatchObject({ strategy: 'SmaCross', experimentId: 'sma_test', combinations: 16, ran: 16, resumed: 0, failed: 0, interrupted: false });
    expect(first.top).toHaveLength(10);
    for (const r of first.top) {
      expectCamel(r);
      expectCamel(r.metrics);
      expect(r).toMatchObject({ symbol: 'GOOG', timeframe: '1d', status: 'ok', resumed: false });
      expect(r.params.fast).toBeLessThan(r.params.slow);
    }
    const scores = first.top.map((r: any) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('a second run resumes every combination from the tracker and runs none', () => {
    expect(second.summary).toMatchObject({ combinations: 16, ran: 0, resumed: 16, interrupted: false });
    expect(second.top.map((r: any) => r.params)).toEqual(first.top.map((r: any) => r.params));
    expect(second.top.every((r: any) => r.resumed)).toBe(true);
  });

  it('top shows the tracked rows best first, all pending right after the sweep (default status: any)', async () => {
    const [t, text] = await Promise.all([
      stratlab(dir, ['top', '--config', 'config.yaml', '-n', '5', '--json']),
      stratlab(dir, ['top', '-n', '3']),
    ]);
    const res = json(t);
    expect(res.count).toBe(5);
    expect(res.filters).toMatchObject({ validationStatus: 'any', experimentId: 'sma_test', minTrades: 10 });
    for (const r of res.rows) {
      expectCamel(r);
      expect(r).toMatchObject({ experimentId: 'sma_test', strategy: 'SmaCross', validationStatus: 'pending', disqualified: [] });
      expect(r.blocks).toBeUndefined();
    }
    expect(res.rows.map((r: any) => r.score)).toEqual(first.top.filter((r: any) => r.disqualified.length === 0).slice(0, 5).map((r: any) => r.score));
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^id\s+experiment\s+strategy\s+symbol/m);
    expect(text.out).toMatch(/\(3 rows\)/);
  });

  it('validate --top 3 validates the 3 best pending rows, tests on the data after the sweep, and records the verdicts', async () => {
    const before = json(await stratlab(dir, ['top', '--config', 'config.yaml', '-n', '3', '--json']));
    const res = json(await stratlab(dir, ['validate', '--top', '3', '--config', 'config.yaml', '--json']));
    expect(res.reports.map((r: any) => r.id)).toEqual(before.rows.map((r: any) => r.id));
    for (const r of res.reports) {
      expectCamel(r);
      expect(['passed', 'marginal', 'rejected']).toContain(r.status);
      expect(r.steps[0]).toBe('disqualification');
      if (r.holdout) {
        // Trained on the swept period, tested on the data after `between` that the sweep never saw.
        expect(r.holdout.trainPeriod).toBe('2005-01-03:2011-12-30');
        expect(r.holdout.testPeriod).toBe('2011-12-31:2013-03-01');
      }
    }
    // Each verdict is in the tracker: --status STATUS finds the row, pending no longer does.
    const statuses = [...new Set<string>(res.reports.map((r: any) => r.status))];
    const [pending, ...byStatus] = await Promise.all([
      stratlab(dir, ['top', '--config', 'config.yaml', '--status', 'pending', '-n', '50', '--json']),
      ...statuses.map((s) => stratlab(dir, ['top', '--config', 'config.yaml', '--status', s, '-n', '50', '--json'])),
    ]);
    const pendingIds = json(pending).rows.map((r: any) => r.id);
    for (const r of res.reports) expect(pendingIds).not.toContain(r.id);
    statuses.forEach((s, k) => {
      const rows = json(byStatus[k]).rows;
      for (const r of res.reports.filter((x: any) => x.status === s)) {
        const row = rows.find((x: any) => x.id === r.id);
        expect(row.validationStatus).toBe(s);
        expect(row.validationDetails.status).toBe(s);
      }
    });
  });

  it('validate --id ID validates that row (readable report); a second --top takes the next pending rows', async () => {
    const [one, next] = await Promise.all([
      stratlab(dir, ['validate', '--id', '1', '--config', 'config.yaml']),
      stratlab(dir, ['validate', '--top', '2', '--config', 'config.yaml', '--status', 'pending', '--json']),
    ]);
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/^#1 \(sma_test\) {2}Validation of SmaCross \{.*\} on GOOG 1d .*: (PASSED|MARGINAL|REJECTED)/m);
    expect(one.out).toMatch(/^step\s+outcome\s+detail$/m);
    expect(one.out).toMatch(/^Validated 1: \d passed, \d marginal, \d rejected; recorded in /m);
    const ids = json(next).reports.map((r: any) => r.id);
    expect(ids).toHaveLength(2);
  });

  it('top --summary prints the LLM digest', async () => {
    const r = await stratlab(dir, ['top', '--summary']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('SmaCross');
    expect(r.out.length).toBeGreaterThan(100);
  });
});

describe('stratlab optimize and walk-forward on GOOG', () => {
  const dir = project('opt', (rel) => SMA(rel).replace('  seed: 7\n', `  seed: 7\n  storage: trials.jsonl\n`));
  it('optimize: the best parameters respect where, every trial is listed, and a rerun resumes from storage', async () => {
    const a = json(await stratlab(dir, ['optimize', '--config', 'config.yaml', '--trials', '8', '--json']));
    expectCamel(a);
    expect(a).toMatchObject({ strategy: 'SmaCross', symbol: 'GOOG', metric: 'sharpe', sampler: 'tpe', resumedTrials: 0 });
    expect(a.trials).toHaveLength(8);
    for (const t of a.trials) expect(t.params.fast).toBeLessThan(t.params.slow);
    expect(a.bestParams.fast).toBeLessThan(a.bestParams.slow);
    // The config's rules apply as in a sweep: the best is the best trial that passes them.
    expect(a.rules).toEqual({ maxDrawdown: 60, minTrades: 10, minTradesPerYear: 2 });
    expect(a.bestValue).toBe(Math.max(...a.trials.filter((t: any) => t.state === 'complete').map((t: any) => t.value ?? -Infinity)));
    // The best trials, backtested again, as a run directory.
    const manifest = JSON.parse(fs.readFileSync(path.join(a.runDir, 'run.json'), 'utf8'));
    expect(manifest.kind).toBe('optimize');
    expect(manifest.strategyCount).toBe(Math.min(10, a.trials.filter((t: any) => t.state === 'complete').length));
    const b = await stratlab(dir, ['optimize', '--config', 'config.yaml']); // nTrials 12 from the config
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/^Trials\s+12 \(0 failed, \d+ disqualified, 8 resumed from storage\)$/m);
    expect(b.out).toMatch(/^Best parameters\s+\{"fast":\d+,"slow":\d+/m);
    expect(fs.readFileSync(path.join(dir, 'trials.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(12);
  });

  it('walk-forward: per-window table, summary and significance; JSON with ISO times', async () => {
    const [j, text] = await Promise.all([
      stratlab(dir, ['walk-forward', '--config', 'config.yaml', '--json']),
      stratlab(dir, ['walk-forward', '--config', 'config.yaml', '--trials', '4']),
    ]);
    const res = json(j);
    expectCamel(res);
    expect(res.summary.windows).toBe(res.windows.length);
    // A window whose every in-sample trial breaks the config's rules is skipped, and says so.
    expect(res.windows.length).toBeGreaterThanOrEqual(1);
    expect(res.windows.length + res.skipped.length).toBeGreaterThanOrEqual(4);
    for (const s of res.skipped) expect(s.reason).toMatch(/disqualified/);
    for (const w of res.windows) {
      expect(w.inSample.from).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(w.outSample.from > w.inSample.to).toBe(true);
      expect(w.params.fast).toBeLessThan(w.params.slow);
      // Each window's equity curves: the out-of-sample one starts on the period's first bar.
      expect(w.outSample.equity[0].time.slice(0, 10)).toBe(w.outSample.from.slice(0, 10));
      expect(w.outSample.equity).toHaveLength(w.outSample.bars);
      expect(w.inSample.equity).toHaveLength(w.inSample.bars);
    }
    expect(res.warmup).toBe('auto');
    expect(res.significance.n).toBe(res.windows.length);
    expect(res.stitchedEquity.length).toBeGreaterThan(0);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^Walk-forward efficiency\s+/m);
    expect(text.out).toMatch(/^OOS mean return > 0\s+t = .*, p = .* \(n = \d+\)$/m);
    expect(text.out).toMatch(/^window\s+inSample\s+outSample\s+params/m);
  });
});

describe('stratlab sweep: Ctrl-C stops cleanly and the same command resumes', () => {
  // SmaCross on 5,000 EURUSD hour bars, ~6,000 combinations on one worker: a few seconds in all.
  const dir = project('interrupt', (rel) => `experiment: long_run
data:
  EURUSD: ${rel(EURUSD)}
strategy: SmaCross
grid:
  fast: { from: 2, to: 61 }
  slow: { from: 10, to: 400, step: 4 }
where: fast < slow
workers: 1
`);
  const db = path.join(dir, 'research.db');
  const count = () => {
    if (!fs.existsSync(db)) return 0;
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (d.prepare('SELECT COUNT(*) AS n FROM experiments').get() as { n: number }).n;
    } catch {
      return 0; // the table is being created
    } finally {
      d.close();
    }
  };

  it('SIGINT: the running chunk is committed, exit 130 with the count; a rerun resumes those rows and runs the rest', async () => {
    let timer: NodeJS.Timeout | undefined;
    const interrupted = await stratlab(dir, ['sweep', '--config', 'config.yaml', '--json'], (pid) => {
      // Interrupt once the first batch is committed: mid-run, whatever the machine's speed.
      timer = setInterval(() => {
        if (count() > 0) {
          clearInterval(timer);
          process.kill(pid, 'SIGINT');
        }
      }, 20);
    });
    clearInterval(timer);
    expect(interrupted.code).toBe(130);
    const lines = interrupted.err.trim().split('\n');
    const m = /^interrupted: ([\d,]+) results committed to DB; rerun the same command to resume$/.exec(lines[lines.length - 1]);
    expect(m).not.toBeNull();
    const committed = Number(m![1].replace(/,/g, ''));
    const summary = JSON.parse(interrupted.out).summary;
    expect(summary.interrupted).toBe(true);
    expect(summary.ran).toBe(committed);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(summary.combinations);
    expect(count()).toBe(committed); // nothing half-written

    const rerun = json(await stratlab(dir, ['sweep', '--config', 'config.yaml', '--json']));
    expect(rerun.summary).toMatchObject({ interrupted: false, resumed: committed, ran: summary.combinations - committed });
    expect(count()).toBe(summary.combinations);
  }, 30_000);
});

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded. */
const BILLION_LAUGHS = [
  'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...'bcdefghi'.split('').map((x, k) => `${x}: &${x} [${Array(9).fill(`*${'abcdefghi'[k]}`).join(', ')}]`),
].join('\n') + '\n';

describe('config and flag mistakes: one line naming the file, the YAML path and the line; nothing on stdout', () => {
  const GOOD = (rel: (f: string) => string) => `experiment: e1
data:
  GOOG: ${rel(GOOG)}
strategy: SmaCross
grid:
  fast: [5, 10, 20]
  slow: [30, 50]
`;
  const edit = (f: (text: string) => string) => (rel: (file: string) => string) => f(GOOD(rel));
  // [case, config (or null: none written), arguments, exit code, stderr]
  const CASES: [string, ((rel: (f: string) => string) => string) | null, string[], number, RegExp][] = [
    ['an unknown key, with a suggestion', edit((t) => t + 'validaton: {}\n'), ['sweep'], 2, /^stratlab sweep: config\.yaml: validaton: unknown key\. Did you mean 'validation'\? \(line 8\)$/],
    ['an unknown nested key', edit((t) => t + 'validation:\n  holdot: { testFraction: 0.3 }\n'), ['validate', '--top', '1'], 2, /config\.yaml: validation\.holdot: unknown key\. Did you mean 'holdout'\? \(line 9\)$/],
    ['a grid value that is neither a list nor a range', edit((t) => t.replace('fast: [5, 10, 20]', 'fast: ten')), ['sweep'], 2,
      /config\.yaml: grid\.fast: expected a list of values or \{ from, to, step \}, got "ten" \(line 6\)$/],
    ['a grid value of the wrong type', edit((t) => t.replace('[5, 10, 20]', '[5, 10, ten]')), ['sweep'], 2, /config\.yaml: grid\.fast\[2\]: SmaCross\.fast: expected a number, got "ten" \(line 6\)$/],
    ['a misspelt range key', edit((t) => t.replace('[5, 10, 20]', '{ from: 5, to: 20, stp: 5 }')), ['sweep'], 2, /config\.yaml: grid\.fast\.stp: unknown key\. Did you mean 'step'\? \(line 6\)$/],
    ['a grid parameter the strategy does not have', edit((t) => t.replace('fast:', 'fsat:')), ['sweep'], 2, /config\.yaml: grid\.fsat: SmaCross has no parameter 'fsat'\. Did you mean 'fast'\? \(line 6\)$/],
    ['a missing data file', edit((t) => t.replace(/GOOG: .*/, 'GOOG: ../nowhere/GOOG.csv')), ['sweep'], 2, /config\.yaml: data\.GOOG: file not found: \.\.\/nowhere\/GOOG\.csv \(looked in .*\) \(line 3\)$/],
    ['a where that does not parse', edit((t) => t + 'where: fast << slow\n'), ['sweep'], 2, /config\.yaml: where: cannot read "fast << slow": expected a parameter name or a number, got '<' at column 7 \(line 8\)$/],
    ['a where with "or"', edit((t) => t + 'where: fast < slow or fast > 3\n'), ['sweep'], 2, /where: cannot read .*: expected 'and' or the end of the expression, got 'or' at column 13 \(line 8\)$/],
    ['a where naming no parameter', edit((t) => t + 'where: fsat < slow\n'), ['sweep'], 2, /config\.yaml: where: SmaCross has no parameter 'fsat'\. Did you mean 'fast'\? \(line 8\)$/],
    ['an unknown strategy', edit((t) => t.replace('SmaCross', 'SmaCros')), ['sweep'], 2, /config\.yaml: strategy: unknown strategy 'SmaCros'\. Did you mean 'SmaCross'\? \(line 4\)$/],
    ['a bad engine setting', edit((t) => t + 'settings: { spread: 2 }\n'), ['sweep'], 2, /config\.yaml: settings\.spread: expected a fraction of price, 0 ≤ spread < 1 .*, got 2 \(line 8\)$/],
    ['an unknown score', edit((t) => t + 'score: sharp\n'), ['sweep'], 2, /config\.yaml: score: expected sharpe \| calmarSharpe \| penalised \| returnPct, got "sharp"\. Did you mean 'sharpe'\? \(line 8\)$/],
    ['broken YAML', edit((t) => t.replace('slow: [30, 50]', 'slow: [30, 50')), ['sweep'], 2, /config\.yaml: not valid YAML: .* \(line \d+\)$/],
    ['a "billion laughs" YAML (aliases of aliases): bad input, not an internal error', edit((t) => t + BILLION_LAUGHS), ['sweep'], 2,
      /^stratlab sweep: config\.yaml: not valid YAML: its aliases \(\*name\) nest into too many copies/],
    ['a key given twice', edit((t) => t + 'strategy: SmaCross\n'), ['sweep'], 2, /config\.yaml: not valid YAML: Map keys must be unique \(line 8\)$/],
    ['a tab used for indentation', edit((t) => t.replace('  fast:', '\tfast:')), ['sweep'], 2, /config\.yaml: not valid YAML: Tabs are not allowed as indentation \(line 6\)$/],
    ['no experiment for a sweep', edit((t) => t.replace('experiment: e1\n', '')), ['sweep'], 2, /config\.yaml: experiment: required by stratlab sweep: .*--experiment ID\)$/],
    ['no optimize section', GOOD, ['optimize'], 2, /config\.yaml: optimize: required by stratlab optimize/],
    ['no --config', null, ['sweep'], 2, /^stratlab sweep: --config FILE is required/],
    ['a config that does not exist', null, ['sweep', '--config', 'nope.yaml'], 2, /^stratlab sweep: --config nope\.yaml: file not found$/],
    ['a bad --workers', GOOD, ['sweep', '--workers', 'two'], 2, /^stratlab sweep: --workers "two" is not a number/],
    ['--id and --top together', GOOD, ['validate', '--id', '1', '--top', '2'], 2, /^stratlab validate: give --id or --top, not both$/],
    ['an unknown --status', null, ['top', '--status', 'pased'], 2, /^stratlab top: --status "pased" must be pending, passed, marginal, rejected or any \(did you mean passed\?\)$/],
    ['a data file that does not load (exit 1)', edit((t) => t.replace(/GOOG: .*/, 'GOOG: bad.csv')), ['sweep'], 1, /^stratlab sweep: .*bad\.csv/],
    ['no database yet (exit 1)', null, ['top'], 1, /^stratlab top: .*research\.db: no such research database \(run stratlab sweep first/],
  ];
  const runs = new Map<string, Run>();
  beforeAll(async () => {
    const queue = CASES.map((c, k) => ({ c, k }));
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const [name, config, args] = job.c;
        const dir = config ? project(`bad-${job.k}`, config) : project(`bad-${job.k}`, () => '', 'unused.txt');
        fs.writeFileSync(path.join(dir, 'bad.csv'), 'Date,Open\n2020-01-01,x\n');
        const withConfig = config && !args.includes('--config') ? [...args, '--config', 'config.yaml'] : args;
        runs.set(name, await stratlab(dir, withConfig));
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  });

  it.each(CASES)('%s', (name, _config, args, code, message) => {
    const r = runs.get(name)!;
    expect(r.out).toBe('');
    expect(r.code).toBe(code);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^stratlab ${args[0]}: `));
    expect(lines[0]).toMatch(message);
  });
});

describe('--help of the research commands', () => {
  it('lists every flag, and the overview lists the commands', async () => {
    const specs = [sweepCommand, top, validate, optimizeCommand, walkForwardCommand];
    const [overview, ...helps] = await Promise.all([stratlab(TMP, ['--help']), ...specs.map((s) => stratlab(TMP, [s.name, '--help']))]);
    specs.forEach((spec, k) => {
      expect(helps[k].code).toBe(0);
      for (const flag of Object.keys(spec.options)) expect(helps[k].out).toContain(flag.length === 1 ? `-${flag}` : `--${flag}`);
      expect(overview.out).toMatch(new RegExp(`^\\s+${spec.name}\\s+\\S`, 'm'));
    });
    expect(helps[1].out).toMatch(/default any: right after a sweep nothing is/);
  });
});
