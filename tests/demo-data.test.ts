import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadBars } from '../lib/data';
import { ROOT } from './helpers/paths';

describe('bundled demo data', () => {
  it('is reproduced byte for byte by scripts/make-demo-data.mjs from its seeds', async () => {
    const { makeDemoData } = await import(path.join(ROOT, 'scripts', 'make-demo-data.mjs'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-demo-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const written: string[] = await makeDemoData(dir);
    expect(written.map((f) => path.basename(f)).sort()).toEqual(['SYNTH_1d.parquet', 'SYNTH_1m.csv']);
    const csv = path.join(dir, 'SYNTH_1m.csv');
    expect(fs.readFileSync(csv)).toEqual(fs.readFileSync(path.join(ROOT, 'data', 'SYNTH_1m.csv')));
    // Parquet files carry writer metadata; compare what they hold.
    const [fresh, bundled] = await Promise.all([loadBars(path.join(dir, 'SYNTH_1d.parquet')), loadBars(path.join(ROOT, 'data', 'SYNTH_1d.parquet'))]);
    expect(fresh).toEqual(bundled);
  });

  it('loads cleanly: four weeks of NYSE-hours minutes and eight years of weekdays', async () => {
    const m1 = await loadBars(path.join(ROOT, 'data', 'SYNTH_1m.csv'));
    expect([m1.symbol, m1.timeframe, m1.time.length]).toEqual(['SYNTH', '1m', 7800]);
    const d1 = await loadBars(path.join(ROOT, 'data', 'SYNTH_1d.parquet'));
    expect([d1.symbol, d1.timeframe, d1.time.length]).toEqual(['SYNTH', '1d', 2000]);
    for (const t of d1.time) expect([0, 6]).not.toContain(new Date(t).getUTCDay());
  });
});
