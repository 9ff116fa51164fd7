// Regenerates the bundled demo data in data/ from fixed seeds (the files are committed; a test
// checks that this script reproduces them byte for byte).
//   node scripts/make-demo-data.mjs [OUT_DIR]
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { syntheticBars, writeBarsCsv, writeBarsParquet } = require(path.join(ROOT, 'dist'));

export const DEMO_SPECS = {
  // Four weeks of one-minute bars in NYSE hours (UTC), with overnight and weekend gaps.
  'SYNTH_1m.csv': { n: 20 * 390, timeframe: '1m', seed: 11, start: '2024-01-01', startPrice: 150, annualVol: 0.3, session: { open: '14:30', close: '21:00' }, symbol: 'SYNTH' },
  // Eight years of weekday daily bars.
  'SYNTH_1d.parquet': { n: 2000, timeframe: '1d', seed: 5, start: '2016-01-04', startPrice: 80, annualVol: 0.28, session: 'weekdays', symbol: 'SYNTH' },
};

export async function makeDemoData(outDir = path.join(ROOT, 'data')) {
  const written = [];
  for (const [file, spec] of Object.entries(DEMO_SPECS)) {
    const bars = syntheticBars(spec);
    const target = path.join(outDir, file);
    if (file.endsWith('.csv')) await writeBarsCsv(bars, target);
    else await writeBarsParquet(bars, target);
    written.push(target);
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = await makeDemoData(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  for (const f of written) console.log(f);
}
