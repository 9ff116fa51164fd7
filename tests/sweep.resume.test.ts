import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticBars } from '../lib/data';
import { sweep } from '../lib/sweep';
import { openTracker } from '../lib/tracker';

const CHILD = path.join(__dirname, 'fixtures', 'sweep', 'tracked-sweep.cjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-resume-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The child's sweep, rebuilt here for the rerun: same bars, grid, strategy and costs.
const GRID = { fast: Array.from({ length: 30 }, (_, i) => i + 2), slow: [40, 50, 60, 70, 80, 90, 100, 120] };
const TOTAL = 240;

function rowCount(db: string): number {
  if (!fs.existsSync(db)) return 0;
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare('SELECT count(*) AS n FROM experiments').get() as { n: number }).n;
  } catch {
    return 0; // table not created yet
  } finally {
    conn.close();
  }
}

describe('a tracked sweep killed mid-run', () => {
  it('leaves a sound database with whole batches, and the rerun skips exactly what was committed', async () => {
    const db = path.join(tmp, 'research.db');
    const child = spawn(process.execPath, [CHILD, db, '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Kill it (SIGKILL: no handler, no cleanup) as soon as some batches are committed.
    for (let t = 0; t < 60_000 && rowCount(db) < 40; t += 10) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    expect(stdout).not.toContain('done'); // it really was killed mid-run

    const conn = new Database(db);
    expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
    const committed = rowCount(db);
    expect(committed).toBeGreaterThanOrEqual(40);
    expect(committed).toBeLessThan(TOTAL);
    // Batches of 20, each one transaction: never a part of one.
    expect(committed % 20).toBe(0);
    const incomplete = conn.prepare("SELECT count(*) AS n FROM experiments WHERE status = 'ok' AND (sharpe IS NULL OR total_trades IS NULL OR params_hash IS NULL)").get() as { n: number };
    expect(incomplete.n).toBe(0);
    conn.close();

    const tracker = openTracker(db);
    try {
      const bars = syntheticBars({ n: 150000, timeframe: '1h', seed: 3 });
      const sw = await sweep(bars).strategy('SmaCross').grid(GRID).workers(2).track(tracker, 'kill_test').batchSize(20).progress('none').run();
      expect(sw.resumed).toBe(committed);
      expect(sw.ran).toBe(TOTAL - committed);
      expect(sw.results).toHaveLength(TOTAL);
      expect(tracker.countConfigurations('kill_test')).toBe(TOTAL);
      const again = await sweep(bars).strategy('SmaCross').grid(GRID).workers(0).track(tracker, 'kill_test').progress('none').run();
      expect(again.ran).toBe(0);
      expect(again.resumed).toBe(TOTAL);
      // The resumed rows rank the same as freshly run ones.
      expect(again.best!.paramsHash).toBe(sw.best!.paramsHash);
    } finally {
      tracker.close();
    }
  });
});
