/**
 * Labels a person can read for rows of parameter sets: only the parameters that vary between the rows
 * are shown per row ("SmaCross fast=10 slow=30"); those every row shares are said once, above the table.
 */

/** One parameter value as written in a label: numbers and booleans plain, text unquoted, the rest as JSON. */
function valueText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

export interface ParamSplit {
  /** Parameters whose value differs between rows, in first-seen order. */
  varying: string[];
  /** Parameters with one value in every row (a parameter missing from a row counts as varying). */
  fixed: Record<string, unknown>;
}

/** Which parameters vary across these rows and which are the same in all of them. */
export function splitParams(paramsList: readonly Record<string, unknown>[]): ParamSplit {
  const keys: string[] = [];
  for (const p of paramsList) for (const k of Object.keys(p)) if (!keys.includes(k)) keys.push(k);
  const varying: string[] = [];
  const fixed: Record<string, unknown> = {};
  for (const k of keys) {
    const first = JSON.stringify(paramsList[0]?.[k]);
    const same = paramsList.every((p) => k in p && JSON.stringify(p[k]) === first);
    if (same && paramsList.length > 1) fixed[k] = paramsList[0][k];
    else varying.push(k);
  }
  return { varying, fixed };
}

/** `fast=10 slow=30` for the given keys (all of them when none are given). */
export function paramsLabel(params: Record<string, unknown>, keys: readonly string[] = Object.keys(params)): string {
  return keys.filter((k) => k in params).map((k) => `${k}=${valueText(params[k])}`).join(' ');
}

/** `SmaCross fast=10 slow=30`: the strategy and the parameters that tell this row from the others. */
export function strategyLabel(strategy: string, params: Record<string, unknown>, varying: readonly string[]): string {
  const p = paramsLabel(params, varying);
  return p ? `${strategy} ${p}` : strategy;
}

/** `same in every row: longOnly=false, stopLossAtr=2` (empty when nothing is shared). */
export function fixedLine(fixed: Record<string, unknown>): string {
  const keys = Object.keys(fixed);
  return keys.length ? `same in every row: ${keys.map((k) => `${k}=${valueText(fixed[k])}`).join(', ')}` : '';
}
