import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeNotebook } from '../lib/notebook/execute';
import { startJupyterServer } from '../lib/notebook/server';
import { launchChromium, openOffline } from './helpers/browser';
import { ROOT } from './helpers/paths';

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
    await page.waitForFunction((n) => document.querySelectorAll('.stratlab-plot .main-svg .cartesianlayer').length >= n, count, { timeout: 30_000 });
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
    // Two results displayed (SmaCross and the custom RsiReversion), three charts each.
    expect(count).toBe(6);
    await page.waitForFunction((n) => document.querySelectorAll('.stratlab-plot .main-svg .cartesianlayer').length >= n, count, { timeout: 30_000 });
    const titles = await page.locator('.stratlab-plot .gtitle').allTextContents();
    expect(titles).toEqual([
      'Equity: SmaCross vs buy & hold, GOOG 1d', 'Drawdown (max -45.69 %)', 'SmaCross on GOOG 1d: trades, last 1500 of 2148 bars',
      'Equity: RsiReversion vs buy & hold, GOOG 1d', expect.stringMatching(/^Drawdown \(max -\d+\.\d\d %\)$/), 'RsiReversion on GOOG 1d: trades, last 1500 of 2148 bars',
    ]);
    const legend = async (i: number) => plots.nth(i).locator('.legend .traces .legendtext').allTextContents();
    expect(await legend(0)).toEqual(['SmaCross', 'Buy & hold']);
    expect(await legend(2)).toEqual(expect.arrayContaining(['GOOG', 'SMA(10)', 'SMA(30)', 'Long entry', 'Short entry', 'Exit']));
    expect(await legend(5)).toEqual(expect.arrayContaining(['RSI(14)', 'Long entry', 'Exit']));
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
