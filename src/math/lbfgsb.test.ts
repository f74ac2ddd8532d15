import { describe, expect, it } from 'vitest';
import { minimizeLbfgsb } from './lbfgsb.js';

function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  g.fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i] as number;
    const b = x[i + 1] as number;
    f += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
    g[i] = (g[i] as number) - 400 * a * (b - a * a) - 2 * (1 - a);
    g[i + 1] = (g[i + 1] as number) + 200 * (b - a * a);
  }
  return f;
}

/** f(x) = ½ xᵀAx − bᵀx with a fixed SPD A. */
function quadratic(a: number[][], b: number[]) {
  return (x: Float64Array, g: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < b.length; i++) {
      let ax = 0;
      for (let j = 0; j < b.length; j++) ax += ((a[i] as number[])[j] as number) * (x[j] as number);
      g[i] = ax - (b[i] as number);
      f += 0.5 * (x[i] as number) * ax - (b[i] as number) * (x[i] as number);
    }
    return f;
  };
}

describe('L-BFGS-B', () => {
  it('minimizes the Rosenbrock function without bounds', () => {
    for (const n of [2, 5, 10]) {
      const r = minimizeLbfgsb(rosenbrock, new Float64Array(n).fill(-1.2), { pgtol: 1e-8, factr: 10 });
      for (const v of r.x) expect(v).toBeCloseTo(1, 4);
      expect(r.f).toBeLessThan(1e-8);
      expect(r.iterations).toBeLessThan(200);
    }
  });

  it('finds the minimum of Rosenbrock on a bound', () => {
    // With x₀ ≤ 0.5 the constrained minimum is at x₀ = 0.5, x₁ = 0.25.
    const r = minimizeLbfgsb(rosenbrock, [-1, 2], { upper: [0.5, 10], pgtol: 1e-9, factr: 10 });
    expect(r.x[0]).toBeCloseTo(0.5, 8);
    expect(r.x[1]).toBeCloseTo(0.25, 5);
    expect(r.status === 'pgtol' || r.status === 'ftol').toBe(true);
  });

  it('solves bound-constrained quadratics with known minima', () => {
    // Unconstrained minimizer A⁻¹b = [1, 2, −1]; the box [0, 1.5]³ makes x = [?, 1.5, 0] with the first coordinate solving its own row.
    const a = [
      [4, 1, 0],
      [1, 3, 1],
      [0, 1, 2],
    ];
    const xStar = [1, 2, -1];
    const b = a.map((row) => row.reduce((s, v, j) => s + v * (xStar[j] as number), 0));
    const f = quadratic(a, b);
    const free = minimizeLbfgsb(f, [0, 0, 0], { pgtol: 1e-10, factr: 10 });
    free.x.forEach((v, i) => {
      expect(v).toBeCloseTo(xStar[i] as number, 7);
    });
    const boxed = minimizeLbfgsb(f, [0.3, 0.3, 0.3], { lower: [0, 0, 0], upper: [1.5, 1.5, 1.5], pgtol: 1e-10, factr: 10 });
    // KKT: x₂ = 1.5 (gradient < 0 there), x₃ = 0 (gradient > 0), x₁ solves 4x₁ + x₂ = b₁.
    expect(boxed.x[1]).toBe(1.5);
    expect(boxed.x[2]).toBe(0);
    expect(boxed.x[0]).toBeCloseTo(((b[0] as number) - 1.5) / 4, 8);
    const g = new Float64Array(3);
    f(boxed.x, g);
    expect(g[1]).toBeLessThan(0);
    expect(g[2]).toBeGreaterThan(0);
  });

  it('stays in the box on every evaluation and keeps fixed variables fixed', () => {
    const seen: number[][] = [];
    const r = minimizeLbfgsb(
      (x, g) => {
        seen.push([...x]);
        return rosenbrock(x, g);
      },
      [0.2, 0.7, 3],
      { lower: [-0.5, 0.7, -1], upper: [0.8, 0.7, 1] },
    );
    for (const x of seen) {
      expect(x[0]).toBeGreaterThanOrEqual(-0.5);
      expect(x[0]).toBeLessThanOrEqual(0.8);
      expect(x[1]).toBe(0.7);
      expect(x[2]).toBeLessThanOrEqual(1);
    }
    expect(r.x[2]).toBeCloseTo(0.49, 1);
  });

  it('returns a corner when the gradient points out of the box there', () => {
    const r = minimizeLbfgsb(
      (x, g) => {
        g[0] = -1;
        g[1] = 2;
        return -x[0]! + 2 * x[1]!;
      },
      [0.5, 0.5],
      { lower: [0, 0], upper: [1, 1] },
    );
    expect([...r.x]).toEqual([1, 0]);
  });

  it('reports a non-finite start instead of looping', () => {
    const r = minimizeLbfgsb(() => Number.NaN, [0]);
    expect(r.status).toBe('non-finite');
  });

  it('backs off from regions where the function is not finite', () => {
    // f = −log(1 − x²) − x: finite only on (−1, 1), minimum where 2x/(1 − x²) = 1.
    const r = minimizeLbfgsb(
      (x, g) => {
        const v = x[0] as number;
        if (Math.abs(v) >= 1) {
          g[0] = Number.NaN;
          return Number.POSITIVE_INFINITY;
        }
        g[0] = (2 * v) / (1 - v * v) - 1;
        return -Math.log(1 - v * v) - v;
      },
      [0.9],
      { pgtol: 1e-10 },
    );
    expect(r.x[0]).toBeCloseTo(Math.SQRT2 - 1, 7);
  });
});
