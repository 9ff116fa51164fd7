import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../core/paths';
import { STRATEGY_TYPES, type RunManifest, type StrategyType } from '../runs/format';
import { readVerifiedManifest } from '../runs/open';
import type { CellSpec, NotebookKernel } from './cells';

/** What section builders know about the run: read from run.json and the folder only (generation stays fast). */
export interface NotebookContext {
  kernel: NotebookKernel;
  runDir: string;
  /** The folder the notebook is written to: the cells reach runs relative to it (see fromNotebook). */
  notebookDir: string;
  manifest: RunManifest;
  strategyType: StrategyType;
  /** Files present in the run directory, by role. */
  has: { traces: boolean; trades: boolean; equity: boolean };
  /** Parameters the run varied (grid keys from the config), in config order; [] when unknown. */
  gridParams: string[];
  /** The two parameters the strategy-type heatmaps use, when the type defines them. */
  axes: [string, string] | null;
  now: Date;
  /** Absolute paths the cells embed. */
  /** `importFrom`: 'stratlab' where the run can resolve it (inside the project), else the package's absolute path. */
  /** `patterns`: the pattern library file the known-patterns section reads (absolute). */
  paths: { root: string; node: string; bridge: string; importFrom: string; patterns: string };
  /** Navigation: every titled section of the notebook, in order. */
  toc: { title: string; anchor: string }[];
  /** Extra options of a template (strategyHash for production-ready, runDirs for comparative…). */
  options: Record<string, unknown>;
}

/** A part of a generated notebook: a heading and its cells, for one kernel at a time. */
export interface Section {
  id: string;
  /** The heading (letters, digits, spaces: it is also the navigation anchor); '' for untitled cells. */
  title: string | ((ctx: NotebookContext) => string);
  /** Leave the section out when this says no (e.g. no trades file). */
  appliesTo?: (ctx: NotebookContext) => boolean;
  cells(ctx: NotebookContext): CellSpec[];
}

/** The heatmap axes of a strategy: its own names for period × std_dev (and the like). */
const AXES: Record<string, [string, string]> = {
  BollingerBreakout: ['period', 'stdDev'],
  MACDBollinger: ['bbPeriod', 'bbStd'],
  SmaCross: ['fast', 'slow'],
  DonchianBreakout: ['entryPeriod', 'exitPeriod'],
  StochRSIMeanReversion: ['oversold', 'overbought'],
};

export function buildContext(runDir: string, kernel: NotebookKernel, now: Date, options: Record<string, unknown>, notebookDir?: string): NotebookContext {
  const dir = path.resolve(runDir);
  // A run whose files changed since they were written is refused here, before any notebook is written.
  const { manifest } = readVerifiedManifest(dir);
  const type = (STRATEGY_TYPES as readonly string[]).includes(manifest.strategy.type) ? (manifest.strategy.type as StrategyType) : 'generic';
  const exists = (rel: string | null) => !!rel && fs.existsSync(path.join(dir, rel));
  // A config file's grid, or the grid keys runFromSweep records.
  const grid = manifest.config?.grid, keys = manifest.config?.gridKeys;
  const gridParams = grid && typeof grid === 'object' ? Object.keys(grid as object) : Array.isArray(keys) ? keys.map(String) : [];
  const known = AXES[manifest.strategy.name];
  // Axes the run varied win; a strategy's usual pair is the fallback; a bollinger type without either guesses by name.
  let axes: [string, string] | null = known ?? null;
  if (gridParams.length >= 2 && !(known && known.every((p) => gridParams.includes(p)))) {
    const period = gridParams.find((p) => /period/i.test(p)), std = gridParams.find((p) => /std/i.test(p));
    axes = type === 'bollinger_bands' && period && std ? [period, std] : [gridParams[0], gridParams[1]];
  }
  return {
    kernel, runDir: dir, notebookDir: path.resolve(notebookDir ?? dir), manifest, strategyType: type,
    has: { traces: manifest.files.traces.some(exists), trades: exists(manifest.files.trades), equity: exists(manifest.files.equity) },
    gridParams, axes, now,
    paths: { root: PACKAGE_ROOT, node: process.execPath, bridge: path.join(PACKAGE_ROOT, 'kernels', 'python'), importFrom: stratlabImport(dir), patterns: patternLibraryPath(options) },
    toc: [], options,
  };
}

/**
 * The pattern library a notebook reads: options.patterns, else $STRATLAB_PATTERNS, else
 * saved_patterns/patterns.yaml where the notebook is generated (the CLI's default), made absolute
 * because the notebook runs in the run directory.
 */
function patternLibraryPath(options: Record<string, unknown>): string {
  const given = typeof options.patterns === 'string' ? options.patterns : process.env.STRATLAB_PATTERNS;
  return path.resolve(given ?? path.join('saved_patterns', 'patterns.yaml'));
}

/**
 * A path as the notebook's cells write it: relative to the notebook's folder ('.' for the run the
 * notebook lives in), with forward slashes. Jupyter starts a kernel in the notebook's folder, so the
 * cells resolve it against the working directory, and a run directory moved or shared with its
 * notebooks still opens.
 */
export function fromNotebook(ctx: NotebookContext, p: string): string {
  return path.relative(ctx.notebookDir, path.resolve(p)).split(path.sep).join('/') || '.';
}

/** True when the cells are for the tslab kernel (false: Python through the bridge). */
export const ts = (ctx: NotebookContext): boolean => ctx.kernel === 'ts';

/** SQL written with `${…}` substitutions for TypeScript template strings, as a Python f-string (`{…}`). */
export const py = (sql: string): string => sql.replace(/\$\{/g, '{');

export function sectionTitle(s: Section, ctx: NotebookContext): string {
  return typeof s.title === 'function' ? s.title(ctx) : s.title;
}

/** How a notebook in `dir` imports stratlab: by name when Node resolves it to this package from there, else by absolute path. */
function stratlabImport(dir: string): string {
  try {
    const found = require.resolve('stratlab/package.json', { paths: [dir] });
    if (fs.realpathSync(path.dirname(found)) === fs.realpathSync(PACKAGE_ROOT)) return 'stratlab';
  } catch {
    /* not resolvable from there */
  }
  return PACKAGE_ROOT;
}
