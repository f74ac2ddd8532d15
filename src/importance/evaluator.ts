/**
 * The importance evaluator contract: encoded trials in, one raw (not
 * normalised) non-negative importance per encoded parameter out.
 */
import type { ImportanceData } from './dataset.js';

export interface ImportanceEvaluator {
  /** Short name shown by the CLI and the dashboard ('fanova', 'ped-anova', 'mdi'). */
  readonly name: string;
  /** True when the evaluator can also score pairs of parameters (only fANOVA). */
  readonly supportsInteractions: boolean;
  /** One importance per `data.features[d]`, in that order; >= 0. */
  evaluate(data: ImportanceData): Float64Array;
}
