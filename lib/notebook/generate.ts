/**
 * Analysis notebooks for a run directory (docs/notebooks.md §1.2): `generateNotebook(runDir)` writes
 * analysis_<type>_<YYYYMMDD_HHMMSS>.ipynb into the run, for the TypeScript (tslab) or the Python
 * kernel, from a template (notebook-templates/). Everything is read from run.json, so generating
 * costs milliseconds; the cells do the work when they run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StratlabError } from '../core/errors';
import { writeFileAtomic } from '../core/atomic';
import { anchorFor, toCells, type NotebookKernel } from './cells';
import { buildContext, fromNotebook, sectionTitle, type NotebookContext } from './context';
import type { Notebook, NotebookCell } from './nbformat';
import { resolveSections } from './sections';
import { getTemplate, type NotebookTemplate } from './templates';
import { validateNotebook } from './validate';

export interface GenerateOptions {
  /** 'ts' (tslab, default) or 'python' (Debian's python3 kernel, through the JSON bridge). */
  kernel?: NotebookKernel;
  /** A template name (notebook-templates/*.json or registerTemplate); default 'analysis'. */
  template?: string | NotebookTemplate;
  /** The generation time (file name, header); default now. */
  now?: Date;
  /** Folder to write into; default the run directory. */
  outDir?: string;
  /** Template options the sections read (strategyHash, runDirs…). */
  options?: Record<string, unknown>;
}

const KERNELSPECS: Record<NotebookKernel, { kernelspec: Notebook['metadata']['kernelspec']; language_info: Record<string, unknown> }> = {
  ts: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' }, language_info: { name: 'typescript', file_extension: '.ts' } },
  python: { kernelspec: { name: 'python3', display_name: 'Python 3 (stratlab)', language: 'python' }, language_info: { name: 'python', file_extension: '.py' } },
};

/** 20261121_194501 (UTC: the run ids are UTC too). */
export function stamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/-/g, '').replace('T', '_').replace(/:/g, '');
}

/** Builds the notebook in memory: the template's sections for the run, numbered, checked. */
export function buildNotebook(runDir: string, opts: GenerateOptions = {}): { notebook: Notebook; ctx: NotebookContext; template: NotebookTemplate } {
  const kernel = opts.kernel ?? 'ts';
  if (kernel !== 'ts' && kernel !== 'python') throw new StratlabError('BAD_ARGUMENT', `kernel: expected ts or python, got ${JSON.stringify(kernel)}`);
  const template = typeof opts.template === 'object' ? opts.template : getTemplate(opts.template ?? 'analysis');
  const ctx = buildContext(runDir, kernel, opts.now ?? new Date(), opts.options ?? {}, opts.outDir);
  const sections = resolveSections(template.sections, ctx);
  ctx.toc = sections.map((s) => sectionTitle(s, ctx)).filter(Boolean).map((title) => ({ title, anchor: anchorFor(title) }));
  const anchors = ctx.toc.map((t) => t.anchor);
  const dup = anchors.find((a, i) => anchors.indexOf(a) !== i);
  if (dup) throw new StratlabError('NOTEBOOK', `template ${template.name}: two sections are titled "${dup}" (navigation links would be ambiguous)`);
  const used = new Set<string>();
  const cells: NotebookCell[] = [];
  for (const s of sections) cells.push(...toCells(s.id, s.cells(ctx), used));
  const notebook: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      ...KERNELSPECS[kernel],
      stratlab: {
        runId: ctx.manifest.runId, runDir: fromNotebook(ctx, ctx.runDir), strategyType: ctx.strategyType, template: template.name,
        kernel, generatedAt: ctx.now.toISOString(), sections: sections.map((s) => s.id),
      },
    },
    cells,
  };
  validateNotebook(notebook, `template ${template.name} for ${runDir}`);
  return { notebook, ctx, template };
}

/** A free file name: `<stem>_<stamp>.ipynb`, or with _2, _3… when one was generated in the same second. */
function freeName(dir: string, stem: string, when: Date): string {
  const base = `${stem}_${stamp(when)}`;
  let file = path.join(dir, `${base}.ipynb`);
  for (let n = 2; fs.existsSync(file); n++) file = path.join(dir, `${base}_${n}.ipynb`);
  return file;
}

/**
 * Writes the analysis notebook of a run and returns its path: `<runDir>/analysis_<type>_<stamp>.ipynb`
 * (written to a temp name, then renamed).
 */
export function generateNotebook(runDir: string, opts: GenerateOptions = {}): string {
  const { notebook, ctx, template } = buildNotebook(runDir, opts);
  const dir = path.resolve(opts.outDir ?? ctx.runDir);
  const stem = template.fileStem?.(ctx) ?? `analysis_${ctx.strategyType}`;
  const file = freeName(dir, stem, ctx.now);
  writeFileAtomic(file, JSON.stringify(notebook, null, 1) + '\n');
  return file;
}

/** A notebook comparing runs (same or different strategies): written next to the first run's config folder unless outDir. */
export function generateComparative(runDirs: string[], opts: Omit<GenerateOptions, 'template'> = {}): string {
  if (!Array.isArray(runDirs) || runDirs.length < 2) throw new StratlabError('BAD_ARGUMENT', 'generateComparative: expected two or more run directories');
  const dirs = runDirs.map((d) => path.resolve(d));
  return generateNotebook(dirs[0], {
    ...opts, template: 'comparative', outDir: opts.outDir ?? path.dirname(dirs[0]),
    options: { ...opts.options, runDirs: dirs },
  });
}

/**
 * A notebook about one strategy of a run before it goes live: stability by period, robustness to
 * neighbouring parameters and to costs, each computed in the cells by running the engine again.
 */
export function generateProductionReady(runDir: string, strategyHash: string, opts: Omit<GenerateOptions, 'template'> = {}): string {
  if (typeof strategyHash !== 'string' || !/^[0-9a-f]{4,16}$/i.test(strategyHash)) {
    throw new StratlabError('BAD_ARGUMENT', `generateProductionReady: strategy ${JSON.stringify(strategyHash)}: expected a strategy hash (16 hex digits, or a unique prefix of 4 or more)`);
  }
  return generateNotebook(runDir, { ...opts, template: 'production-ready', options: { ...opts.options, strategyHash: strategyHash.toLowerCase() } });
}
