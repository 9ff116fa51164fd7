import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KernelManager, KernelSpecManager, ServerConnection, SessionManager } from '@jupyterlab/services';
import type { KernelMessage, KernelSpec } from '@jupyterlab/services';
import WebSocket from 'ws';
import { StratlabError } from '../core/errors';
import { systemPython } from '../core/paths';
import { cellSource, readNotebook, writeNotebook, type NotebookOutput } from './nbformat';
import { startJupyterServer, type JupyterServer } from './server';
import { recordNotebookStatus } from './status';

export interface ExecuteOptions {
  /** Where to write the executed notebook; default: back into the input file. */
  output?: string;
  /** Kernelspec name; default: the notebook's own (metadata.kernelspec.name). */
  kernel?: string;
  /** Per-cell limit (default 10 minutes). The kernel is interrupted and the run fails when it passes. */
  cellTimeoutMs?: number;
  /** A running server to reuse (its rootDir must contain the notebook); default: start one and stop it. */
  server?: JupyterServer;
  /** Also export a self-contained HTML report next to the output (or at this path). */
  html?: boolean | string;
  /**
   * Run every cell even after one fails: each failure is recorded in the notebook, listed in the
   * result's `errors` and at the top of the HTML report, instead of stopping with a StratlabError.
   */
  allowErrors?: boolean;
  /** Called before each code cell runs. */
  onCell?: (index: number, total: number, source: string) => void;
  /**
   * Sign the executed notebook with the user's Jupyter key (default true), as Jupyter does for a
   * notebook run in the browser: otherwise JupyterLab and Notebook strip the scripts that draw charts.
   */
  trust?: boolean;
}

export interface CellError {
  /** 1-based position among all of the notebook's cells. */
  cell: number;
  ename: string;
  evalue: string;
  /** The first line of evalue. */
  message: string;
}

export interface ExecuteResult {
  path: string;
  htmlPath?: string;
  codeCells: number;
  errors: CellError[];
  durationMs: number;
}

function settingsFor(server: JupyterServer): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: server.baseUrl,
    wsUrl: server.baseUrl.replace(/^http/, 'ws'),
    token: server.token,
    appendToken: true,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers,
  } as Partial<ServerConnection.ISettings>);
}

/** Collects one cell's iopub messages into nbformat outputs (streams merged, display updates applied). */
class OutputCollector {
  readonly outputs: NotebookOutput[] = [];
  private clearPending = false;
  private readonly displays = new Map<string, NotebookOutput[]>();

  add(msg: KernelMessage.IIOPubMessage): void {
    const type = msg.header.msg_type;
    const c = msg.content as Record<string, any>;
    if (type === 'clear_output') {
      if (c.wait) this.clearPending = true;
      else this.outputs.length = 0;
      return;
    }
    if (type === 'update_display_data') {
      for (const out of this.displays.get(c.transient?.display_id) ?? []) {
        out.data = c.data;
        out.metadata = c.metadata ?? {};
      }
      return;
    }
    let out: NotebookOutput | undefined;
    if (type === 'stream') {
      const last = this.outputs[this.outputs.length - 1];
      if (!this.clearPending && last?.output_type === 'stream' && last.name === c.name) {
        last.text = (last.text as string) + c.text;
        return;
      }
      out = { output_type: 'stream', name: c.name, text: c.text };
    } else if (type === 'display_data') {
      out = { output_type: 'display_data', data: c.data, metadata: c.metadata ?? {} };
    } else if (type === 'execute_result') {
      out = { output_type: 'execute_result', data: c.data, metadata: c.metadata ?? {}, execution_count: c.execution_count };
    } else if (type === 'error') {
      out = { output_type: 'error', ename: c.ename, evalue: c.evalue, traceback: c.traceback ?? [] };
    }
    if (!out) return;
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
    this.outputs.push(out);
    const id = c.transient?.display_id;
    if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), out]);
  }
}

/**
 * Run every code cell of a notebook in a real kernel (through a jupyter_server on loopback) and
 * write the outputs into the notebook. Throws a StratlabError naming the cell on the first error
 * unless `allowErrors`; the outputs up to and including the failing cell are written either way.
 */
export async function executeNotebook(file: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
  const t0 = Date.now();
  const input = path.resolve(file);
  const output = path.resolve(opts.output ?? input);
  const nb = readNotebook(input);
  const kernelName = opts.kernel ?? nb.metadata.kernelspec?.name;
  if (!kernelName) {
    throw new StratlabError('NOTEBOOK', `${file}: no kernel named in metadata.kernelspec`, { hint: 'pass { kernel: "tslab" }' });
  }
  const ownServer = !opts.server;
  const server = opts.server ?? (await startJupyterServer({ rootDir: path.dirname(input) }));
  const rel = path.relative(server.rootDir, input);
  if (rel.startsWith('..')) {
    if (ownServer) await server.stop();
    throw new StratlabError('NOTEBOOK', `${file} is outside the server's folder ${server.rootDir}`);
  }
  const serverSettings = settingsFor(server);
  const errors: CellError[] = [];
  let codeCells = 0;
  const restoreConsole = muteServicesChatter();
  // In a run directory, `stratlab runs` tells a notebook being executed (or killed while it was) from a finished one.
  recordNotebookStatus(output, { state: 'executing', pid: process.pid });
  try {
    const spec = await findKernelspec(serverSettings, kernelName, file);
    const kernelManager = new KernelManager({ serverSettings });
    const sessions = new SessionManager({ kernelManager, serverSettings });
    try {
      // Disposing a manager before its first poll settles rejects that poll: wait for it.
      await Promise.all([kernelManager.ready, sessions.ready]);
      // A session (not a bare kernel) so the kernel starts in the notebook's folder.
      const session = await sessions.startNew({ path: rel, type: 'notebook', name: path.basename(rel), kernel: { name: kernelName } });
      try {
        const kernel = session.kernel!;
        const info = await kernel.info;
        nb.metadata.kernelspec = { name: kernelName, display_name: spec.display_name, language: spec.language };
        nb.metadata.language_info = { ...(info.language_info as unknown as Record<string, unknown>) };
        const total = nb.cells.filter((c) => c.cell_type === 'code').length;
        for (let i = 0; i < nb.cells.length; i++) {
          const cell = nb.cells[i];
          if (cell.cell_type !== 'code') continue;
          const source = cellSource(cell);
          opts.onCell?.(codeCells, total, source);
          codeCells++;
          let collector = new OutputCollector();
          let reply: KernelMessage.IExecuteReplyMsg | undefined;
          // A kernel may refuse requests for a moment after an error (tslab aborts its queue for 200 ms,
          // whatever stop_on_error says): a cell that was aborted, not run, is sent again.
          for (let attempt = 0; attempt <= ABORT_RETRIES; attempt++) {
            if (attempt > 0) await new Promise((r) => setTimeout(r, ABORT_PAUSE_MS));
            collector = new OutputCollector();
            const c = collector;
            // stop_on_error makes the kernel abort the requests after a failing one: only without allowErrors.
            const future = kernel.requestExecute({ code: source, stop_on_error: !opts.allowErrors, store_history: true, allow_stdin: false });
            future.onIOPub = (msg) => c.add(msg);
            reply = await withTimeout(future.done, opts.cellTimeoutMs ?? 600_000, async () => {
              await kernel.interrupt();
            }, `${file}: cell ${i + 1} did not finish`);
            if (!isAborted(reply.content.status)) break;
          }
          if (isAborted(reply!.content.status)) {
            throw new StratlabError('NOTEBOOK', `${file}: cell ${i + 1}: the kernel aborted it instead of running it`, { hint: 'a cell before it may have left the kernel refusing requests; restart and run again' });
          }
          cell.outputs = collector.outputs;
          cell.execution_count = (reply!.content as { execution_count?: number }).execution_count ?? null;
          if (reply!.content.status === 'error') {
            const described = describeError(reply!.content as KernelMessage.IReplyErrorContent, collector.outputs);
            errors.push({ cell: i + 1, ...described, message: firstLine(described.evalue) });
            // tslab reports errors on stderr only; add the standard error output so tools see it.
            if (!cell.outputs.some((o) => o.output_type === 'error')) cell.outputs.push({ output_type: 'error', ...described, traceback: [] });
            if (!opts.allowErrors) break;
          }
        }
      } finally {
        await session.shutdown().catch(() => undefined);
        session.dispose();
      }
    } finally {
      sessions.dispose();
      kernelManager.dispose();
    }
  } catch (e) {
    recordNotebookStatus(output, { state: 'failed', error: e instanceof Error ? firstLine(e.message) : String(e) });
    throw e;
  } finally {
    restoreConsole();
    if (ownServer) await server.stop();
  }
  writeNotebook(output, nb);
  if (opts.trust !== false) trustNotebook(output);
  const failingCells = errors.map(({ cell, ename, message }) => ({ cell, ename, message }));
  recordNotebookStatus(output, { state: errors.length && !opts.allowErrors ? 'failed' : 'executed', failingCells });
  if (errors.length && !opts.allowErrors) {
    const e = errors[0];
    throw new StratlabError('NOTEBOOK', `${file}: cell ${e.cell}: ${e.ename}: ${firstLine(e.evalue)}`, {
      hint: `outputs written to ${output}`,
      location: { file, row: e.cell },
    });
  }
  let htmlPath: string | undefined;
  if (opts.html) htmlPath = exportHtml(output, typeof opts.html === 'string' ? opts.html : undefined, errors);
  return { path: output, htmlPath, codeCells, errors, durationMs: Date.now() - t0 };
}

async function findKernelspec(serverSettings: ServerConnection.ISettings, name: string, file: string): Promise<KernelSpec.ISpecModel> {
  const specs = new KernelSpecManager({ serverSettings });
  try {
    await specs.ready;
    const known = specs.specs?.kernelspecs ?? {};
    const spec = known[name];
    if (!spec) {
      throw new StratlabError('NOTEBOOK', `${file}: kernel "${name}" is not installed (have: ${Object.keys(known).join(', ') || 'none'})`, {
        hint: 'run `npm run setup` to install the tslab and python3 kernelspecs',
      });
    }
    return spec;
  } finally {
    specs.dispose();
  }
}

/** @jupyterlab/services logs every websocket it opens with console.debug; keep a CLI's output clean. */
function muteServicesChatter(): () => void {
  const original = console.debug;
  console.debug = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Starting WebSocket')) return;
    original(...args);
  };
  return () => {
    console.debug = original;
  };
}

/**
 * The error's name and message. IPython puts them in the reply; tslab leaves them out and prints the
 * stack (or the type-check diagnostics) on stderr, so read them from there.
 */
function describeError(reply: KernelMessage.IReplyErrorContent, outputs: NotebookOutput[]): { ename: string; evalue: string } {
  if (reply.ename) return { ename: reply.ename, evalue: reply.evalue ?? '' };
  const stderr = outputs
    .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
    .map((o) => String(o.text))
    .join('');
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const thrown = lines.find((l) => /^[A-Za-z_$][\w$]*(Error|Exception)?: /.test(l) && !/^at /.test(l));
  if (thrown) {
    const k = thrown.indexOf(': ');
    return { ename: thrown.slice(0, k), evalue: thrown.slice(k + 2) };
  }
  return { ename: 'Error', evalue: lines[0] ?? 'the kernel reported an error' };
}

const ABORT_RETRIES = 5;
const ABORT_PAUSE_MS = 250;
/** ipykernel answers 'aborted', tslab 'abort'. */
const isAborted = (status: string) => status === 'aborted' || status === 'abort';

function firstLine(s: string): string {
  return (s ?? '').split('\n')[0].slice(0, 300);
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Promise<void>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout().catch(() => undefined);
      reject(new StratlabError('NOTEBOOK', `${what} within ${Math.round(ms / 1000)} s`, { hint: 'raise cellTimeoutMs' }));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `jupyter trust FILE`: record the notebook's signature in the user's Jupyter signature store. */
export function trustNotebook(notebookPath: string): void {
  const r = spawnSync(systemPython(), ['-m', 'nbformat.sign', notebookPath], { encoding: 'utf8' });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0];
    throw new StratlabError('NOTEBOOK', `${notebookPath}: could not sign the notebook: ${why}`);
  }
}

/**
 * Export an executed notebook to a self-contained HTML file with nbconvert. Plotly charts carry
 * plotly.js inline in their outputs, so the page renders with no network.
 */
export function exportHtml(notebookPath: string, htmlPath?: string, failures: readonly CellError[] = []): string {
  const out = path.resolve(htmlPath ?? notebookPath.replace(/\.ipynb$/, '') + '.html');
  // Failures go at the top of the report, from a copy beside the notebook: the notebook itself keeps its cells.
  const source = failures.length ? withFailureSummary(notebookPath, failures) : notebookPath;
  let r;
  try {
    r = spawnSync(
      systemPython(),
      ['-m', 'nbconvert', '--to', 'html', '--output-dir', path.dirname(out), '--output', path.basename(out, '.html'), source],
      { encoding: 'utf8', env: { ...process.env, JUPYTER_PLATFORM_DIRS: '1' } },
    );
  } finally {
    if (source !== notebookPath) fs.rmSync(path.dirname(source), { recursive: true, force: true });
  }
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0];
    throw new StratlabError('NOTEBOOK', `${notebookPath}: HTML export failed: ${why}`, {
      hint: 'nbconvert comes from the Debian package python3-nbconvert (npm run setup installs it)',
    });
  }
  return out;
}

/** A copy of the notebook with a first cell listing the failing cells; returns its path. */
function withFailureSummary(notebookPath: string, failures: readonly CellError[]): string {
  const nb = readNotebook(notebookPath);
  const escape = (t: string) => t.replace(/[\\`*_<>|[\]]/g, (c) => `\\${c}`);
  const lines = [
    `**${failures.length} cell${failures.length === 1 ? '' : 's'} failed** (the notebook ran every cell):`,
    '',
    ...failures.map((f) => `- cell ${f.cell}: \`${f.ename}\`: ${escape(f.message)}`),
  ];
  nb.cells.unshift({ cell_type: 'markdown', id: 'stratlab-failing-cells', metadata: {}, source: lines.join('\n') });
  // Same file name (the report's title comes from it), in a temp folder of its own.
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-report-')), path.basename(notebookPath));
  writeNotebook(copy, nb);
  return copy;
}
