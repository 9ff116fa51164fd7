import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNotebook, cellSource, type Notebook } from '../lib/notebook/nbformat';
import { PLOTLY_BUNDLE } from '../lib/viz/plotly';
import { launchChromium, openOffline } from './helpers/browser';
import { CLI, ROOT } from './helpers/paths';

// Issue 18 item 11: a run's executed notebook is small (plotly.js once, only the traces stratlab draws)
// and names its run relative to itself, so a run directory moved or shared with its notebooks still runs.
const MAX_BYTES = 1_500_000;

function cli(args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const source = (nb: Notebook) => nb.cells.map((c) => cellSource(c)).join('\n');
const printed = (nb: Notebook) => nb.cells.flatMap((c) => c.outputs ?? []).map((o) => String(o.text ?? '')).join('');
const htmlOutputs = (nb: Notebook) =>
  nb.cells.flatMap((c) => c.outputs ?? []).map((o) => (o.data as Record<string, string | string[]> | undefined)?.['text/html']).filter(Boolean).map((h) => (Array.isArray(h) ? h.join('') : h!));

describe('an executed run notebook: small, offline, and relative to its run', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-size-'));
  let runDir = '';
  let tsName = '';
  let pyName = '';

  beforeAll(() => {
    // The README's flow: one command runs the config, writes the notebook and executes it (with its HTML report).
    const r = cli(['run', '--config', 'configs/sma-cross-goog.yaml', '--runs', path.join(root, 'runs'), '--workers', '1', '--no-progress', '--notebook', '--execute', '--html', '--json']);
    expect(r.status, r.err).toBe(0);
    const res = JSON.parse(r.out);
    runDir = res.runDir;
    expect(res.notebook.executed).toBe(true);
    tsName = path.basename(res.notebook.path);
    const g = cli(['notebook', 'generate', '--run', runDir, '--kernel', 'python', '--json']);
    expect(g.status, g.err).toBe(0);
    pyName = path.basename(JSON.parse(g.out).notebook);
  }, 300_000);

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it(`weighs at most ${MAX_BYTES / 1e6} MB executed, with plotly.js inline once and no CDN`, () => {
    const file = path.join(runDir, tsName);
    const size = fs.statSync(file).size;
    expect(size).toBeLessThanOrEqual(MAX_BYTES);
    const nb = readNotebook(file);
    const html = htmlOutputs(nb);
    const charts = html.filter((h) => h.includes('Plotly.newPlot'));
    expect(charts.length).toBeGreaterThanOrEqual(4);
    expect(charts.filter((h) => /plotly\.js v\d/.test(h))).toHaveLength(1);
    expect(html.join('')).not.toMatch(/<script[^>]+src=/);
  });

  it('is built from a plotly.js bundle with exactly the trace types lib/ draws', () => {
    const stamp = JSON.parse(fs.readFileSync(PLOTLY_BUNDLE.replace(/\.min\.js$/, '.json'), 'utf8')) as { plotly: string; traces: string[] };
    // Every `type: '…'` a figure builder or a notebook cell writes, read from the sources.
    const drawn = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/type: '(scatter\w*|bar\w*|heatmap\w*|histogram\w*|candlestick|ohlc|box|violin|pie|contour\w*|surface|scatter3d)'/g)) drawn.add(m[1]);
      }
    };
    walk(path.join(ROOT, 'lib'));
    expect([...drawn].sort()).toEqual([...stamp.traces].sort());
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'plotly.js-dist-min', 'package.json'), 'utf8')).version as string;
    expect(stamp.plotly.split('.')[0]).toBe(version.split('.')[0]);
    expect(fs.statSync(PLOTLY_BUNDLE).size).toBeLessThan(1_500_000);
  });

  it('names no absolute path of the run in its cells or metadata', () => {
    for (const name of [tsName, pyName]) {
      const nb = readNotebook(path.join(runDir, name));
      expect(source(nb)).not.toContain(root);
      expect(source(nb)).not.toContain(runDir);
      expect(JSON.stringify(nb.metadata)).not.toContain(root);
      // The Python bridge comes from the kernelspec's PYTHONPATH, not a path written into the notebook.
      expect(source(nb)).not.toContain(path.join(ROOT, 'kernels', 'python'));
    }
  });

  describe('after the run directory is moved', () => {
    let moved = '';
    beforeAll(() => {
      moved = path.join(root, 'shared-elsewhere', 'sma-run');
      fs.mkdirSync(path.dirname(moved), { recursive: true });
      fs.renameSync(runDir, moved);
    });

    for (const kernel of ['ts', 'python'] as const) {
      it(`the ${kernel === 'ts' ? 'TypeScript' : 'Python'} notebook executes again from the new place`, () => {
        const file = path.join(moved, kernel === 'ts' ? tsName : pyName);
        const r = cli(['notebook', 'execute', file, ...(kernel === 'ts' ? ['--html'] : []), '--json']);
        expect(r.status, r.err + r.out).toBe(0);
        expect(JSON.parse(r.out).errors).toEqual([]);
        const nb = readNotebook(file);
        // The setup cell prints the directory it opened: the new one.
        expect(printed(nb)).toContain(`directory: ${moved}`);
        expect(printed(nb)).not.toContain(runDir);
        expect(fs.statSync(file).size).toBeLessThanOrEqual(MAX_BYTES);
      }, 300_000);
    }

    describe('its HTML report in headless Chromium', () => {
      let browser: Browser;
      beforeAll(async () => {
        browser = await launchChromium();
      });
      afterAll(async () => {
        await browser?.close();
      });

      it('draws every chart offline: candlesticks, bars, scatter lines, heatmaps and the histogram', async () => {
        const html = path.join(moved, tsName.replace(/\.ipynb$/, '.html'));
        const { page, remote, errors } = await openOffline(browser, html);
        const count = await page.locator('.stratlab-plot').count();
        expect(count).toBeGreaterThanOrEqual(4);
        await page.waitForFunction((n) => document.querySelectorAll('.stratlab-plot .main-svg').length >= n, count, { timeout: 60_000 });
        const drawn = (sel: string) => page.locator(`.stratlab-plot ${sel}`).count();
        expect(await drawn('.trace.boxes')).toBeGreaterThan(0); // candlestick
        expect(await drawn('.barlayer .trace.bars')).toBeGreaterThan(0); // bar and histogram
        expect(await drawn('.scatterlayer .trace.scatter')).toBeGreaterThan(0);
        expect(await drawn('.heatmaplayer image, .heatmaplayer .hm')).toBeGreaterThan(0);
        expect(errors).toEqual([]);
        expect(remote).toEqual([]);
      }, 120_000);
    });
  });
});
