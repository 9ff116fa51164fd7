/**
 * Issue 20.6: the domain decisions live in docs/, in numbered sections, and the library's comments cite
 * them as `docs/<page>.md §N.M`. These tests keep the citations honest: every cited page and section
 * exists, the pages' own cross-references resolve, the index lists every page, and no comment in lib/
 * cites a document the repository does not hold (the research "seed" notes).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths';

const DOCS = path.join(ROOT, 'docs');
const LIB = path.join(ROOT, 'lib');

/** The section numbers of a markdown page: `## 2. Cost model` → '2', `### 2.1 Defaults` → '2.1'. */
function sectionNumbers(markdown: string): string[] {
  const out: string[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^#{2,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

interface Citation {
  /** Where it was found: 'lib/sweep/score.ts:19'. */
  at: string;
  page: string;
  /** Null for a citation of a whole page ('docs/experiments.md'). */
  section: string | null;
}

// A page, then any § numbers joined to it by separators: 'docs/validation.md §4–§6', 'docs/x.md §1.2, §3'.
const PAGE_REF = /docs\/([A-Za-z0-9_-]+\.md)((?:\s*(?:,|–|-|and|or)?\s*§\s?\d+(?:\.\d+)*)*)/g;
const SECTION = /§\s?(\d+(?:\.\d+)*)/g;

/**
 * The citations in a text. In lib/ only `docs/<page>.md` references count; in a docs page, `<page>.md §N`
 * names another page and a bare `§N` (not joined to a page name) means the page itself (`selfPage`).
 */
function citations(text: string, where: string, selfPage?: string): Citation[] {
  const out: Citation[] = [];
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const claimed: [number, number][] = [];
  const pageRef = selfPage ? /(?:docs\/)?([A-Za-z0-9_-]+\.md)((?:\s*(?:,|–|-|and|or)?\s*§\s?\d+(?:\.\d+)*)*)/g : PAGE_REF;
  for (const m of text.matchAll(pageRef)) {
    const at = `${where}:${lineAt(m.index!)}`;
    claimed.push([m.index!, m.index! + m[0].length]);
    const sections = [...m[2].matchAll(SECTION)].map((s) => s[1]);
    if (sections.length === 0) out.push({ at, page: m[1], section: null });
    for (const s of sections) out.push({ at, page: m[1], section: s });
  }
  if (selfPage) {
    for (const m of text.matchAll(SECTION)) {
      if (claimed.some(([a, b]) => m.index! >= a && m.index! < b)) continue;
      out.push({ at: `${where}:${lineAt(m.index!)}`, page: selfPage, section: m[1] });
    }
  }
  return out;
}

/** The citations that do not resolve: a missing page, or a section the page does not have. */
function unresolved(cites: Citation[], pages: Map<string, Set<string>>): string[] {
  return cites
    .filter((c) => !pages.has(c.page) || (c.section !== null && !pages.get(c.page)!.has(c.section)))
    .map((c) => `${c.at}: docs/${c.page}${c.section ? ` §${c.section}` : ''}`);
}

function docsPages(): Map<string, Set<string>> {
  const pages = new Map<string, Set<string>>();
  if (!fs.existsSync(DOCS)) return pages;
  for (const f of fs.readdirSync(DOCS).filter((f) => f.endsWith('.md'))) {
    pages.set(f, new Set(sectionNumbers(fs.readFileSync(path.join(DOCS, f), 'utf8'))));
  }
  return pages;
}

function libFiles(dir = LIB): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? libFiles(p) : /\.(ts|mts|cts)$/.test(e.name) ? [p] : [];
  });
}

/** Every comment of a TypeScript file, with its line (parsed, so '//' inside a string is not a comment). */
function comments(file: string): { line: number; text: string }[] {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const seen = new Map<number, string>();
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) seen.set(r.pos, text.slice(r.pos, r.end));
  };
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return [...seen].map(([pos, t]) => ({ line: sf.getLineAndCharacterOfPosition(pos).line + 1, text: t }));
}

const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');

describe('docs/: the domain decisions the code cites', () => {
  it('has an index that links every page, every page it links exists, and README links the index', () => {
    const index = fs.readFileSync(path.join(DOCS, 'README.md'), 'utf8');
    const linked = new Set([...index.matchAll(/\]\(([A-Za-z0-9_-]+\.md)\)/g)].map((m) => m[1]));
    const pages = [...docsPages().keys()].filter((p) => p !== 'README.md');
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect([...linked].filter((p) => !pages.includes(p))).toEqual([]);
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
    // README, where readers start, leads to the index.
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain('](docs/README.md)');
  });

  it('numbers each page\'s sections once, each under a section that exists', () => {
    const problems: string[] = [];
    for (const [page] of docsPages()) {
      if (page === 'README.md') continue;
      const numbers = sectionNumbers(fs.readFileSync(path.join(DOCS, page), 'utf8'));
      expect(numbers.length, `${page} has no numbered sections`).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (const n of numbers) {
        if (seen.has(n)) problems.push(`${page}: §${n} twice`);
        const parent = n.split('.').slice(0, -1).join('.');
        if (parent && !seen.has(parent)) problems.push(`${page}: §${n} comes before its section §${parent}`);
        seen.add(n);
      }
    }
    expect(problems).toEqual([]);
  });

  it('resolves every docs/<page>.md §N.M cited in lib/ to a page and a section that exist', () => {
    const pages = docsPages();
    const cites = libFiles().flatMap((f) => citations(fs.readFileSync(f, 'utf8'), rel(f)));
    // The library cites the docs throughout (the issue counted 64 citations of the seed notes to replace).
    expect(cites.length).toBeGreaterThanOrEqual(60);
    expect(unresolved(cites, pages)).toEqual([]);
  });

  it('resolves the cross-references between docs pages (a bare §N means the page itself)', () => {
    const pages = docsPages();
    const cites = [...pages.keys()].flatMap((p) => citations(fs.readFileSync(path.join(DOCS, p), 'utf8'), `docs/${p}`, p));
    expect(cites.length).toBeGreaterThan(0);
    expect(unresolved(cites, pages)).toEqual([]);
  });

  it('reports a citation of a section that does not exist, with the file and line', () => {
    const pages = new Map([['validation.md', new Set(['1', '2', '2.1'])]]);
    const text = '/** Rules: docs/validation.md §2.1. */\nconst x = 1;\n// docs/validation.md §2.1, §2.4 and docs/scoring.md §1\n// docs/validation.md §3–§4\n';
    expect(unresolved(citations(text, 'lib/x.ts'), pages)).toEqual([
      'lib/x.ts:3: docs/validation.md §2.4',
      'lib/x.ts:3: docs/scoring.md §1',
      'lib/x.ts:4: docs/validation.md §3',
      'lib/x.ts:4: docs/validation.md §4',
    ]);
  });

  it('leaves no comment in lib/ citing the research seed notes, which are not in the repository', () => {
    // "seed" also means a random seed ("seed 1", "mix the seed"): only the ways the notes were cited count.
    const seedCitation = /\bthe seed's\b|\bthe seed\)|\bseed(?:'s)? (?:\d{3}|phase|rows?|notes?|documents?)\b|\bseed-style\b|\(seed[:)]/i;
    const found = libFiles().filter((f) => /seed/i.test(fs.readFileSync(f, 'utf8'))).flatMap((f) =>
      comments(f).filter((c) => seedCitation.test(c.text)).map((c) => `${rel(f)}:${c.line}: ${c.text.split('\n').find((l) => seedCitation.test(l))!.trim()}`));
    expect(found).toEqual([]);
  });
});
