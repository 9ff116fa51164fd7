import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths';

const PUBLIC_NAMES = [
  'loadBars', 'resample', 'slice', 'syntheticBars', 'inspectBars', 'indicators', 'executeNotebook',
  'StratlabError', 'plotPrice', 'showTable', 'viz',
];

describe('the built package', () => {
  it('loads with require() on Node 20 from any folder of the project (tslab uses require)', () => {
    const r = spawnSync(process.execPath, ['-e', "const s = require('stratlab'); console.log(JSON.stringify({ names: Object.keys(s), ind: Object.keys(s.indicators) }))"], {
      cwd: path.join(ROOT, 'notebooks'),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const { names, ind } = JSON.parse(r.stdout);
    expect(names).toEqual(expect.arrayContaining(PUBLIC_NAMES));
    expect(ind).toEqual(expect.arrayContaining([
      'sma', 'ema', 'wma', 'rsi', 'stochRsi', 'macd', 'bollinger', 'atr', 'adx', 'donchian', 'chop', 'obv', 'vwap', 'highest', 'lowest',
      'SMA', 'EMA', 'WMA', 'RSI', 'StochRSI', 'MACD', 'Bollinger', 'ATR', 'ADX', 'Donchian', 'CHOP', 'OBV', 'VWAP', 'Highest', 'Lowest',
    ]));
  });

  it("has type declarations that tslab's TypeScript 5.0 parses and checks", () => {
    const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.dirname(require.resolve('tslab/package.json'))] }));
    expect(ts.version).toMatch(/^5\.0\./);
    const dir = fs.mkdtempSync(path.join(ROOT, 'data', '.nbtest-'));
    try {
      const consumer = path.join(dir, 'consumer.ts');
      fs.writeFileSync(consumer, [
        "import { loadBars, indicators, resample, syntheticBars, StratlabError, type Bars } from 'stratlab';",
        'async function f(): Promise<number> {',
        "  const b: Bars = await loadBars('x.csv', { repair: true });",
        "  const r = resample(syntheticBars({ n: 10, timeframe: '1m', seed: 1 }), '5m');",
        '  const m = indicators.macd(b.close, 12, 26, 9);',
        '  const live = new indicators.RSI(14); live.update(1);',
        '  return m.histogram.length + r.close.length + (live.ready ? 1 : 0) + (new StratlabError("BAD_ARGUMENT", "x").code.length);',
        '}',
        'void f;',
      ].join('\n'));
      const program = ts.createProgram([consumer], {
        strict: true, noEmit: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.NodeJs, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      });
      const ours = program.getSourceFiles().filter((f: { fileName: string }) => f.fileName.includes('/dist/'));
      expect(ours.length).toBeGreaterThan(5);
      const syntactic = ours.flatMap((f: unknown) => program.getSyntacticDiagnostics(f));
      expect(syntactic.map((d: { messageText: unknown }) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
      const semantic = [...program.getSemanticDiagnostics(program.getSourceFile(consumer)), ...ours.flatMap((f: unknown) => program.getSemanticDiagnostics(f))];
      expect(semantic.map((d: { messageText: unknown; file?: { fileName: string } }) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm set-up', () => {
  it('does nothing on a machine that is already set up', async () => {
    const { setup } = await import(path.join(ROOT, 'scripts', 'setup.mjs'));
    const res = setup();
    expect(res.changed).toEqual([]);
  });

  it('finds every Debian package Jupyter needs', async () => {
    const { missingJupyterPackages } = await import(path.join(ROOT, 'scripts', 'setup.mjs'));
    expect(missingJupyterPackages()).toEqual([]);
  });

  it('has kernelspecs for tslab and python3 in the project-local Jupyter dir', () => {
    const base = path.join(ROOT, 'kernels', 'share', 'jupyter', 'kernels');
    const tslab = JSON.parse(fs.readFileSync(path.join(base, 'tslab', 'kernel.json'), 'utf8'));
    expect(tslab.argv[0]).toBe(path.join(ROOT, 'node_modules', '.bin', 'tslab'));
    const py = JSON.parse(fs.readFileSync(path.join(base, 'python3', 'kernel.json'), 'utf8'));
    expect(py.argv[0]).toBe('/usr/bin/python3');
  });
});
