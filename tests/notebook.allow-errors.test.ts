/**
 * executeNotebook({ allowErrors: true }) runs every cell, whatever fails before it, and reports each
 * failing cell (position, error name, first line of the message) in the result, the notebook and the
 * HTML report. Real kernels (ipykernel and tslab) through a real jupyter_server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeNotebook } from '../lib/notebook/execute';
import { readNotebook } from '../lib/notebook/nbformat';
import { startJupyterServer, type JupyterServer } from '../lib/notebook/server';

let dir: string;
let server: JupyterServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-allow-errors-'));
  server = await startJupyterServer({ rootDir: dir });
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function notebook(name: string, kernel: string, language: string, sources: string[]): string {
  const file = path.join(dir, name);
  const cells = [
    { cell_type: 'markdown', metadata: {}, source: '# cells that fail, and cells after them' },
    ...sources.map((source) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source })),
  ];
  fs.writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: { kernelspec: { name: kernel, display_name: kernel, language } }, cells }));
  return file;
}

const text = (file: string, cell: number) => (readNotebook(file).cells[cell].outputs ?? []).map((o) => String(o.text ?? '')).join('');

describe('executeNotebook with allowErrors', () => {
  it('runs the cells after a failing Python cell and reports every failing cell in the result and the HTML report', async () => {
    const file = notebook('python-errors.ipynb', 'python3', 'python', [
      'total = 1',
      '1 / 0',
      'total += 1\nprint("third", total)',
      'raise ValueError("price column is empty\\nsecond line of the message")',
      'total += 1\nprint("fifth", total)',
      'import missing_module_xyz',
      'print("last", total + 1)',
    ]);
    const res = await executeNotebook(file, { server, allowErrors: true, html: true });
    expect(res.codeCells).toBe(7);
    expect(res.errors.map(({ cell, ename, message }) => ({ cell, ename, message }))).toEqual([
      { cell: 3, ename: 'ZeroDivisionError', message: 'division by zero' },
      { cell: 5, ename: 'ValueError', message: 'price column is empty' },
      { cell: 7, ename: 'ModuleNotFoundError', message: "No module named 'missing_module_xyz'" },
    ]);
    // Every code cell ran, in order, in one kernel.
    const nb = readNotebook(file);
    expect(nb.cells.slice(1).map((c) => c.execution_count)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(text(file, 3)).toBe('third 2\n');
    expect(text(file, 5)).toBe('fifth 3\n');
    expect(text(file, 7)).toBe('last 4\n');

    const html = fs.readFileSync(res.htmlPath!, 'utf8');
    expect(html).toContain('3 cells failed');
    expect(html).toMatch(/cell 3: <code>ZeroDivisionError<\/code>: division by zero/);
    expect(html).toMatch(/cell 5: <code>ValueError<\/code>: price column is empty/);
    expect(html).toMatch(/cell 7: <code>ModuleNotFoundError<\/code>: No module named/);
    // The notebook itself keeps its own cells; the summary is only in the report.
    expect(nb.cells).toHaveLength(8);
  });

  it('runs the cells after a failing TypeScript cell', async () => {
    const file = notebook('ts-errors.ipynb', 'tslab', 'typescript', [
      'let n = 1;',
      'throw new RangeError("window must be positive");',
      'n += 1; console.log("after", n);',
      'console.log("end", n + 1);',
    ]);
    const res = await executeNotebook(file, { server, allowErrors: true });
    expect(res.errors.map(({ cell, ename, message }) => ({ cell, ename, message }))).toEqual([{ cell: 3, ename: 'RangeError', message: 'window must be positive' }]);
    expect(text(file, 3)).toBe('after 2\n');
    expect(text(file, 4)).toBe('end 3\n');
  });
});
