/**
 * The GP sampler's hook for warm starts through a model of earlier studies
 * (implemented in src/transfer, e.g. the ranking-weighted ensemble): the
 * model proposes the first configurations and turns the study's own GP into
 * the model the acquisition maximizes over.
 */
import type { ParamValue } from '../../space/distributions.js';
import type { GaussianProcess } from './gp.js';
import type { SearchBox } from './optimize-acqf.js';
import type { GpSearchSpace } from './search-space.js';

/** What the sampler knows when it asks for the acquisition's model. */
export interface GpTransferInput {
  readonly space: GpSearchSpace;
  /** +1 when the study maximizes, −1 when it minimizes (earlier values times sign are maximized). */
  readonly sign: number;
  /** The study's GP, fitted to `y` at the rows of `x`. */
  readonly own: GaussianProcess;
  /** The study's finished trials, encoded (n×d, row-major). */
  readonly x: Float64Array;
  /** Their targets as the GP sees them (higher is better). */
  readonly y: Float64Array;
  readonly n: number;
  /** For any randomness (the same seed gives the same model). */
  readonly seed: number;
}

export interface GpTransferModel {
  readonly name: string;
  /** The k-th configuration of the initial design (while the study has fewer than 2 finished trials), or null. */
  initialPoint(space: GpSearchSpace, sign: number, k: number): Record<string, ParamValue> | null;
  /**
   * A map from the study's GP (as fitted, or with running trials fantasized)
   * to the model the acquisition sees, on the scale of `y`. Only its
   * posterior queries (posterior, posteriorWithGrad, posteriorBatch) and `d`,
   * `n`, `params`, `isCategorical`, `targets` are used.
   */
  prepare(input: GpTransferInput): (own: GaussianProcess) => GaussianProcess;
  /**
   * Optional: a box of the unit cube the acquisition's search is confined to
   * (a trust region), or null for the whole space.
   */
  region?(input: GpTransferInput): SearchBox | null;
}
