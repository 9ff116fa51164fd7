/**
 * The pattern library: every saved pattern in one YAML file (saved_patterns/patterns.yaml by default),
 * a list of entries in camelCase (snake_case keys are read too: docs/patterns.md §3.1). Patterns are deduplicated
 * by hash (query + metadata); names are unique.
 *
 * A malformed file does not lose the library: each top-level `- ` entry is read on its own, the ones
 * that parse are loaded and the others are listed in `problems` with their line. Their text is
 * written back unchanged when the library is saved, so a typo never deletes someone's pattern.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, stringify, type Document } from 'yaml';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic';
import { StratlabError } from '../core/errors';
import { metadataSchema, patternHash, patternJson, type Pattern } from './pattern';

export const DEFAULT_LIBRARY = path.join('saved_patterns', 'patterns.yaml');

export interface PatternProblem {
  file: string;
  line: number;
  message: string;
}

export interface SearchOptions {
  /** Patterns of this strategy type, and those marked 'all'. */
  strategyType?: string;
  /** Only measured patterns with at least this success rate (0..1). */
  minSuccessRate?: number;
  minSampleSize?: number;
}

export interface AddResult {
  /** 'added'; 'duplicate' (same hash already there, kept as it was); 'updated' (same hash, measurement replaced). */
  status: 'added' | 'duplicate' | 'updated';
  pattern: Pattern;
}

const measurementSchema = z.object({
  runId: z.string(), runDir: z.string(), matched: z.number().int().min(0), measured: z.number().int().min(0),
  skipped: z.object({ flat: z.number(), pastEnd: z.number(), outsideRegime: z.number(), notATrace: z.number() }).partial().passthrough(),
  favourable: z.number().int().min(0), avgForwardReturn: z.number().nullable(), measuredAt: z.string(),
}).partial().passthrough();

const entrySchema = z.object({
  name: z.string({ invalid_type_error: 'expected a name (text)', required_error: 'expected a name' }).min(1, 'expected a non-empty name'),
  query: z.string({ invalid_type_error: 'expected SQL text', required_error: 'expected a query (SQL over traces)' }).min(1, 'expected SQL text'),
  description: z.string({ invalid_type_error: 'expected text' }).default(''),
  metadata: metadataSchema.default({}),
  discoveredAt: z.union([z.string(), z.date().transform((d) => d.toISOString())], { invalid_type_error: 'expected an ISO time' }).default(''),
  successRate: z.number({ invalid_type_error: 'expected a number between 0 and 1, or null' }).min(0, 'expected a number between 0 and 1').max(1, 'expected a number between 0 and 1').nullable().default(null),
  sampleSize: z.number({ invalid_type_error: 'expected a whole number ≥ 0' }).int('expected a whole number ≥ 0').min(0, 'expected a whole number ≥ 0').default(0),
  horizon: z.number({ invalid_type_error: 'expected a whole number of bars ≥ 1, or null' }).int().min(1).nullable().default(null),
  hash: z.string().optional(),
  measurement: measurementSchema.optional(),
}).strict().refine((e) => e.successRate === null || e.sampleSize > 0, { message: 'a success rate needs the sample it was measured on (sampleSize > 0)', path: ['sampleSize'] });

// Libraries written for the earlier Python system use snake_case keys; read them as they are (docs/patterns.md §3.1).
const SNAKE: Record<string, string> = {
  discovered_at: 'discoveredAt', success_rate: 'successRate', sample_size: 'sampleSize', strategy_type: 'strategyType',
  pattern_type: 'patternType', avg_forward_return: 'avgForwardReturn',
};
function camelKeys(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || depth > 1) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [SNAKE[k] ?? k, camelKeys(x, depth + 1)]));
}

interface Entry { pattern: Pattern; line: number }
interface Loaded { entries: Entry[]; problems: PatternProblem[]; rawKept: string[]; writable: boolean }

export class PatternLibrary {
  readonly file: string;
  private state: Loaded;

  /** `file`: the YAML file, or a folder to hold patterns.yaml (default ./saved_patterns/patterns.yaml). */
  constructor(file: string = DEFAULT_LIBRARY) {
    const abs = path.resolve(file);
    this.file = fs.existsSync(abs) && fs.statSync(abs).isDirectory() ? path.join(abs, 'patterns.yaml') : abs;
    this.state = readLibrary(this.file);
  }

  /** Entries that could not be read, each with its line; they are kept in the file as they are. */
  get problems(): PatternProblem[] {
    return this.state.problems;
  }

  list(): Pattern[] {
    return this.state.entries.map((e) => e.pattern);
  }

  get(name: string): Pattern | undefined {
    return this.state.entries.find((e) => e.pattern.name === name)?.pattern;
  }

  /** Measured patterns first, best success rate first; unmeasured ones last (only when no minimum is asked). */
  search(opts: SearchOptions = {}): Pattern[] {
    const { strategyType, minSuccessRate, minSampleSize } = opts;
    if (minSuccessRate !== undefined && !(minSuccessRate >= 0 && minSuccessRate <= 1)) {
      throw new StratlabError('BAD_ARGUMENT', `search: minSuccessRate ${minSuccessRate}: expected a share between 0 and 1 (0.6 = 60 %)`);
    }
    return this.list()
      .filter((p) => strategyType === undefined || p.metadata.strategyType === strategyType || p.metadata.strategyType === 'all')
      .filter((p) => minSuccessRate === undefined || (p.successRate !== null && p.successRate >= minSuccessRate))
      .filter((p) => minSampleSize === undefined || p.sampleSize >= minSampleSize)
      .sort((a, b) => (b.successRate ?? -1) - (a.successRate ?? -1) || b.sampleSize - a.sampleSize);
  }

  /**
   * Adds a pattern and saves the file. The same hash (query + metadata) is not added twice: the entry
   * stays as it was, or with `update` takes the new measurement. A different pattern under a name
   * already used is refused.
   */
  add(pattern: Pattern, opts: { update?: boolean } = {}): AddResult {
    let result!: AddResult;
    this.mutate((entries) => {
      const hash = patternHash(pattern.query, pattern.metadata);
      const same = entries.find((e) => e.pattern.hash === hash);
      if (same) {
        if (!opts.update) return (result = { status: 'duplicate', pattern: same.pattern }), false;
        same.pattern = { ...same.pattern, successRate: pattern.successRate, sampleSize: pattern.sampleSize, horizon: pattern.horizon, measurement: pattern.measurement };
        result = { status: 'updated', pattern: same.pattern };
        return true;
      }
      const named = entries.find((e) => e.pattern.name === pattern.name);
      if (named) {
        throw new StratlabError('BAD_ARGUMENT', `${this.file}: a different pattern is already named '${pattern.name}' (line ${named.line})`, {
          hint: 'choose another name, or remove the old one first',
        });
      }
      const stored = { ...pattern, hash };
      entries.push({ pattern: stored, line: 0 });
      result = { status: 'added', pattern: stored };
      return true;
    });
    return result;
  }

  /** Removes the pattern named `name`; false when there is none. */
  remove(name: string): boolean {
    let removed = false;
    this.mutate((entries) => {
      const i = entries.findIndex((e) => e.pattern.name === name);
      if (i < 0) return false;
      entries.splice(i, 1);
      return (removed = true);
    });
    return removed;
  }

  /** Reads the file again (another process may have added patterns). */
  reload(): this {
    this.state = readLibrary(this.file);
    return this;
  }

  // Re-read before changing, so patterns another process saved meanwhile are kept.
  private mutate(change: (entries: Entry[]) => boolean): void {
    const fresh = readLibrary(this.file);
    if (!fresh.writable) {
      const p = fresh.problems[0];
      throw new StratlabError('PARSE_ERROR', `${this.file}: line ${p.line}: ${p.message}`, {
        hint: 'the file is not a list of patterns; fix it (or move it away) before saving to it',
        location: { file: this.file },
      });
    }
    if (change(fresh.entries)) writeLibrary(this.file, fresh);
    this.state = readLibrary(this.file);
  }
}

function writeLibrary(file: string, lib: Loaded): void {
  const parts = ['# stratlab pattern library: SQL over a run\'s traces, with measured success rates (see stratlab patterns --help)\n'];
  for (const { pattern } of lib.entries) parts.push(stringify([patternJson(pattern)], { lineWidth: 0, blockQuote: 'literal' }));
  if (lib.rawKept.length) {
    parts.push('# entries stratlab could not read, kept as they were (fix them and they load again):\n');
    for (const raw of lib.rawKept) parts.push(raw.endsWith('\n') ? raw : raw + '\n');
  }
  writeFileAtomic(file, parts.join('\n'));
}

// ---- reading ----------------------------------------------------------------------------------

function readLibrary(file: string): Loaded {
  const out: Loaded = { entries: [], problems: [], rawKept: [], writable: true };
  if (!fs.existsSync(file)) return out;
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const significant = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#') && l.trim() !== '---');
  if (significant < 0) return out;

  if (!/^-(\s|$)/.test(lines[significant])) return readWhole(file, text, out);

  // A top-level block list (what we write): each item is read on its own, so one broken entry
  // cannot take the others with it.
  const starts: number[] = [];
  for (let i = significant; i < lines.length; i++) if (/^-(\s|$)/.test(lines[i])) starts.push(i);
  for (let k = 0; k < starts.length; k++) {
    const from = starts[k], to = k + 1 < starts.length ? starts[k + 1] : lines.length;
    const chunk = lines.slice(from, to).join('\n');
    const entry = readEntry(file, chunk, from, out);
    if (entry) addLoaded(file, entry, out, chunk);
  }
  return out;
}

/** Anything but a top-level block list: parsed whole; any problem makes the file read-only for us. */
function readWhole(file: string, text: string, out: Loaded): Loaded {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const problem = (line: number, message: string) => {
    out.problems.push({ file, line, message });
    out.writable = false;
    return out;
  };
  if (doc.errors.length) return problem(counter.linePos(doc.errors[0].pos[0]).line, `not valid YAML: ${yamlMessage(doc.errors[0].message)}`);
  if (doc.contents === null) return out;
  if (!isSeq(doc.contents)) return problem(1, 'expected a list of patterns (entries starting with "- ")');
  doc.contents.items.forEach((item, i) => {
    const line = counter.linePos((item as { range?: [number, number, number] }).range?.[0] ?? 0).line;
    const entry = checkEntry(file, doc, counter, [i], line, 0, out);
    if (entry) addLoaded(file, entry, out, null);
    else out.writable = false;
  });
  return out;
}

function readEntry(file: string, chunk: string, lineOffset: number, out: Loaded): Entry | null {
  const counter = new LineCounter();
  const doc = parseDocument(chunk, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    out.problems.push({ file, line: lineOffset + counter.linePos(e.pos[0]).line, message: `not valid YAML: ${yamlMessage(e.message)}` });
    out.rawKept.push(chunk);
    return null;
  }
  const entry = checkEntry(file, doc, counter, [0], lineOffset + 1, lineOffset, out);
  if (!entry) out.rawKept.push(chunk);
  return entry;
}

/** Checks the item at `at` of `doc`; a problem names the line of the offending key. */
function checkEntry(file: string, doc: Document, counter: LineCounter, at: number[], itemLine: number, lineOffset: number, out: Loaded): Entry | null {
  const node = doc.getIn(at, true);
  if (!isMap(node)) {
    out.problems.push({ file, line: itemLine, message: 'expected a pattern (name, query, description, metadata, …)' });
    return null;
  }
  const raw = camelKeys(node.toJSON() as unknown) as Record<string, unknown>;
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0];
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const where = keys.length ? keys[0] : issue.path.join('.');
    const line = lineOfPath(doc, counter, [...at, ...(keys.length ? [keys[0]] : issue.path)], lineOffset) ?? itemLine;
    const name = typeof (raw as { name?: unknown }).name === 'string' ? ` ${JSON.stringify((raw as { name: string }).name)}` : '';
    const message = issue.code === 'unrecognized_keys' ? `unknown key '${where}'` : `${where ? `${where}: ` : ''}${issue.message}`;
    out.problems.push({ file, line, message: `pattern${name}: ${message}` });
    return null;
  }
  const e = parsed.data;
  const hash = patternHash(e.query, e.metadata);
  const pattern: Pattern = {
    name: e.name, query: e.query.replace(/\s+$/, ''), description: e.description, metadata: e.metadata, discoveredAt: e.discoveredAt,
    successRate: e.successRate, sampleSize: e.sampleSize, horizon: e.horizon, hash,
  };
  if (e.measurement) pattern.measurement = e.measurement as Pattern['measurement'];
  return { pattern, line: itemLine };
}

function addLoaded(file: string, entry: Entry, out: Loaded, chunk: string | null): void {
  const dup = out.entries.find((e) => e.pattern.hash === entry.pattern.hash);
  if (dup) {
    // A true duplicate carries nothing new: it is dropped on the next save.
    out.problems.push({ file, line: entry.line, message: `pattern '${entry.pattern.name}' repeats the query and metadata of '${dup.pattern.name}' (line ${dup.line}); ignored` });
    return;
  }
  const named = out.entries.find((e) => e.pattern.name === entry.pattern.name);
  if (named) {
    out.problems.push({ file, line: entry.line, message: `a second pattern named '${entry.pattern.name}' (the first is on line ${named.line}); not loaded` });
    if (chunk !== null) out.rawKept.push(chunk);
    else out.writable = false;
    return;
  }
  out.entries.push(entry);
}

function lineOfPath(doc: Document, counter: LineCounter, at: (string | number)[], lineOffset: number): number | undefined {
  for (let p = at; p.length > 0; p = p.slice(0, -1)) {
    const parent = p.length > 1 ? doc.getIn(p.slice(0, -1), true) : doc.contents;
    // The key's line reads better than the value's for a block scalar.
    if (isMap(parent)) {
      const pair = parent.items.find((it) => (it.key as { value?: unknown })?.value === p[p.length - 1]);
      const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (r) return lineOffset + counter.linePos(r[0]).line;
    }
    const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lineOffset + counter.linePos(node.range[0]).line;
  }
  return undefined;
}

function yamlMessage(m: string): string {
  return m.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** "patterns.yaml: line 12: …" for a terminal. */
export function problemText(p: PatternProblem): string {
  return `${p.file}: line ${p.line}: ${p.message}`;
}
