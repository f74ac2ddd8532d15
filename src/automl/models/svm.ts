/**
 * Support vector machines with libsvm-js (libsvm compiled to asm.js, which
 * needs no .wasm file and loads offline): C-SVC for classification,
 * ε-SVR for regression on a standardised target. RBF or linear kernel;
 * γ is given relative to 1/d (scikit-learn's gamma='scale' on scaled data).
 */
import type SVMType from 'libsvm-js/asm.js';
import { trainSvm } from './svm-trainer.js';
import { cjsDefault, type FitContext, type FittedModel, type HyperParam, importOptional, type ModelFamily, num, oneHot, str } from './model.js';

interface SvmState {
  readonly model: string;
  readonly yMean: number;
  readonly yStd: number;
  readonly probability: boolean;
}

async function svmClass(): Promise<typeof SVMType> {
  return cjsDefault(await importOptional('libsvm-js/asm.js'));
}

function fitted(svm: SVMType, s: SvmState, ctx: FitContext): FittedModel {
  const classifier = ctx.task === 'classification';
  return {
    predict: (x) => svm.predict(x as number[][]).map((v) => (classifier ? Math.round(v) : v * s.yStd + s.yMean)),
    ...(classifier
      ? {
          predictProba: (x: readonly (readonly number[])[]) => {
            if (!s.probability) return oneHot(svm.predict(x as number[][]).map(Math.round), ctx.nClasses);
            return svm.predictProbability(x as number[][]).map((r) => {
              const row = new Array<number>(ctx.nClasses).fill(0);
              for (const e of r.estimates) row[e.label] = e.probability;
              return row;
            });
          },
        }
      : {}),
    toJSON: () => s,
    dispose: () => svm.free(),
  };
}

export const svmFamily: ModelFamily = {
  name: 'svm',
  tasks: ['classification', 'regression'],
  scale: true,
  space: (task): readonly HyperParam[] => [
    { kind: 'categorical', name: 'kernel', choices: ['rbf', 'linear'] },
    { kind: 'float', name: 'cost', low: 1e-2, high: 1e3, log: true },
    { kind: 'float', name: 'gammaScale', low: 1e-3, high: 1e2, log: true },
    ...(task === 'regression' ? [{ kind: 'float', name: 'epsilon', low: 1e-3, high: 1, log: true } as const] : []),
  ],
  async fit(x, y, p, ctx) {
    const SVM = await svmClass();
    const d = x[0]?.length ?? 1;
    const classifier = ctx.task === 'classification';
    let yMean = 0;
    let yStd = 1;
    let target = y;
    if (!classifier) {
      yMean = y.reduce((a, b) => a + b, 0) / y.length;
      yStd = Math.sqrt(y.reduce((a, b) => a + (b - yMean) ** 2, 0) / y.length) || 1;
      target = y.map((v) => (v - yMean) / yStd);
    }
    const probability = classifier && ctx.needProba === true;
    // Trained in a worker thread that a time limit can stop (svm-trainer.ts). libsvm's text format rounds the
    // coefficients: predict from that form, so a loaded model predicts the same.
    const model = await trainSvm(
      {
        type: classifier ? SVM.SVM_TYPES.C_SVC : SVM.SVM_TYPES.EPSILON_SVR,
        kernel: str(p, 'kernel') === 'linear' ? SVM.KERNEL_TYPES.LINEAR : SVM.KERNEL_TYPES.RBF,
        cost: num(p, 'cost'),
        gamma: num(p, 'gammaScale') / d,
        ...(classifier ? {} : { epsilon: num(p, 'epsilon') }),
        probabilityEstimates: probability,
        quiet: true,
      },
      x,
      target,
      ctx.deadline,
    );
    return fitted(SVM.load(model), { model, yMean, yStd, probability }, ctx);
  },
  async load(state, ctx) {
    const SVM = await svmClass();
    const s = state as SvmState;
    return fitted(SVM.load(s.model), s, ctx);
  },
};
