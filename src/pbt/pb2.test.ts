/**
 * PB2's explore step on data whose best hyperparameter is known: the GP-UCB
 * choice lands near it, a point already chosen for a running member pushes
 * the next choice away, recent data outweighs old data when the optimum
 * moves (the time-varying kernel), and too little data gives no choice.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../math/rng.js';
import { logMarginalLikelihood, type Pb2Observation, pb2Select } from './pb2.js';

/** Rewards of a bump centred at `centre`, observed at times 1…T for random x. */
function bumpData(n: number, centre: (t: number) => number, seed: number, times = 5): Pb2Observation[] {
  const rng = new Rng(seed);
  const out: Pb2Observation[] = [];
  for (let i = 0; i < n; i++) {
    const t = 1 + (i % times);
    const x = rng.random();
    out.push({ t, rBefore: 0.1 * t, x: [x], y: Math.exp(-((x - centre(t)) ** 2) / 0.02) + 0.01 * rng.normal() });
  }
  return out.sort((a, b) => a.t - b.t);
}

describe('pb2Select', () => {
  it('chooses near the best hyperparameter of the data', () => {
    const obs = bumpData(40, () => 0.7, 1);
    const pick = pb2Select(obs, { t: 5, rBefore: 0.5 }, [], 1, new Rng(2));
    expect(pick).not.toBeNull();
    expect(Math.abs((pick?.x[0] as number) - 0.7)).toBeLessThan(0.1);
  });

  it('moves away from a point already chosen for a running member', () => {
    // Little, flat data: the choice is driven by uncertainty, which the pending point removes around itself.
    const obs: Pb2Observation[] = [0.05, 0.5, 0.95].map((x, i) => ({ t: 1 + i, rBefore: 0.1 * i, x: [x], y: 0.5 + 0.01 * i }));
    const first = pb2Select(obs, { t: 5, rBefore: 0.5 }, [], 1, new Rng(2));
    const second = pb2Select(obs, { t: 5, rBefore: 0.5 }, [first?.x ?? []], 1, new Rng(2));
    expect(Math.abs((second?.x[0] as number) - (first?.x[0] as number))).toBeGreaterThan(0.02);
    expect(second?.ucb as number).toBeLessThan(first?.ucb as number);
  });

  it('follows an optimum that moves over time (the time-varying kernel)', () => {
    // Best x is 0.2 early (t ≤ 3) and 0.8 late (t ≥ 4).
    const obs = bumpData(60, (t) => (t <= 3 ? 0.2 : 0.8), 3, 6);
    const late = pb2Select(obs, { t: 6, rBefore: 0.6 }, [], 1, new Rng(4));
    expect(Math.abs((late?.x[0] as number) - 0.8)).toBeLessThan(0.15);
    expect(late?.fit.epsilon).toBeGreaterThan(0);
  });

  it('needs two observations, and its likelihood prefers the true length scale over a far too short one', () => {
    expect(
      pb2Select(
        bumpData(1, () => 0.5, 1),
        { t: 1, rBefore: 0 },
        [],
        1,
        new Rng(1),
      ),
    ).toBeNull();
    const obs = bumpData(30, () => 0.5, 5);
    const z = obs.map((o) => Float64Array.from([o.t / 5, 0.5, o.x[0] as number]));
    const ys = obs.map((o) => o.y);
    const m = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sd = Math.sqrt(ys.reduce((a, b) => a + (b - m) ** 2, 0) / ys.length);
    const y = Float64Array.from(ys, (v) => (v - m) / sd);
    const good = logMarginalLikelihood(z, y, 3, { lengthscale: 0.05, epsilon: 0, noise: 0.01 });
    const bad = logMarginalLikelihood(z, y, 3, { lengthscale: 0.0001, epsilon: 0, noise: 0.01 });
    expect(good).toBeGreaterThan(bad);
  });
});
