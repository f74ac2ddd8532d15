/**
 * Gaussian naive Bayes, written here: ml-naivebayes 4.0.0's GaussianNB
 * scores only the first feature (its loop bound is the length of a
 * two-element constant pair) and underflows by exponentiating the summed
 * log-likelihoods, so it is not used. As scikit-learn's GaussianNB: per-class
 * means and variances, every variance increased by ε = varSmoothing · (the
 * largest feature variance), log prior + Σ log N(x | μ, σ²), probabilities
 * by a log-sum-exp softmax.
 */
import type { FitContext, FittedModel, HyperParam, ModelFamily } from './model.js';
import { argmax, num } from './model.js';

export interface GaussianNbState {
  readonly kind: 'gaussian-nb';
  readonly logPrior: number[];
  readonly means: number[][];
  readonly variances: number[][];
}

export function fitGaussianNb(x: readonly (readonly number[])[], y: readonly number[], nClasses: number, varSmoothing: number): GaussianNbState {
  const d = x[0]?.length ?? 0;
  const n = x.length;
  let maxVar = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (const r of x) m += (r[j] as number) / n;
    let v = 0;
    for (const r of x) v += ((r[j] as number) - m) ** 2 / n;
    maxVar = Math.max(maxVar, v);
  }
  const eps = varSmoothing * maxVar || 1e-12;
  const counts = new Array<number>(nClasses).fill(0);
  const means = Array.from({ length: nClasses }, () => new Array<number>(d).fill(0));
  const variances = Array.from({ length: nClasses }, () => new Array<number>(d).fill(0));
  x.forEach((r, i) => {
    const c = y[i] as number;
    (counts[c] as number)++;
    const m = means[c] as number[];
    for (let j = 0; j < d; j++) m[j] = (m[j] as number) + (r[j] as number);
  });
  means.forEach((m, c) => {
    for (let j = 0; j < d; j++) m[j] = (m[j] as number) / Math.max(1, counts[c] as number);
  });
  x.forEach((r, i) => {
    const c = y[i] as number;
    const m = means[c] as number[];
    const v = variances[c] as number[];
    for (let j = 0; j < d; j++) v[j] = (v[j] as number) + ((r[j] as number) - (m[j] as number)) ** 2;
  });
  variances.forEach((v, c) => {
    for (let j = 0; j < d; j++) v[j] = (v[j] as number) / Math.max(1, counts[c] as number) + eps;
  });
  const logPrior = counts.map((k) => (k > 0 ? Math.log(k / n) : Number.NEGATIVE_INFINITY));
  return { kind: 'gaussian-nb', logPrior, means, variances };
}

export function gaussianNbProba(s: GaussianNbState, x: readonly (readonly number[])[]): number[][] {
  return x.map((r) => {
    const logp = s.logPrior.map((lp, c) => {
      let acc = lp;
      const m = s.means[c] as number[];
      const v = s.variances[c] as number[];
      for (let j = 0; j < r.length; j++)
        acc -= 0.5 * (Math.log(2 * Math.PI * (v[j] as number)) + ((r[j] as number) - (m[j] as number)) ** 2 / (v[j] as number));
      return acc;
    });
    const top = Math.max(...logp);
    const e = logp.map((l) => Math.exp(l - top));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  });
}

function model(s: GaussianNbState): FittedModel {
  return {
    predict: (x) => gaussianNbProba(s, x).map(argmax),
    predictProba: (x) => gaussianNbProba(s, x),
    toJSON: () => s,
  };
}

export const naiveBayesFamily: ModelFamily = {
  name: 'naive_bayes',
  tasks: ['classification'],
  scale: false,
  space: (): readonly HyperParam[] => [{ kind: 'float', name: 'varSmoothing', low: 1e-9, high: 1, log: true }],
  async fit(x, y, p, ctx: FitContext) {
    return model(fitGaussianNb(x, y, ctx.nClasses, num(p, 'varSmoothing')));
  },
  async load(state) {
    return model(state as GaussianNbState);
  },
};
