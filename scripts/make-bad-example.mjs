#!/usr/bin/env node
// Writes data/SYNTH_bad.csv, the bad file README's "Bad rows are refused" example loads: the first 20 rows
// of the bundled data/SYNTH_1m.csv with row 17's high set below its close (above its low). Deterministic; rerun to rebuild.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [header, ...rows] = fs.readFileSync(path.join(root, 'data', 'SYNTH_1m.csv'), 'utf8').split('\n').slice(0, 21);
const cells = rows[16].split(',');                    // data row 17 (line 18)
const low = Number(cells[3]), close = Number(cells[4]);
cells[2] = (Math.round(((low + close) / 2) * 100) / 100).toFixed(2);   // between low and close: high below close
rows[16] = cells.join(',');
const out = path.join(root, 'data', 'SYNTH_bad.csv');
fs.writeFileSync(`${out}.tmp`, [header, ...rows].join('\n') + '\n');
fs.renameSync(`${out}.tmp`, out);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
