/**
 * A GP with a prior mean: the GP is fitted to the residuals y − m(x) and the
 * acquisition sees its posterior plus m. The GP sampler's prior-mean warm
 * start and the RGPE's own member (a constant m) both use it.
 */
import type { GaussianProcess } from './gp.js';

/** A prior mean m(x) over encoded points, with its gradient. */
export interface PriorMean {
  /** m at row `row` of `xs` (n×d, row-major). */
  at(xs: Float64Array, row: number): number;
  /** m at x; writes ∇m into `grad`. */
  withGrad(x: Float64Array, grad: Float64Array): number;
  /** m at the first `m` rows of `xs`, into `out`. */
  batch(xs: Float64Array, m: number, out: Float64Array): void;
}

/** m(x) = c. */
export function constantPriorMean(c: number): PriorMean {
  return {
    at: () => c,
    withGrad: (_x, grad) => {
      grad.fill(0);
      return c;
    },
    batch: (_xs, m, out) => {
      out.fill(c, 0, m);
    },
  };
}

/**
 * The GP seen by the acquisition: `gp` (fitted to residuals) plus the prior
 * mean. It only answers posterior queries; fantasize the residual GP first.
 * `targets` is what the view reports as its targets (default the residuals).
 */
export function withPriorMean(gp: GaussianProcess, prior: PriorMean, targets: () => Float64Array = () => gp.targets()): GaussianProcess {
  const grad = new Float64Array(gp.d);
  let buf = new Float64Array(0);
  const view = {
    d: gp.d,
    isCategorical: gp.isCategorical,
    params: gp.params,
    get n() {
      return gp.n;
    },
    posterior(xs: Float64Array, row: number, out: { mean: number; variance: number }): void {
      gp.posterior(xs, row, out);
      out.mean += prior.at(xs, row);
    },
    posteriorWithGrad(x: Float64Array, out: { mean: number; variance: number }, gradMean: Float64Array, gradVar: Float64Array): void {
      gp.posteriorWithGrad(x, out, gradMean, gradVar);
      out.mean += prior.withGrad(x, grad);
      for (let j = 0; j < gp.d; j++) gradMean[j] = (gradMean[j] as number) + (grad[j] as number);
    },
    posteriorBatch(xs: Float64Array, m: number, means: Float64Array, variances: Float64Array): void {
      gp.posteriorBatch(xs, m, means, variances);
      if (buf.length < m) buf = new Float64Array(m);
      prior.batch(xs, m, buf);
      for (let r = 0; r < m; r++) means[r] = (means[r] as number) + (buf[r] as number);
    },
    targets,
  };
  return view as unknown as GaussianProcess;
}
