/**
 * Processes as Linux's /proc shows them: which are alive (a pid plus its start time, since pids are
 * reused), and which carry an environment entry — how stratlab finds everything a Jupyter server
 * started, kernels included (they run in their own sessions, out of the server's process group).
 * Where there is no /proc every answer is empty and nothing is killed.
 */
import fs from 'node:fs';

/** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat); null when it is gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether `pid` runs, and (given its start time) is still the same process. */
export function isAlive(pid: number, startTime?: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!startTime) return true;
  const now = processStartTime(pid);
  return now === null || now === startTime;
}

function pids(): number[] {
  try {
    return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

/** Pids (this one left out) whose environment holds exactly `entry` (`KEY=VALUE`). */
export function processesWithEnv(entry: string): number[] {
  const want = Buffer.from(entry + '\0');
  const out: number[] = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    let env: Buffer;
    try {
      env = fs.readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    const all = Buffer.concat([Buffer.from('\0'), env, Buffer.from('\0')]);
    if (all.includes(Buffer.concat([Buffer.from('\0'), want]))) out.push(pid);
  }
  return out;
}

/** The command line of a process, arguments joined by spaces ('' when it is gone). */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** Sends `signal` to each pid that still exists; returns those it reached. */
export function signalAll(list: readonly number[], signal: NodeJS.Signals): number[] {
  const reached: number[] = [];
  for (const pid of list) {
    try {
      process.kill(pid, signal);
      reached.push(pid);
    } catch {
      /* already gone */
    }
  }
  return reached;
}

/** SIGKILLs every process carrying `entry` until none is left (a dying parent may start one more). */
export async function killWithEnv(entry: string): Promise<number[]> {
  const killed = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const found = signalAll(processesWithEnv(entry), 'SIGKILL');
    if (found.length === 0) break;
    found.forEach((p) => killed.add(p));
    await new Promise((r) => setTimeout(r, 50));
  }
  return [...killed];
}
