/** A config file's search space asked of a trial, define-by-run. */
import type { ParamSpec } from '../config/registry.js';
import type { ParamValue } from '../space/distributions.js';
import type { Trial } from '../study/trial.js';

/** The trial's active parameters, suggested in space order; a parameter with `when` is skipped unless its condition holds. */
export function suggestSpace(trial: Trial, space: readonly ParamSpec[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const p of space) {
    if (p.when && !Object.entries(p.when).every(([dep, vals]) => Object.hasOwn(params, dep) && vals.some((v) => v === params[dep]))) continue;
    const d = p.distribution;
    if (d.kind === 'float') params[p.name] = trial.suggestFloat(p.name, d.low, d.high, d.step !== null ? { step: d.step } : { log: d.log });
    else if (d.kind === 'int') params[p.name] = trial.suggestInt(p.name, d.low, d.high, d.log ? { log: true } : { step: d.step });
    else params[p.name] = trial.suggestCategorical(p.name, d.choices);
  }
  return params;
}
