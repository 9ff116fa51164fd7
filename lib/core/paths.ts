import path from 'node:path';

/** The stratlab package root (the folder holding package.json), from lib/core or dist/core alike. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** Project-local Jupyter data dir that `npm run setup` fills with the tslab and python3 kernelspecs. */
export const JUPYTER_DATA_DIR = path.join(PACKAGE_ROOT, 'kernels', 'share', 'jupyter');

/** The Debian Python that can see Jupyter (the pyenv python3 on PATH cannot). */
export function systemPython(): string {
  return process.env.STRATLAB_PYTHON ?? '/usr/bin/python3';
}
