import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI, EURUSD, GOOG, ROOT } from './helpers/paths';

function stratlab(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('stratlab CLI', () => {
  it('lists its commands with --help and exits 0', () => {
    const r = stratlab('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/data inspect/);
    expect(r.out).toMatch(/notebook execute/);
  });

  it('refuses an unknown command with one line on stderr and exit 2', () => {
    const r = stratlab('bakctest');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/unknown command "bakctest"/);
  });

  it('names only the command word, not its flags, when the command is unknown', () => {
    expect(stratlab('bakctest', '--data', 'x.csv').err.trim()).toBe('stratlab: unknown command "bakctest" (see `stratlab --help`)');
    expect(stratlab('data', 'inspekt').err.trim()).toBe('stratlab: unknown command "data inspekt" (did you mean: data inspect?)');
  });

  it('refuses an unknown flag naming it', () => {
    const r = stratlab('data', 'inspect', GOOG, '--jsn');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/--jsn/);
  });

  it('data inspect --json reports rows, range and timeframe of GOOG daily', () => {
    const r = stratlab('data', 'inspect', GOOG, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.rows).toBe(2148);
    expect(report.timeframe).toBe('1d');
    expect(report.first).toMatch(/^2004-08-19/);
    expect(report.last).toMatch(/^2013-03-01/);
    expect(report.problems.total).toBe(0);
  });

  it('data inspect prints a readable report of EURUSD hourly with its weekend gaps', () => {
    const r = stratlab('data', 'inspect', EURUSD);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/rows\s+5,000/);
    expect(r.out).toMatch(/1h/);
    expect(r.out).toMatch(/weekend/i);
  });

  it('data inspect lists the problems of a bad file and exits 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-cli-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'Date,Open,High,Low,Close,Volume\n2024-01-02,100,101,99,100.5,10\n2024-01-03,100,99,98,100.5,10\n');
    const r = stratlab('data', 'inspect', bad, '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.problems.total).toBe(1);
    expect(report.problems.shown[0].row).toBe(2);
  });

  it('fails with one line naming the file when it does not exist', () => {
    const r = stratlab('data', 'inspect', 'no/such/file.csv');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/no\/such\/file\.csv/);
  });

  it('notebook execute runs a notebook and reports it as JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-cli-nb-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'n.ipynb');
    fs.writeFileSync(file, JSON.stringify({
      nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3' } },
      cells: [{ cell_type: 'code', id: 'a', metadata: {}, source: 'print(6 * 7)', outputs: [], execution_count: null }],
    }));
    const r = stratlab('notebook', 'execute', file, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ path: file, codeCells: 1, errors: [] });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).cells[0].outputs[0].text).toBe('42\n');
  });

  it('demo --no-notebook --json tours the bundled data', () => {
    const r = stratlab('demo', '--no-notebook', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out['SYNTH_1m.csv'].rows).toBe(7800);
    expect(out.resampled.map((x: { bars: number }) => x.bars)).toEqual([1560, 520, 140, 20]);
    expect(out.indicators['rsi(14)']).toBeGreaterThan(0);
    // Every built-in strategy backtested on the bundled daily bars, each with trades.
    expect(out.backtests.map((b: { strategy: string }) => b.strategy)).toEqual(
      ['SmaCross', 'DonchianBreakout', 'BollingerBreakout', 'MACDBollinger', 'StochRSIMeanReversion', 'RegimeGated']);
    for (const b of out.backtests) expect(b.trades).toBeGreaterThan(0);
    // RegimeGated is shown with a gate that changes its trades, and what the gate did.
    const row = (name: string) => out.backtests.find((b: { strategy: string }) => b.strategy === name);
    expect(row('RegimeGated')['return %']).not.toBe(row('StochRSIMeanReversion')['return %']);
    expect(row('RegimeGated').trades).toBeLessThan(row('SmaCross').trades);
    expect(row('RegimeGated')['gated %']).toBeGreaterThan(0);
    expect(row('RegimeGated')['gated %']).toBeLessThan(100);
    // A tracked sweep with its PBO, and the validation of its best run.
    expect(out.sweep.headline).toMatch(/^SmaCross: 174 combinations; 174 ran in .* on 2 workers/);
    expect(out.sweep.pbo).toBeGreaterThanOrEqual(0);
    expect(out.sweep.pbo).toBeLessThanOrEqual(1);
    expect(['passed', 'marginal', 'rejected']).toContain(out.sweep.validation.status);
    // The best run's chart (result.plot()), its monthly returns and the sweep heatmap, in one offline page.
    const page = fs.readFileSync(out.charts, 'utf8');
    expect(page.match(/<div id="stratlab-[0-9a-f]+" class="stratlab-plot"/g)).toHaveLength(3);
    expect(page).toMatch(/"title":\{"text":"SmaCross on SYNTH 1d: [\d,]+ bars"/);
    expect(page).toContain('Monthly returns (%): SmaCross on SYNTH 1d');
    expect(page).not.toMatch(/<script[^>]+src=/);
  });
});
