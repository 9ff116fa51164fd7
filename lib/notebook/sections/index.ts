/**
 * The section registry. Templates name sections by id; `strategy` expands to the section of the
 * run's strategy type. Other folders add cells to generated notebooks through `contributeSection`
 * (lib/patterns puts its known-pattern cells after 'patterns' this way) — the one extension point.
 */
import { StratlabError } from '../../core/errors';
import type { NotebookContext, Section } from '../context';
import { commonSection, headerSection, parametersSection, setupSection, topSection } from './common';
import { exportSection, knownPatternsSection, patternsSection, visualizationsSection } from './results';
import { STRATEGY_SECTIONS } from './strategy';
import { COMPARATIVE_SECTIONS } from './comparative';
import { PRODUCTION_SECTIONS } from './production';

const registry = new Map<string, Section>();
for (const s of [parametersSection, headerSection, setupSection, commonSection, topSection, patternsSection, knownPatternsSection, visualizationsSection, exportSection, ...STRATEGY_SECTIONS, ...COMPARATIVE_SECTIONS, ...PRODUCTION_SECTIONS]) registry.set(s.id, s);

/** The pseudo-section that stands for the run's strategy-type section. */
export const STRATEGY_SLOT = 'strategy';

export function registerSection(section: Section): void {
  if (!/^[A-Za-z0-9_-]+$/.test(section.id)) throw new StratlabError('BAD_ARGUMENT', `section id "${section.id}": use letters, digits, - and _`);
  registry.set(section.id, section);
}

export function sectionById(id: string): Section {
  const s = registry.get(id);
  if (!s) throw new StratlabError('BAD_ARGUMENT', `unknown notebook section "${id}"`, { hint: `known: ${[STRATEGY_SLOT, ...registry.keys()].join(', ')}` });
  return s;
}

export function sectionIds(): string[] {
  return [...registry.keys()];
}

export interface Contribution {
  section: Section;
  /** Put it after (or before) this section id, in every template that has it. */
  after?: string;
  before?: string;
}
const contributions: Contribution[] = [];

/** Add a section to every generated notebook whose template has the `after` (or `before`) section. */
export function contributeSection(section: Section, where: { after?: string; before?: string }): void {
  if (!where.after && !where.before) throw new StratlabError('BAD_ARGUMENT', `contributeSection(${section.id}): say where (after or before a section id)`);
  const i = contributions.findIndex((c) => c.section.id === section.id);
  if (i >= 0) contributions.splice(i, 1);
  contributions.push({ section, ...where });
}

/** Resolve a template's section list for one run: the strategy slot, contributions, and what applies. */
export function resolveSections(ids: (string | Section)[], ctx: NotebookContext): Section[] {
  const out: Section[] = [];
  for (const entry of ids) {
    const list = entry === STRATEGY_SLOT ? STRATEGY_SECTIONS.filter((s) => !s.appliesTo || s.appliesTo(ctx)) : [typeof entry === 'string' ? sectionById(entry) : entry];
    // A strategy type whose section cannot apply (no traces for bollinger_bands) gets the generic one.
    if (entry === STRATEGY_SLOT && list.length === 0) list.push(sectionById('generic'));
    for (const s of list) {
      out.push(...contributions.filter((c) => c.before === s.id).map((c) => c.section));
      out.push(s);
      out.push(...contributions.filter((c) => c.after === s.id).map((c) => c.section));
    }
  }
  return out.filter((s) => !s.appliesTo || s.appliesTo(ctx) || STRATEGY_SECTIONS.includes(s));
}
