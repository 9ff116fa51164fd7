/**
 * Which Jupyter servers this user's stratlab processes started, so a later start can clean up after
 * one whose owner died without stopping it (kill -9 of the owner and of the watchdog together, a
 * power cut). One JSON file per server in `os.tmpdir()/stratlab-<uid>/jupyter/`; every process a
 * server starts (kernels too) carries the environment entry `STRATLAB_JUPYTER_ID=<id>`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic';
import { isAlive, killWithEnv, processStartTime } from '../core/procfs';

export const SERVER_ID_ENV = 'STRATLAB_JUPYTER_ID';

export interface ServerRecord {
  id: string;
  ownerPid: number;
  ownerStartTime: string | null;
  watchdogPid: number | null;
  runtimeDir: string;
  startedAt: string;
}

/** Where the records live (per user: the temp folder may be shared). */
export function stateDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `stratlab-${uid}`, 'jupyter');
}

const recordFile = (id: string) => path.join(stateDir(), `${id}.json`);

export function writeServerRecord(r: ServerRecord): void {
  writeFileAtomic(recordFile(r.id), JSON.stringify(r, null, 2) + '\n');
}

export function removeServerRecord(id: string): void {
  fs.rmSync(recordFile(id), { force: true });
}

/** This process as an owner: its pid and start time (a reused pid is not the owner). */
export function currentOwner(): { ownerPid: number; ownerStartTime: string | null } {
  return { ownerPid: process.pid, ownerStartTime: processStartTime(process.pid) };
}

function readRecord(file: string): ServerRecord | null {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerRecord;
    return typeof r.id === 'string' && Number.isInteger(r.ownerPid) && typeof r.runtimeDir === 'string' ? r : null;
  } catch {
    return null;
  }
}

/**
 * Stops the processes and removes the temp folders of servers whose owner is gone; returns the ids
 * cleaned. Records of live owners (other processes, other checkouts) are left alone.
 */
export async function cleanStaleServers(): Promise<string[]> {
  let names: string[];
  try {
    names = fs.readdirSync(stateDir()).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const cleaned: string[] = [];
  for (const name of names) {
    const file = path.join(stateDir(), name);
    const r = readRecord(file);
    if (r && isAlive(r.ownerPid, r.ownerStartTime)) continue;
    if (r) {
      await killWithEnv(`${SERVER_ID_ENV}=${r.id}`);
      // Only a folder this module made: never follow a damaged record elsewhere.
      if (path.basename(r.runtimeDir) === `stratlab-jupyter-${r.id}`) fs.rmSync(r.runtimeDir, { recursive: true, force: true });
      cleaned.push(r.id);
    }
    fs.rmSync(file, { force: true });
  }
  return cleaned;
}
