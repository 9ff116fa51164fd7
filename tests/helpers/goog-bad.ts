import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GOOG } from './paths';

/**
 * The first 20 rows of the real GOOG file with row 17 broken (high 101.2 below close 102.5), written
 * to a temp folder at test time: the shared data is read from ../shared, never copied into the repo.
 */
export function writeGoogBad(): string {
  const lines = fs.readFileSync(GOOG, 'utf8').split('\n').slice(0, 21);
  lines[17] = '2004-09-13,101.6,101.2,100.9,102.5,3926000';
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-goog-bad-')), 'GOOG_bad.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
