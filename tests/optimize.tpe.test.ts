import { describe, expect, it } from 'vitest';
import { Random } from '../lib/data/random';
import { defineSpace } from '../lib/optimize/space';
import { createStudy, maximize, minimize } from '../lib/optimize/study';
import type { Params } from '../lib/optimize/space';

const num = (p: Params, k: string) => p[k] as number;
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};

// Branin: global minimum 0.397887 at (−π, 12.275), (π, 2.275) and (9.42478, 2.475).
const branin = (p: Params) => {
  const x = num(p, 'x'), y = num(p, 'y');
  const b = 5.1 / (4 * Math.PI ** 2), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
  return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * Math.cos(x) + 10;
};
const BRANIN_SPACE = { x: { min: -5, max: 10, type: 'float' as const }, y: { min: 0, max: 15, type: 'float' as const } };

// A quadratic bowl in 4 dimensions, its minimum 0 off-centre at (1.3, −2.1, 0.7, 3.3).
const bowl = (p: Params) => (num(p, 'a') - 1.3) ** 2 + (num(p, 'b') + 2.1) ** 2 + (num(p, 'c') - 0.7) ** 2 + (num(p, 'd') - 3.3) ** 2;
const f = { min: -5, max: 5, type: 'float' as const };
const BOWL_SPACE = { a: f, b: f, c: f, d: f };

function medians(fn: (p: Params) => number, space: typeof BRANIN_SPACE | typeof BOWL_SPACE) {
  const tpe: number[] = [], random: number[] = [];
  for (let seed = 1; seed <= 30; seed++) {
    tpe.push(minimize(fn, space, { nTrials: 60, sampler: 'tpe', seed }).bestValue);
    random.push(minimize(fn, space, { nTrials: 60, sampler: 'random', seed }).bestValue);
  }
  return { tpe: median(tpe), random: median(random), tpeWins: tpe.filter((v, i) => v < random[i]).length };
}

describe('TPE against random search (30 seeds × 60 trials, 10 of them random start-up)', () => {
  it('finds lower Branin values: median best 0.485 against 0.846 (optimum 0.398), ahead in 22 of 30 seeds', () => {
    const m = medians(branin, BRANIN_SPACE);
    expect(m.tpe).toBeCloseTo(0.485, 2);
    expect(m.random).toBeCloseTo(0.846, 2);
    expect(m.tpeWins).toBe(22);
  });

  it('finds lower values of a shifted 4-d quadratic: median best 0.79 against 4.67, ahead in 29 of 30 seeds', () => {
    const m = medians(bowl, BOWL_SPACE);
    expect(m.tpe).toBeCloseTo(0.79, 2);
    expect(m.random).toBeCloseTo(4.67, 2);
    expect(m.tpeWins).toBe(29);
  });
});

describe('parameter kinds', () => {
  const run = (space: Parameters<typeof defineSpace>[0], sampler: 'tpe' | 'random', fn = (_p: Params) => 0, nTrials = 40) =>
    maximize(fn, space as never, { nTrials, sampler, seed: 3 }).trials.map((t) => t.params);

  it('samples whole numbers when min and max are whole (the integer rule), inside the range', () => {
    for (const sampler of ['tpe', 'random'] as const) {
      const ps = run({ n: { min: 2, max: 50 } }, sampler, (p) => -Math.abs(num(p, 'n') - 17));
      for (const p of ps) {
        expect(Number.isInteger(p.n)).toBe(true);
        expect(num(p, 'n')).toBeGreaterThanOrEqual(2);
        expect(num(p, 'n')).toBeLessThanOrEqual(50);
      }
    }
    expect(defineSpace({ n: { min: 2, max: 50 } }).params[0].kind).toBe('int');
    expect(defineSpace({ x: { min: 0.5, max: 3 } }).params[0].kind).toBe('float');
    expect(defineSpace({ x: { min: 1, max: 4, type: 'float' } }).params[0].kind).toBe('float');
  });

  it('keeps stepped values on the grid, whose top is the last point ≤ max', () => {
    const space = defineSpace({ s: { min: 0.1, max: 1, step: 0.2 } });
    expect(space.params[0]).toMatchObject({ kind: 'float', min: 0.1, max: 0.9, step: 0.2 });
    for (const sampler of ['tpe', 'random'] as const) {
      for (const p of run({ s: { min: 0.1, max: 1, step: 0.2 } }, sampler, (q) => num(q, 's'))) expect([0.1, 0.3, 0.5, 0.7, 0.9]).toContain(p.s);
    }
    for (const p of run({ k: { min: 10, max: 200, step: 10 } }, 'tpe', (q) => -num(q, 'k'))) expect(num(p, 'k') % 10).toBe(0);
  });

  it('samples log ranges uniformly in log space (half the draws below the geometric midpoint)', () => {
    const ps = run({ lr: { min: 1e-4, max: 1, log: true } }, 'random', undefined, 400);
    const below = ps.filter((p) => num(p, 'lr') < 1e-2).length / ps.length;
    expect(below).toBeGreaterThan(0.42);
    expect(below).toBeLessThan(0.58);
    for (const p of run({ lr: { min: 1e-4, max: 1, log: true } }, 'tpe', (q) => -Math.abs(Math.log10(num(q, 'lr')) + 3))) {
      expect(num(p, 'lr')).toBeGreaterThanOrEqual(1e-4);
      expect(num(p, 'lr')).toBeLessThanOrEqual(1);
    }
    for (const p of run({ w: { min: 1, max: 1000, log: true } }, 'tpe', (q) => -num(q, 'w'))) expect(Number.isInteger(p.w)).toBe(true);
  });

  it('learns which category is best: after the start-up, TPE picks it far more often than chance (¼ and ½)', () => {
    const ps = run({ mode: ['a', 'b', 'c', 'd'], on: [true, false] }, 'tpe', (p) => (p.mode === 'c' ? 1 : 0) + (p.on ? 0.5 : 0), 60);
    const late = ps.slice(20);
    expect(late.filter((p) => p.mode === 'c').length / late.length).toBeGreaterThanOrEqual(0.6);
    expect(late.filter((p) => p.on === true).length / late.length).toBeGreaterThanOrEqual(0.6);
  });
});

describe('constraints', () => {
  const space = { fast: { min: 2, max: 50 }, slow: { min: 10, max: 200 } };
  const where = (p: Params) => num(p, 'fast') < num(p, 'slow');

  it('only ever suggests feasible points, with TPE, random and grid', () => {
    for (const sampler of ['tpe', 'random'] as const) {
      const res = maximize((p) => -Math.abs(num(p, 'fast') - 20) - Math.abs(num(p, 'slow') - 22), space, { nTrials: 60, sampler, seed: 5, where });
      for (const t of res.trials) expect(where(t.params)).toBe(true);
    }
    const grid = createStudy({ space: { fast: { min: 2, max: 10, step: 2 }, slow: { min: 4, max: 10, step: 2 } }, sampler: 'grid', where });
    expect(grid.gridSize).toBe(10);
  });

  it('fails with an error naming the constraint when nothing is feasible', () => {
    const study = createStudy({ space, where: () => false, sampler: 'random' });
    expect(() => study.ask()).toThrow(/where: no point of the space satisfies the constraint/);
    expect(() => createStudy({ space: { a: [1, 2] }, sampler: 'grid', where: () => false })).toThrow(/none of the 2 grid points/);
  });
});

describe('studies', () => {
  it('are deterministic for a seed, and differ between seeds', () => {
    const go = (seed: number) => minimize(branin, BRANIN_SPACE, { nTrials: 30, seed }).trials.map((t) => t.params);
    expect(go(7)).toEqual(go(7));
    expect(go(7)).not.toEqual(go(8));
  });

  it('suggest after replayed trials exactly what an uninterrupted study would (resume)', () => {
    const straight = minimize(branin, BRANIN_SPACE, { nTrials: 30, seed: 4 }).trials;
    const resumed = createStudy({ space: BRANIN_SPACE, seed: 4, direction: 'minimize' });
    for (const t of straight.slice(0, 20)) resumed.tell({ ...t.params }, t.value);
    for (let i = 20; i < 30; i++) {
      const p = resumed.ask();
      expect(p).toEqual(straight[i].params);
      resumed.tell(p, branin(p));
    }
  });

  it('treat NaN and −Infinity as the worst values: never best', () => {
    const study = createStudy({ space: { x: { min: 0, max: 10 } }, direction: 'minimize', seed: 1 });
    const a = study.ask();
    study.tell(a, NaN);
    const b = study.ask();
    study.tell(b, -Infinity);
    expect(study.best).toBeUndefined();
    const c = study.ask();
    study.tell(c, 3);
    expect(study.best?.value).toBe(3);
    expect(study.trials.map((t) => t.value)).toEqual([NaN, -Infinity, 3]);
  });

  it('spread a batch of asks on the same history (running trials count as the worst: constant liar)', () => {
    const study = createStudy({ space: { x: { min: 0, max: 1000 } }, seed: 2, nStartup: 5 });
    for (let i = 0; i < 20; i++) {
      const p = study.ask();
      study.tell(p, -Math.abs(num(p, 'x') - 500));
    }
    const batch = [study.ask(), study.ask(), study.ask(), study.ask()];
    expect(new Set(batch.map((p) => p.x)).size).toBe(4);
  });

  it('grid search visits every feasible point once, in a seeded order, then reports exhausted', () => {
    const study = createStudy({ space: { a: { min: 1, max: 3 }, m: ['x', 'y'] }, sampler: 'grid', seed: 9 });
    const seen: string[] = [];
    while (!study.exhausted) {
      const p = study.ask();
      seen.push(`${p.a}${p.m}`);
      study.tell(p, 0);
    }
    expect(seen.sort()).toEqual(['1x', '1y', '2x', '2y', '3x', '3y']);
    expect(() => study.ask()).toThrow(/all 6 grid points have been tried/);
    const res = minimize(() => 1, { a: { min: 1, max: 3 } }, { sampler: 'grid', nTrials: 100 });
    expect(res.trials.length).toBe(3);
  });
});

describe('space validation names the parameter', () => {
  const cases: [unknown, RegExp][] = [
    [{ fast: { min: 50, max: 2 } }, /paramSpace\.fast: min 50 is above max 2/],
    [{ fast: { min: 2, max: 'x' } }, /paramSpace\.fast: max must be a finite number, got "x"/],
    [{ fast: { min: 2, max: 5, step: 0 } }, /paramSpace\.fast: step must be a number > 0/],
    [{ lr: { min: 0, max: 1, log: true } }, /paramSpace\.lr: log needs min > 0, got 0/],
    [{ lr: { min: 0.1, max: 1, log: true, step: 0.1 } }, /paramSpace\.lr: log and step do not mix/],
    [{ fast: { min: 2, max: 5, stp: 1 } }, /paramSpace\.fast: unknown key 'stp'/],
    [{ mode: [] }, /paramSpace\.mode: no choices/],
    [{ mode: ['a', 'a'] }, /paramSpace\.mode: choices repeat/],
    [{ n: { min: 1.5, max: 4, type: 'int' } }, /paramSpace\.n: type 'int' needs whole-number min, max and step/],
    [{}, /paramSpace: no parameters to search/],
  ];
  it.each(cases)('%j', (spec, message) => {
    expect(() => defineSpace(spec as never)).toThrow(message);
  });

  it('asks for a step before a float range can be a grid', () => {
    expect(() => createStudy({ space: { x: { min: 0, max: 1 , type: 'float' } }, sampler: 'grid' })).toThrow(/paramSpace\.x: a float range needs a step for grid search/);
  });

  it('draws uniformly from a space with a seeded generator', () => {
    const space = defineSpace({ a: { min: 0, max: 9 } });
    const rng = new Random(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 5000; i++) counts[space.sample(rng).a as number]++;
    for (const c of counts) expect(Math.abs(c - 500)).toBeLessThan(90);
  });
});
