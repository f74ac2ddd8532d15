/**
 * Seeded random numbers for every sampler.
 *
 * Mersenne Twister (pure-rand) with numpy's 53-bit float composition, so that
 * `new Rng(42).random()` equals `numpy.random.RandomState(42).random_sample()`.
 * Arrays in, numbers out; no domain imports.
 */
import { mersenne, mersenneFromState } from 'pure-rand/generator/mersenne';

type Generator = ReturnType<typeof mersenne>;

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

export class Rng {
  private gen: Generator;
  private spareNormal: number | undefined;

  constructor(seed?: number) {
    const s = seed === undefined ? randomSeed() : seed;
    if (!Number.isInteger(s)) throw new RangeError(`seed must be an integer, got ${s}`);
    this.gen = mersenne(s >>> 0);
  }

  static fromState(state: readonly number[]): Rng {
    const rng = Object.create(Rng.prototype) as Rng;
    rng.gen = mersenneFromState(state);
    rng.spareNormal = undefined;
    return rng;
  }

  state(): readonly number[] {
    return this.gen.getState();
  }

  clone(): Rng {
    return Rng.fromState(this.gen.getState());
  }

  /** An unsigned 32-bit integer. */
  uint32(): number {
    return this.gen.next() >>> 0;
  }

  /** A float in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** A float in [low, high). */
  uniform(low: number, high: number): number {
    const u = low + (high - low) * this.random();
    return u >= high ? low : u;
  }

  /** An integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isSafeInteger(n)) throw new RangeError(`int(n) needs a positive safe integer, got ${n}`);
    if (n <= 0x100000000) {
      const limit = 0x100000000 - (0x100000000 % n);
      for (;;) {
        const x = this.uint32();
        if (x < limit) return x % n;
      }
    }
    for (;;) {
      const x = Math.floor(this.random() * n);
      if (x < n) return x;
    }
  }

  /** A standard normal deviate (polar Box-Muller). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.random() - 1;
      const v = 2 * this.random() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  /** A Fisher-Yates shuffle of a copy of `items`. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i] as T;
      out[i] = out[j] as T;
      out[j] = t;
    }
    return out;
  }

  /** A fresh seed derived from this stream, for child generators. */
  deriveSeed(): number {
    return this.uint32();
  }
}

/** A seed from the OS entropy pool, for samplers created without one. */
export function randomSeed(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0] as number;
}
