/**
 * GPs of earlier studies for a warm start, shared by the GP sampler's prior
 * mean (`priorTrials`) and the ranking-weighted ensemble (src/transfer/rgpe.ts):
 * per earlier study, a GP fitted once per encoded space to its trials there
 * (the best third and an even spread of the rest, the fit being O(n³)), and
 * those trials best first for the initial design.
 */
import type { ParamValue } from '../../space/distributions.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import { type FitOptions, fitKernelParams, GaussianProcess, type GpData } from './gp.js';
import type { GpSearchSpace } from './search-space.js';

/** One earlier study's model, over one encoded space. */
export interface EarlierStudyModel {
  readonly gp: GaussianProcess;
  /** The study's trials in this space, best first (for the initial design). */
  readonly best: Record<string, ParamValue>[];
}

export interface EarlierStudyModelsOptions {
  /** A study with fewer trials in the space gets no model. */
  readonly minTrials: number;
  /** Points a model is fitted to at most. */
  readonly maxPoints: number;
  /** The GP's targets from the values (higher is better), e.g. standardized or warped. */
  readonly targets: (values: number[]) => Float64Array;
  readonly fit: FitOptions;
}

/** Models kept for conditional subspaces (least recently added dropped). */
const MAX_CACHED_SPACES = 32;

export class EarlierStudyModels {
  /** Per earlier study, its COMPLETE single-objective trials with a finite value (studies without any left out). */
  readonly groups: readonly (readonly FrozenTrial[])[];
  private readonly options: EarlierStudyModelsOptions;
  private readonly cache = new Map<string, EarlierStudyModel[]>();

  constructor(groups: readonly (readonly FrozenTrial[])[], options: EarlierStudyModelsOptions) {
    this.groups = groups
      .map((g) => g.filter((t) => t.state === 'COMPLETE' && t.values !== null && t.values.length === 1 && Number.isFinite(t.values[0])))
      .filter((g) => g.length > 0);
    this.options = options;
  }

  /** Per earlier study with at least `minTrials` trials in `space`, its model; `sign` +1 to maximize the values, −1 to minimize. */
  models(space: GpSearchSpace, sign: number): EarlierStudyModel[] {
    const key = `${sign}:${space.key}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const { minTrials, maxPoints: cap, targets, fit } = this.options;
    const out: EarlierStudyModel[] = [];
    const d = space.dim;
    for (const g of this.groups) {
      const x = new Float64Array(g.length * d);
      const used: number[] = [];
      for (const t of g) if (space.encode(t.params, x, used.length * d)) used.push(sign * (t.value as number));
      if (used.length < minTrials) continue;
      const order = used.map((_, i) => i).sort((a, b) => (used[b] as number) - (used[a] as number) || a - b);
      const nBest = Math.floor(cap / 3);
      const keep =
        order.length <= cap
          ? order
          : [
              ...order.slice(0, nBest),
              ...Array.from({ length: cap - nBest }, (_, k) => order[nBest + Math.floor((k * (order.length - nBest)) / (cap - nBest))] as number),
            ];
      const xs = new Float64Array(keep.length * d);
      keep.forEach((r, i) => {
        xs.set(x.subarray(r * d, r * d + d), i * d);
      });
      const data: GpData = { x: xs, y: targets(keep.map((r) => used[r] as number)), n: keep.length, d, isCategorical: space.isCategorical };
      out.push({ gp: GaussianProcess.build(data, fitKernelParams(data, fit)), best: order.map((r) => space.decode(x, r * d)) });
    }
    if (this.cache.size >= MAX_CACHED_SPACES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, out);
    return out;
  }

  /** The k-th configuration of the initial design: the studies' best configurations in turn; null without models. */
  initialPoint(space: GpSearchSpace, sign: number, k: number): Record<string, ParamValue> | null {
    const models = this.models(space, sign);
    if (models.length === 0) return null;
    const m = models[k % models.length] as EarlierStudyModel;
    return m.best[Math.floor(k / models.length) % m.best.length] ?? null;
  }
}
