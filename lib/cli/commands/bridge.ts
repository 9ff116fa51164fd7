/**
 * `stratlab bridge serve`: one long-lived process answering JSON lines on stdin, one response line per
 * request on stdout, so the Python bridge (kernels/python/stratlab_bridge.py) pays Node's start-up
 * once per kernel instead of once per query. It exits when stdin closes (its kernel is gone).
 *
 *   → {"id": 1, "op": "query", "run": "/abs/run/dir", "sql": "SELECT …"}   rows as `stratlab query --json` prints them
 *   → {"id": 2, "op": "cli", "argv": ["result", "--run", "…", "--json"]}    any command; its --json output parsed
 *   → {"id": 3, "op": "ping"}
 *   ← {"id": 1, "ok": true, "result": …}  |  {"id": 1, "ok": false, "error": {"code": "…", "message": "one line"}}
 *
 * Runs are opened once and kept (until their run.json changes); nothing but responses reaches stdout.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { z } from 'zod';
import { StratlabError } from '../../core/errors';
import { openRun, type Run } from '../../runs/open';
import type { CliIO, CommandSpec } from '../args';
import { usageError } from '../flags';

const id = z.union([z.number(), z.string()], { errorMap: () => ({ message: 'expected a number or a string' }) });
const request = z.discriminatedUnion('op', [
  z.object({ id, op: z.literal('query'), run: z.string({ required_error: 'missing' }), sql: z.string({ required_error: 'missing' }) }),
  z.object({ id, op: z.literal('cli'), argv: z.array(z.string(), { required_error: 'missing', invalid_type_error: 'expected a list of strings' }) }),
  z.object({ id, op: z.literal('ping') }),
], { errorMap: (issue, ctx) => ({ message: issue.code === 'invalid_union_discriminator' ? 'expected "query", "cli" or "ping"' : ctx.defaultError }) });
type Request = z.infer<typeof request>;

interface Response {
  id: string | number | null;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

/** Open runs by folder, reopened when run.json changes (a run directory is never rewritten in place, but be safe). */
class RunCache {
  private readonly runs = new Map<string, { run: Run; stamp: number }>();

  async get(dir: string): Promise<Run> {
    const abs = path.resolve(dir);
    let stamp = -1;
    try {
      stamp = fs.statSync(path.join(abs, 'run.json')).mtimeMs;
    } catch {
      /* openRun says what is missing */
    }
    const hit = this.runs.get(abs);
    if (hit && hit.stamp === stamp) return hit.run;
    hit?.run.close();
    this.runs.delete(abs);
    const run = await openRun(abs);
    this.runs.set(abs, { run, stamp });
    return run;
  }

  close(): void {
    for (const { run } of this.runs.values()) run.close();
    this.runs.clear();
  }
}

/** A command run through "cli" that exited non-zero (its error was printed, not thrown). */
class CommandFailed extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The one-line error of a failed request. */
function errorOf(e: unknown): { code: string; message: string } {
  if (e instanceof StratlabError) return { code: e.code, message: e.oneLine() };
  if (e instanceof CommandFailed) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: String((e as Error)?.message ?? e).split('\n')[0] };
}

async function answer(req: Request, runs: RunCache): Promise<unknown> {
  if (req.op === 'ping') return { pid: process.pid };
  if (req.op === 'query') return (await runs.get(req.run)).queryTable(req.sql);
  const { runCli } = await import('../main'); // main registers this command: import it when used
  let out = '', err = '';
  const io: CliIO = { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') };
  const code = await runCli(req.argv, io);
  if (code !== 0) {
    // The command's own one-line error, without its `stratlab NAME: ` prefix.
    const last = err.trim().split('\n').filter(Boolean).pop() ?? `exited with ${code}`;
    throw new CommandFailed(code === 2 ? 'CLI_USAGE' : 'COMMAND_FAILED', last.replace(/^stratlab [\w -]+?: /, ''));
  }
  try {
    return JSON.parse(out);
  } catch {
    return out; // a command run without --json: its text
  }
}

/** Reads requests from `input` until it ends, answering each on `write`, in order. */
export async function serveBridge(input: NodeJS.ReadableStream, write: (line: string) => void): Promise<void> {
  const runs = new RunCache();
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let res: Response;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        write(JSON.stringify({ id: null, ok: false, error: { code: 'PARSE_ERROR', message: `bridge request ${n}: not JSON (${(e as Error).message})` } }));
        continue;
      }
      const parsed = request.safeParse(raw);
      const rawId = raw !== null && typeof raw === 'object' && 'id' in raw ? (raw as { id: unknown }).id : null;
      const echoId = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : null;
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue.path.join('.') || '(top level)';
        write(JSON.stringify({ id: echoId, ok: false, error: { code: 'BAD_ARGUMENT', message: `bridge request ${n}: ${field}: ${issue.message === 'Required' ? 'missing' : issue.message}` } }));
        continue;
      }
      try {
        res = { id: parsed.data.id, ok: true, result: await answer(parsed.data, runs) };
      } catch (e) {
        res = { id: parsed.data.id, ok: false, error: errorOf(e) };
      }
      write(JSON.stringify(res));
    }
  } finally {
    runs.close();
  }
}

export const bridgeServe: CommandSpec = {
  name: 'bridge serve',
  summary: 'Answer JSON-line requests on stdin (queries over runs, any command) until stdin closes: the Python bridge\'s one process per kernel.',
  usage: 'stratlab bridge serve',
  options: {
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    'One request per line, one response line per request, in order:',
    '  {"id": 1, "op": "query", "run": DIR, "sql": "SELECT …"}  → {"id": 1, "ok": true, "result": {"columns": […], "rows": […]}}',
    '  {"id": 2, "op": "cli", "argv": ["result", "--run", DIR, "--json"]}  → the command\'s --json output as "result"',
    '  {"id": 3, "op": "ping"}  → {"id": 3, "ok": true, "result": {"pid": …}}',
    'A failure answers {"id": …, "ok": false, "error": {"code", "message"}} and the process goes on.',
    'Runs stay open between queries. It exits 0 when stdin closes.',
  ],
  async run(_values, positionals) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'stratlab bridge serve takes no arguments; it reads requests on stdin');
    // Responses own stdout: anything else a command or library prints goes to stderr.
    const stdoutWrite = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
    console.log = (...args: unknown[]) => console.error(...args);
    await serveBridge(process.stdin, (line) => stdoutWrite(line + '\n'));
    return 0;
  },
};
