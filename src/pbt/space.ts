/**
 * The hyperparameters a population adapts during training, and the two PBT
 * explore moves on them (Jaderberg et al., "Population Based Training of
 * Neural Networks", 2017, §3 and Appendix A):
 *
 * - perturb: a float or integer is multiplied by one of `factors` (0.8 or 1.2
 *   by default), a categorical moves to a neighbouring choice; the result is
 *   clipped into the range (Ray Tune does not clip, ray-project/ray#11936);
 * - resample: with probability `resampleProbability`, the value is drawn
 *   afresh from its distribution (log-uniform for `log`).
 */
import { InvalidArgumentError } from '../errors.js';
import type { Rng } from '../math/rng.js';
import {
  type CategoricalChoice,
  categoricalDistribution,
  type Distribution,
  floatDistribution,
  fromUnit,
  intDistribution,
  type ParamValue,
  snap,
} from '../space/distributions.js';

/** One hyperparameter: `{ kind: 'float', low, high, log? , step? }`, `{ kind: 'int', low, high, log?, step? }` or `{ kind: 'categorical', choices }`. */
export type PbtParamSpec =
  | { readonly kind: 'float'; readonly low: number; readonly high: number; readonly log?: boolean; readonly step?: number }
  | { readonly kind: 'int'; readonly low: number; readonly high: number; readonly log?: boolean; readonly step?: number }
  | { readonly kind: 'categorical'; readonly choices: readonly CategoricalChoice[] };

export type PbtSpace = Readonly<Record<string, PbtParamSpec>>;

/** The hyperparameter values a space gives a member: numbers, or one of the choices. */
export type PbtParams<S extends PbtSpace> = {
  -readonly [K in keyof S]: S[K] extends { readonly kind: 'categorical'; readonly choices: readonly (infer C)[] } ? C : number;
};

/** Validated distributions, in the order of the space's keys. */
export function toDistributions(space: PbtSpace): [string, Distribution][] {
  if (space === null || typeof space !== 'object' || Array.isArray(space)) {
    throw new InvalidArgumentError("space must be an object such as { lr: { kind: 'float', low: 1e-4, high: 1e-1, log: true } }", ['space']);
  }
  const out: [string, Distribution][] = [];
  for (const [name, spec] of Object.entries(space)) {
    const s = spec as PbtParamSpec;
    if (s === null || typeof s !== 'object') throw new InvalidArgumentError(`space.${name} must be an object with a kind`, ['space', name]);
    if (s.kind === 'float') out.push([name, floatDistribution(name, s.low, s.high, { log: s.log ?? false, step: s.step ?? null })]);
    else if (s.kind === 'int') out.push([name, intDistribution(name, s.low, s.high, { log: s.log ?? false, step: s.step ?? 1 })]);
    else if (s.kind === 'categorical') out.push([name, categoricalDistribution(name, s.choices)]);
    else {
      throw new InvalidArgumentError(`space.${name}.kind is ${JSON.stringify((s as { kind: unknown }).kind)}; use 'float', 'int' or 'categorical'`, [
        'space',
        name,
        'kind',
      ]);
    }
  }
  if (out.length === 0) throw new InvalidArgumentError('space has no hyperparameter; give at least one for PBT to adapt', ['space']);
  return out;
}

/** A value drawn from the whole distribution. */
export function sampleValue(d: Distribution, rng: Rng): ParamValue {
  return fromUnit(d, rng.random());
}

/** How one hyperparameter changed in an explore step. */
export interface PbtChange {
  readonly name: string;
  readonly from: ParamValue;
  readonly to: ParamValue;
  /** `perturb` (with `factor`), `shift` (with `shift`: -1 or +1), `resample`, or `pb2`. */
  readonly how: 'perturb' | 'shift' | 'resample' | 'pb2';
  readonly factor?: number;
  readonly shift?: number;
}

export interface PerturbOptions {
  readonly resampleProbability: number;
  readonly factors: readonly number[];
}

/** PBT's explore: every hyperparameter is perturbed or, with some probability, resampled. */
export function perturbParams(
  dists: readonly (readonly [string, Distribution])[],
  params: Readonly<Record<string, ParamValue>>,
  rng: Rng,
  options: PerturbOptions,
): { params: Record<string, ParamValue>; changes: PbtChange[] } {
  const next: Record<string, ParamValue> = { ...params };
  const changes: PbtChange[] = [];
  for (const [name, d] of dists) {
    const from = params[name] as ParamValue;
    // Draw both numbers always, so one parameter's branch never shifts another's stream.
    const u = rng.random();
    const pick = rng.random();
    const fresh = rng.random();
    let to: ParamValue;
    let change: PbtChange;
    if (u < options.resampleProbability) {
      to = fromUnit(d, fresh);
      change = { name, from, to, how: 'resample' };
    } else if (d.kind === 'categorical') {
      const i = d.choices.indexOf(from);
      const shift = pick < 0.5 ? -1 : 1;
      const j = Math.min(d.choices.length - 1, Math.max(0, Math.max(i, 0) + shift));
      to = d.choices[j] as ParamValue;
      change = { name, from, to, how: 'shift', shift };
    } else {
      const factor = options.factors[Math.min(options.factors.length - 1, Math.floor(pick * options.factors.length))] as number;
      to = snap(d, (from as number) * factor);
      change = { name, from, to, how: 'perturb', factor };
    }
    next[name] = to;
    changes.push(change);
  }
  return { params: next, changes };
}
