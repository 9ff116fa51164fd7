import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
