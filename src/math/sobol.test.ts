import { describe, it, expect } from 'vitest';
import { Rng } from './rng.js';
import { SobolEngine, maxSobolDim } from './sobol.js';
import { JOE_KUO_MAX_DIM, joeKuoRow } from './sobol-direction-numbers.js';

const TWO_POW_30 = 2 ** 30;

function take(engine: SobolEngine, n: number): Float64Array[] {
  const points: Float64Array[] = [];
  for (let i = 0; i < n; i++) points.push(engine.next());
  return points;
}

function column(points: Float64Array[], j: number): number[] {
  return points.map((p) => p[j]);
}

/** True when the values fall one in each of the `cells` equal subintervals of [0,1). */
function oneInEachCell(values: number[], cells: number): boolean {
  const seen = new Uint8Array(cells);
  for (const x of values) {
    if (!(x >= 0 && x < 1)) return false;
    seen[Math.floor(x * cells)]++;
  }
  return seen.every((c) => c === 1);
}

/** 2^k points of a (0,k,2)-net: one point in every dyadic box of area 2^-k. */
function isZeroNet2d(points: Float64Array[], j1: number, j2: number, k: number): boolean {
  for (let a = 0; a <= k; a++) {
    const nx = 2 ** a;
    const ny = 2 ** (k - a);
    const seen = new Uint8Array(nx * ny);
    for (const p of points) seen[Math.floor(p[j1] * nx) * ny + Math.floor(p[j2] * ny)]++;
    if (!seen.every((c) => c === 1)) return false;
  }
  return true;
}

describe('Joe & Kuo table', () => {
  it('decodes to the published rows (d s a m_i of new-joe-kuo-6.21201)', () => {
    const published: [number, number, number, number[]][] = [
      [2, 1, 0, [1]],
      [3, 2, 1, [1, 3]],
      [4, 3, 1, [1, 3, 1]],
      [5, 3, 2, [1, 1, 1]],
      [6, 4, 1, [1, 1, 3, 3]],
      [10, 5, 7, [1, 1, 7, 11, 19]],
      [1111, 13, 4094, [1, 1, 5, 15, 19, 1, 7, 211, 157, 603, 403, 1387, 1583]],
      [1112, 14, 21, [1, 3, 5, 13, 17, 53, 125, 13, 339, 723, 521, 413, 5801, 10451]],
      [10000, 17, 36335, [1, 3, 7, 5, 13, 27, 127, 65, 115, 731, 1147, 283, 91, 14205, 2457, 57083, 35815]],
    ];
    for (const [d, s, a, m] of published) {
      const row = joeKuoRow(d);
      expect({ d, s: row.degree, a: row.coeffs, m: Array.from(row.m) }).toEqual({ d, s, a, m });
    }
  });

  it('ships every dimension up to the limit, with odd m_k < 2^k', () => {
    expect(maxSobolDim).toBe(JOE_KUO_MAX_DIM);
    expect(maxSobolDim).toBeGreaterThanOrEqual(1111);
    for (let d = 2; d <= maxSobolDim; d++) {
      const { degree, coeffs, m } = joeKuoRow(d);
      expect(m.length).toBe(degree);
      expect(coeffs).toBeLessThan(2 ** Math.max(degree - 1, 0));
      for (let k = 0; k < degree; k++) {
        if (m[k] % 2 !== 1 || m[k] >= 2 ** (k + 1)) throw new Error(`bad m_${k + 1} = ${m[k]} in dimension ${d}`);
      }
    }
  });
});

describe('SobolEngine, unscrambled', () => {
  it('starts with the standard two-dimensional points', () => {
    const points = take(new SobolEngine(2, { scramble: false }), 8).map((p) => Array.from(p));
    expect(points).toEqual([
      [0, 0],
      [0.5, 0.5],
      [0.75, 0.25],
      [0.25, 0.75],
      [0.375, 0.375],
      [0.875, 0.875],
      [0.625, 0.125],
      [0.125, 0.625],
    ]);
  });

  it('computes dimensions 3 and 4 from their direction numbers', () => {
    // Dimension 3: s=2, a=1, m=1,3, so m_3 = 2m_2 ^ 4m_1 ^ m_1 = 3 and m_4 = 2m_3 ^ 4m_2 ^ m_2 = 9:
    //   v = 8/16, 12/16, 6/16, 9/16.
    // Dimension 4: s=3, a=1, m=1,3,1, so m_4 = 4m_2 ^ 8m_1 ^ m_1 = 5: v = 8/16, 12/16, 2/16, 5/16.
    // Point i XORs v_k over the set bits k of the Gray code i ^ (i >> 1):
    //   gray(0..15) = 0 1 3 2 6 7 5 4 12 13 15 14 10 11 9 8.
    const sixteenths = take(new SobolEngine(4, { scramble: false }), 9).map((p) => Array.from(p, (x) => x * 16));
    expect(sixteenths.map((p) => p[2])).toEqual([0, 8, 4, 12, 10, 2, 14, 6, 15]);
    expect(sixteenths.map((p) => p[3])).toEqual([0, 8, 4, 12, 14, 6, 10, 2, 7]);
  });

  it('matches scipy.stats.qmc.Sobol(scramble=False) far into the sequence and in high dimensions', () => {
    // Coordinates times 2^30, from scipy 1.17.1: Sobol(d=10000, scramble=False), fast_forward(i), random(1).
    const dims = [1, 2, 3, 4, 5, 100, 1111, 1112, 5000, 9999, 10000];
    const expected: [number, number[]][] = [
      [1, dims.map(() => 536870912)],
      [7, [134217728, 671088640, 402653184, 134217728, 134217728, 671088640, 671088640, 671088640, 402653184, 402653184, 939524096]],
      [100, [444596224, 276824064, 830472192, 780140544, 947912704, 947912704, 494927872, 75497472, 260046848, 662700032, 763363328]],
      [12345, [688193536, 873398272, 172163072, 565641216, 954007552, 578617344, 462880768, 329711616, 241106944, 850984960, 806420480]],
      [1048579, [268436992, 771759616, 461250048, 89599488, 963395072, 553514496, 44150272, 388771328, 948491776, 809292288, 855656960]],
      [16777221, [939524192, 668999648, 1029000032, 123132768, 467834592, 911377504, 837779680, 54900192, 581525088, 712780320, 201471008]],
    ];
    const engine = new SobolEngine(10000, { scramble: false });
    for (const [index, values] of expected) {
      const p = engine.point(index);
      expect(dims.map((d) => p[d - 1] * TWO_POW_30)).toEqual(values);
    }
    // The last point allowed, scipy Sobol(d=4): fast_forward(2^30 - 1).
    const last = new SobolEngine(4, { scramble: false }).point(TWO_POW_30 - 1);
    expect(Array.from(last, (x) => x * TWO_POW_30)).toEqual([1, 858993459, 385885991, 805503005]);
  });

  it('puts the first 2^6 points one in each of 2^6 intervals, in every dimension', () => {
    const points = take(new SobolEngine(40, { scramble: false }), 64);
    for (let j = 0; j < 40; j++) expect(oneInEachCell(column(points, j), 64)).toBe(true);
    expect(isZeroNet2d(points, 0, 1, 6)).toBe(true);
  });

  it('keeps the net property in every aligned block of 2^6 points', () => {
    const engine = new SobolEngine(12, { scramble: false });
    engine.fastForward(64 * 37);
    const points = take(engine, 64);
    for (let j = 0; j < 12; j++) expect(oneInEachCell(column(points, j), 64)).toBe(true);
  });
});

describe('SobolEngine, scrambled', () => {
  it('keeps the one-per-interval property and the (0,2)-net of the first two dimensions', () => {
    for (const seed of [0, 1, 42, 2024]) {
      const points = take(new SobolEngine(40, { seed }), 64);
      for (let j = 0; j < 40; j++) expect(oneInEachCell(column(points, j), 64)).toBe(true);
      expect(isZeroNet2d(points, 0, 1, 6)).toBe(true);
    }
  });

  it('is scrambled by default and deterministic per seed', () => {
    const a = take(new SobolEngine(6, { seed: 7 }), 50);
    const b = take(new SobolEngine(6, { seed: 7, scramble: true }), 50);
    const c = take(new SobolEngine(6, { seed: 8 }), 50);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const unscrambled = take(new SobolEngine(6, { scramble: false }), 50);
    expect(a).not.toEqual(unscrambled);
    expect(Array.from(a[0]).some((x) => x !== 0)).toBe(true);
    let shared = 0;
    for (let i = 0; i < 50; i++) for (let j = 0; j < 6; j++) if (a[i][j] === c[i][j]) shared++;
    expect(shared).toBe(0);
  });

  it('keeps every coordinate in [0, 1)', () => {
    for (const seed of [3, 4, 5]) {
      const engine = new SobolEngine(30, { seed });
      for (const p of take(engine, 512)) {
        for (const x of p) if (!(x >= 0 && x < 1)) throw new Error(`coordinate ${x} out of [0, 1)`);
      }
    }
  });

  it('integrates prod(x_j) over [0,1]^5 far better than uniform random points', () => {
    const d = 5;
    const n = 256;
    const exact = 1 / 2 ** d;
    const seeds = 20;
    let sobolError = 0;
    let randomError = 0;
    for (let seed = 0; seed < seeds; seed++) {
      const engine = new SobolEngine(d, { seed });
      const rng = new Rng(1000 + seed);
      let sobolSum = 0;
      let randomSum = 0;
      for (let i = 0; i < n; i++) {
        const p = engine.next();
        let f = 1;
        let g = 1;
        for (let j = 0; j < d; j++) {
          f *= p[j];
          g *= rng.random();
        }
        sobolSum += f;
        randomSum += g;
      }
      sobolError += Math.abs(sobolSum / n - exact);
      randomError += Math.abs(randomSum / n - exact);
    }
    sobolError /= seeds;
    randomError /= seeds;
    expect(randomError).toBeGreaterThan(1e-3);
    expect(sobolError).toBeLessThan(randomError / 5);
  });
});

describe('SobolEngine cursor', () => {
  it('point(i) equals the i-th next(), and does not move the cursor', () => {
    for (const options of [{ scramble: false }, { seed: 11 }]) {
      const engine = new SobolEngine(9, options);
      const sequential = take(engine, 300);
      const direct = new SobolEngine(9, options);
      for (let i = 0; i < 300; i++) expect(direct.point(i)).toEqual(sequential[i]);
      expect(direct.next()).toEqual(sequential[0]);
    }
  });

  it('fastForward(i) makes the next point number i, backwards too', () => {
    const reference = take(new SobolEngine(5, { seed: 3 }), 1100);
    const engine = new SobolEngine(5, { seed: 3 });
    for (const index of [1024, 0, 513, 1023, 7]) {
      engine.fastForward(index);
      expect(take(engine, 60)).toEqual(reference.slice(index, index + 60));
    }
  });

  it('returns at most 2^30 points', () => {
    const engine = new SobolEngine(3, { seed: 1 });
    engine.fastForward(TWO_POW_30 - 1);
    expect(engine.next()).toEqual(engine.point(TWO_POW_30 - 1));
    expect(() => engine.next()).toThrow(RangeError);
    expect(() => engine.point(TWO_POW_30)).toThrow(RangeError);
    expect(() => engine.fastForward(TWO_POW_30)).toThrow(RangeError);
    expect(() => engine.point(-1)).toThrow(RangeError);
    expect(() => engine.fastForward(1.5)).toThrow(RangeError);
  });

  it('returns a new array each time', () => {
    const engine = new SobolEngine(2, { scramble: false });
    const a = engine.next();
    a[0] = 0.99;
    expect(engine.point(0)[0]).toBe(0);
    expect(engine.next()).not.toBe(engine.next());
  });
});

describe('SobolEngine dimension limits', () => {
  it('accepts 1 and the maximum dimension', () => {
    expect(take(new SobolEngine(1, { scramble: false }), 4).map((p) => p[0])).toEqual([0, 0.5, 0.75, 0.25]);
    const engine = new SobolEngine(maxSobolDim, { seed: 5 });
    expect(engine.dim).toBe(maxSobolDim);
    expect(engine.next()).toHaveLength(maxSobolDim);
  });

  it('rejects other dimensions with a RangeError naming the limit', () => {
    for (const dim of [0, -1, 1.5, Number.NaN, maxSobolDim + 1]) {
      expect(() => new SobolEngine(dim)).toThrow(RangeError);
      expect(() => new SobolEngine(dim)).toThrow(String(maxSobolDim));
    }
  });
});
