import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { symmetricEigen } from './eigen.js';

function randomSymmetric(rng: Rng, n: number, scales?: readonly number[]): Float64Array {
  // Q diag(s) Qᵀ with a random Q would be nicer; a random symmetric matrix plus scaling suffices.
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = rng.normal() * (scales ? Math.sqrt((scales[i] as number) * (scales[j] as number)) : 1);
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

function check(a: Float64Array, n: number, tol: number): void {
  const { values, vectors: v } = symmetricEigen(a, n);
  let norm = 0;
  for (const x of a) norm = Math.max(norm, Math.abs(x));
  for (let i = 1; i < n; i++) expect(values[i] as number).toBeGreaterThanOrEqual(values[i - 1] as number);
  // Reconstruction A = V Λ Vᵀ.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (v[i * n + k] as number) * (values[k] as number) * (v[j * n + k] as number);
      expect(Math.abs(s - (a[i * n + j] as number))).toBeLessThanOrEqual(tol * Math.max(1, norm));
    }
  }
  // Orthogonality VᵀV = I.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (v[k * n + i] as number) * (v[k * n + j] as number);
      expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThanOrEqual(tol);
    }
  }
}

describe('symmetricEigen', () => {
  it('reconstructs random symmetric matrices with orthonormal vectors (n = 1..40, seed 1)', () => {
    const rng = new Rng(1);
    for (const n of [1, 2, 3, 5, 8, 13, 20, 40]) check(randomSymmetric(rng, n), n, 1e-11);
  });

  it('handles badly scaled, diagonal, zero and repeated-eigenvalue matrices', () => {
    const rng = new Rng(2);
    check(randomSymmetric(rng, 6, [1e-6, 1e-3, 1, 1e3, 1e6, 1]), 6, 1e-9);
    const diag = new Float64Array(16);
    [3, -1, 2, 2].forEach((x, i) => {
      diag[i * 4 + i] = x;
    });
    check(diag, 4, 1e-14);
    expect(Array.from(symmetricEigen(diag, 4).values)).toEqual([-1, 2, 2, 3]);
    check(new Float64Array(9), 3, 0);
    const ones = new Float64Array(25).fill(1);
    check(ones, 5, 1e-13);
    const vals = symmetricEigen(ones, 5).values;
    expect(vals[4]).toBeCloseTo(5, 12);
    for (let i = 0; i < 4; i++) expect(Math.abs(vals[i] as number)).toBeLessThan(1e-13);
  });

  it('finds the known eigenvalues of the 1-D Laplacian (tridiagonal 2, -1)', () => {
    const n = 10;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const { values } = symmetricEigen(a, n);
    for (let k = 1; k <= n; k++) expect(values[k - 1] as number).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (n + 1)), 12);
  });

  it('rejects a wrongly sized input', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(RangeError);
  });
});
