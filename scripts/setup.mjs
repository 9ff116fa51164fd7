#!/usr/bin/env node
// One-command set-up: brings a fresh machine to "ready" and costs well under a second once it is.
// Steps, each skipped when already done: npm dependencies, the self-link that lets notebooks
// `import 'stratlab'`, the TypeScript build, Jupyter from Debian packages, and project-local
// kernelspecs (tslab and python3) under kernels/share/jupyter, the partial plotly.js bundle the charts
// inline (dist/vendor); with --with-browser (npm test) also
// Debian's Chromium for the rendered-page tests.
// Plain Node with no dependencies: it must run before anything is installed.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NM = path.join(ROOT, 'node_modules');
const STAMP = path.join(NM, '.stratlab-setup.json');
const DIST = path.join(ROOT, 'dist');
const BUILD_STAMP = path.join(DIST, '.build-stamp');
const JUPYTER_DATA = path.join(ROOT, 'kernels', 'share', 'jupyter');
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Debian packages that provide Jupyter, and the Python module each one must make importable. */
export const JUPYTER_PACKAGES = {
  'python3-jupyter-server': 'jupyter_server',
  'python3-ipykernel': 'ipykernel',
  'python3-nbclient': 'nbclient',
  'python3-nbformat': 'nbformat',
  'python3-nbconvert': 'nbconvert',
  'python3-pandas': 'pandas',
  'python3-matplotlib': 'matplotlib',
  'python3-notebook': 'notebook', // classic Notebook, to open notebooks in a browser (JupyterLab is not packaged)
};
const DIST_PACKAGES = ['/usr/lib/python3/dist-packages', '/usr/local/lib/python3/dist-packages'];

const quiet = process.argv.includes('--quiet') || process.env.STRATLAB_SETUP_QUIET === '1';
const say = (msg) => { if (!quiet) process.stderr.write(`[setup] ${msg}\n`); };

class SetupError extends Error {}

function run(cmd, args, opts = {}) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.error) throw new SetupError(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new SetupError(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return undefined; }
}

function writeFileAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

// ---- 1. npm dependencies -------------------------------------------------------------------
function depsFingerprint() {
  const pkg = readJson(path.join(ROOT, 'package.json'));
  const h = createHash('sha1');
  for (const k of ['dependencies', 'devDependencies', 'allowScripts', 'overrides']) h.update(JSON.stringify(pkg[k] ?? {}));
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(lock)) h.update(fs.readFileSync(lock));
  return h.digest('hex');
}

function ensureDependencies(stamp) {
  const want = depsFingerprint();
  if (stamp.deps === want && fs.existsSync(path.join(NM, '.package-lock.json'))) return false;
  say('installing npm dependencies (the first time builds better-sqlite3 and talib from source: ~3 min)');
  run('npm', ['install', '--no-audit', '--no-fund']);
  // Native addons are the usual failure: prove they load before calling the install good.
  run(process.execPath, ['-e', "require('better-sqlite3'); require('@duckdb/node-api'); require('zeromq')"]);
  stamp.deps = depsFingerprint(); // npm install may have rewritten the lock file
  return true;
}

// ---- 2. self-link so `import 'stratlab'` resolves from any folder of the project -------------
function ensureSelfLink() {
  const link = path.join(NM, 'stratlab');
  try {
    if (fs.readlinkSync(link) === '..') return false;
    fs.rmSync(link, { recursive: true, force: true });
  } catch (e) {
    if (e.code !== 'ENOENT') fs.rmSync(link, { recursive: true, force: true });
  }
  fs.symlinkSync('..', link, 'dir');
  say('linked node_modules/stratlab -> project root');
  return true;
}

// ---- 3. build ----------------------------------------------------------------------------
function newestMtime(dir, exts) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, exts));
    else if (exts.some((e) => entry.name.endsWith(e))) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuild() {
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'lib'), ['.ts']),
    fs.statSync(path.join(ROOT, 'tsconfig.json')).mtimeMs,
    fs.statSync(path.join(ROOT, 'tsconfig.build.json')).mtimeMs,
  );
  let built = 0;
  try { built = fs.statSync(BUILD_STAMP).mtimeMs; } catch {}
  if (built >= sources) return false;
  say('building lib/ -> dist/');
  // Build into a fresh folder and swap it in, so a failed build never leaves a half-written dist/.
  const tmp = `${DIST}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  run(process.execPath, [path.join(NM, 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', tmp]);
  // Stamp with the sources' time as read before tsc ran: an edit made during the build is newer
  // than the stamp, so the next check builds again instead of believing dist/ has it.
  fs.writeFileSync(path.join(tmp, '.build-stamp'), new Date().toISOString());
  const stamp = new Date(Math.ceil(sources)); // utimes keeps whole ms: round up, never below the sources
  fs.utimesSync(path.join(tmp, '.build-stamp'), stamp, stamp);
  // Keep the plotly.js bundle: it depends on node_modules, not on lib/, so a rebuild need not redo it.
  if (fs.existsSync(VENDOR)) fs.renameSync(VENDOR, path.join(tmp, 'vendor'));
  fs.rmSync(DIST, { recursive: true, force: true });
  fs.renameSync(tmp, DIST);
  return true;
}

// ---- 3b. plotly.js, only the trace types stratlab draws ------------------------------------
// The full plotly.js-dist-min is 4.85 MB and goes inline in the first chart of every notebook;
// a bundle of plotly.js core plus these traces is about a quarter of that and still offline.
/** Every trace type lib/ draws (`type: '…'` in lib/viz and the notebook sections). */
export const PLOTLY_TRACES = ['scatter', 'bar', 'heatmap', 'histogram', 'candlestick'];
const VENDOR = path.join(DIST, 'vendor');
export const PLOTLY_BUNDLE = path.join(VENDOR, 'plotly-stratlab.min.js');
const PLOTLY_STAMP = path.join(VENDOR, 'plotly-stratlab.json');

function plotlyBundleKey() {
  const version = (name) => readJson(path.join(NM, name, 'package.json'))?.version;
  return { plotly: version('plotly.js'), esbuild: version('esbuild'), traces: PLOTLY_TRACES };
}

function ensurePlotlyBundle() {
  const key = plotlyBundleKey();
  if (!key.plotly) throw new SetupError('node_modules/plotly.js is missing: run npm install (the charts are built from it)');
  if (fs.existsSync(PLOTLY_BUNDLE) && JSON.stringify(readJson(PLOTLY_STAMP)) === JSON.stringify(key)) return false;
  say(`bundling plotly.js ${key.plotly} (${PLOTLY_TRACES.join(', ')}) -> ${path.relative(ROOT, PLOTLY_BUNDLE)}`);
  const require = createRequire(import.meta.url);
  const esbuild = require(path.join(NM, 'esbuild'));
  const entry = `var Plotly = require('plotly.js/lib/core');\n` +
    `Plotly.register([${PLOTLY_TRACES.map((t) => `require('plotly.js/lib/${t}')`).join(', ')}]);\nmodule.exports = Plotly;\n`;
  const tmp = `${PLOTLY_BUNDLE}.${process.pid}.tmp`;
  fs.mkdirSync(VENDOR, { recursive: true });
  // The settings of plotly.js's own esbuild-config.js that these traces need (no WebGL, no CSS plugins).
  esbuild.buildSync({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'plotly-stratlab.js' },
    bundle: true, minify: true, format: 'iife', globalName: 'Plotly', target: 'es2016', legalComments: 'none',
    define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
    banner: { js: `/*! plotly.js v${key.plotly} (${PLOTLY_TRACES.join(', ')}) | (c) Plotly, Inc. | MIT license */` },
    // The one CSS file plotly.js requires is maplibre's, for map traces stratlab does not draw.
    loader: { '.css': 'empty' },
    outfile: tmp, logLevel: 'error',
  });
  fs.renameSync(tmp, PLOTLY_BUNDLE);
  writeFileAtomic(PLOTLY_STAMP, JSON.stringify(key) + '\n');
  return true;
}

// ---- 4. Jupyter from Debian ----------------------------------------------------------------
export function missingJupyterPackages() {
  return Object.entries(JUPYTER_PACKAGES)
    .filter(([, mod]) => !DIST_PACKAGES.some((d) => fs.existsSync(path.join(d, mod))))
    .map(([pkg]) => pkg);
}

function ensureJupyter() {
  const missing = missingJupyterPackages();
  if (missing.length === 0 && fs.existsSync(SYSTEM_PYTHON)) return false;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = fs.existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    throw new SetupError(
      `Jupyter is missing Debian packages: ${missing.join(' ')}. ` +
        `Install them as root: apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  }
  say(`installing Jupyter from Debian packages: ${missing.join(' ')} (about a minute)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  const still = missingJupyterPackages();
  if (still.length) throw new SetupError(`apt-get finished but these are still missing: ${still.join(' ')}`);
  return true;
}

// ---- 5. Chromium, for the tests that open rendered pages (not needed to use stratlab) ---------
export const CHROMIUM = '/usr/bin/chromium';

function ensureBrowser() {
  if (fs.existsSync(CHROMIUM)) return false;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
    throw new SetupError('the tests need Chromium: apt-get update && apt-get install -y --no-install-recommends chromium');
  }
  say('installing Chromium from Debian packages for the rendered-page tests');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env });
  return true;
}

// ---- 6. kernelspecs --------------------------------------------------------------------------
function tslabBinary() {
  return path.join(NM, '.bin', 'tslab');
}

function kernelspecsCurrent() {
  const tslab = readJson(path.join(JUPYTER_DATA, 'kernels', 'tslab', 'kernel.json'));
  const py = readJson(path.join(JUPYTER_DATA, 'kernels', 'python3', 'kernel.json'));
  return tslab?.argv?.[0] === tslabBinary() && py?.env?.STRATLAB_ROOT === ROOT && py?.env?.STRATLAB_NODE === process.execPath;
}

function ensureKernelspecs() {
  if (kernelspecsCurrent()) return false;
  say(`installing tslab and python3 kernelspecs into ${path.relative(ROOT, JUPYTER_DATA)}`);
  fs.rmSync(path.join(JUPYTER_DATA, 'kernels'), { recursive: true, force: true });
  run(tslabBinary(), ['install', `--python=${SYSTEM_PYTHON}`, `--binary=${tslabBinary()}`, `--prefix=${path.join(ROOT, 'kernels')}`]);
  // The python3 kernel is Debian's ipykernel; the bridge module (kernels/python) is on its path and
  // STRATLAB_ROOT / STRATLAB_NODE tell it where the CLI lives and which Node runs it.
  const spec = {
    argv: [SYSTEM_PYTHON, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    display_name: 'Python 3 (stratlab)',
    language: 'python',
    // Generated notebooks name no absolute path: the bridge comes from PYTHONPATH, the CLI from these two.
    env: { PYTHONPATH: path.join(ROOT, 'kernels', 'python'), STRATLAB_ROOT: ROOT, STRATLAB_NODE: process.execPath },
    metadata: { debugger: false },
  };
  writeFileAtomic(path.join(JUPYTER_DATA, 'kernels', 'python3', 'kernel.json'), JSON.stringify(spec, null, 1) + '\n');
  if (!kernelspecsCurrent()) throw new SetupError('tslab install did not write the expected kernelspec');
  return true;
}

// ---- main ----------------------------------------------------------------------------------
export function setup({ skipJupyter = process.env.STRATLAB_SKIP_JUPYTER === '1', browser = false } = {}) {
  const t0 = performance.now();
  const stamp = readJson(STAMP) ?? {};
  const changed = [];
  if (ensureDependencies(stamp)) changed.push('dependencies');
  if (ensureSelfLink()) changed.push('self-link');
  if (ensureBuild()) changed.push('build');
  if (ensurePlotlyBundle()) changed.push('plotly bundle');
  if (!skipJupyter) {
    if (ensureJupyter()) changed.push('jupyter');
    if (ensureKernelspecs()) changed.push('kernelspecs');
  }
  if (browser && ensureBrowser()) changed.push('chromium');
  if (changed.includes('dependencies')) writeFileAtomic(STAMP, JSON.stringify(stamp) + '\n');
  const ms = Math.round(performance.now() - t0);
  say(changed.length ? `ready (${changed.join(', ')} in ${(ms / 1000).toFixed(1)} s)` : `ready (checked in ${ms} ms)`);
  return { changed, ms };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    // npm's postinstall: `npm install` prunes the self-link, so put it back right away.
    if (process.argv.includes('--link-only')) ensureSelfLink();
    else setup({ browser: process.argv.includes('--with-browser') });
  } catch (e) {
    process.stderr.write(`stratlab setup: ${e instanceof SetupError ? e.message : e.stack ?? e}\n`);
    process.exit(1);
  }
}
