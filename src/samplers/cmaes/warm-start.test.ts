import { describe, expect, it } from 'vitest';
import { symmetricEigen } from './eigen.js';
import { warmStartDistribution } from './warm-start.js';

describe('warmStartDistribution', () => {
  it('centres on the best γ of the source and returns C with determinant 1 and σ²C = Σ', () => {
    const solutions = [];
    for (let i = 0; i < 100; i++) {
      const x = [i / 100, (i % 10) / 10];
      solutions.push({ x, value: (x[0] as number) ** 2 + ((x[1] as number) - 0.5) ** 2 });
    }
    const ws = warmStartDistribution(solutions);
    const top = solutions
      .slice()
      .sort((a, b) => a.value - b.value)
      .slice(0, 10);
    const mean = [0, 1].map((i) => top.reduce((s, t) => s + (t.x[i] as number), 0) / 10);
    expect(ws.mean[0]).toBeCloseTo(mean[0] as number, 12);
    expect(ws.mean[1]).toBeCloseTo(mean[1] as number, 12);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const cov = top.reduce((s, t) => s + ((t.x[i] as number) - (mean[i] as number)) * ((t.x[j] as number) - (mean[j] as number)), 0) / 10;
        const sigmaIJ = cov + (i === j ? 0.01 : 0);
        expect(ws.sigma ** 2 * (ws.cov[i * 2 + j] as number)).toBeCloseTo(sigmaIJ, 12);
      }
    }
    const { values } = symmetricEigen(ws.cov, 2);
    expect((values[0] as number) * (values[1] as number)).toBeCloseTo(1, 10);
  });

  it('with one best point starts there with σ = α and C = I', () => {
    const ws = warmStartDistribution([
      { x: [0.2, 0.8, 0.4], value: 1 },
      { x: [0.9, 0.1, 0.4], value: 3 },
    ]);
    expect(Array.from(ws.mean)).toEqual([0.2, 0.8, 0.4]);
    expect(ws.sigma).toBeCloseTo(0.1, 12);
    expect(Array.from(ws.cov).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});
