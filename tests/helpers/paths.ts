import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
/** Real market data shared beside the repo; read from there, never copied in. */
export const SHARED_DATA = path.resolve(ROOT, '..', 'shared', 'data');
export const GOOG = path.join(SHARED_DATA, 'GOOG.csv');
export const EURUSD = path.join(SHARED_DATA, 'EURUSD.csv');
export const BTCUSD = path.join(SHARED_DATA, 'BTCUSD.csv');
export const CLI = path.join(ROOT, 'bin', 'stratlab.js');
