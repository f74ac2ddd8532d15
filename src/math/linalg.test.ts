import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';
import {
  cholesky,
  choleskyInverse,
  choleskySolve,
  choleskyWithJitter,
  IncrementalCholesky,
  logDetFromCholesky,
  solveLower,
  solveLowerMany,
  solveLowerTranspose,
} from './linalg.js';

/** A random SPD matrix G·Gᵀ + δI (n×n, row-major). */
function randomSpd(rng: Rng, n: number, delta = 0.1): Float64Array {
  const g = Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (g[i * n + k] as number) * (g[j * n + k] as number);
      a[i * n + j] = s + (i === j ? delta : 0);
    }
  }
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Naive reference: Gaussian elimination with partial pivoting. */
function naiveSolve(a: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const m = Array.from({ length: n }, (_, i) => [...Array.from(a.subarray(i * n, i * n + n)), b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[p] as number[])[c] as number)) p = r;
    [m[c], m[p]] = [m[p] as number[], m[c] as number[]];
    const pivot = m[c] as number[];
    for (let r = c + 1; r < n; r++) {
      const row = m[r] as number[];
      const f = (row[c] as number) / (pivot[c] as number);
      for (let k = c; k <= n; k++) row[k] = (row[k] as number) - f * (pivot[k] as number);
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const row = m[i] as number[];
    let s = row[n] as number;
    for (let k = i + 1; k < n; k++) s -= (row[k] as number) * (x[k] as number);
    x[i] = s / (row[i] as number);
  }
  return x;
}

describe('linalg', () => {
  const seed = 20240601;

  it('factors A = L·Lᵀ with L lower triangular', () => {
    const rng = new Rng(seed);
    for (const n of [1, 2, 7, 30]) {
      const a = randomSpd(rng, n);
      const l = new Float64Array(n * n);
      expect(cholesky(a, n, l)).toBe(true);
      const llt = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += (l[i * n + k] as number) * (l[j * n + k] as number);
          llt[i * n + j] = s;
        }
        for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
      }
      expect(maxAbsDiff(llt, a), `seed ${seed}, n ${n}`).toBeLessThan(1e-10 * n);
    }
  });

  it('solves like a naive Gaussian elimination, and its triangular parts agree', () => {
    const rng = new Rng(seed + 1);
    const n = 25;
    const a = randomSpd(rng, n);
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const l = new Float64Array(n * n);
    cholesky(a, n, l);
    const x = choleskySolve(l, n, b);
    expect(maxAbsDiff(x, naiveSolve(a, n, b))).toBeLessThan(1e-8);
    const y = solveLower(l, n, b);
    const back = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) back[i] = (back[i] as number) + (l[i * n + k] as number) * (y[k] as number);
    expect(maxAbsDiff(back, b)).toBeLessThan(1e-10);
    const z = solveLowerTranspose(l, n, b);
    const back2 = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = i; k < n; k++) back2[i] = (back2[i] as number) + (l[k * n + i] as number) * (z[k] as number);
    expect(maxAbsDiff(back2, b)).toBeLessThan(1e-10);
  });

  it('solves many right-hand sides at once like one at a time', () => {
    const rng = new Rng(seed + 2);
    const n = 12;
    const m = 5;
    const a = randomSpd(rng, n);
    const l = new Float64Array(n * n);
    cholesky(a, n, l);
    const bs = Float64Array.from({ length: n * m }, () => rng.normal());
    const many = solveLowerMany(l, n, bs.slice(), m);
    for (let c = 0; c < m; c++) {
      const col = Float64Array.from({ length: n }, (_, i) => bs[i * m + c] as number);
      const one = solveLower(l, n, col);
      for (let i = 0; i < n; i++) expect(many[i * m + c]).toBeCloseTo(one[i] as number, 12);
    }
  });

  it('inverts and takes the log-determinant', () => {
    const rng = new Rng(seed + 3);
    const n = 9;
    const a = randomSpd(rng, n, 1);
    const l = new Float64Array(n * n);
    cholesky(a, n, l);
    const inv = choleskyInverse(l, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += (a[i * n + k] as number) * (inv[k * n + j] as number);
        expect(s).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
    // log det by naive elimination: product of pivots.
    const u = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, i * n + n)));
    let logDet = 0;
    for (let c = 0; c < n; c++) {
      const p = u[c] as number[];
      logDet += Math.log(p[c] as number);
      for (let r = c + 1; r < n; r++) {
        const row = u[r] as number[];
        const f = (row[c] as number) / (p[c] as number);
        for (let k = c; k < n; k++) row[k] = (row[k] as number) - f * (p[k] as number);
      }
    }
    expect(logDetFromCholesky(l, n)).toBeCloseTo(logDet, 10);
  });

  it('rejects an indefinite matrix and rescues a singular one with jitter', () => {
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
    // Rank one: [1 1; 1 1].
    const singular = Float64Array.from([1, 1, 1, 1]);
    const r = choleskyWithJitter(singular, 2);
    expect(r).not.toBeNull();
    expect(r?.jitter).toBeGreaterThan(0);
    expect(r?.jitter).toBeLessThan(1e-6);
    expect(choleskyWithJitter(Float64Array.from([-1, 0, 0, -1]), 2)).toBeNull();
  });

  it('grows a factor row by row to the factor of the whole matrix, and cuts it back', () => {
    const rng = new Rng(seed + 4);
    const n = 40;
    const a = randomSpd(rng, n);
    const full = new Float64Array(n * n);
    cholesky(a, n, full);
    const inc = new IncrementalCholesky(3);
    for (let i = 0; i < n; i++) {
      expect(inc.append(a.subarray(i * n, i * n + i), a[i * n + i] as number)).toBe(true);
    }
    expect(inc.n).toBe(n);
    expect(maxAbsDiff(inc.toArray(), full)).toBeLessThan(1e-10);
    const b = Float64Array.from({ length: n }, () => rng.normal());
    expect(maxAbsDiff(inc.solve(b), choleskySolve(full, n, b))).toBeLessThan(1e-8);
    inc.truncate(10);
    const sub = new Float64Array(100);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) sub[i * 10 + j] = a[i * n + j] as number;
    const l10 = new Float64Array(100);
    cholesky(sub, 10, l10);
    expect(maxAbsDiff(inc.toArray(), l10)).toBeLessThan(1e-12);
    // An append that would break positive definiteness changes nothing.
    expect(inc.append(a.subarray(10 * n, 10 * n + 10), -1)).toBe(false);
    expect(inc.n).toBe(10);
    const copy = inc.clone(5);
    copy.append(a.subarray(10 * n, 10 * n + 10), a[10 * n + 10] as number);
    expect(copy.n).toBe(11);
    expect(inc.n).toBe(10);
  });

  it('keeps a 1,000-row factor growing in O(n²) per row', () => {
    const n = 1000;
    const rng = new Rng(seed + 5);
    const xs = Float64Array.from({ length: n }, () => rng.random());
    const k = (i: number, j: number) => Math.exp(-(((xs[i] as number) - (xs[j] as number)) ** 2) / 0.02) + (i === j ? 1e-3 : 0);
    const inc = new IncrementalCholesky();
    const col = new Float64Array(n);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) col[j] = k(i, j);
      expect(inc.append(col.subarray(0, i), k(i, i))).toBe(true);
    }
    const ms = performance.now() - t0;
    expect(inc.n).toBe(n);
    // The last appends cost about n² = 1e6 flops each; the whole run stays far from O(n⁴).
    expect(ms).toBeLessThan(5000);
  });
});
