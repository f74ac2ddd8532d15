import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { fitKernelParams, GaussianProcess, type GpData, NegLogPosterior, paramsToPsi } from './gp.js';
import { kernelMatrix, matern52, matern52Deriv } from './kernel.js';

function data(seed: number, n: number, d: number, categorical: number[] = []): GpData {
  const rng = new Rng(seed);
  const isCategorical = new Uint8Array(d);
  for (const j of categorical) isCategorical[j] = 1;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = isCategorical[i % d] ? rng.int(4) : rng.random();
  const y = Float64Array.from({ length: n }, (_, i) => Math.cos(4 * (x[i * d] as number)) * (x[i * d + 1] as number) + 0.05 * rng.normal());
  let mean = 0;
  for (const v of y) mean += v / n;
  let sd = 0;
  for (const v of y) sd += (v - mean) ** 2 / n;
  sd = Math.sqrt(sd);
  for (let i = 0; i < n; i++) y[i] = ((y[i] as number) - mean) / sd;
  return { x, y, n, d, isCategorical };
}

describe('Matérn-5/2 kernel', () => {
  it("M'(r²) matches a central difference, including near r = 0", () => {
    for (const r2 of [1e-6, 0.01, 0.3, 1, 4, 25]) {
      const h = 1e-7 * Math.max(1e-3, r2);
      const fd = (matern52(r2 + h) - matern52(r2 - h)) / (2 * h);
      expect(Math.abs(matern52Deriv(r2) - fd)).toBeLessThan(1e-6);
    }
    expect(matern52(0)).toBe(1);
    expect(matern52Deriv(0)).toBeCloseTo(-5 / 6, 15);
  });

  it('gives a symmetric positive semi-definite matrix with σ² on the diagonal', () => {
    const dt = data(1, 12, 3, [2]);
    const k = kernelMatrix(dt.x, dt.n, dt.d, dt.isCategorical, { invSqLengthscales: Float64Array.from([3, 1, 0.5]), signalVar: 2, noiseVar: 0 });
    for (let i = 0; i < 12; i++) {
      expect(k[i * 12 + i]).toBe(2);
      for (let j = 0; j < 12; j++) expect(k[i * 12 + j]).toBe(k[j * 12 + i]);
    }
  });
});

describe('marginal likelihood', () => {
  it('has an analytic gradient matching central differences (numeric and categorical inputs, with and without noise)', () => {
    for (const [seed, deterministic] of [
      [3, false],
      [4, true],
    ] as const) {
      const dt = data(seed, 25, 3, [2]);
      const loss = new NegLogPosterior(dt, 1e-6, deterministic);
      const psi = paramsToPsi({ invSqLengthscales: Float64Array.from([2, 0.7, 1.5]), signalVar: 0.8, noiseVar: 0.05 }, 1e-6);
      const g = new Float64Array(5);
      loss.evaluate(psi, g);
      const tmp = new Float64Array(5);
      for (let i = 0; i < 5; i++) {
        const h = 1e-5;
        const p = psi.slice();
        const m = psi.slice();
        p[i] = (p[i] as number) + h;
        m[i] = (m[i] as number) - h;
        const fd = (loss.evaluate(p, tmp) - loss.evaluate(m, tmp)) / (2 * h);
        expect(Math.abs((g[i] as number) - fd), `seed ${seed} ψ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
      if (deterministic) expect(g[4]).toBe(0);
    }
  });

  it('fits hyperparameters that beat the defaults, and finds the irrelevant coordinate', () => {
    const rng = new Rng(9);
    const n = 40;
    const d = 3;
    const x = Float64Array.from({ length: n * d }, () => rng.random());
    // y depends on x₀ only.
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(6 * (x[i * d] as number)));
    const dt: GpData = { x, y, n, d, isCategorical: new Uint8Array(d) };
    const p = fitKernelParams(dt);
    const loss = new NegLogPosterior(dt, 1e-6, false);
    const g = new Float64Array(d + 2);
    expect(loss.evaluate(paramsToPsi(p, 1e-6), g)).toBeLessThan(loss.evaluate(new Float64Array(d + 2), g));
    expect(p.invSqLengthscales[0]).toBeGreaterThan(10 * (p.invSqLengthscales[1] as number));
    expect(p.invSqLengthscales[0]).toBeGreaterThan(10 * (p.invSqLengthscales[2] as number));
  });
});

describe('Gaussian process posterior', () => {
  it('interpolates noise-free data and agrees with a direct computation', () => {
    const dt = data(5, 15, 2);
    const params = { invSqLengthscales: Float64Array.from([4, 2]), signalVar: 1.5, noiseVar: 1e-8 };
    const gp = GaussianProcess.build(dt, params);
    const out = { mean: 0, variance: 0 };
    for (let i = 0; i < dt.n; i++) {
      gp.posterior(dt.x, i, out);
      expect(out.mean).toBeCloseTo(dt.y[i] as number, 5);
      expect(out.variance).toBeLessThan(1e-6);
    }
    // Far from the data the posterior reverts to the prior.
    const far = Float64Array.from([50, 50]);
    gp.posterior(far, 0, out);
    expect(out.mean).toBeCloseTo(0, 10);
    expect(out.variance).toBeCloseTo(1.5, 10);
  });

  it('grows by appended rows to the same posterior as a full rebuild', () => {
    const dt = data(6, 30, 3, [1]);
    const params = { invSqLengthscales: Float64Array.from([3, 1, 2]), signalVar: 1, noiseVar: 1e-4 };
    const full = GaussianProcess.build(dt, params);
    const part = GaussianProcess.build({ ...dt, n: 10 }, params);
    for (let i = 10; i < 30; i++) expect(part.appendInput(dt.x, i)).toBe(true);
    part.setTargets(dt.y);
    const rng = new Rng(60);
    const a = { mean: 0, variance: 0 };
    const b = { mean: 0, variance: 0 };
    const xs = Float64Array.from({ length: 3 * 20 }, (_, i) => (i % 3 === 1 ? rng.int(4) : rng.random()));
    const means = new Float64Array(20);
    const vars = new Float64Array(20);
    full.posteriorBatch(xs, 20, means, vars);
    for (let r = 0; r < 20; r++) {
      full.posterior(xs, r, a);
      part.posterior(xs, r, b);
      expect(b.mean).toBeCloseTo(a.mean, 9);
      expect(b.variance).toBeCloseTo(a.variance, 9);
      expect(means[r]).toBeCloseTo(a.mean, 9);
      expect(vars[r]).toBeCloseTo(a.variance, 9);
    }
  });

  it('has posterior gradients matching central differences', () => {
    const dt = data(7, 20, 3, [2]);
    const gp = GaussianProcess.build(dt, { invSqLengthscales: Float64Array.from([5, 2, 1]), signalVar: 1.2, noiseVar: 1e-3 });
    const rng = new Rng(70);
    const out = { mean: 0, variance: 0 };
    const gm = new Float64Array(3);
    const gv = new Float64Array(3);
    const tmp = { mean: 0, variance: 0 };
    for (let t = 0; t < 5; t++) {
      const x = Float64Array.from([rng.random(), rng.random(), rng.int(4)]);
      gp.posteriorWithGrad(x, out, gm, gv);
      for (let j = 0; j < 2; j++) {
        const h = 1e-6;
        const xp = x.slice();
        const xm = x.slice();
        xp[j] = (xp[j] as number) + h;
        xm[j] = (xm[j] as number) - h;
        gp.posterior(xp, 0, tmp);
        const mp = tmp.mean;
        const vp = tmp.variance;
        gp.posterior(xm, 0, tmp);
        expect(gm[j]).toBeCloseTo((mp - tmp.mean) / (2 * h), 5);
        expect(gv[j]).toBeCloseTo((vp - tmp.variance) / (2 * h), 5);
      }
    }
  });
});
