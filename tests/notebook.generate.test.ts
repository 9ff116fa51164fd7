import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import * as strategies from '../lib/strategies';
import { sweep } from '../lib/sweep';
import { openRun, runFromSweep } from '../lib/runs';
import type { StrategyType } from '../lib/runs/format';
import { executeNotebook } from '../lib/notebook/execute';
import { generateNotebook, buildNotebook, generateComparative, generateProductionReady } from '../lib/notebook/generate';
import { launchPlan } from '../lib/notebook/launch';
import { contributeSection, registerTemplate } from '../lib/notebook';
import { code, heading } from '../lib/notebook/cells';
import { readNotebook, cellSource, type Notebook, type NotebookOutput } from '../lib/notebook/nbformat';
import { startJupyterServer, type JupyterServer } from '../lib/notebook/server';
import { TEMPLATE_DIR } from '../lib/notebook/templates';
import { PatternLibrary, definePattern, savePattern } from '../lib/patterns';
import { launchChromium, openOffline } from './helpers/browser';
import { CLI, GOOG } from './helpers/paths';

// One small real sweep per strategy type on GOOG daily: grids of 4–9 strategies keep the file near 2–3 minutes.
const RUNS: { type: StrategyType; strategy: keyof typeof strategies; grid: Record<string, unknown[]>; as?: StrategyType }[] = [
  { type: 'bollinger_bands', strategy: 'BollingerBreakout', grid: { period: [10, 20, 30], stdDev: [1.5, 2, 2.5] } },
  { type: 'breakout', strategy: 'DonchianBreakout', grid: { entryPeriod: [20, 55], exitPeriod: [10, 20] } },
  { type: 'momentum', strategy: 'SmaCross', grid: { fast: [5, 10, 20], slow: [30, 50] } },
  { type: 'mean_reversion', strategy: 'StochRSIMeanReversion', grid: { oversold: [15, 20], overbought: [80, 85] } },
  { type: 'ensemble', strategy: 'RegimeGated', grid: { filter: ['adx', 'chop'], regime: ['trending', 'ranging'] } },
  // A strategy stratlab has no family for: the generic section adapts to the files present.
  { type: 'generic', strategy: 'SmaCross', grid: { fast: [5, 10], slow: [30, 50] }, as: 'generic' },
];
const KERNELS = ['ts', 'python'] as const;
const NOW = new Date('2026-11-21T19:45:01Z');

const outputsOf = (nb: Notebook): NotebookOutput[] => nb.cells.flatMap((c) => c.outputs ?? []);
const data = (o: NotebookOutput) => (o.data ?? {}) as Record<string, string>;
const text = (nb: Notebook) => outputsOf(nb).map((o) => String(o.text ?? '')).join('');

function pyValidate(file: string): string {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT)); print("valid")', file], { encoding: 'utf8' });
  return (r.stdout + r.stderr).trim();
}

describe('generated analysis notebooks, executed in real kernels', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-gen-'));
  const runDirs = new Map<StrategyType, string>();
  const executed = new Map<string, string>();
  let server: JupyterServer;

  beforeAll(async () => {
    const goog = await loadBars(GOOG);
    for (const r of RUNS) {
      const sw = await sweep(goog).strategy(strategies[r.strategy] as never).grid(r.grid as never).capture({ traces: true, trades: true, equity: 5 }).run();
      const w = await runFromSweep(sw, { runsDir: path.join(root, 'runs'), configName: r.type, paths: [GOOG], ...(r.as ? { strategy: { name: r.strategy, type: r.as } } : {}) });
      runDirs.set(r.type, w.dir);
    }
    server = await startJupyterServer({ rootDir: root });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('writes analysis_<type>_<YYYYMMDD_HHMMSS>.ipynb into the run: nbformat 4.5 with cell ids, valid for Python nbformat, a parameters cell, links to every heading', () => {
    for (const r of RUNS) {
      for (const kernel of KERNELS) {
        const dir = runDirs.get(r.type)!;
        const file = generateNotebook(dir, { kernel, now: NOW }); // its speed is a benchmark figure, not a test
        expect(path.dirname(file)).toBe(dir);
        expect(path.basename(file)).toMatch(new RegExp(`^analysis_${r.type}_20261121_194501(_2)?\\.ipynb$`));
        expect(pyValidate(file)).toBe('valid');
        const nb = readNotebook(file);
        expect([nb.nbformat, nb.nbformat_minor]).toEqual([4, 5]);
        expect(nb.metadata.kernelspec?.name).toBe(kernel === 'ts' ? 'tslab' : 'python3');
        expect(new Set(nb.cells.map((c) => c.id)).size).toBe(nb.cells.length);
        const params = nb.cells.filter((c) => (c.metadata.tags as string[] | undefined)?.includes('parameters'));
        expect(params).toHaveLength(1);
        // The run is reached relative to the notebook (the kernel starts in the notebook's folder): here, its own folder.
        expect(cellSource(params[0])).toMatch(/RUN_DIR = "\."/);
        expect(nb.cells.map(cellSource).join('\n')).not.toContain(dir);
        // Every navigation link names a heading of the notebook (Jupyter's anchor: spaces → hyphens).
        const md = nb.cells.filter((c) => c.cell_type === 'markdown').map(cellSource);
        const anchors = new Set(md.flatMap((s) => [...s.matchAll(/^#+ (.+)$/gm)].map((m) => m[1].trim().replace(/ /g, '-'))));
        const links = [...md[0].matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
        expect(links.length).toBeGreaterThanOrEqual(7);
        for (const l of links) expect(anchors.has(l), l).toBe(true);
        executed.set(`${r.type}/${kernel}`, file);
      }
    }
  });

  for (const r of RUNS) {
    for (const kernel of KERNELS) {
      it(`${r.type} (${kernel} kernel): every cell runs, with tables, charts and recommendations.json`, async () => {
        const file = executed.get(`${r.type}/${kernel}`)!;
        const dir = runDirs.get(r.type)!;
        fs.rmSync(path.join(dir, 'recommendations.json'), { force: true });
        const res = await executeNotebook(file, { server, html: r.type === 'bollinger_bands' });
        expect(res.errors).toEqual([]);
        const nb = readNotebook(file);
        expect(outputsOf(nb).some((o) => o.output_type === 'error')).toBe(false);
        expect(nb.cells.filter((c) => c.cell_type === 'code').every((c) => typeof c.execution_count === 'number')).toBe(true);
        const tables = outputsOf(nb).filter((o) => data(o)['text/html']?.includes('<table'));
        expect(tables.length).toBeGreaterThanOrEqual(6);
        const charts = kernel === 'ts'
          ? outputsOf(nb).filter((o) => data(o)['text/html']?.includes('Plotly.newPlot'))
          : outputsOf(nb).filter((o) => data(o)['image/png'] || data(o)['text/html']?.includes('plotly'));
        expect(charts.length).toBeGreaterThanOrEqual(6);
        const plain = outputsOf(nb).map((o) => String(data(o)['text/plain'] ?? '')).join('\n');
        if (kernel === 'ts') {
          for (const t of ['Return vs Sharpe', 'Max drawdown vs Sharpe', 'vs buy & hold', 'Drawdown (max']) expect(plain).toContain(t);
        }
        if (r.type === 'bollinger_bands' && kernel === 'ts') {
          for (const t of ['Signals per trading day', 'Total signals', 'signals/day band', 'Days with at least one signal']) expect(plain).toContain(t);
        }
        const rec = JSON.parse(fs.readFileSync(path.join(dir, 'recommendations.json'), 'utf8'));
        expect(rec.runId).toBe(path.basename(dir));
        expect(rec.best.strategyHash).toMatch(/^[0-9a-f]{16}$/);
        expect(Number.isFinite(rec.best.metrics.sharpe)).toBe(true);
        expect(rec.top.length).toBeGreaterThanOrEqual(4);
        expect(rec.analysed.kernel).toBe(kernel);
        expect(text(nb)).toContain('wrote ');
      }, 120_000);
    }
  }

  describe('HTML reports in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    const open = (file: string) => openOffline(browser, file);

    it('the TypeScript report draws its Plotly charts offline, and its navigation links land on headings', async () => {
      const html = executed.get('bollinger_bands/ts')!.replace(/\.ipynb$/, '.html');
      const { page, remote, errors } = await open(html);
      const plots = page.locator('.stratlab-plot');
      const count = await plots.count();
      expect(count).toBeGreaterThanOrEqual(12);
      await page.waitForFunction((n) => document.querySelectorAll('.stratlab-plot .main-svg').length >= n, count, { timeout: 30_000 });
      expect(await page.locator('.stratlab-plot .heatmaplayer .hm, .stratlab-plot .heatmaplayer image').count()).toBeGreaterThan(0);
      const heat = plots.first();
      await heat.scrollIntoViewIfNeeded();
      const shot = path.join(root, 'heatmap.png');
      await heat.screenshot({ path: shot });
      expect(fs.statSync(shot).size).toBeGreaterThan(15_000);
      const targets = await page.$$eval('a[href^="#"]', (as) => as.map((a) => a.getAttribute('href')!.slice(1)).filter((h) => h && !h.startsWith('cell-')));
      expect(targets.length).toBeGreaterThanOrEqual(7);
      for (const t of targets) expect(await page.evaluate((id) => !!document.getElementById(id), t), t).toBe(true);
      expect(errors).toEqual([]);
      expect(remote.filter((u) => /plotly|cdn/i.test(u))).toEqual([]);
    });

    it('the Python report shows its matplotlib charts as images', async () => {
      const html = executed.get('bollinger_bands/python')!.replace(/\.ipynb$/, '.html');
      const { page, errors } = await open(html);
      const imgs = page.locator('img[src^="data:image/png"]');
      expect(await imgs.count()).toBeGreaterThanOrEqual(10);
      const first = imgs.first();
      await first.scrollIntoViewIfNeeded();
      expect(await first.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(300);
      const shot = path.join(root, 'py-heatmap.png');
      await first.screenshot({ path: shot });
      expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
      expect(errors).toEqual([]);
    });
  });

  for (const kernel of KERNELS) {
    it(`production-ready (${kernel} kernel): re-runs one strategy by year, with neighbouring parameters and costs, and writes production_<hash>.json`, async () => {
      const dir = runDirs.get('momentum')!;
      const run = await openRun(dir);
      const hash = String((await run.query('SELECT strategy_hash FROM strategy_index ORDER BY sharpe DESC LIMIT 1'))[0].strategy_hash);
      run.close();
      const file = generateProductionReady(dir, hash.slice(0, 8), { kernel, now: NOW });
      expect(path.basename(file)).toMatch(new RegExp(`^production_${hash.slice(0, 8)}_20261121_194501(_2)?\\.ipynb$`));
      expect(pyValidate(file)).toBe('valid');
      fs.rmSync(path.join(dir, `production_${hash}.json`), { force: true });
      expect((await executeNotebook(file, { server })).errors).toEqual([]);
      const out = text(readNotebook(file));
      expect(out).toMatch(/positive in \d+ of 10 years/);
      expect(out).toMatch(/\d+ neighbours; \d+ % keep at least half the Sharpe/);
      expect(out).toMatch(/profitable in \d+ of 12 cost settings/);
      const report = JSON.parse(fs.readFileSync(path.join(dir, `production_${hash}.json`), 'utf8'));
      // The engine re-run reproduces the run's own figures.
      expect(report.reproduced.engine.returnPct).toBeCloseTo(report.reproduced.run.returnPct, 6);
      expect(report.stability.years).toBe(10); // GOOG 2004–2013
      expect(report.costs.grid).toHaveLength(12);
    }, 120_000);
  }

  it("shows the pattern library's patterns of the run's type, measured again on this run, in either kernel", async () => {
    const dir = runDirs.get('momentum')!;
    const file = path.join(root, 'patterns', 'patterns.yaml');
    const library = new PatternLibrary(file);
    const pattern = definePattern({
      name: 'fast SMA up to 10', metadata: { strategyType: 'momentum' },
      query: "SELECT t.strategy_hash, t.ts FROM traces t JOIN strategy_index s USING (strategy_hash) WHERE CAST(json_extract(s.parameters, '$.fast') AS INTEGER) <= 10",
    });
    const saved = await savePattern(dir, pattern, { horizon: 5, library: library });
    const measured = saved.measured;
    expect(measured.sampleSize).toBeGreaterThan(0);
    for (const kernel of KERNELS) {
      const nbFile = generateNotebook(dir, { kernel, now: NOW, options: { patterns: file } });
      const res = await executeNotebook(nbFile, { server });
      expect(res.errors).toEqual([]);
      const nb = readNotebook(nbFile);
      const shown = outputsOf(nb).map((o) => String(o.text ?? '') + Object.values(data(o)).join('')).join('');
      expect(shown).toContain('fast SMA up to 10');
      // Measured on the run it was saved from, the success rate is the saved one.
      expect(shown).toContain(String(measured.sampleSize));
    }
  });

  it('compares runs side by side in either kernel (comparison.json next to the notebook)', async () => {
    const dirs = [runDirs.get('momentum')!, runDirs.get('breakout')!, runDirs.get('bollinger_bands')!];
    for (const kernel of KERNELS) {
      const out = fs.mkdtempSync(path.join(root, 'cmp-'));
      const file = generateComparative(dirs, { kernel, now: NOW, outDir: out });
      expect(path.basename(file)).toBe('comparison_20261121_194501.ipynb');
      expect((await executeNotebook(file, { server })).errors).toEqual([]);
      const cmp = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8'));
      expect(cmp.runs).toHaveLength(3);
      expect(cmp.best.map((b: { sharpe: number }) => b.sharpe)).toEqual([...cmp.best.map((b: { sharpe: number }) => b.sharpe)].sort((a, b) => b - a));
    }
    expect(() => generateComparative([dirs[0]])).toThrow(/two or more run directories/);
  }, 120_000);

  it('stratlab notebook generate and stratlab run --notebook (launch only printed with --dry-run)', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: root });
    const dir = runDirs.get('breakout')!;
    const g = cli('notebook', 'generate', '--run', dir, '--kernel', 'python', '--json');
    expect(g.status).toBe(0);
    const made = JSON.parse(g.stdout);
    expect(made).toMatchObject({ kernel: 'python', template: 'analysis' });
    expect(readNotebook(made.notebook).metadata.kernelspec?.name).toBe('python3');
    const bad = cli('notebook', 'generate', '--run', dir, '--kernel', 'rust');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--kernel "rust" must be ts or python');
    const config = path.join(root, 'tiny.yaml');
    fs.writeFileSync(config, `data: { GOOG: ${GOOG} }\nstrategy: SmaCross\ngrid: { fast: [5, 10], slow: [30, 50] }\n`);
    const r = cli('run', '--config', config, '--runs', path.join(root, 'cli-runs'), '--notebook', '--launch', '--dry-run', '--json');
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(path.basename(res.notebook.path)).toMatch(/^analysis_momentum_\d{8}_\d{6}\.ipynb$/);
    expect(path.dirname(res.notebook.path)).toBe(res.runDir);
    expect(res.notebook.launch.pid).toBeNull();
    expect(res.notebook.launch.command).toMatch(new RegExp(`^JUPYTER_PATH=\\S+kernels/share/jupyter \\S*python3 -m (jupyterlab|notebook) ${res.notebook.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(cli('run', '--config', config, '--execute').stderr).toContain('go with --notebook');
  });

  it('launches JupyterLab when installed, else classic Notebook, else only prints the command', () => {
    const file = path.join(root, 'x.ipynb');
    expect(launchPlan(file, (m) => m === 'jupyterlab' || m === 'notebook')).toMatchObject({ app: 'jupyterlab', args: ['-m', 'jupyterlab', file] });
    expect(launchPlan(file, (m) => m === 'notebook')).toMatchObject({ app: 'notebook', args: ['-m', 'notebook', file] });
    const none = launchPlan(file, () => false);
    expect(none.app).toBeNull();
    expect(none.shell).toContain(`-m notebook ${file}`);
    expect(none.env.JUPYTER_PATH.split(path.delimiter)[0]).toMatch(/kernels\/share\/jupyter$/);
  });

  it('uses a template file dropped into notebook-templates/, a registered template, and sections other folders contribute', () => {
    const dir = runDirs.get('momentum')!;
    const dropped = path.join(TEMPLATE_DIR, 'zz-test-dropped.json');
    fs.writeFileSync(dropped, JSON.stringify({
      name: 'zz-test-dropped', fileStem: 'check_{strategyType}',
      sections: ['parameters', 'header', 'setup', { id: 'mine', title: 'My check', cells: [{ type: 'code', source: { ts: "console.log('run {{runId}}')", python: "print('run {{runId}}')" } }] }],
    }));
    try {
      const file = generateNotebook(dir, { template: 'zz-test-dropped', now: NOW });
      expect(path.basename(file)).toBe('check_momentum_20261121_194501.ipynb');
      const src = readNotebook(file).cells.map(cellSource).join('\n');
      expect(src).toContain(`console.log('run ${path.basename(dir)}')`);
      expect(src).toContain('[My check](#My-check)');
    } finally {
      fs.rmSync(dropped, { force: true });
    }
    registerTemplate('tiny', { sections: ['parameters', 'header', 'setup', 'top', 'export'] });
    contributeSection({ id: 'zz-known', title: 'Known patterns', cells: (ctx) => [heading('Known patterns'), code(ctx.kernel === 'ts' ? "console.log('known')" : "print('known')")] }, { after: 'top' });
    const { notebook } = buildNotebook(dir, { template: 'tiny', kernel: 'python', now: NOW });
    const ids = notebook.metadata.stratlab as { sections: string[] };
    expect(ids.sections).toEqual(['parameters', 'header', 'setup', 'top', 'zz-known', 'export']);
    expect(() => generateNotebook(dir, { template: 'nope' })).toThrow(/unknown notebook template "nope".*hint|unknown notebook template "nope"/);
    expect(() => generateNotebook(path.join(root, 'missing'))).toThrow(/no such run directory/);
  });
});
