/**
 * Linear models: logistic regression (ml-logistic-regression, one-vs-rest
 * by gradient descent; an intercept column is added here) for
 * classification, and ridge regression for regression, solved exactly:
 * with X and y centred, w = (XᵀX + αI)⁻¹ Xᵀy by Cholesky, b = ȳ − x̄ᵀw.
 */
import type LogisticRegressionType from 'ml-logistic-regression';
import { InvalidArgumentError } from '../../errors.js';
import { cholesky, choleskySolve } from '../../math/linalg.js';
import { cjsDefault, type FitContext, type FittedModel, type HyperParam, importOptional, type ModelFamily, num } from './model.js';

export interface RidgeState {
  readonly kind: 'ridge';
  readonly weights: number[];
  readonly intercept: number;
}

/** Ridge regression by the normal equations. */
export function fitRidge(x: readonly (readonly number[])[], y: readonly number[], alpha: number): RidgeState {
  const n = x.length;
  const d = n > 0 ? (x[0] as readonly number[]).length : 0;
  const xm = new Float64Array(d);
  for (const row of x) for (let j = 0; j < d; j++) xm[j] = (xm[j] as number) + (row[j] as number) / n;
  const ym = y.reduce((a, b) => a + b, 0) / n;
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = x[i] as readonly number[];
    const yi = (y[i] as number) - ym;
    for (let j = 0; j < d; j++) {
      const xj = (row[j] as number) - (xm[j] as number);
      b[j] = (b[j] as number) + xj * yi;
      for (let k = 0; k <= j; k++) a[j * d + k] = (a[j * d + k] as number) + xj * ((row[k] as number) - (xm[k] as number));
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) a[k * d + j] = a[j * d + k] as number;
    a[j * d + j] = (a[j * d + j] as number) + alpha;
  }
  const l = new Float64Array(d * d);
  if (!cholesky(a, d, l)) throw new InvalidArgumentError(`ridge regression: XᵀX + αI is not positive definite (alpha=${alpha}); use a larger alpha`);
  const w = choleskySolve(l, d, b);
  let intercept = ym;
  for (let j = 0; j < d; j++) intercept -= (xm[j] as number) * (w[j] as number);
  return { kind: 'ridge', weights: Array.from(w), intercept };
}

function ridgeModel(s: RidgeState): FittedModel {
  return {
    predict: (x) => x.map((row) => row.reduce((acc, v, j) => acc + v * (s.weights[j] as number), s.intercept)),
    toJSON: () => s,
  };
}

interface MlMatrixModule {
  Matrix: { new (rows: number[][]): unknown; columnVector(v: number[]): unknown };
}

async function logistic(): Promise<{ LogisticRegression: typeof LogisticRegressionType; Matrix: MlMatrixModule['Matrix'] }> {
  const LogisticRegression = cjsDefault<typeof LogisticRegressionType>(await importOptional('ml-logistic-regression'));
  const { Matrix } = await importOptional<MlMatrixModule>('ml-matrix');
  return { LogisticRegression, Matrix };
}

const withIntercept = (x: readonly (readonly number[])[]): number[][] => x.map((r) => [...r, 1]);

function logisticModel(model: LogisticRegressionType, Matrix: MlMatrixModule['Matrix'], ctx: FitContext): FittedModel {
  const proba = (x: readonly (readonly number[])[]): number[][] => {
    const m = new Matrix(withIntercept(x));
    // Classifier c scores P(not c); one-vs-rest shares normalised to sum 1.
    const scores = model.classifiers.map((c) => c.testScores(m));
    return x.map((_, i) => {
      const row = Array.from({ length: ctx.nClasses }, (_, c) => 1 - ((scores[c] as number[] | undefined)?.[i] ?? 1) + 1e-12);
      const s = row.reduce((a, b) => a + b, 0);
      return row.map((v) => v / s);
    });
  };
  return {
    predict: (x) => proba(x).map((row) => row.indexOf(Math.max(...row))),
    predictProba: proba,
    toJSON: () => JSON.parse(JSON.stringify(model.toJSON())),
  };
}

export const linearFamily: ModelFamily = {
  name: 'linear',
  tasks: ['classification', 'regression'],
  scale: true,
  space: (task): readonly HyperParam[] =>
    task === 'regression'
      ? [{ kind: 'float', name: 'alpha', low: 1e-4, high: 1e3, log: true }]
      : [
          { kind: 'int', name: 'numSteps', low: 50, high: 3000, log: true },
          { kind: 'float', name: 'learningRate', low: 1e-3, high: 10, log: true },
        ],
  async fit(x, y, p, ctx) {
    if (ctx.task === 'regression') return ridgeModel(fitRidge(x, y, num(p, 'alpha')));
    const { LogisticRegression, Matrix } = await logistic();
    // The library steps along the summed gradient; dividing by n makes learningRate a step on the mean.
    const model = new LogisticRegression({ numSteps: num(p, 'numSteps'), learningRate: num(p, 'learningRate') / x.length });
    model.train(new Matrix(withIntercept(x)), Matrix.columnVector(y));
    return logisticModel(model, Matrix, ctx);
  },
  async load(state, ctx) {
    if (ctx.task === 'regression') return ridgeModel(state as RidgeState);
    const { LogisticRegression, Matrix } = await logistic();
    return logisticModel(LogisticRegression.load(state), Matrix, ctx);
  },
};
