/**
 * Processes as /proc shows them, for tests that check what stratlab leaves running. Independent of
 * lib/ on purpose: a test of the clean-up must not trust the clean-up's own process search.
 */
import fs from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot: with the pid, a process's identity. */
  start: string;
  command: string;
}

function read(pid: number): ProcessInfo | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null; // a zombie has exited; only its exit status is left
    const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, ppid: Number(fields[1]), start: fields[19], command };
  } catch {
    return null;
  }
}

function environHas(pid: number, entry: string): boolean {
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    return `\0${env}\0`.includes(`\0${entry}\0`);
  } catch {
    return false;
  }
}

/** Live processes (not this one) whose environment holds `entry` (KEY=VALUE) exactly. */
export function processesWithEnv(entry: string): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    if (!environHas(Number(name), entry)) continue;
    const p = read(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** Polls until `check()` is true or `ms` pass; returns its last answer. */
export async function waitFor(check: () => boolean, ms: number, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
