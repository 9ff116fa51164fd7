/**
 * A study on disk: a JSON-lines file, a header line describing the study, then one line per finished
 * trial, appended as it finishes (one write call per line). A process killed mid-write leaves at
 * most a partial last line: the loader drops it with a warning and cuts the file back to its last
 * whole line, so the next append starts clean. Non-finite values are written as strings ("NaN").
 */
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../core/hash';
import { StratlabError } from '../core/errors';
import type { BacktestMetrics } from '../engine';
import type { Params } from './space';

/** 'disqualified': the backtest ran, but broke a disqualification rule (never best). */
export type TrialState = 'complete' | 'failed' | 'disqualified';

export interface StoredTrial {
  number: number;
  params: Params;
  value: number;
  state: TrialState;
  error?: string;
  /** The disqualification rules a 'disqualified' trial broke. */
  disqualified?: string[];
  elapsedMs: number;
  metrics?: BacktestMetrics;
}

/** What a file must agree on to be resumed (ranges may change, as long as the stored trials fit). */
export interface StudyHeader {
  strategy: string;
  metric: string;
  direction: string;
  fixedParams: Record<string, unknown>;
}

export interface LoadedStudy {
  trials: StoredTrial[];
  warnings: string[];
}

/** Reads a study file (none yet: no trials) and checks it belongs to the same study; writes the header of a new one. */
export function openStudyFile(file: string, header: StudyHeader): LoadedStudy {
  const warnings: string[] = [];
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ kind: 'study', version: 1, ...header, createdAt: new Date().toISOString() }) + '\n');
    return { trials: [], warnings };
  }
  let text = fs.readFileSync(file, 'utf8');
  const name = path.basename(file);
  const lines = text.split('\n');
  const tail = lines.pop()!; // text after the last newline: empty unless the last write was cut short
  const parsed: Record<string, unknown>[] = [];
  let keep = text.length - tail.length;
  if (tail.trim() !== '') warnings.push(`${name}: line ${lines.length + 1} is incomplete (a run stopped mid-write); ignored`);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      parsed.push(JSON.parse(lines[i]));
    } catch {
      if (i === lines.length - 1 && tail.trim() === '') {
        warnings.push(`${name}: line ${i + 1} is not valid JSON (a run stopped mid-write?); ignored`);
        keep -= lines[i].length + 1;
        continue;
      }
      throw new StratlabError('PARSE_ERROR', `${name}: line ${i + 1} is not valid JSON`, { location: { file, row: i + 1 }, hint: 'the study file is damaged; remove the line or start a new file' });
    }
  }
  if (keep < text.length) {
    text = text.slice(0, keep);
    fs.writeFileSync(file, text);
  }
  if (parsed.length === 0) {
    fs.writeFileSync(file, JSON.stringify({ kind: 'study', version: 1, ...header, createdAt: new Date().toISOString() }) + '\n');
    return { trials: [], warnings };
  }
  const head = parsed[0];
  if (head.kind !== 'study') throw new StratlabError('PARSE_ERROR', `${name}: line 1 is not a study header`, { location: { file, row: 1 }, hint: 'storage must be a file written by optimize(), or a new file' });
  for (const key of ['strategy', 'metric', 'direction', 'fixedParams'] as const) {
    if (canonicalJson(head[key] ?? {}) !== canonicalJson(header[key] ?? {})) {
      throw new StratlabError('BAD_ARGUMENT', `storage ${name}: it holds a study with ${key} ${JSON.stringify(head[key])}, this one has ${JSON.stringify(header[key])}`, {
        location: { file, field: key },
        hint: 'use a new storage file for a different study',
      });
    }
  }
  const trials: StoredTrial[] = [];
  for (const [k, rec] of parsed.entries()) {
    if (k === 0 || rec.kind !== 'trial') continue;
    trials.push({
      number: Number(rec.number),
      params: rec.params as Params,
      value: Number(rec.value),
      state: rec.state === 'complete' || rec.state === 'disqualified' ? rec.state : 'failed',
      error: typeof rec.error === 'string' ? rec.error : undefined,
      elapsedMs: Number(rec.elapsedMs) || 0,
      metrics: rec.metrics ? (numbersBack(rec.metrics as Record<string, unknown>) as unknown as BacktestMetrics) : undefined,
    });
  }
  return { trials, warnings };
}

/** Appends one finished trial (one write call, so a crash cuts at most this line). */
export function appendTrial(file: string, trial: StoredTrial): void {
  const rec = { kind: 'trial', ...trial, value: jsonNumber(trial.value), metrics: trial.metrics ? finiteOrString(trial.metrics) : undefined, finishedAt: new Date().toISOString() };
  fs.appendFileSync(file, JSON.stringify(rec) + '\n');
}

function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function numbersBack(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v;
  return out;
}

function finiteOrString<T extends object>(o: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'number' ? jsonNumber(v) : v;
  return out;
}
