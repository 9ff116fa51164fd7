import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { loadBars } from '../lib/data';
import { sweep } from '../lib/sweep';
import { openTracker } from '../lib/tracker';
import { EURUSD, GOOG } from './helpers/paths';

const CHILD = path.join(__dirname, 'fixtures', 'sweep', 'concurrent-sweep.cjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-concurrent-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Summary { ran: number; resumed: number; combinations: number; results: number; best: string }

/** The child sweep, started; resolves `ready` once it has loaded its data and opened the tracker. */
function child(db: string): { proc: ChildProcess; ready: Promise<void>; done: Promise<Summary> } {
  const proc = spawn(process.execPath, [CHILD, db, EURUSD], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.startsWith('ready\n')) onReady();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<Summary>((resolve, reject) => proc.on('close', (code) => {
    if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
    else resolve(JSON.parse(out.split('\n').filter(Boolean).at(-1)!) as Summary);
  }));
  return { proc, ready, done };
}

describe('two processes sweeping one experiment at once', () => {
  it('leave exactly one row per combination, and each ran part of the work', async () => {
    const db = path.join(tmp, 'shared.db');
    const a = child(db), b = child(db);
    await Promise.all([a.ready, b.ready]);
    a.proc.stdin!.write('go\n');
    b.proc.stdin!.write('go\n');
    const [ra, rb] = await Promise.all([a.done, b.done]);

    const total = ra.combinations;
    expect(rb.combinations).toBe(total);
    // Both did part of the work, and between them all of it, once.
    expect(ra.ran).toBeGreaterThan(0);
    expect(rb.ran).toBeGreaterThan(0);
    expect(ra.ran + rb.ran).toBe(total);
    // Each reports every combination: what it ran, and what the other stored.
    expect(ra.ran + ra.resumed).toBe(total);
    expect(rb.ran + rb.resumed).toBe(total);
    expect(ra.results).toBe(total);
    expect(ra.best).toBe(rb.best);

    const conn = new Database(db, { readonly: true });
    try {
      const rows = conn.prepare("SELECT count(*) AS n, count(DISTINCT params_hash) AS distinct_n FROM experiments WHERE experiment_id = 'concurrent'").get() as { n: number; distinct_n: number };
      expect(rows).toEqual({ n: total, distinct_n: total });
      // Claims are forgotten once every chunk is done.
      expect((conn.prepare('SELECT count(*) AS n FROM sweep_claims').get() as { n: number }).n).toBe(0);
    } finally {
      conn.close();
    }
  });
});

describe('what a stored result is: its cost model and its data', () => {
  const GRID = { fast: [5, 10, 15, 20], slow: [30, 50, 70, 90] };
  let goog: Bars;
  const run = async (db: string, bars: Bars, settings: Record<string, unknown> = {}) => {
    const tracker = openTracker(db);
    try {
      return await sweep({ GOOG: bars }).strategy('SmaCross').grid(GRID).settings(settings).workers(0).track(tracker, 'costs').progress('none').run();
    } finally {
      tracker.close();
    }
  };

  it('a rerun resumes only results of the same spread, commission, fill and data', async () => {
    goog = await loadBars(GOOG);
    const db = path.join(tmp, 'costs.db');
    const first = await run(db, goog);
    expect(first.ran).toBe(16);
    for (const settings of [{ spread: 0.001 }, { commission: 0.001 }, { fill: 'next_open' }]) {
      const other = await run(db, goog, settings);
      expect(other.resumed, JSON.stringify(settings)).toBe(0);
      expect(other.ran, JSON.stringify(settings)).toBe(16);
    }
    // The same dates, other prices: a different data fingerprint.
    const scaled = (x: Float64Array) => x.map((v) => v * 1.01);
    const other = { ...goog, open: scaled(goog.open), high: scaled(goog.high), low: scaled(goog.low), close: scaled(goog.close) };
    const moved = await run(db, other);
    expect(moved.resumed).toBe(0);
    expect(moved.ran).toBe(16);

    const again = await run(db, goog);
    expect(again.ran).toBe(0);
    expect(again.resumed).toBe(16);
    expect(again.best!.paramsHash).toBe(first.best!.paramsHash);
    expect(again.best!.score).toBe(first.best!.score);

    const t = openTracker(db);
    try {
      expect(t.experiments().count()).toBe(5 * 16);
      expect(t.experiments().where({ experimentId: 'costs' }).all().filter((r) => r.commission === 0.001)).toHaveLength(16);
    } finally {
      t.close();
    }
  });

  it('saving a result that is stored already updates that row instead of adding one', async () => {
    const db = path.join(tmp, 'resave.db');
    const sw = await run(db, goog);
    const t = openTracker(db);
    try {
      const [row] = t.experiments().orderBy('id', 'asc').limit(1).all();
      const { id, validationStatus: _v, validationDetails: _d, createdAt: _c, ...record } = row;
      expect(t.save({ ...record, score: 42 })).toBe(id);
      expect(t.experiments().count()).toBe(sw.ran);
      expect(t.get(id)!.score).toBe(42);
    } finally {
      t.close();
    }
  });
});

describe('opening a database written before results were unique', () => {
  it('moves the duplicates to experiments_duplicates, keeps one row per result (a validated one first), and says so', () => {
    const file = path.join(tmp, 'dupes.db');
    const raw = new Database(file);
    // The seed's table, as a version-0 file: migrations 1 and 2 both run on it.
    raw.exec(`CREATE TABLE experiments (
      id INTEGER PRIMARY KEY AUTOINCREMENT, experiment_id TEXT, strategy TEXT, strategy_source TEXT, symbol TEXT, timeframe TEXT,
      parameters TEXT, return_pct REAL, annualised_return REAL, max_drawdown REAL, total_trades INTEGER, trades_per_year REAL,
      win_rate REAL, profit_factor REAL, sharpe REAL, score REAL, train_period TEXT, test_period TEXT, test_return_pct REAL,
      validation_status TEXT, validation_details TEXT, parent_experiment_id TEXT, created_at TEXT,
      spread REAL DEFAULT 0.0003, execution_delay INTEGER DEFAULT 0)`);
    const insert = raw.prepare(`INSERT INTO experiments (experiment_id, strategy, strategy_source, symbol, timeframe, parameters, sharpe, score,
      train_period, validation_status, spread) VALUES ('sweep_001', 'SmaCross', 'existing', 'SPY', '1d', ?, ?, ?, '2020-01-01:2024-12-31', ?, ?)`);
    const p1 = '{"fast":10,"slow":30}', p2 = '{"fast":20,"slow":50}';
    insert.run(p1, 0.5, 0.5, 'pending', 0.0003); // 1
    insert.run(p1, 0.5, 0.5, 'passed', 0.0003); //  2: validated, kept
    insert.run(p1, 0.5, 0.5, 'pending', 0.0003); // 3
    insert.run(p2, 0.7, 0.7, 'pending', 0.0003); // 4
    insert.run(p2, 0.7, 0.7, 'pending', 0.0003); // 5: the latest, kept
    insert.run(p2, 0.7, 0.7, 'pending', 0.001); //  6: another spread, another result
    raw.close();

    const t = openTracker(file);
    try {
      expect(t.migrationNotes).toHaveLength(1);
      expect(t.migrationNotes[0]).toContain('3 duplicate result(s) of 2 combination(s) moved to table experiments_duplicates');
      expect(t.experiments().orderBy('id', 'asc').all().map((r) => r.id)).toEqual([2, 5, 6]);
      const moved = t.db.prepare('SELECT id, kept_id FROM experiments_duplicates ORDER BY id').all();
      expect(moved).toEqual([{ id: 1, kept_id: 2 }, { id: 3, kept_id: 2 }, { id: 4, kept_id: 5 }]);
    } finally {
      t.close();
    }
    const reopened = openTracker(file);
    try {
      expect(reopened.migrationNotes).toEqual([]);
      // The index holds from now on: the same result saved again is one row.
      const row = reopened.get(5)!;
      const { id: _id, validationStatus: _v, validationDetails: _d, createdAt: _c, ...record } = row;
      expect(reopened.save(record)).toBe(5);
      expect(reopened.experiments().count()).toBe(3);
    } finally {
      reopened.close();
    }
  });
});
