/** Minimal types for the untyped ml.js packages automl uses. */
declare module 'ml-cart' {
  export class DecisionTreeClassifier {
    constructor(options?: { gainFunction?: string; maxDepth?: number; minNumSamples?: number });
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    toJSON(): unknown;
    static load(model: unknown): DecisionTreeClassifier;
  }
  export class DecisionTreeRegression {
    constructor(options?: { maxDepth?: number; minNumSamples?: number });
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    toJSON(): unknown;
    static load(model: unknown): DecisionTreeRegression;
  }
}
declare module 'ml-knn' {
  export default class KNN {
    constructor(x: number[][], y: number[], options?: { k?: number });
    predict(x: number[][]): number[];
    toJSON(): unknown;
    static load(model: unknown): KNN;
  }
}
declare module 'ml-logistic-regression' {
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: { testScores(x: unknown): number[] }[];
    numberClasses: number;
    train(x: unknown, y: unknown): void;
    predict(x: unknown): number[];
    toJSON(): unknown;
    static load(model: unknown): LogisticRegression;
  }
}
declare module 'libsvm-js/asm.js' {
  interface SvmOptions {
    type?: number;
    kernel?: number;
    cost?: number;
    gamma?: number;
    epsilon?: number;
    probabilityEstimates?: boolean;
    quiet?: boolean;
  }
  export default class SVM {
    static SVM_TYPES: { C_SVC: number; EPSILON_SVR: number };
    static KERNEL_TYPES: { LINEAR: number; RBF: number };
    constructor(options?: SvmOptions);
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    predictProbability(x: number[][]): { prediction: number; estimates: { label: number; probability: number }[] }[];
    serializeModel(): string;
    free(): void;
    static load(serialized: string): SVM;
  }
}
