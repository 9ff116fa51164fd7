import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeNotebook } from '../lib/notebook/execute';
import { startJupyterServer } from '../lib/notebook/server';
import { launchChromium, openOffline } from './helpers/browser';
import { GOOG, ROOT } from './helpers/paths';
import { loadBars } from '../lib/data';
import { sweep } from '../lib/sweep';
import { runFromSweep } from '../lib/runs';
import { generateNotebook } from '../lib/notebook/generate';
import { SmaCross } from '../lib/strategies/sma-cross';

// Charts must draw with the network cut off, in the exported report and in classic Notebook:
// plotly.js travels inline in the outputs, and the executor signs the notebook so Jupyter trusts it.
describe('Plotly charts of the quick-start notebook, rendered in headless Chromium', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-html-'));
  let browser: Browser;
  let htmlPath: string;

  beforeAll(async () => {
    const res = await executeNotebook(path.join(ROOT, 'notebooks', '01-data-and-indicators.ipynb'), {
      output: path.join(out, '01.ipynb'),
      html: true,
    });
    htmlPath = res.htmlPath!;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('draws every chart of the exported HTML report with no network request', async () => {
    const { page, remote, errors } = await openOffline(browser, htmlPath);
    const plots = page.locator('.stratlab-plot');
    const count = await plots.count();
    expect(count).toBeGreaterThanOrEqual(2);
    // Plotly draws an SVG per chart; candlesticks live in its 'cartesianlayer'.
    await page.waitForFunction((n) => document.querySelectorAll('.stratlab-plot .main-svg .cartesianlayer').length >= n, count, { timeout: 120_000 });
    const traces = await page.locator('.stratlab-plot .cartesianlayer .trace').count();
    expect(traces).toBeGreaterThan(4);
    await plots.first().scrollIntoViewIfNeeded();
    const shot = path.join(out, 'chart.png');
    await plots.first().screenshot({ path: shot });
    expect(fs.statSync(shot).size).toBeGreaterThan(20_000);
    expect(errors).toEqual([]);
    expect(remote.filter((u) => /plotly|cdn/i.test(u))).toEqual([]);
  });

  it('draws the charts when the executed notebook is opened in classic Notebook', async () => {
    const server = await startJupyterServer({ rootDir: out, app: 'notebook' });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      const outside: string[] = [];
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
        outside.push(url.href);
        return route.abort();
      });
      await page.goto(`${server.baseUrl}notebooks/01.ipynb?token=${server.token}`);
      await page.waitForFunction(() => document.querySelectorAll('.output_area .stratlab-plot .main-svg .cartesianlayer').length >= 2, undefined, { timeout: 60_000 });
      expect(await page.locator('.output_area table.stratlab-table').count()).toBeGreaterThan(0);
      expect(outside.filter((u) => /plotly/i.test(u))).toEqual([]);
    } finally {
      await page.close();
      await server.stop();
    }
  });
});

// result.display() in the backtesting tutorial: three charts per result (equity vs buy & hold, drawdown,
// price with trades), drawn offline from the exported report.
describe('Backtest charts of the backtesting notebook, rendered in headless Chromium', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-html-'));
  let browser: Browser;
  let htmlPath: string;

  beforeAll(async () => {
    const res = await executeNotebook(path.join(ROOT, 'notebooks', '02-backtest.ipynb'), {
      output: path.join(out, '02.ipynb'),
      html: true,
    });
    htmlPath = res.htmlPath!;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('draws the equity, drawdown and trades charts with legends and trade markers, with no network request', async () => {
    const { page, remote, errors } = await openOffline(browser, htmlPath);
    const plots = page.locator('.stratlab-plot');
    const count = await plots.count();
    // Two results displayed (SmaCross and the custom RsiReversion), three charts each, and SmaCross's plot() and monthly returns.
    expect(count).toBe(8);
    await page.waitForFunction((n) => document.querySelectorAll('.stratlab-plot .main-svg .cartesianlayer').length >= n, count, { timeout: 120_000 });
    const titles = await page.locator('.stratlab-plot .gtitle').allTextContents();
    expect(titles).toEqual([
      'Equity: SmaCross vs buy & hold, GOOG 1d', 'Drawdown (max -45.69 %)', 'SmaCross on GOOG 1d: trades, last 1500 of 2148 bars',
      'SmaCross on GOOG 1d: 2,148 bars', 'Monthly returns (%): SmaCross on GOOG 1d',
      'Equity: RsiReversion vs buy & hold, GOOG 1d', expect.stringMatching(/^Drawdown \(max -\d+\.\d\d %\)$/), 'RsiReversion on GOOG 1d: trades, last 1500 of 2148 bars',
    ]);
    const legend = async (i: number) => plots.nth(i).locator('.legend .traces .legendtext').allTextContents();
    expect(await legend(0)).toEqual(['SmaCross', 'Buy & hold']);
    expect(await legend(2)).toEqual(expect.arrayContaining(['GOOG', 'SMA(10)', 'SMA(30)', 'Long entry', 'Short entry', 'Exit']));
    expect(await legend(7)).toEqual(expect.arrayContaining(['RSI(14)', 'Long entry', 'Exit']));
    // Every chart has a titled y-axis; the trades charts draw their entry and exit markers.
    for (let i = 0; i < count; i++) expect(await plots.nth(i).locator('.ytitle').count()).toBeGreaterThan(0);
    const markers = await plots.nth(2).locator('.scatterlayer .trace .points path.point').count();
    expect(markers).toBeGreaterThan(40);
    await plots.nth(2).scrollIntoViewIfNeeded();
    const shot = path.join(out, 'trades.png');
    await plots.nth(2).screenshot({ path: shot });
    expect(fs.statSync(shot).size).toBeGreaterThan(20_000);
    expect(errors).toEqual([]);
    expect(remote.filter((u) => /plotly|cdn/i.test(u))).toEqual([]);
  });
});

// result.plot() in a generated analysis notebook: the best strategy of a run re-run with the engine and
// drawn as one figure of linked panes, executed in tslab, exported to HTML and opened offline.
describe("result.plot() in a generated notebook's HTML report, rendered in headless Chromium", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-plot-'));
  let browser: Browser;
  let htmlPath: string;

  beforeAll(async () => {
    const goog = await loadBars(GOOG);
    const sw = await sweep(goog).strategy(SmaCross).grid({ fast: [5, 10], slow: [30, 50] }).capture({ traces: true, trades: true, equity: 2 }).progress('none').run();
    const run = await runFromSweep(sw, { runsDir: path.join(root, 'runs'), configName: 'plot', paths: [GOOG] });
    const res = await executeNotebook(generateNotebook(run.dir, { kernel: 'ts', template: 'quick' }), { html: true });
    expect(res.errors).toEqual([]);
    htmlPath = res.htmlPath!;
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('draws the price with trades, volume, equity and drawdown panes on one time axis, zooming together, and the monthly returns', async () => {
    const { page, remote, errors } = await openOffline(browser, htmlPath);
    await page.waitForFunction(() => [...document.querySelectorAll('.stratlab-plot .gtitle')].some((t) => t.textContent!.startsWith('SmaCross on GOOG 1d')), undefined, { timeout: 120_000 });
    const titles = await page.locator('.stratlab-plot .gtitle').allTextContents();
    const at = titles.indexOf('SmaCross on GOOG 1d: 2,148 bars');
    expect(at).toBeGreaterThanOrEqual(0);
    const chart = page.locator('.stratlab-plot').nth(at);
    // Four panes, each with its titled y axis; candlesticks, volume bars and the trade markers are drawn.
    expect(await chart.locator('.cartesianlayer .subplot').count()).toBe(4);
    expect(await chart.locator('.g-ytitle, .g-y2title, .g-y3title, .g-y4title').allTextContents()).toEqual(['Price', 'Volume', 'Equity', 'Drawdown (%)']);
    expect(await chart.locator('.boxlayer .trace.boxes path').count()).toBeGreaterThan(1000);
    expect(await chart.locator('.barlayer .trace.bars .point').count()).toBeGreaterThan(1000);
    expect(await chart.locator('.scatterlayer .trace .points path.point').count()).toBeGreaterThan(100);
    expect(await chart.locator('.legend .traces .legendtext').allTextContents()).toEqual(expect.arrayContaining(['GOOG', 'SMA(10)', 'SMA(30)', 'Entry (profit)', 'Entry (loss)', 'Exit (profit)', 'Exit (loss)', 'Equity', 'Buy & hold']));

    // Drag a zoom box across the equity pane: the one shared time axis narrows, so every pane shows the same dates.
    const full = await chart.evaluate((el) => (el as any)._fullLayout.xaxis.range.map((v: string) => Date.parse(v)));
    const box = (await chart.locator('.draglayer .xy3 .nsewdrag').boundingBox())!;
    await chart.scrollIntoViewIfNeeded();
    const drag = (await chart.locator('.draglayer .xy3 .nsewdrag').boundingBox())!;
    expect(drag.width).toBeCloseTo(box.width, 0);
    await page.mouse.move(drag.x + drag.width * 0.4, drag.y + drag.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(drag.x + drag.width * 0.5, drag.y + drag.height * 0.5, { steps: 8 });
    await page.mouse.move(drag.x + drag.width * 0.6, drag.y + drag.height * 0.5, { steps: 8 });
    await page.mouse.up();
    const zoomed = await chart.evaluate((el) => {
      const gd = el as any;
      return { range: gd._fullLayout.xaxis.range.map((v: string) => Date.parse(v)), axes: [...new Set(gd._fullData.map((t: any) => t.xaxis))] };
    });
    expect(zoomed.axes).toEqual(['x']);
    expect(zoomed.range[1] - zoomed.range[0]).toBeLessThan((full[1] - full[0]) * 0.3);
    expect(zoomed.range[0]).toBeGreaterThan(full[0]);

    const shot = path.join(root, 'plot.png');
    await chart.screenshot({ path: shot });
    expect(fs.statSync(shot).size).toBeGreaterThan(30_000);

    // The monthly returns heatmap, a number in each month's cell.
    const monthly = page.locator('.stratlab-plot').nth(titles.indexOf('Monthly returns (%): SmaCross on GOOG 1d'));
    expect(await monthly.locator('.heatmaplayer').count()).toBe(1);
    expect(await monthly.locator('.heatmaplayer text').count()).toBeGreaterThan(100);
    const mshot = path.join(root, 'monthly.png');
    await monthly.screenshot({ path: mshot });
    expect(fs.statSync(mshot).size).toBeGreaterThan(20_000);
    // Under the default rules every strategy of this grid is disqualified: the Sharpe heatmap says so in grey.
    expect(titles).toContain('Sharpe ratio over the grid (grey ×: disqualified, 4 cells)');
    expect(errors).toEqual([]);
    expect(remote.filter((u) => /plotly|cdn/i.test(u))).toEqual([]);
  });
});
