import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { StratlabError } from '../lib/core/errors';
import { executeNotebook } from '../lib/notebook/execute';
import { readNotebook, type Notebook, type NotebookOutput } from '../lib/notebook/nbformat';
import { startJupyterServer, type JupyterServer } from '../lib/notebook/server';
import { ROOT } from './helpers/paths';

const NOTEBOOKS = fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();

function outputs(nb: Notebook): NotebookOutput[] {
  return nb.cells.flatMap((c) => c.outputs ?? []);
}
function htmlOutputs(nb: Notebook): string[] {
  return outputs(nb).map((o) => (o.data as Record<string, string> | undefined)?.['text/html']).filter((h): h is string => !!h);
}
function tinyNotebook(kernel: string, cells: string[]): Notebook {
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: kernel } },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, source, metadata: {}, outputs: [], execution_count: null })),
  };
}
function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

describe('notebooks in a real kernel', () => {
  let server: JupyterServer;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-nb-'));

  beforeAll(async () => {
    server = await startJupyterServer({ rootDir: ROOT });
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('starts jupyter_server on loopback with a token', async () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const denied = await fetch(`${server.baseUrl}api/kernelspecs`);
    expect(denied.status).toBe(403);
    const res = await fetch(`${server.baseUrl}api/kernelspecs`, { headers: { Authorization: `token ${server.token}` } });
    const specs = await res.json();
    expect(Object.keys(specs.kernelspecs)).toEqual(expect.arrayContaining(['tslab', 'python3']));
  });

  for (const name of NOTEBOOKS) {
    it(`executes notebooks/${name} with no cell error`, async () => {
      const target = path.join(out, name);
      const res = await executeNotebook(path.join(ROOT, 'notebooks', name), { server, output: target });
      expect(res.errors).toEqual([]);
      const nb = readNotebook(target);
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      expect(code.every((c) => typeof c.execution_count === 'number')).toBe(true);
      expect(outputs(nb).some((o) => o.output_type === 'error')).toBe(false);
    });
  }

  it('01-data-and-indicators shows tables and offline Plotly charts', () => {
    const nb = readNotebook(path.join(out, '01-data-and-indicators.ipynb'));
    const html = htmlOutputs(nb);
    expect(html.some((h) => h.includes('<table'))).toBe(true);
    const charts = html.filter((h) => h.includes('Plotly.newPlot'));
    expect(charts.length).toBeGreaterThanOrEqual(2);
    // plotly.js travels inline with the first chart: no CDN, no network.
    expect(charts[0]).toMatch(/plotly\.js v\d/);
    expect(html.join('')).not.toMatch(/<script[^>]+src=["']https?:/);
    const text = outputs(nb).map((o) => String(o.text ?? '')).join('');
    expect(text).toMatch(/streaming RSI equals the vectorised one on (\d+) of \1 bars/);
    expect(text).toMatch(/error: .*row \d+/);
  });

  it('02-backtest shows the summary and charts, reproduces backtesting.py and runs a custom strategy', () => {
    const nb = readNotebook(path.join(out, '02-backtest.ipynb'));
    const html = htmlOutputs(nb);
    const plain = outputs(nb).map((o) => String((o.data as Record<string, string> | undefined)?.['text/plain'] ?? '')).join('\n');
    const text = outputs(nb).map((o) => String(o.text ?? '')).join('');
    // res.display(): the summary table, then equity vs buy & hold, drawdown and trades charts, for SmaCross and RsiReversion.
    expect(html.filter((h) => h.includes('<table') && h.includes('Final equity')).length).toBe(2);
    expect(html.some((h) => h.includes('SmaCross — GOOG 1d') && h.includes('63,311.35'))).toBe(true);
    const charts = html.filter((h) => h.includes('Plotly.newPlot'));
    expect(charts.length).toBeGreaterThanOrEqual(6);
    for (const title of ['Equity: SmaCross vs buy & hold, GOOG 1d', 'Drawdown (max -45.69 %)', 'SmaCross on GOOG 1d: trades', 'Equity: RsiReversion vs buy & hold', 'RsiReversion on GOOG 1d: trades']) {
      expect(plain).toContain(`[Plotly chart: ${title}`);
    }
    expect(charts.some((h) => h.includes('"name":"Long entry"') && h.includes('"name":"Short entry"') && h.includes('"name":"Exit"'))).toBe(true);
    // plotly.js goes inline once, with the first chart; the rest reuse it.
    expect(charts.filter((h) => /plotly\.js v\d/.test(h))).toHaveLength(1);
    expect(html.join('')).not.toMatch(/<script[^>]+src=["']https?:/);
    // backtesting.py's published figures, reproduced.
    expect(text).toMatch(/stratlab:\s+66 trades, final equity 51,422\.99, return 414\.23 %, max drawdown -47\.98 %/);
    // One base builder, four branches, and the base untouched.
    expect(html.some((h) => h.includes("fill('next_open'), spread 0.0003") && h.includes("fill('close'), spread 0.001"))).toBe(true);
    expect(text).toContain('the base is unchanged: (no strategy) on GOOG 1d: cash 10000, spread 0.0003');
    // The custom strategy: trades, ATR stop-losses that fired, its own summary and its RSI panel.
    const custom = text.match(/RsiReversion: (\d+) trades, return (-?[\d.]+) %.*stopLoss: (\d+)/);
    expect(custom).not.toBeNull();
    expect(Number(custom![1])).toBeGreaterThan(5);
    expect(Number(custom![3])).toBeGreaterThan(0);
    expect(html.some((h) => h.includes('RsiReversion — GOOG 1d') && h.includes('Final equity'))).toBe(true);
    expect(charts.some((h) => h.includes('"name":"RSI(14)"') && h.includes('"yaxis":"y2"'))).toBe(true);
    // Mistakes caught: a misspelled parameter with a suggestion, a bad value, a look-ahead.
    expect(text).toContain("error: SmaCross has no parameter 'slwo'. Did you mean 'slow'?");
    expect(text).toMatch(/error: RsiReversion: lower: .*100, got 130/);
    expect(text).toContain('RsiReversion: RSI(14), SMA(200) causal on 8 prefixes: true');
    expect(text).toMatch(/error: Peeking: indicator 'close tomorrow' at bar \d+ \(\d{4}-\d\d-\d\d\) is [\d.]+ on the full series but NaN/);
  });

  it('imports stratlab from any folder of the project, type-checked by tslab', async () => {
    const dir = fs.mkdtempSync(path.join(ROOT, 'data', '.nbtest-'));
    try {
      const deep = path.join(dir, 'a', 'b');
      fs.mkdirSync(deep, { recursive: true });
      const file = path.join(deep, 'probe.ipynb');
      fs.writeFileSync(file, JSON.stringify(tinyNotebook('tslab', [
        "import { indicators, syntheticBars, type Bars } from 'stratlab';\n" +
        "const b: Bars = syntheticBars({ n: 100, seed: 3 });\n" +
        "console.log('sma', indicators.sma(b.close, 10).length);",
      ])));
      await executeNotebook(file, { server });
      const text = outputs(readNotebook(file)).map((o) => String(o.text ?? '')).join('');
      expect(text).toContain('sma 100');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops at the first failing cell with an error naming the cell, and keeps the outputs so far', async () => {
    const dir = fs.mkdtempSync(path.join(ROOT, 'data', '.nbtest-'));
    try {
      const file = path.join(dir, 'boom.ipynb');
      fs.writeFileSync(file, JSON.stringify(tinyNotebook('tslab', ["console.log('first')", "throw new Error('boom')", "console.log('never')"])));
      const err = await executeNotebook(file, { server }).catch((e) => e);
      expect(err).toBeInstanceOf(StratlabError);
      expect(err.message).toMatch(/boom\.ipynb: cell 2: Error: boom/);
      const nb = readNotebook(file);
      expect(String(nb.cells[0].outputs?.[0]?.text)).toBe('first\n');
      expect(nb.cells[1].outputs?.map((o) => o.output_type)).toContain('error');
      expect(nb.cells[2].outputs).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names a cell's TypeScript type error with its position", async () => {
    const dir = fs.mkdtempSync(path.join(ROOT, 'data', '.nbtest-'));
    try {
      const file = path.join(dir, 'types.ipynb');
      fs.writeFileSync(file, JSON.stringify(tinyNotebook('tslab', ["const x: number = 'ten';"])));
      await expect(executeNotebook(file, { server })).rejects.toThrow(/types\.ipynb: cell 1: Error: 1:7 - Type 'string' is not assignable to type 'number'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the python3 kernel from Debian with pandas', async () => {
    const dir = fs.mkdtempSync(path.join(ROOT, 'data', '.nbtest-'));
    try {
      const file = path.join(dir, 'py.ipynb');
      fs.writeFileSync(file, JSON.stringify(tinyNotebook('python3', ['import pandas as pd\nprint(pd.Series([1, 2, 3]).sum())'])));
      await executeNotebook(file, { server });
      expect(String(readNotebook(file).cells[0].outputs?.[0]?.text)).toBe('6\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts and always stops its own server when none is given, and exports HTML', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-own-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'own.ipynb');
    fs.writeFileSync(file, JSON.stringify(tinyNotebook('python3', ["print('hello')"])));
    const res = await executeNotebook(file, { html: true });
    expect(res.htmlPath).toBe(path.join(dir, 'own.html'));
    expect(fs.readFileSync(res.htmlPath!, 'utf8')).toContain('hello');
    const failing = path.join(dir, 'fail.ipynb');
    fs.writeFileSync(failing, JSON.stringify(tinyNotebook('python3', ['1/0'])));
    await expect(executeNotebook(failing)).rejects.toThrow(/fail\.ipynb: cell 1: ZeroDivisionError/);
  });

  it('names a kernel that is not installed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-nokernel-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'x.ipynb');
    fs.writeFileSync(file, JSON.stringify(tinyNotebook('julia-9', ['1'])));
    await expect(executeNotebook(file)).rejects.toThrow(/kernel "julia-9" is not installed/);
  });

  it('leaves no server listening after stop()', async () => {
    const s = await startJupyterServer({ rootDir: os.tmpdir() });
    expect(await portOpen(s.baseUrl)).toBe(true);
    await s.stop();
    expect(await portOpen(s.baseUrl)).toBe(false);
  });
});
