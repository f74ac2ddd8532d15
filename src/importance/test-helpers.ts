/** Synthetic trials for the importance tests and benchmark (not exported from the package). */
import { Rng } from '../math/rng.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { type FrozenTrial, frozenTrial as makeTrial } from '../trial/frozen-trial.js';
import type { TrialState } from '../trial/state.js';

const UNIT: Distribution = { kind: 'float', low: 0, high: 1, log: false, step: null };

export function frozenTrial(
  number: number,
  params: Record<string, ParamValue>,
  distributions: Record<string, Distribution>,
  values: readonly number[] | null,
  state: TrialState = 'COMPLETE',
): FrozenTrial {
  return makeTrial({ number, state, value: values === null ? null : (values[0] ?? null), values, params, distributions });
}

/** n trials of D uniform parameters x0 … x{D-1} on [0, 1], target f(x). */
export function uniformTrials(n: number, D: number, seed: number, f: (x: Float64Array) => number): FrozenTrial[] {
  const rng = new Rng(seed);
  const out: FrozenTrial[] = [];
  const distributions: Record<string, Distribution> = {};
  for (let d = 0; d < D; d++) distributions[`x${d}`] = UNIT;
  const x = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    const params: Record<string, number> = {};
    for (let d = 0; d < D; d++) {
      x[d] = rng.random();
      params[`x${d}`] = x[d] as number;
    }
    out.push(frozenTrial(i, params, distributions, [f(x)]));
  }
  return out;
}
