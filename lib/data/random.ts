/**
 * A small seeded random source: mulberry32 for uniforms, polar Box–Muller for normals. Same seed, same
 * numbers, on every machine. State lives in typed arrays so the hot loop allocates nothing.
 */
export class Random {
  private readonly state = new Uint32Array(1);
  private readonly spare = new Float64Array(1);
  private hasSpare = false;

  constructor(seed: number) {
    // Mix the seed so nearby seeds (1, 2, 3) start far apart.
    let s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.state[0] = s ^ (s >>> 16);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state[0] += 0x6d2b79f5;
    const a = this.state[0];
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Marsaglia's polar form of Box–Muller: no trigonometry, two normals per accepted pair). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare[0];
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare[0] = v * f;
    this.hasSpare = true;
    return u * f;
  }
}
