/**
 * Notebook templates: an ordered list of sections. The built-in ones are JSON files in
 * notebook-templates/ (data), their sections TypeScript builders (lib/notebook/sections). Users add
 * theirs with registerTemplate, or drop `<name>.json` into notebook-templates/ (read at generation):
 *
 *   { "name": "quick", "description": "…", "sections": ["parameters", "header", "setup", "top",
 *     { "id": "mine", "title": "My check", "cells": [{ "type": "code", "source": { "ts": "…", "python": "…" } }] },
 *     "export"] }
 *
 * Inline cells may use {{runDir}}, {{runId}}, {{strategyType}}, {{configName}}, {{strategyName}}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StratlabError } from '../core/errors';
import { PACKAGE_ROOT } from '../core/paths';
import { code, md, type CellSpec } from './cells';
import type { NotebookContext, Section } from './context';

export interface NotebookTemplate {
  name: string;
  description?: string;
  /** Section ids (built-in or registered; 'strategy' = the run's strategy-type section) or sections. */
  sections: (string | Section)[];
  /** The notebook's file name without .ipynb and the timestamp; default analysis_<type>. */
  fileStem?: (ctx: NotebookContext) => string;
}

export const TEMPLATE_DIR = path.join(PACKAGE_ROOT, 'notebook-templates');

const registered = new Map<string, NotebookTemplate>();

/** Register a template by name (replacing one of the same name, built-in ones included). */
export function registerTemplate(name: string, template: Omit<NotebookTemplate, 'name'> & { name?: string }): void {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new StratlabError('BAD_ARGUMENT', `template name "${name}": use letters, digits, - and _`);
  if (!Array.isArray(template.sections) || template.sections.length === 0) throw new StratlabError('BAD_ARGUMENT', `template ${name}: sections: expected a non-empty list`);
  registered.set(name, { ...template, name });
}

const cellSchema = z.object({
  type: z.enum(['markdown', 'code']),
  source: z.union([z.string(), z.object({ ts: z.string().optional(), python: z.string().optional() }).strict()]),
  tags: z.array(z.string()).optional(),
}).strict();
const sectionSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, - and _'),
  title: z.string().regex(/^[A-Za-z0-9 ]*$/, 'use letters, digits and spaces (it is the navigation anchor)'),
  cells: z.array(cellSchema),
}).strict();
const fileSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/),
  description: z.string().optional(),
  fileStem: z.string().regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, _, - and {strategyType}, {strategyHash}, {name}').optional(),
  sections: z.array(z.union([z.string(), sectionSchema])).min(1),
}).strict();

function fill(s: string, ctx: NotebookContext): string {
  const m = ctx.manifest;
  const vars: Record<string, string> = { runDir: ctx.runDir, runId: m.runId, strategyType: ctx.strategyType, configName: m.configName, strategyName: m.strategy.name };
  return s.replace(/\{\{(\w+)\}\}/g, (all, k: string) => vars[k] ?? all);
}

/** A section written as data: its cells' sources for each kernel, `{{name}}` fields filled in from the run. */
function dataSection(d: z.infer<typeof sectionSchema>): Section {
  return {
    id: d.id,
    title: d.title,
    cells: (ctx) => {
      const out: CellSpec[] = d.title ? [md(`## ${d.title}`)] : [];
      for (const c of d.cells) {
        const src = typeof c.source === 'string' ? c.source : c.source[ctx.kernel];
        if (src === undefined) continue; // no version of this cell for this kernel
        out.push(c.type === 'markdown' ? md(fill(src, ctx)) : { ...code(fill(src, ctx)), tags: c.tags });
      }
      return out;
    },
  };
}

/** Reads one template file; errors name the file and the field. */
export function readTemplateFile(file: string): NotebookTemplate {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new StratlabError('PARSE_ERROR', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such template file' : `not valid JSON (${(e as Error).message})`}`, { location: { file } });
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
    throw new StratlabError('PARSE_ERROR', `${file}: ${field || '(top level)'}: ${issue.message}`, { location: { file, field } });
  }
  const t = parsed.data;
  const stem = t.fileStem;
  return {
    name: t.name,
    description: t.description,
    sections: t.sections.map((s) => (typeof s === 'string' ? s : dataSection(s))),
    fileStem: stem ? (ctx) => stem.replace('{strategyType}', ctx.strategyType).replace('{name}', t.name).replace('{strategyHash}', String(ctx.options.strategyHash ?? '')) : undefined,
  };
}

/** Template files in notebook-templates/ by name (read every time: a dropped file counts at once). */
function fileTemplates(): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(TEMPLATE_DIR)) return out;
  for (const f of fs.readdirSync(TEMPLATE_DIR)) if (f.endsWith('.json')) out.set(f.slice(0, -5), path.join(TEMPLATE_DIR, f));
  return out;
}

/** A template by name: registered ones first, then notebook-templates/<name>.json. */
export function getTemplate(name: string): NotebookTemplate {
  const r = registered.get(name);
  if (r) return r;
  const file = fileTemplates().get(name);
  if (file) return readTemplateFile(file);
  throw new StratlabError('BAD_ARGUMENT', `unknown notebook template "${name}"`, { hint: `templates: ${listTemplates().join(', ')}` });
}

export function listTemplates(): string[] {
  return [...new Set([...registered.keys(), ...fileTemplates().keys()])].sort();
}
