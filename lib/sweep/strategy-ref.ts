/**
 * How a worker thread finds the strategy class: built-ins by name, classes exported from a
 * JavaScript module by file and export name. A class defined in a notebook cell (or in a
 * TypeScript file loaded by a transpiler) has no file a worker could load: it runs in the caller's
 * thread, and the sweep says so.
 */
import fs from 'node:fs';
import { strategyName, type StrategyClass } from '../engine';
import { strategyByName } from '../strategies/registry';

/** `mtimeMs` lets a warm worker notice that the module was edited since it loaded it. */
export type StrategyRef = { kind: 'builtin'; name: string } | { kind: 'module'; file: string; exportName: string; mtimeMs: number };

export function strategyRef(S: StrategyClass): StrategyRef | null {
  const name = strategyName(S);
  try {
    if (strategyByName(name) === S) return { kind: 'builtin', name };
  } catch {
    // not a built-in
  }
  for (const mod of Object.values(require.cache)) {
    if (!mod || !/\.c?js$/.test(mod.filename)) continue;
    const exp = mod.exports as unknown;
    if (exp === S) return moduleRef(mod.filename, '');
    if (exp !== null && typeof exp === 'object') {
      for (const [key, value] of Object.entries(exp as Record<string, unknown>)) {
        if (value === S) return moduleRef(mod.filename, key);
      }
    }
  }
  return null;
}

function moduleRef(file: string, exportName: string): StrategyRef {
  let mtimeMs = 0;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    // unreadable: the worker's require will say so
  }
  return { kind: 'module', file, exportName, mtimeMs };
}

/** The class a reference names; a module is loaded afresh (its cached copy dropped) when `fresh`. */
export function loadStrategy(ref: StrategyRef, fresh = false): StrategyClass {
  if (ref.kind === 'builtin') return strategyByName(ref.name);
  if (fresh) delete require.cache[ref.file];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(ref.file) as Record<string, unknown>;
  const S = (ref.exportName ? mod[ref.exportName] : mod) as StrategyClass | undefined;
  if (typeof S !== 'function') throw new Error(`strategy ${ref.exportName || 'module export'} not found in ${ref.file}`);
  return S;
}
