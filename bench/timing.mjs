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

/** The best block's mean time per call: `blocks` blocks of `perBlock` calls, after one warm-up call. Blocks
 *  absorb timer resolution and the odd GC pause; the best one is the machine's speed when nothing else ran. */
export function bestOfBlocks(fn, blocks, perBlock) {
  fn();
  let best = Infinity;
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    for (let k = 0; k < perBlock; k++) fn();
    best = Math.min(best, (performance.now() - t0) / perBlock);
  }
  return best;
}
