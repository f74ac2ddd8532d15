/**
 * The search space shared by every finished trial: parameters present in all
 * of them with one identical distribution (Optuna's intersection search
 * space). Joint samplers model this space; the rest is sampled independently.
 */
import { distributionsEqual, isSingle, type Distribution, type SearchSpace } from '../space/distributions.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';

export function intersectionSearchSpace(trials: readonly FrozenTrial[], options: { includePruned?: boolean } = {}): SearchSpace {
  let space: Map<string, Distribution> | null = null;
  for (const t of trials) {
    if (!(t.state === 'COMPLETE' || (options.includePruned && t.state === 'PRUNED'))) continue;
    if (space === null) {
      space = new Map(Object.entries(t.distributions));
      continue;
    }
    for (const [name, d] of space) {
      const other = t.distributions[name];
      if (!other || !distributionsEqual(d, other)) space.delete(name);
    }
  }
  const out: Record<string, Distribution> = {};
  if (space === null) return out;
  for (const name of [...space.keys()].sort()) {
    const d = space.get(name) as Distribution;
    if (!isSingle(d)) out[name] = d;
  }
  return out;
}
