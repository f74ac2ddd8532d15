/**
 * Constraints of a trial: numbers where ≤ 0 means satisfied (Optuna's
 * convention). The objective records them with `trial.setConstraints([...])`;
 * they are kept in the trial's system attributes so every sampler, process and
 * the dashboard read the same values.
 */
import type { FrozenTrial } from './frozen-trial.js';

export const CONSTRAINTS_ATTR = 'dials:constraints';

/** The trial's constraint values, or null when it recorded none. */
export function constraintsOf(trial: FrozenTrial): readonly number[] | null {
  const c = trial.systemAttrs[CONSTRAINTS_ATTR];
  return Array.isArray(c) && c.every((x) => typeof x === 'number') ? (c as number[]) : null;
}

/** Sum of the positive parts of the constraints: 0 for a feasible trial (and for one without constraints). */
export function constraintViolation(trial: FrozenTrial): number {
  const c = constraintsOf(trial);
  if (c === null) return 0;
  let v = 0;
  for (const x of c) v += Number.isNaN(x) ? Number.POSITIVE_INFINITY : Math.max(0, x);
  return v;
}

export function isFeasible(trial: FrozenTrial): boolean {
  return constraintViolation(trial) === 0;
}
