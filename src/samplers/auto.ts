/**
 * AutoSampler: the default sampler. Before each trial it picks an algorithm
 * from the search space, the number of objectives and the trials so far, and
 * delegates that trial to it:
 *
 * - one objective, a continuous, mixed or conditional space, fewer than
 *   `gpMaxTrials` finished trials → GpSampler (the most progress per trial on
 *   small budgets; it models each conditional branch on the trials that have it);
 * - a mostly categorical space, constraints, or a long run → TpeSampler
 *   (categorical kernels, feasibility-first ranking, and fast at thousands of
 *   trials);
 * - two objectives, a continuous or mixed unconstrained space, fewer than
 *   `moGpMaxTrials` finished trials → GpSampler (log EHVI: on the ZDT
 *   problems it is the only sampler that reaches the front within 100 trials);
 * - several objectives otherwise → TpeSampler (MOTPE) up to `nsgaMinTrials`,
 *   then NsgaIISampler, whose cost per trial does not grow with the history.
 *
 * The choice is a function of the history alone, so every worker of a study
 * makes the same one; it is recorded in the study's system attribute
 * `dials:auto_sampler` with the reason.
 */
import { InvalidArgumentError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { Distribution, ParamValue, SearchSpace } from '../space/distributions.js';
import { constraintsOf } from '../trial/constraints.js';
import type { TrialState } from '../trial/state.js';
import { GpSampler } from './gp/gp-sampler.js';
import { NsgaIISampler } from './nsga/nsga2-sampler.js';
import { checkSeed } from './random/random-sampler.js';
import { randomSeed } from '../math/rng.js';
import type { Sampler, StudyView, TrialView } from './sampler.js';
import { TpeSampler } from './tpe/tpe-sampler.js';

export const AUTO_SAMPLER_ATTR = 'dials:auto_sampler';

export interface AutoSamplerOptions {
  readonly seed?: number;
  /** Finished trials after which a single-objective study leaves the GP for TPE (default 200). */
  readonly gpMaxTrials?: number;
  /** Finished trials after which a multi-objective study moves from TPE to NSGA-II (default 1000). */
  readonly nsgaMinTrials?: number;
  /** Finished trials after which a two-objective study leaves the GP for TPE (default 100). */
  readonly moGpMaxTrials?: number;
}

export interface AutoChoice {
  readonly sampler: 'GpSampler' | 'TpeSampler' | 'NsgaIISampler';
  readonly reason: string;
}

const FINISHED: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'FAIL'];

/** Decides which algorithm suits the study as its history stands (exported for tests and tools). */
export function chooseSampler(study: StudyView, options: { gpMaxTrials: number; nsgaMinTrials: number; moGpMaxTrials?: number }): AutoChoice {
  const finished = study.getTrials(FINISHED);
  const nComplete = finished.filter((t) => t.state === 'COMPLETE').length;
  const nObjectives = study.directions.length;
  if (nObjectives > 1 && nComplete >= options.nsgaMinTrials) {
    return {
      sampler: 'NsgaIISampler',
      reason: `${nObjectives} objectives and ${nComplete} finished trials (≥ ${options.nsgaMinTrials}): NSGA-II's cost per trial does not grow with the history`,
    };
  }
  const moGpMaxTrials = options.moGpMaxTrials ?? 100;
  if (nObjectives > 2 || (nObjectives === 2 && nComplete >= moGpMaxTrials)) {
    return { sampler: 'TpeSampler', reason: `${nObjectives} objectives and ${nComplete} finished trials: multi-objective TPE` };
  }
  const names = new Map<string, Distribution>();
  const counts = new Map<string, number>();
  let withParams = 0;
  for (const t of finished) {
    const keys = Object.keys(t.distributions);
    if (keys.length === 0) continue;
    withParams++;
    for (const k of keys) {
      names.set(k, t.distributions[k] as Distribution);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const conditional = [...counts.values()].some((c) => c !== withParams);
  const categorical = [...names.values()].filter((d) => d.kind === 'categorical').length;
  if (names.size > 0 && categorical * 2 > names.size) {
    return { sampler: 'TpeSampler', reason: `${categorical} of ${names.size} parameters are categorical: TPE's categorical kernels suit them` };
  }
  if (finished.some((t) => constraintsOf(t) !== null)) return { sampler: 'TpeSampler', reason: 'constrained study: TPE ranks feasible trials first' };
  const kind = conditional ? 'conditional' : categorical > 0 ? 'mixed' : 'continuous';
  if (nObjectives === 2) {
    return {
      sampler: 'GpSampler',
      reason: `2 objectives, ${kind} space and ${nComplete} finished trials (< ${moGpMaxTrials}): a Gaussian process with log expected hypervolume improvement`,
    };
  }
  if (nComplete >= options.gpMaxTrials) {
    return { sampler: 'TpeSampler', reason: `${nComplete} finished trials (≥ ${options.gpMaxTrials}): TPE keeps each suggestion fast on long runs` };
  }
  return {
    sampler: 'GpSampler',
    reason: `${kind} space and ${nComplete} finished trials (< ${options.gpMaxTrials}): a Gaussian process gets the most from few trials`,
  };
}

function trialCount(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(`AutoSampler: ${name} must be a whole number of trials ≥ 0, got ${String(v)}`, [name]);
  }
  return v;
}

export class AutoSampler implements Sampler {
  readonly name = 'AutoSampler';
  readonly usesHistory = true;
  readonly seed: number;
  private readonly gpMaxTrials: number;
  private readonly nsgaMinTrials: number;
  private readonly moGpMaxTrials: number;
  private readonly samplers: Record<AutoChoice['sampler'], Sampler>;
  private readonly perTrial = new Map<number, AutoChoice>();
  private latest: { choice: AutoChoice; since: number } | null = null;

  /** @example createStudy({ sampler: new AutoSampler({ seed: 1 }) }) — also what createStudy uses when no sampler is given. */
  constructor(options: AutoSamplerOptions = {}) {
    this.seed = (checkSeed(options.seed) ?? randomSeed()) >>> 0;
    this.gpMaxTrials = trialCount(options.gpMaxTrials, 200, 'gpMaxTrials');
    this.nsgaMinTrials = trialCount(options.nsgaMinTrials, 1000, 'nsgaMinTrials');
    this.moGpMaxTrials = trialCount(options.moGpMaxTrials, 100, 'moGpMaxTrials');
    // Each algorithm gets a seed of its own, derived from ours.
    this.samplers = {
      GpSampler: new GpSampler({ seed: (this.seed ^ 0x6a09e667) >>> 0 }),
      TpeSampler: new TpeSampler({ seed: (this.seed ^ 0xbb67ae85) >>> 0 }),
      NsgaIISampler: new NsgaIISampler({ seed: (this.seed ^ 0x3c6ef372) >>> 0 }),
    };
  }

  private choiceFor(study: StudyView, trial: TrialView): AutoChoice {
    let c = this.perTrial.get(trial.number);
    if (!c) {
      c = chooseSampler(study, { gpMaxTrials: this.gpMaxTrials, nsgaMinTrials: this.nsgaMinTrials, moGpMaxTrials: this.moGpMaxTrials });
      this.perTrial.set(trial.number, c);
      if (this.latest === null || this.latest.choice.sampler !== c.sampler) this.latest = { choice: c, since: trial.number };
    }
    return c;
  }

  inferRelativeSearchSpace(study: StudyView, trial: TrialView): SearchSpace {
    // A new trial: decide afresh from its history (a retried number is decided again too).
    this.perTrial.delete(trial.number);
    return this.samplers[this.choiceFor(study, trial).sampler].inferRelativeSearchSpace(study, trial);
  }

  sampleRelative(study: StudyView, trial: TrialView, space: SearchSpace): Readonly<Record<string, ParamValue>> {
    return this.samplers[this.choiceFor(study, trial).sampler].sampleRelative(study, trial, space);
  }

  sampleIndependent(study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue {
    return this.samplers[this.choiceFor(study, trial).sampler].sampleIndependent(study, trial, name, distribution);
  }

  afterTrial(study: StudyView, trial: TrialView, state: TrialState, values: readonly number[] | null): void {
    const c = this.perTrial.get(trial.number);
    this.perTrial.delete(trial.number);
    if (c) this.samplers[c.sampler].afterTrial?.(study, trial, state, values);
  }

  systemAttrs(): Readonly<Record<string, JsonValue>> {
    if (this.latest === null) return {};
    return { [AUTO_SAMPLER_ATTR]: { sampler: this.latest.choice.sampler, reason: this.latest.choice.reason, sinceTrial: this.latest.since } };
  }
}
