import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { FitTimeoutError } from './model.js';
import { svmWorkerThreadId, trainSvm } from './svm-trainer.js';

// libsvm-js's enums: C_SVC 0; kernels LINEAR 0, RBF 2.
const C_SVC = 0;
const LINEAR = 0;
const RBF = 2;

function noisy(n: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: 5 }, () => rng.random()));
  // Labels independent of the features: no separating hyperplane, so a linear kernel at a large cost runs
  // libsvm's solver to its iteration limit (about 9 s on 1,000 rows here).
  return { x, y: x.map(() => (rng.random() < 0.5 ? 0 : 1)) };
}

function separable(n: number): { x: number[][]; y: number[] } {
  const x = Array.from({ length: n }, (_, i) => [i % 2 === 0 ? -1 - (i % 7) / 10 : 1 + (i % 5) / 10, (i % 3) / 3]);
  return { x, y: x.map((r) => ((r[0] as number) > 0 ? 1 : 0)) };
}

describe('trainSvm (libsvm in a worker thread)', () => {
  it('trains in one reused worker, and a fit past its deadline is stopped: FitTimeoutError, the worker replaced, the next fit trains', async () => {
    const easy = separable(60);
    const model = await trainSvm({ type: C_SVC, kernel: RBF, cost: 1, gamma: 0.5, quiet: true }, easy.x, easy.y);
    expect(model).toContain('svm_type c_svc');
    const first = svmWorkerThreadId();
    expect(first).toBeDefined();
    await trainSvm({ type: C_SVC, kernel: RBF, cost: 10, gamma: 0.5, quiet: true }, easy.x, easy.y, Date.now() + 60_000);
    expect(svmWorkerThreadId()).toBe(first);

    const hard = noisy(1000, 1);
    const t0 = Date.now();
    const slow = trainSvm({ type: C_SVC, kernel: LINEAR, cost: 1000, quiet: true }, hard.x, hard.y, t0 + 300);
    await expect(slow).rejects.toBeInstanceOf(FitTimeoutError);
    await expect(slow).rejects.toThrow(/svm: stopped while training/);
    // The worker that was still iterating is gone; the next fit starts another and succeeds.
    expect(svmWorkerThreadId()).toBeUndefined();
    const again = await trainSvm({ type: C_SVC, kernel: RBF, cost: 1, gamma: 0.5, quiet: true }, easy.x, easy.y);
    expect(again).toBe(model);
    expect(svmWorkerThreadId()).not.toBe(first);
  }, 60_000);

  it('rejects a fit whose deadline has passed without starting it, and reports libsvm errors', async () => {
    const easy = separable(20);
    await expect(trainSvm({ type: C_SVC, kernel: RBF, cost: 1, quiet: true }, easy.x, easy.y, Date.now() - 1)).rejects.toThrow(/svm: stopped before training/);
    await expect(trainSvm({ type: C_SVC, kernel: RBF, cost: 1, quiet: true }, [], [])).rejects.toThrow(/libsvm could not train|SVM training worker/);
  }, 30_000);
});
