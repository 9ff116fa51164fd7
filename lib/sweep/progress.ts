/**
 * Progress of a long run: a redrawn bar on a terminal (count, rate, ETA), a line every few seconds
 * in a notebook or a log, nothing when asked for silence, or the caller's callback.
 */
import { inNotebook } from '../viz';

export interface Progress {
  done: number;
  total: number;
  /** Combinations per second since the start. */
  rate: number;
  /** Seconds left at the current rate (NaN until known). */
  etaSeconds: number;
  elapsedMs: number;
  failed: number;
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none' | ((p: Progress) => void);

export interface ProgressReporter {
  update(done: number, failed: number): void;
  finish(): void;
}

export function progressReporter(label: string, total: number, mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const t0 = performance.now();
  const snapshot = (done: number, failed: number): Progress => {
    const elapsedMs = performance.now() - t0;
    const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
    return { done, total, rate, etaSeconds: rate > 0 ? (total - done) / rate : NaN, elapsedMs, failed };
  };
  const kind = mode === 'auto' ? (stream.isTTY ? 'bar' : inNotebook() ? 'lines' : 'none') : mode;
  if (typeof kind === 'function') {
    let last = snapshot(0, 0);
    return { update: (d, f) => kind((last = snapshot(d, f))), finish: () => kind({ ...last, etaSeconds: 0 }) };
  }
  if (kind === 'none') return { update: () => {}, finish: () => {} };
  let lastPrint = 0;
  let last = snapshot(0, 0);
  const text = (p: Progress) =>
    `${label}: ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} (${((p.done / Math.max(1, p.total)) * 100).toFixed(1)}%)` +
    ` ${Math.round(p.rate).toLocaleString('en-US')}/s` +
    (p.done < p.total ? ` ETA ${formatSeconds(p.etaSeconds)}` : ` in ${formatSeconds(p.elapsedMs / 1000)}`) +
    (p.failed ? `, ${p.failed} failed` : '');
  if (kind === 'bar') {
    const draw = (p: Progress) => {
      const width = 24;
      const filled = Math.round((p.done / Math.max(1, p.total)) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text(p)}\x1b[K`);
    };
    return {
      update: (d, f) => {
        last = snapshot(d, f);
        if (last.elapsedMs - lastPrint >= 100) draw(last), (lastPrint = last.elapsedMs);
      },
      finish: () => {
        draw(last);
        stream.write('\n');
      },
    };
  }
  // Lines: every 5 s (a notebook cell's output grows; it must not flood).
  return {
    update: (d, f) => {
      last = snapshot(d, f);
      if (last.elapsedMs - lastPrint >= 5000) console.log(text(last)), (lastPrint = last.elapsedMs);
    },
    finish: () => {
      if (last.elapsedMs >= 5000) console.log(text(last));
    },
  };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
