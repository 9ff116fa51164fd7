/**
 * Chunk claims in the tracker's database (table sweep_claims), so that two processes sweeping the
 * same experiment at once split the work instead of both doing all of it. A claim is a lease:
 * renewed while its chunk runs, taken over when it runs out or when its process (on this host) is
 * gone — a killed sweep's chunks are not lost, and the next sweep need not wait for its leases.
 */
import os from 'node:os';
import type { Database } from 'better-sqlite3';
import type { ChunkClaims, ClaimState, ExperimentRecord } from '../sweep/types';

/** How long a claim lasts without renewal. A sweep renews its claims every 15 s. */
export const LEASE_MS = 60_000;

/**
 * How long a sharing sweep waits for the other's write lock (the tracker's default is 5 s): on a
 * loaded machine a process starved of CPU can hold it for seconds while it commits a batch, and
 * waiting is right where failing would lose the sweep.
 */
export const SHARED_BUSY_TIMEOUT_MS = 120_000;

const HOST = os.hostname();

/** True when process `pid` on this host still runs (EPERM: it runs as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class TrackerClaims implements ChunkClaims {
  /** Unique per sweep run: two sweeps in one process are two owners. */
  readonly owner = `${HOST}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;

  constructor(private readonly db: Database, private readonly save: (records: readonly ExperimentRecord[]) => void, private readonly leaseMs = LEASE_MS) {
    db.pragma(`busy_timeout = ${SHARED_BUSY_TIMEOUT_MS}`);
  }

  claim(key: string, chunk: number): ClaimState {
    const db = this.db;
    return db.transaction((): ClaimState => {
      const now = Date.now();
      const row = db.prepare('SELECT owner, host, pid, lease_until, done FROM sweep_claims WHERE sweep_key = ? AND chunk = ?').get(key, chunk) as
        { owner: string; host: string; pid: number; lease_until: number; done: number } | undefined;
      if (row?.done) return 'done';
      if (row && row.owner !== this.owner && row.lease_until > now && !(row.host === HOST && !alive(row.pid))) return 'busy';
      db.prepare(`INSERT INTO sweep_claims (sweep_key, chunk, owner, host, pid, lease_until) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (sweep_key, chunk) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid, lease_until = excluded.lease_until`)
        .run(key, chunk, this.owner, HOST, process.pid, now + this.leaseMs);
      return 'mine';
    }).immediate();
  }

  renew(key: string, chunks: readonly number[]): void {
    if (chunks.length === 0) return;
    this.db.prepare('UPDATE sweep_claims SET lease_until = ? WHERE sweep_key = ? AND owner = ? AND done = 0 AND chunk IN (SELECT value FROM json_each(?))')
      .run(Date.now() + this.leaseMs, key, this.owner, JSON.stringify(chunks));
  }

  release(key: string, chunks: readonly number[]): void {
    if (chunks.length === 0) return;
    this.db.prepare('DELETE FROM sweep_claims WHERE sweep_key = ? AND owner = ? AND done = 0 AND chunk IN (SELECT value FROM json_each(?))')
      .run(key, this.owner, JSON.stringify(chunks));
  }

  saveAndFinish(records: readonly ExperimentRecord[], done: readonly { key: string; chunk: number }[]): void {
    const finish = this.db.prepare('UPDATE sweep_claims SET done = 1 WHERE sweep_key = ? AND chunk = ?');
    // Nested: save opens its own transaction, which becomes a savepoint inside this one.
    this.db.transaction(() => {
      if (records.length > 0) this.save(records);
      for (const d of done) finish.run(d.key, d.chunk);
    }).immediate();
  }

  forget(key: string): void {
    // Only when no chunk is still held: a sweep that finished saw every chunk done; rows still held
    // belong to another sweep that is still finishing (it forgets them when it is done).
    this.db.prepare('DELETE FROM sweep_claims WHERE sweep_key = ? AND NOT EXISTS (SELECT 1 FROM sweep_claims WHERE sweep_key = ? AND done = 0)').run(key, key);
  }
}
