import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { fitSoftmax, linearFamily, softmaxProba } from './linear.js';

const rng = new Rng(5);
// Three classes around three centres in 2-D.
const centres = [
  [0, 0],
  [3, 0],
  [0, 3],
];
const x = Array.from({ length: 150 }, (_, i) => (centres[i % 3] as number[]).map((c) => c + rng.normal() * 0.6));
const y = x.map((_, i) => i % 3);
const ctx = { task: 'classification', nClasses: 3, seed: 0 } as const;

/** The penalised mean cross-entropy that fitSoftmax minimises. */
function objective(w: number[], b: number[], C: number): number {
  const s = { kind: 'softmax-regression', weights: w, intercepts: b } as const;
  const p = softmaxProba(s, x);
  const ce = -p.reduce((a, row, i) => a + Math.log(row[y[i] as number] as number), 0) / x.length;
  return ce + w.reduce((a, v) => a + v * v, 0) / (2 * C * x.length);
}

describe('multinomial logistic regression', () => {
  it('reaches a minimum: no small step of any coefficient lowers the objective', () => {
    const s = fitSoftmax(x, y, 3, 1, 500);
    const f0 = objective(s.weights, s.intercepts, 1);
    for (let q = 0; q < 9; q++) {
      for (const h of [1e-3, -1e-3]) {
        const w = s.weights.slice();
        const b = s.intercepts.slice();
        if (q < 6) w[q] = (w[q] as number) + h;
        else b[q - 6] = (b[q - 6] as number) + h;
        expect(objective(w, b, 1)).toBeGreaterThanOrEqual(f0 - 1e-9);
      }
    }
  });

  it('classifies separated classes; a strong penalty (small C) shrinks the weights towards uniform probabilities', () => {
    const strong = fitSoftmax(x, y, 3, 1e-4, 100);
    const weak = fitSoftmax(x, y, 3, 10, 100);
    const acc = softmaxProba(weak, x).filter((row, i) => row.indexOf(Math.max(...row)) === y[i]).length / x.length;
    expect(acc).toBeGreaterThan(0.95);
    const norm = (w: number[]): number => Math.sqrt(w.reduce((a, v) => a + v * v, 0));
    expect(norm(strong.weights)).toBeLessThan(norm(weak.weights) / 20);
    for (const row of softmaxProba(strong, x)) for (const p of row) expect(p).toBeCloseTo(1 / 3, 1);
  });

  it('a classifier saved from ml-logistic-regression still loads', async () => {
    const require = createRequire(import.meta.url);
    const LogisticRegression = require('ml-logistic-regression');
    const { Matrix } = require('ml-matrix');
    const legacy = new LogisticRegression({ numSteps: 200, learningRate: 5e-3 });
    legacy.train(new Matrix(x.map((r) => [...r, 1])), Matrix.columnVector(y));
    const loaded = await linearFamily.load(JSON.parse(JSON.stringify(legacy.toJSON())), ctx);
    const pred = await loaded.predict(x);
    expect(pred.filter((p, i) => p === y[i]).length / x.length).toBeGreaterThan(0.9);
  });
});
