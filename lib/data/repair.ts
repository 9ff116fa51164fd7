/**
 * `repair: true`: drop bad rows, sort by time (stable), drop repeated timestamps keeping the first
 * occurrence, and say what was done. Works on copies; the source file is never touched.
 */
import type { RepairReport } from '../core/bars';
import { StratlabError } from '../core/errors';
import type { RawColumns } from './raw';
import { rowValuesOk, valueProblems } from './validate';

export interface RepairedColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  report: RepairReport;
}

export function repairColumns(raw: RawColumns): RepairedColumns {
  const n = raw.time.length;
  const dropped: { row: number; reason: string }[] = [];

  // 1. Rows with bad values go.
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (rowValuesOk(raw, i)) {
      keep.push(i);
      continue;
    }
    const problems = valueProblems(raw, i);
    if (problems.length === 0) keep.push(i);
    else dropped.push({ row: i + 1, reason: problems.map((p) => p.detail).join('; ') });
  }

  // 2. Sort by time; ties keep file order, so "first occurrence" means first in the file.
  const time = raw.time;
  let sorted = false;
  for (let k = 1; k < keep.length; k++) {
    if (time[keep[k]] < time[keep[k - 1]]) {
      sorted = true;
      keep.sort((a, b) => time[a] - time[b] || a - b);
      break;
    }
  }

  // 3. Repeated timestamps go, the first one stays.
  const order: number[] = [];
  let duplicatesDropped = 0;
  for (const i of keep) {
    const last = order.length ? order[order.length - 1] : -1;
    if (last >= 0 && time[i] === time[last]) {
      duplicatesDropped++;
      dropped.push({ row: i + 1, reason: `duplicate timestamp (row ${last + 1} kept)` });
    } else {
      order.push(i);
    }
  }
  dropped.sort((a, b) => a.row - b.row);

  if (order.length === 0) {
    throw new StratlabError('EMPTY_DATA', `${raw.fileName}: no valid rows left after repair (${n} dropped)`, {
      hint: 'run `stratlab data inspect` on the file to see what is wrong with it',
      location: { file: raw.file },
    });
  }

  const pick = (src: Float64Array) => {
    const out = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) out[k] = src[order[k]];
    return out;
  };
  return {
    time: pick(raw.time),
    open: pick(raw.open),
    high: pick(raw.high),
    low: pick(raw.low),
    close: pick(raw.close),
    volume: pick(raw.volume),
    report: { sorted, duplicatesDropped, dropped, rowsIn: n, rowsOut: order.length },
  };
}
