/**
 * The worker pool: piscina over worker_threads. Workers load the built library (dist/), so the
 * pool also works when the caller runs from the TypeScript sources (tests, ts-node): the worker
 * file is dist/sweep/worker.js either way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { StratlabError } from '../core/errors';
import { PACKAGE_ROOT } from '../core/paths';
import type { ChunkOutput } from './task';
import type { ChunkTask } from './worker';

export function workerFile(): string {
  const here = path.join(__dirname, 'worker.js');
  if (__filename.endsWith('.js') && fs.existsSync(here)) return here;
  const built = path.join(PACKAGE_ROOT, 'dist', 'sweep', 'worker.js');
  if (!fs.existsSync(built)) {
    throw new StratlabError('SETUP', `sweep workers need the built library, and ${built} does not exist`, { hint: 'run `npm run setup` (or `npm run build`)' });
  }
  return built;
}

/** Cores available to this process (at least 1). */
export function availableCores(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export class SweepPool {
  private readonly piscina: Piscina;

  constructor(readonly size: number) {
    this.piscina = new Piscina({
      filename: workerFile(),
      minThreads: 0,
      maxThreads: size,
      // One chunk at a time per thread: chunks are sized so that each keeps a core busy.
      concurrentTasksPerWorker: 1,
      // Threads outlive a sweep by this long, warm (modules loaded, code optimised, the last
      // dataset's indicators memoised) for the next one; then they exit and free their memory.
      // Idle threads never keep the process alive.
      idleTimeout: 30_000,
    });
  }

  run(task: ChunkTask): Promise<ChunkOutput> {
    return this.piscina.run(task) as Promise<ChunkOutput>;
  }

  /** Stops the threads now (a shared pool is left to its idle timeout instead). */
  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}

const shared = new Map<number, SweepPool>();

/** The process's pool of `size` threads, shared by successive sweeps and optimizations. */
export function sharedPool(size: number): SweepPool {
  let pool = shared.get(size);
  if (!pool) shared.set(size, (pool = new SweepPool(size)));
  return pool;
}
