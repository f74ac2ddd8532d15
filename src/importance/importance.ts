/**
 * Parameter importance and pairwise interactions of a study.
 *
 * Trials counted: COMPLETE ones with a finite target (PRUNED trials are left
 * out even when they carry a value, as Optuna does; FAIL trials have none).
 * Fewer than 2 counted trials is an error (code NO_TRIALS). Parameters of a
 * single value get importance 0. Conditional parameters are kept, with an
 * "inactive" value (see dataset.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import type { Study } from '../study/study.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';
import { buildImportanceData, type ImportanceData, type ImportanceDataOptions } from './dataset.js';
import type { ImportanceEvaluator } from './evaluator.js';
import { FanovaEvaluator } from './fanova.js';
import { MeanDecreaseImpurityEvaluator } from './mean-decrease-impurity.js';
import { PedAnovaEvaluator } from './ped-anova.js';

export type ImportanceEvaluatorName = 'fanova' | 'ped-anova' | 'mdi';
export const IMPORTANCE_EVALUATORS: readonly ImportanceEvaluatorName[] = ['fanova', 'ped-anova', 'mdi'];

export interface ImportanceOptions extends ImportanceDataOptions {
  /** An evaluator or its name. Default: fANOVA (`new FanovaEvaluator()`, seed 0). */
  readonly evaluator?: ImportanceEvaluator | ImportanceEvaluatorName;
  /** Scale the importances to sum to 1 (an all-zero result becomes uniform, as in Optuna). Default true. */
  readonly normalize?: boolean;
}

export interface InteractionOptions extends ImportanceDataOptions {
  /** The fANOVA evaluator to use (its forest options and seed). Default `new FanovaEvaluator()`. */
  readonly evaluator?: FanovaEvaluator;
}

/** One parameter and its importance. */
export interface ParamImportance {
  readonly param: string;
  readonly importance: number;
}

/** A pair of parameters and the share of the forest's variance their interaction alone explains. */
export interface ParamInteraction {
  readonly params: readonly [string, string];
  /** V_de / V, averaged over trees: in [0, 1], comparable with the unnormalised main effects. */
  readonly importance: number;
}

/** Everything the dashboard shows about importance, from one fit. */
export interface ImportanceReport {
  /** Name of the evaluator used ('fanova', 'ped-anova', 'mdi', or a custom evaluator's name). */
  readonly evaluator: string;
  /** Trials the evaluator used: the counted trials (COMPLETE, finite target), subsampled to `maxTrials`. */
  readonly nTrials: number;
  /** Counted trials before subsampling. */
  readonly nEligible: number;
  /** Parameters from most to least important (ties by name). */
  readonly ranked: readonly ParamImportance[];
  /** The same as a record, in the same order. */
  readonly importances: Readonly<Record<string, number>>;
  /** fANOVA only: each parameter's main effect as a share of the variance (not normalised). */
  readonly mainEffects: Readonly<Record<string, number>> | null;
  /** fANOVA only, when asked for: every pair, largest share first. */
  readonly interactions: readonly ParamInteraction[] | null;
}

export function resolveEvaluator(e: ImportanceEvaluator | ImportanceEvaluatorName | undefined): ImportanceEvaluator {
  if (e === undefined || e === 'fanova') return new FanovaEvaluator();
  if (e === 'ped-anova') return new PedAnovaEvaluator();
  if (e === 'mdi') return new MeanDecreaseImpurityEvaluator();
  if (typeof e === 'object' && e !== null && typeof e.evaluate === 'function') return e;
  throw new InvalidArgumentError(
    `evaluator must be ${IMPORTANCE_EVALUATORS.map((s) => `'${s}'`).join(', ')} or an ImportanceEvaluator, got ${JSON.stringify(e)}`,
    ['evaluator'],
  );
}

function rank(names: readonly string[], values: ArrayLike<number>): ParamImportance[] {
  return names.map((param, i) => ({ param, importance: values[i] as number })).sort((a, b) => b.importance - a.importance || (a.param < b.param ? -1 : 1));
}

/**
 * Importance (and, with `pairs`, fANOVA interactions) from trials already read,
 * for callers that hold trials rather than a Study (the dashboard server).
 */
export function evaluateParamImportances(
  trials: readonly FrozenTrial[],
  directions: readonly StudyDirection[],
  options: ImportanceOptions & { readonly pairs?: boolean } = {},
): ImportanceReport {
  const evaluator = resolveEvaluator(options.evaluator);
  if (options.pairs && !(evaluator instanceof FanovaEvaluator)) {
    throw new InvalidArgumentError(`pairwise interactions come from fANOVA; the ${evaluator.name} evaluator has none (use evaluator: 'fanova')`, ['evaluator']);
  }
  const data = buildImportanceData(trials, directions, options);
  return reportFrom(data, evaluator, options.normalize ?? true, options.pairs ?? false);
}

function reportFrom(data: ImportanceData, evaluator: ImportanceEvaluator, normalize: boolean, pairs: boolean): ImportanceReport {
  const names = data.features.map((f) => f.name);
  let raw: Float64Array;
  let mainEffects: Record<string, number> | null = null;
  let interactions: ParamInteraction[] | null = null;
  if (evaluator instanceof FanovaEvaluator) {
    const dec = evaluator.decompose(data, pairs);
    raw = dec.main;
    mainEffects = {};
    for (const r of rank(names, raw)) mainEffects[r.param] = r.importance;
    for (const p of data.constantParams) mainEffects[p] = 0;
    if (dec.pairs) {
      const D = names.length;
      interactions = [];
      const all = [...names, ...data.constantParams];
      for (let d = 0; d < D; d++)
        for (let e = d + 1; e < D; e++) interactions.push({ params: [names[d] as string, names[e] as string], importance: dec.pairs[d * D + e] as number });
      for (let d = 0; d < all.length; d++) {
        for (let e = Math.max(d + 1, D); e < all.length; e++) interactions.push({ params: [all[d] as string, all[e] as string], importance: 0 });
      }
      interactions.sort((a, b) => b.importance - a.importance || (a.params.join('\u0000') < b.params.join('\u0000') ? -1 : 1));
    }
  } else {
    raw = evaluator.evaluate(data);
    if (raw.length !== names.length) throw new Error(`evaluator ${evaluator.name} returned ${raw.length} importances for ${names.length} parameters`);
  }
  const values = Float64Array.from(raw, (v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const allNames = [...names, ...data.constantParams];
  const allValues = new Float64Array(allNames.length);
  allValues.set(values);
  if (normalize && allNames.length > 0) {
    let sum = 0;
    for (const v of allValues) sum += v;
    if (sum > 0) for (let i = 0; i < allValues.length; i++) allValues[i] = (allValues[i] as number) / sum;
    else allValues.fill(1 / allNames.length);
  }
  const ranked = rank(allNames, allValues);
  const importances: Record<string, number> = {};
  for (const r of ranked) importances[r.param] = r.importance;
  return { evaluator: evaluator.name, nTrials: data.n, nEligible: data.nEligible, ranked, importances, mainEffects, interactions };
}

/**
 * Each parameter's importance, most important first; they sum to 1 unless
 * `normalize: false`.
 * @example const imp = await getParamImportances(study, { evaluator: 'fanova' }); // { lr: 0.71, layers: 0.2, act: 0.09 }
 */
export async function getParamImportances(study: Study, options: ImportanceOptions = {}): Promise<Record<string, number>> {
  const trials = await study.getTrials({ states: ['COMPLETE', 'PRUNED', 'FAIL'] });
  return evaluateParamImportances(trials, study.directions, options).importances as Record<string, number>;
}

/**
 * Every pair of parameters with the share of variance its interaction alone
 * explains (fANOVA's second-order terms), largest first.
 * @example const [top] = await getParamInteractions(study); // { params: ['x0', 'x1'], importance: 0.83 }
 */
export async function getParamInteractions(study: Study, options: InteractionOptions = {}): Promise<ParamInteraction[]> {
  const trials = await study.getTrials({ states: ['COMPLETE', 'PRUNED', 'FAIL'] });
  const { evaluator, ...rest } = options;
  const report = evaluateParamImportances(trials, study.directions, { ...rest, evaluator: evaluator ?? new FanovaEvaluator(), pairs: true });
  return (report.interactions ?? []).slice();
}
