/**
 * Issue 18.7 and 16.6: one command-line grammar across the commands — the same flags mean the same
 * thing everywhere, old spellings get a pointer to the new one, and the aliases researchers expect.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../lib/cli/main';
import { readManifest } from '../lib/runs';
import { listStrategies, strategyByName } from '../lib/strategies';
import { GOOG } from './helpers/paths';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-grammar-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await runCli(args, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
  return { code, out, err };
}

/** A research config beside TMP with a tiny optimize and walk-forward section. */
function config(): string {
  const file = path.join(TMP, 'sma.yaml');
  fs.writeFileSync(file, `experiment: grammar_001
data: { GOOG: ${path.relative(TMP, GOOG)} }
strategy: sma_cross
grid: { fast: [5, 10], slow: [30, 50] }
where: fast < slow
workers: 0
# The flags are under test here, not the strategy: loose rules, so short windows still have a qualified trial.
rules: { minTrades: 1, minTradesPerYear: 0, maxDrawdown: 100, minProfitFactor: 0, minWinRate: 0, maxWinRate: 1 }
optimize: { paramSpace: { fast: { min: 2, max: 20 }, slow: { min: 25, max: 60 } }, nTrials: 4, sampler: random, seed: 1 }
walkForward: { inSampleDays: 1095, outSampleDays: 730, stepDays: 730, nTrials: 3 }
`);
  return file;
}

describe('aliases (bt, opt, wf)', () => {
  it('lists each alias beside its command in stratlab --help', async () => {
    const help = (await cli('--help')).out;
    expect(help).toMatch(/^ {2}backtest \(bt\) /m);
    expect(help).toMatch(/^ {2}optimize \(opt\) /m);
    expect(help).toMatch(/^ {2}walk-forward \(wf\) /m);
  });

  it('runs the same command under the alias', async () => {
    const long = await cli('backtest', '--data', GOOG, '--strategy', 'SmaCross', '--no-run', '--json');
    const short = await cli('bt', '--data', GOOG, '--strategy', 'SmaCross', '--no-run', '--json');
    expect(short.code).toBe(0);
    expect(JSON.parse(short.out).metrics).toEqual(JSON.parse(long.out).metrics);
    expect((await cli('opt', '--help')).out).toMatch(/^usage: stratlab optimize /);
    expect((await cli('wf', '--help')).out).toMatch(/alias: stratlab wf/);
  });
});

describe('errors', () => {
  it('prefix the command once: "stratlab backtest: Unknown option …", with a suggestion', async () => {
    const r = await cli('backtest', '--data', GOOG, '--strategy', 'SmaCross', '--jsn');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^stratlab backtest: Unknown option '--jsn'\. Did you mean --json\?/);
    expect(r.err).not.toMatch(/backtest: backtest:/);
  });

  it('point an old spelling of --run to the one grammar', async () => {
    const bt = await cli('backtest', '--data', GOOG, '--strategy', 'SmaCross', '--run');
    expect(bt.code).toBe(2);
    expect(bt.err).toMatch(/--runs DIR says where, --no-run skips it/);
    const sw = await cli('sweep', '--config', config(), '--run');
    expect(sw.code).toBe(2);
    expect(sw.err).toMatch(/Did you mean --write-run\?/);
  });

  it('never suggest a command that does not exist (a missing run names the commands that write one)', async () => {
    const r = await cli('query', '--run', TMP, '--sql', 'SELECT 1');
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/backtest --run/);
    expect(r.err).toMatch(/sweep --write-run/);
  });
});

describe('the same flags on every command that makes a run', () => {
  it.each(['backtest', 'sweep', 'run', 'optimize', 'walk-forward'])('%s accepts --no-progress and --notebook', async (command) => {
    const r = await cli(command, '--no-progress', '--notebook', '--help');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--notebook/);
  });

  it('optimize --no-progress runs', async () => {
    const r = await cli('optimize', '--config', config(), '--no-progress', '--no-run', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).trials).toHaveLength(4);
  });

  it.each([
    ['backtest', ['--data', GOOG, '--strategy', 'SmaCross']],
    ['sweep', ['--config', 'CONFIG', '--db', 'DB']],
    ['optimize', ['--config', 'CONFIG']],
    ['walk-forward', ['--config', 'CONFIG']],
  ])('%s --notebook writes the run and its analysis notebook into it', async (command, args) => {
    const runs = path.join(TMP, `nb-${command}`);
    const argv = args.map((a) => (a === 'CONFIG' ? config() : a === 'DB' ? path.join(TMP, 'nb.db') : a));
    const r = await cli(command, ...argv, '--runs', runs, '--notebook', '--no-progress', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(path.dirname(path.dirname(out.runDir))).toBe(runs);
    expect(path.dirname(out.notebook.path)).toBe(out.runDir);
    expect(fs.existsSync(out.notebook.path)).toBe(true);
  }, 60_000);
});

describe('parameters and strategy names', () => {
  it('--params takes name=value pairs as well as JSON, with the same result', async () => {
    const pairs = await cli('backtest', '--data', GOOG, '--strategy', 'SmaCross', '--params', 'fast=12,slow=40', '--no-run', '--json');
    const json = await cli('backtest', '--data', GOOG, '--strategy', 'SmaCross', '--params', '{"fast":12,"slow":40}', '--no-run', '--json');
    expect(pairs.code).toBe(0);
    expect(JSON.parse(pairs.out).params).toEqual({ fast: 12, slow: 40, longOnly: false });
    expect(JSON.parse(pairs.out).metrics).toEqual(JSON.parse(json.out).metrics);
    const bad = await cli('backtest', '--data', GOOG, '--strategy', 'SmaCross', '--params', 'fast:12');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--params "fast:12": expected name=value pairs such as fast=10,slow=30/);
  });

  it('accepts snake_case, kebab-case and CamelCase spellings of every built-in strategy', () => {
    for (const { name } of listStrategies()) {
      const words = name.replace(/([a-z\d])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase().split(' ');
      for (const spelling of [name, words.join('_'), words.join('-'), name.toLowerCase(), name[0].toLowerCase() + name.slice(1)]) {
        expect(strategyByName(spelling), spelling).toBe(strategyByName(name));
      }
    }
  });

  it('backtest --strategy sma_cross runs SmaCross', async () => {
    const r = await cli('backtest', '--data', GOOG, '--strategy', 'sma_cross', '--no-run', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).strategy).toBe('SmaCross');
  });
});

describe('latest wherever a run is expected', () => {
  it('result, query, patterns and notebook generate read the newest run under --runs', async () => {
    const runs = path.join(TMP, 'latest');
    await cli('backtest', '--data', GOOG, '--strategy', 'SmaCross', '--runs', runs, '--json');
    await new Promise((r) => setTimeout(r, 1100)); // run ids start with the second they were made
    const newest = JSON.parse((await cli('backtest', '--data', GOOG, '--strategy', 'DonchianBreakout', '--runs', runs, '--json')).out).runDir;

    const manifest = await cli('result', '--run', 'latest', '--runs', runs, '--what', 'manifest');
    expect(manifest.code).toBe(0);
    expect(JSON.parse(manifest.out)).toEqual(readManifest(newest));
    const q = await cli('query', '--run', 'latest', '--runs', runs, '--sql', 'SELECT strategy FROM strategy_index', '--json');
    expect(JSON.parse(q.out).rows).toEqual([{ strategy: 'DonchianBreakout' }]);
    const d = await cli('patterns', 'discover', '--run', 'latest', '--runs', runs, '--library', path.join(TMP, 'p.yaml'), '--min-sample', '1', '--json');
    expect(d.code).toBe(0);
    expect(JSON.parse(d.out).runId).toBe(readManifest(newest).runId);
    const nb = await cli('notebook', 'generate', '--run', 'latest', '--runs', runs, '--json');
    expect(path.dirname(JSON.parse(nb.out).notebook)).toBe(newest);
  }, 60_000);

  it('says where it looked when there is no run', async () => {
    const r = await cli('result', '--run', 'latest', '--runs', path.join(TMP, 'empty'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--run latest: no finished run under .*empty/);
  });
});

describe('several strategies in one config', () => {
  function multi(): string {
    const file = path.join(TMP, 'multi.yaml');
    fs.writeFileSync(file, `experiment: grammar_multi
data: { GOOG: ${path.relative(TMP, GOOG)} }
strategies:
  - strategy: sma_cross
    grid: { fast: [5, 10], slow: [30, 50] }
    where: fast < slow
  - strategy: donchian-breakout
    grid: { entry_period: [20, 55] }
workers: 0
`);
    return file;
  }

  it('stratlab run writes one run holding every strategy of every entry', async () => {
    const r = await cli('run', '--config', multi(), '--runs', path.join(TMP, 'multi-runs'), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.strategyCount).toBe(6);
    const q = await cli('query', '--run', out.runDir, '--sql', 'SELECT strategy, strategy_type, count(*)::INTEGER AS n FROM strategy_index GROUP BY ALL ORDER BY strategy', '--json');
    expect(JSON.parse(q.out).rows).toEqual([
      { strategy: 'DonchianBreakout', strategy_type: 'breakout', n: 2 },
      { strategy: 'SmaCross', strategy_type: 'momentum', n: 4 },
    ]);
    const traced = await cli('query', '--run', out.runDir, '--sql', 'SELECT count(DISTINCT strategy_hash)::INTEGER AS n FROM traces', '--json');
    expect(JSON.parse(traced.out).rows[0].n).toBe(6);
  }, 60_000);

  it('stratlab sweep tracks every entry, and --write-run makes one run of them', async () => {
    const db = path.join(TMP, 'multi.db');
    const r = await cli('sweep', '--config', multi(), '--db', db, '--write-run', '--runs', path.join(TMP, 'multi-sweep'), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.strategies.map((s: { strategy: string }) => s.strategy)).toEqual(['SmaCross', 'DonchianBreakout']);
    expect(readManifest(out.runDir).strategyCount).toBe(6);
    const top = await cli('top', '--db', db, '--include-disqualified', '--min-trades', '0', '--json');
    expect(new Set(JSON.parse(top.out).rows.map((row: { strategy: string }) => row.strategy))).toEqual(new Set(['SmaCross', 'DonchianBreakout']));
  }, 60_000);

  it('refuses strategy and strategies together, naming the key', async () => {
    const file = path.join(TMP, 'both.yaml');
    fs.writeFileSync(file, fs.readFileSync(multi(), 'utf8') + 'strategy: SmaCross\n');
    const r = await cli('run', '--config', file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/both\.yaml: strategies: give either strategies: \[\{ strategy, grid, where \}, …\] or strategy/);
  });
});
