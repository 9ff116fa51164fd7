/** lib/notebook: the notebook generator (templates, sections), the executor and the launcher. */
export { generateNotebook, generateComparative, generateProductionReady, buildNotebook, type GenerateOptions } from './generate';
export { registerTemplate, getTemplate, listTemplates, readTemplateFile, TEMPLATE_DIR, type NotebookTemplate } from './templates';
export { registerSection, contributeSection, sectionIds, STRATEGY_SLOT } from './sections';
export type { NotebookContext, Section } from './context';
export { md, code, heading, anchorFor, type CellSpec, type NotebookKernel } from './cells';
export { notebookProblems, validateNotebook } from './validate';
export { heatmapFigure, scatterFigure, barFigure, timeFigure } from './figures';
