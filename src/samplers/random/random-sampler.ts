/**
 * Uniform random search. Each value is a pure function of (seed, trial
 * number, parameter name), so results do not depend on the order in which
 * parallel workers ask, and the sampler never reads the history.
 */
import { fromUnit, type Distribution, type ParamValue, type SearchSpace } from '../../space/distributions.js';
import { randomSeed } from '../../math/rng.js';
import { InvalidArgumentError } from '../../errors.js';
import { type Sampler, type StudyView, type TrialView, trialSeed } from '../sampler.js';

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/** FNV-1a hash of a string, 32 bits. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A uniform draw in [0, 1) determined by (seed, trial number, name). */
export function keyedUniform(seed: number, trialNumber: number, name: string): number {
  const salt = hashName(name);
  const a = trialSeed(seed, trialNumber, salt) >>> 5;
  const b = trialSeed(seed ^ 0x5bd1e995, trialNumber, salt ^ 0x27d4eb2f) >>> 6;
  return (a * TWO_POW_26 + b) / TWO_POW_53;
}

export function checkSeed(seed: unknown): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidArgumentError(`seed must be an integer in [0, 2^32), got ${String(seed)}`, ['seed']);
  }
  return seed;
}

export class RandomSampler implements Sampler {
  readonly name = 'RandomSampler';
  readonly usesHistory: boolean = false;
  readonly seed: number;

  /** @example new RandomSampler({ seed: 1 }) */
  constructor(options: { seed?: number } = {}) {
    this.seed = (checkSeed(options.seed) ?? randomSeed()) >>> 0;
  }

  inferRelativeSearchSpace(_study: StudyView, _trial: TrialView): SearchSpace {
    return {};
  }

  sampleRelative(_study: StudyView, _trial: TrialView, _space: SearchSpace): Readonly<Record<string, ParamValue>> {
    return {};
  }

  sampleIndependent(_study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue {
    return fromUnit(distribution, keyedUniform(this.seed, trial.number, name));
  }
}
