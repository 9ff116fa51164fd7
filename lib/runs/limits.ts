/**
 * Limits of a run query (sandbox.ts): how long one statement may run, how much memory DuckDB may use,
 * how many threads, and how many rows a result may have. Every run opens with them (defaults below);
 * memory and threads are fixed for the connection's life because its configuration is locked.
 */
import fs from 'node:fs';
import os from 'node:os';
import { StratlabError } from '../core/errors';

export interface QueryLimits {
  /** How long one query may run, in milliseconds (default 60,000). */
  timeoutMs?: number;
  /** DuckDB's memory limit, e.g. '512MB' or '2GB' (default: 2 GiB or half the machine's memory, whichever is less). */
  memoryLimit?: string;
  /** DuckDB worker threads (default: the cores available, at most 4). */
  threads?: number;
  /** Most rows a result may have; a larger result is an error, never cut short silently (default 1,000,000). */
  maxRows?: number;
}

export type ResolvedLimits = Required<QueryLimits> & { memoryBytes: number };

const GB = 1024 ** 3;
const UNITS: Record<string, number> = { b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, tb: 1000 ** 4, kib: 1024, mib: 1024 ** 2, gib: GB, tib: 1024 ** 4 };

/** '512MB', '2 GiB', '1.5GB' → bytes; null when the text is not a size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)\s*$/i.exec(text);
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  return Number.isFinite(bytes) ? bytes : null;
}

/** Memory this process may use: the machine's, or the cgroup's limit when a container sets a lower one. */
function availableMemory(): number {
  let total = os.totalmem();
  try {
    const raw = fs.readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (/^\d+$/.test(raw)) total = Math.min(total, Number(raw));
  } catch {
    /* no cgroup v2 limit here */
  }
  return total;
}

function defaultMemory(): string {
  const mib = Math.max(64, Math.floor(Math.min(2 * GB, availableMemory() / 2) / 1024 ** 2));
  return mib % 1024 === 0 ? `${mib / 1024}GiB` : `${mib}MiB`;
}

export function defaultLimits(): Required<QueryLimits> {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return { timeoutMs: 60_000, memoryLimit: defaultMemory(), threads: Math.max(1, Math.min(4, cores)), maxRows: 1_000_000 };
}

/** The limits to use: defaults for what is not given, each given one checked (the message names it). */
export function resolveLimits(given: QueryLimits = {}): ResolvedLimits {
  if (given === null || typeof given !== 'object') throw new StratlabError('BAD_ARGUMENT', 'query limits: expected an object such as { timeoutMs: 30000, maxRows: 100000 }');
  const out = { ...defaultLimits() };
  const bad = (field: string, expected: string, got: unknown) =>
    new StratlabError('BAD_ARGUMENT', `query limits: ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  if (given.timeoutMs !== undefined) {
    if (typeof given.timeoutMs !== 'number' || !Number.isFinite(given.timeoutMs) || given.timeoutMs <= 0) throw bad('timeoutMs', 'a number of milliseconds > 0', given.timeoutMs);
    out.timeoutMs = given.timeoutMs;
  }
  if (given.memoryLimit !== undefined) {
    const bytes = typeof given.memoryLimit === 'string' ? parseSize(given.memoryLimit) : null;
    if (bytes === null || bytes < 16 * 1024 ** 2) throw bad('memoryLimit', "a size of at least 16MB such as '512MB' or '2GB'", given.memoryLimit);
    out.memoryLimit = given.memoryLimit.trim();
  }
  if (given.threads !== undefined) {
    if (!Number.isInteger(given.threads) || given.threads < 1) throw bad('threads', 'a whole number ≥ 1', given.threads);
    out.threads = given.threads;
  }
  if (given.maxRows !== undefined) {
    if (!Number.isInteger(given.maxRows) || given.maxRows < 1) throw bad('maxRows', 'a whole number ≥ 1', given.maxRows);
    out.maxRows = given.maxRows;
  }
  return { ...out, memoryBytes: parseSize(out.memoryLimit)! };
}
