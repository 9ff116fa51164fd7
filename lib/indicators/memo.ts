/**
 * Indicator memoisation for sweeps: inside `withIndicatorMemo(memo, fn)`, a call such as
 * `sma(bars.close, 20)` returns the array computed the first time the same function saw the same
 * input arrays (by identity) and the same numbers. Thousands of parameter combinations over one
 * series need only the distinct indicators: the SmaCross grid fast 2..100 × slow 3..100 needs 99
 * SMAs, not 9,702. Outside a memo scope nothing is cached.
 *
 * The arrays returned inside a scope are shared between runs: strategies must treat indicator
 * outputs as read-only (the engine's Series already do).
 */
let active: IndicatorMemo | null = null;

export class IndicatorMemo {
  private readonly map = new Map<string, unknown>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private bytes = 0;
  hits = 0;
  misses = 0;

  /** Cached results are dropped wholesale when they exceed `maxBytes` (default 512 MB). */
  constructor(readonly maxBytes = 512 * 1024 * 1024) {}

  /** Bytes of typed-array results held. */
  get size(): number {
    return this.bytes;
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  /** The key of a call: function name, then each argument (arrays by identity). */
  key(name: string, args: readonly unknown[]): string {
    let k = name;
    for (const a of args) {
      if (typeof a === 'number') k += `|${a}`;
      else if (a !== null && typeof a === 'object' && ArrayBuffer.isView(a)) {
        let id = this.ids.get(a);
        if (id === undefined) this.ids.set(a, (id = this.nextId++));
        k += `|#${id}`;
      } else k += `|${a === undefined ? 'u' : JSON.stringify(a)}`;
    }
    return k;
  }

  lookup<T>(key: string, compute: () => T): T {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.hits++;
      return hit as T;
    }
    this.misses++;
    const value = compute();
    const b = byteSize(value);
    if (this.bytes + b > this.maxBytes) this.clear();
    this.map.set(key, value);
    this.bytes += b;
    return value;
  }
}

/** Runs `fn` with indicator calls memoised in `memo` (scopes nest; the previous one is restored). */
export function withIndicatorMemo<T>(memo: IndicatorMemo, fn: () => T): T {
  const prev = active;
  active = memo;
  try {
    return fn();
  } finally {
    active = prev;
  }
}

/** `f`, memoised while a memo scope is active. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function memoised<F extends (...args: any[]) => unknown>(name: string, f: F): F {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const memo = active;
    if (memo === null) return f(...args);
    return memo.lookup(memo.key(name, args), () => f(...args));
  };
  Object.defineProperty(wrapped, 'name', { value: f.name });
  return wrapped as F;
}

function byteSize(v: unknown): number {
  if (v !== null && typeof v === 'object') {
    if (ArrayBuffer.isView(v)) return v.byteLength;
    let b = 0;
    for (const x of Object.values(v)) if (ArrayBuffer.isView(x)) b += x.byteLength;
    return b;
  }
  return 0;
}
