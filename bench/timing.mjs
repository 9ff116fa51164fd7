// Timing helpers shared by the benchmark groups.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** The median time of `runs` calls of fn, after one warm-up call (JIT, prepared statements, caches). */
export function timeRuns(fn, runs) {
  fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}
