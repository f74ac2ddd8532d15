/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan, "A fast and elitist
 * multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), 182–197, 2002).
 *
 * Per generation: the elite is the previous elite plus the newest generation,
 * cut to P by non-dominated sorting and crowding distance; parents are chosen
 * by the crowded binary tournament (lower front wins, then larger crowding
 * distance). With one objective it is an elitist genetic algorithm.
 * Generations, children and constraints: see genetic-sampler.ts.
 */
import type { Rng } from '../../math/rng.js';
import { type Elite, type EliteCandidates, selectNsga2Elite } from './elite-selection.js';
import { GeneticSampler, type GeneticSamplerOptions } from './genetic-sampler.js';

export type NsgaIISamplerOptions = GeneticSamplerOptions;

export class NsgaIISampler extends GeneticSampler {
  readonly name = 'NsgaIISampler';

  /**
   * Multi-objective genetic search; the first `populationSize` trials are random.
   * @example const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: new NsgaIISampler({ seed: 1, populationSize: 20 }) });
   */
  constructor(options: NsgaIISamplerOptions = {}) {
    super(options);
  }

  protected override survive(candidates: EliteCandidates, size: number, _rng: Rng): Elite {
    return selectNsga2Elite(candidates, size);
  }

  protected override tournament(elite: { readonly rank: Int32Array; readonly crowding: Float64Array }, a: number, b: number): number {
    const ra = elite.rank[a] as number;
    const rb = elite.rank[b] as number;
    if (ra !== rb) return ra < rb ? a : b;
    return (elite.crowding[b] as number) > (elite.crowding[a] as number) ? b : a;
  }
}
