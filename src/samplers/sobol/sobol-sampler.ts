/**
 * Quasi-random search with a scrambled Sobol sequence (as Optuna's
 * QMCSampler). The joint space is the one of the first COMPLETE trial (the
 * first trials are sampled at random); trial number n takes point n of the
 * sequence, so parallel workers take distinct points without coordination.
 * Parameters outside that space are sampled at random.
 */
import { SobolEngine } from '../../math/sobol.js';
import { randomSeed } from '../../math/rng.js';
import { type Distribution, fromUnit, isSingle, type ParamValue, type SearchSpace } from '../../space/distributions.js';
import { checkSeed, RandomSampler } from '../random/random-sampler.js';
import type { Sampler, StudyView, TrialView } from '../sampler.js';

export class SobolSampler implements Sampler {
  readonly name = 'SobolSampler';
  readonly usesHistory = true;
  readonly seed: number;
  readonly scramble: boolean;
  private readonly independent: RandomSampler;
  private engine: { key: string; engine: SobolEngine } | null = null;

  /** @example new SobolSampler({ seed: 1 }) */
  constructor(options: { seed?: number; scramble?: boolean } = {}) {
    this.seed = (checkSeed(options.seed) ?? randomSeed()) >>> 0;
    this.scramble = options.scramble ?? true;
    this.independent = new RandomSampler({ seed: (this.seed ^ 0x2545f491) >>> 0 });
  }

  inferRelativeSearchSpace(study: StudyView): SearchSpace {
    const first = study.getTrials(['COMPLETE'])[0];
    if (!first) return {};
    const out: Record<string, Distribution> = {};
    for (const name of Object.keys(first.distributions).sort()) {
      const d = first.distributions[name] as Distribution;
      if (!isSingle(d)) out[name] = d;
    }
    return out;
  }

  sampleRelative(_study: StudyView, trial: TrialView, space: SearchSpace): Readonly<Record<string, ParamValue>> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    const key = JSON.stringify(names);
    if (this.engine?.key !== key) this.engine = { key, engine: new SobolEngine(names.length, { scramble: this.scramble, seed: this.seed }) };
    const u = this.engine.engine.point(trial.number);
    const out: Record<string, ParamValue> = {};
    names.forEach((n, i) => {
      out[n] = fromUnit(space[n] as Distribution, u[i] as number);
    });
    return out;
  }

  sampleIndependent(study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue {
    return this.independent.sampleIndependent(study, trial, name, distribution);
  }
}
