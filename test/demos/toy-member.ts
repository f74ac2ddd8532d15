/**
 * The toy problem of the PBT paper (Jaderberg et al. 2017, §4.1 and Fig. 2):
 * maximize Q(θ) = 1.2 − (θ₀² + θ₁²) by gradient ascent on the surrogate
 * Q̂(θ | h) = 1.2 − (h₀θ₀² + h₁θ₁²), from θ = (0.9, 0.9), with step size 0.01.
 * With h = (1, 0) or (0, 1) one coordinate never moves; PBT finds that
 * switching between them (or raising both) does better. One step is one
 * gradient step; the state is θ (a JSON array), so runs are exact.
 */
import type { PbtMember } from '../../src/pbt/run-pbt.js';

export const TOY_SPACE = {
  h0: { kind: 'float', low: 0, high: 1 },
  h1: { kind: 'float', low: 0, high: 1 },
} as const;

/** The toy run used by the crash test and its worker. */
export const TOY_RUN = { population: 4, readyEvery: 4, totalSteps: 24, concurrency: 4, synchronous: true } as const;

export type ToyParams = { h0: number; h1: number };

export function toyQ(theta: readonly number[]): number {
  return 1.2 - ((theta[0] as number) ** 2 + (theta[1] as number) ** 2);
}

export function toyMember(
  options: { stepDelayMs?: number; onStep?: (member: number, step: number, params: ToyParams) => void } = {},
): PbtMember<ToyParams, number[]> {
  return {
    init: () => [0.9, 0.9],
    async step(theta, p, ctx) {
      options.onStep?.(ctx.member, ctx.step, p);
      if (options.stepDelayMs) await new Promise((r) => setTimeout(r, options.stepDelayMs));
      const eta = 0.01;
      const g0 = -2 * p.h0 * (theta[0] as number);
      const g1 = -2 * p.h1 * (theta[1] as number);
      theta[0] = (theta[0] as number) + eta * g0;
      theta[1] = (theta[1] as number) + eta * g1;
      return toyQ(theta);
    },
    save: (theta) => theta.slice(),
    load: (state) => (state as number[]).slice(),
  };
}
