/**
 * NSGA-III (Deb & Jain, "An evolutionary many-objective optimization
 * algorithm using reference-point-based nondominated sorting approach, part I",
 * IEEE TEC 18(4), 577–601, 2014), for three or more objectives.
 *
 * As NSGA-II, but the front that does not fit in the elite is cut by niching:
 * each candidate is associated with the nearest reference line (through the
 * origin and a Das–Dennis point of the normalized objective space), and the
 * least crowded lines are filled first. Parents are chosen by a binary
 * tournament on fronts only. The niching draws come from a stream of
 * (seed, generation), so the elite is a function of the history.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Rng } from '../../math/rng.js';
import { type Elite, type EliteCandidates, selectNsga3Elite } from './elite-selection.js';
import { GeneticSampler, type GeneticSamplerOptions } from './genetic-sampler.js';
import { dasDennisPoints, defaultDivisions } from './reference-points.js';

export interface NsgaIIISamplerOptions extends GeneticSamplerOptions {
  /** Reference points, one per row with one coordinate per objective (default: Das–Dennis points). */
  readonly referencePoints?: readonly (readonly number[])[];
  /** Divisions p of the Das–Dennis points (default: the largest p giving at most populationSize points). */
  readonly dividingParameter?: number;
}

export class NsgaIIISampler extends GeneticSampler {
  readonly name = 'NsgaIIISampler';
  private readonly referencePoints: readonly (readonly number[])[] | undefined;
  private readonly dividingParameter: number | undefined;
  private readonly defaults = new Map<number, readonly (readonly number[])[]>();

  /**
   * Many-objective genetic search; the first `populationSize` trials are random.
   * @example const sampler = new NsgaIIISampler({ seed: 1, populationSize: 92, dividingParameter: 12 });
   */
  constructor(options: NsgaIIISamplerOptions = {}) {
    super(options);
    const refs = options.referencePoints;
    if (refs !== undefined) {
      const m = Array.isArray(refs) && refs.length > 0 && Array.isArray(refs[0]) ? (refs[0] as readonly number[]).length : 0;
      const ok = m > 0 && refs.every((r) => Array.isArray(r) && r.length === m && r.every((v) => Number.isFinite(v) && v >= 0) && r.some((v) => v > 0));
      if (!ok) {
        throw new InvalidArgumentError('referencePoints must be a non-empty array of equally long rows of finite numbers >= 0, none all zero', [
          'referencePoints',
        ]);
      }
      this.referencePoints = refs.map((r) => r.slice());
    }
    const p = options.dividingParameter;
    if (p !== undefined && (!Number.isSafeInteger(p) || p < 1)) {
      throw new InvalidArgumentError(`dividingParameter must be a positive integer, got ${String(p)}`, ['dividingParameter']);
    }
    this.dividingParameter = p;
  }

  /** The reference points used for m objectives. */
  referencePointsFor(m: number): readonly (readonly number[])[] {
    if (this.referencePoints !== undefined) {
      if ((this.referencePoints[0] as readonly number[]).length !== m) {
        throw new InvalidArgumentError(
          `referencePoints have ${(this.referencePoints[0] as readonly number[]).length} coordinates but the study has ${m} objectives`,
          ['referencePoints'],
        );
      }
      return this.referencePoints;
    }
    let refs = this.defaults.get(m);
    if (refs === undefined) {
      refs = dasDennisPoints(m, this.dividingParameter ?? defaultDivisions(m, this.populationSize));
      this.defaults.set(m, refs);
    }
    return refs;
  }

  protected override survive(candidates: EliteCandidates, size: number, rng: Rng): Elite {
    return selectNsga3Elite(candidates, size, this.referencePointsFor(candidates.m), rng);
  }

  protected override tournament(elite: { readonly rank: Int32Array }, a: number, b: number): number {
    return (elite.rank[b] as number) < (elite.rank[a] as number) ? b : a;
  }
}
