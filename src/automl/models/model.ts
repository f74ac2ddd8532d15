/**
 * The contract every model family fills: a declarative search space, a fit
 * on a numeric matrix (the preprocessed features), and a JSON state that
 * `load` turns back into the same predictor. Classification labels are class
 * indices 0 … nClasses − 1; probabilities, where a family has them, are rows
 * summing to 1.
 */
import { DialsError } from '../../errors.js';
import type { ParamValue } from '../../space/distributions.js';

export type Task = 'classification' | 'regression';

export const FAMILY_NAMES = ['gbdt', 'random_forest', 'decision_tree', 'knn', 'linear', 'naive_bayes', 'svm', 'mlp'] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** A family's hyperparameters, without the family prefix. */
export type ModelParams = Readonly<Record<string, ParamValue>>;

export type HyperParam =
  | { readonly kind: 'int'; readonly name: string; readonly low: number; readonly high: number; readonly log?: boolean }
  | { readonly kind: 'float'; readonly name: string; readonly low: number; readonly high: number; readonly log?: boolean }
  | { readonly kind: 'categorical'; readonly name: string; readonly choices: readonly (string | number | boolean)[] };

export interface FitContext {
  readonly task: Task;
  /** Classes (classification), 0 for regression. */
  readonly nClasses: number;
  readonly seed: number;
  /** The metric needs probabilities (log loss): families that can estimate them should. */
  readonly needProba?: boolean;
  /**
   * Date.now() after which the fit gives up with a FitTimeoutError (automl's search: the trial's time cap or the
   * budget's end). Iterative families check it between rounds, trees, batches or iterations; the SVM trains in a
   * worker thread that is terminated. Absent: no limit.
   */
  readonly deadline?: number;
}

/** A fit (a family's, or the knn imputation's) stopped at FitContext.deadline, before it finished. */
export class FitTimeoutError extends Error {
  constructor(what: FamilyName | 'knn imputation', progress: string, deadline: number) {
    super(`${what}: stopped ${progress}, ${((Date.now() - deadline) / 1000).toFixed(1)} s past its time limit`);
    this.name = 'FitTimeoutError';
  }
}

/** Throws a FitTimeoutError when ctx's deadline has passed; `progress` says how far the fit got (e.g. "after 40 of 100 rounds"). */
export function checkDeadline(ctx: FitContext, family: FamilyName, progress: () => string): void {
  if (ctx.deadline !== undefined && Date.now() > ctx.deadline) throw new FitTimeoutError(family, progress(), ctx.deadline);
}

export interface FittedModel {
  /** Class indices (classification) or values (regression). */
  predict(x: readonly (readonly number[])[]): Promise<number[]> | number[];
  /** Class probabilities, one row per sample; absent when the family has none. */
  predictProba?(x: readonly (readonly number[])[]): Promise<number[][]> | number[][];
  /** The state `load` restores (JSON-serializable; no typed arrays). */
  toJSON(): unknown;
  dispose?(): void;
}

export interface ModelFamily {
  readonly name: FamilyName;
  readonly tasks: readonly Task[];
  /** Whether the family wants standard-scaled inputs. */
  readonly scale: boolean;
  space(task: Task): readonly HyperParam[];
  fit(x: number[][], y: number[], params: ModelParams, ctx: FitContext): Promise<FittedModel>;
  load(state: unknown, ctx: FitContext): Promise<FittedModel>;
}

/** Imports an optional dependency, or says how to install it. */
export async function importOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    throw new DialsError('INVALID_ARGUMENT', `${name} is not installed; it is an optional dependency of dials used by dials automl: npm install ${name}`, {
      cause: e,
    });
  }
}

/** The default export of a CommonJS module imported from ESM. */
export function cjsDefault<T>(mod: unknown): T {
  const m = mod as { default?: unknown };
  return (m.default ?? m) as T;
}

export function num(params: ModelParams, name: string): number {
  const v = params[name];
  if (typeof v !== 'number') throw new DialsError('INVALID_ARGUMENT', `model parameter ${name} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function str(params: ModelParams, name: string): string {
  const v = params[name];
  if (typeof v !== 'string') throw new DialsError('INVALID_ARGUMENT', `model parameter ${name} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** One-hot rows from class indices (for families without probabilities). */
export function oneHot(classes: readonly number[], nClasses: number): number[][] {
  return classes.map((c) => {
    const row = new Array<number>(nClasses).fill(0);
    row[c] = 1;
    return row;
  });
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if ((row[k] as number) > (row[best] as number)) best = k;
  return best;
}
