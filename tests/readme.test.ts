/**
 * Issue 18.5: README examples run as written. Every ```ts block of README.md, in order, is one ES module
 * (the blocks' imports merged at the top, nothing else added — README's "Running the examples" says so),
 * run with tsx against the built library, as a user runs `npx tsx example.mts`. It runs in a scratch copy
 * of the project's layout (data/, notebooks/ and node_modules linked, ../shared beside it), so the files
 * the examples write (research.db, runs/, out/) land there and not in the repository.
 * A failure names the README line of the block that failed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, SHARED_DATA } from './helpers/paths';

interface Block { line: number; code: string }

/** The ```ts blocks of a markdown text, with the README line of their first code line. */
function tsBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    out.push({ line: start + 1, code: lines.slice(start, j).join('\n') });
    i = j;
  }
  return out;
}

const IMPORT = /^import\s+(type\s+)?\{([^}]*)\}\s*from\s*(['"])([^'"]+)\3;?[ \t]*$/gm;

/**
 * One module: the blocks' named imports merged per module at the top (a block may import what an earlier
 * one did), then each block's code in order. `lineOf` maps a line of the module back to README.md.
 */
function joinBlocks(blocks: Block[]): { source: string; lineOf: (line: number) => number | null } {
  const imports = new Map<string, Map<string, string>>();
  const bodies = blocks.map((b) => b.code.replace(IMPORT, (whole: string, typeOnly: string | undefined, names: string, _q: string, from: string) => {
    const set = imports.get(from) ?? new Map<string, string>();
    imports.set(from, set);
    for (const raw of names.split(',').map((n) => n.trim()).filter(Boolean)) {
      const spec = typeOnly && !raw.startsWith('type ') ? `type ${raw}` : raw;
      const name = spec.replace(/^type\s+/, '');
      // A value import wins over a type-only one of the same name.
      if (!set.has(name) || set.get(name)!.startsWith('type ')) set.set(name, spec);
    }
    return whole.replace(/[^\n]/g, ''); // keep the line count
  }));
  const head = [...imports].map(([from, names]) => `import { ${[...names.values()].join(', ')} } from '${from}';`);
  const lines = [...head];
  const map: (number | null)[] = head.map(() => null);
  blocks.forEach((b, k) => {
    lines.push(`process.stdout.write(\`\\n@@README ${b.line} \${Math.round(performance.now())}\\n\`);`);
    map.push(null);
    bodies[k].split('\n').forEach((text, i) => {
      lines.push(text);
      map.push(b.line + i);
    });
  });
  lines.push(`process.stdout.write(\`\\n@@README 0 \${Math.round(performance.now())}\\n\`);`); // the end
  return { source: lines.join('\n') + '\n', lineOf: (line) => map[line - 1] ?? null };
}

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-readme-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** TMP/stratlab: the project's layout with its data, notebooks and packages linked; TMP/shared → ../shared. */
function scratchProject(): string {
  const dir = path.join(TMP, 'stratlab');
  fs.mkdirSync(dir);
  for (const entry of ['data', 'notebooks', 'node_modules', 'package.json']) fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  fs.symlinkSync(path.dirname(SHARED_DATA), path.join(TMP, 'shared'));
  return dir;
}

function tsx(cwd: string, file: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file], { cwd, env: { ...process.env, STRATLAB_DB: '' } });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('README.md', () => {
  const blocks = tsBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  it('has TypeScript examples, each a ```ts block', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  it('runs every ```ts block, in order, as one script under tsx', async () => {
    const dir = scratchProject();
    const { source, lineOf } = joinBlocks(blocks);
    const file = path.join(dir, 'readme-examples.mts');
    fs.writeFileSync(file, source);
    const r = await tsx(dir, file);
    if (r.code !== 0) {
      // A compile error names a line of the module; a runtime error happens in the last block that started.
      const at = new RegExp(`readme-examples\\.mts:(\\d+)`).exec(r.err);
      const mapped = at ? lineOf(Number(at[1])) : null;
      const started = [...r.out.matchAll(/@@README (\d+)/g)].map((m) => Number(m[1])).at(-1);
      const where = mapped !== null ? `README.md line ${mapped}` : `the README.md block starting at line ${started ?? '?'}`;
      const first = r.err.split('\n').find((l) => /Error|error/.test(l)) ?? r.err.split('\n')[0];
      expect.fail(`${where}: ${first.trim()}\n--- stderr ---\n${r.err.slice(0, 4000)}`);
    }
    expect(r.out).toContain(`@@README ${blocks.at(-1)!.line} `);
    if (process.env.STRATLAB_README_TIMING) {
      const marks = [...r.out.matchAll(/@@README (\d+) (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      console.log(marks.slice(0, -1).map(([line, t], i) => `README line ${line}: ${marks[i + 1][1] - t} ms`).join('\n'));
    }
  }, 180_000);
});
