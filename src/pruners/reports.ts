/**
 * Reading a trial's reports the way pruners need them. A report is keyed by
 * (fold, step). Reports without a fold form the trial's learning curve; with
 * folds, a trial's score at (fold f, step s) is the mean over folds 0..f of
 * its values at step s, so trials are compared on the folds both have seen
 * (racing). Values are turned into "smaller is better" by the directions.
 */
import type { StudyDirection } from '../trial/state.js';
import type { FrozenTrial, IntermediateValue } from '../trial/frozen-trial.js';

/** The report made last: the highest step of the highest fold (reports are kept in (fold, step) order). */
export function lastReport(trial: FrozenTrial): IntermediateValue | null {
  const ivs = trial.intermediateValues;
  let last: IntermediateValue | null = null;
  for (const iv of ivs) {
    if (last === null || (iv.fold ?? -1) > (last.fold ?? -1) || ((iv.fold ?? -1) === (last.fold ?? -1) && iv.step > last.step)) last = iv;
  }
  return last;
}

/** Reports of one fold (null: the reports without a fold), in step order. */
export function reportsOfFold(trial: FrozenTrial, fold: number | null): IntermediateValue[] {
  return trial.intermediateValues.filter((iv) => iv.fold === fold).sort((a, b) => a.step - b.step);
}

/** The report at (fold, step), or undefined. */
export function reportAt(trial: FrozenTrial, fold: number | null, step: number): IntermediateValue | undefined {
  for (const iv of trial.intermediateValues) if (iv.fold === fold && iv.step === step) return iv;
  return undefined;
}

/** Values with every objective turned to minimization. */
export function toMinimize(values: readonly number[], directions: readonly StudyDirection[]): number[] {
  return values.map((v, i) => (directions[i] === 'maximize' ? -v : v));
}

/** a dominates b (both to be minimized): no worse in every objective, better in one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * The score the comparison pruners use at `key`: for a fold-less key the
 * values at that step; for a fold key the mean over `folds` of the values at
 * that step. Null when the trial lacks one of them.
 */
export function scoreAt(trial: FrozenTrial, folds: readonly number[] | null, step: number): number[] | null {
  if (folds === null) {
    const iv = reportAt(trial, null, step);
    return iv ? iv.values.slice() : null;
  }
  let sum: number[] | null = null;
  for (const f of folds) {
    const iv = reportAt(trial, f, step);
    if (iv === undefined) return null;
    if (sum === null) sum = iv.values.slice();
    else for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (iv.values[i] as number);
  }
  return sum === null ? null : sum.map((s) => s / folds.length);
}

/** The folds ≤ `fold` at which the trial reported `step`, ascending. */
export function foldsWithStep(trial: FrozenTrial, fold: number, step: number): number[] {
  const out = new Set<number>();
  for (const iv of trial.intermediateValues) if (iv.fold !== null && iv.fold <= fold && iv.step === step) out.add(iv.fold);
  return [...out].sort((a, b) => a - b);
}

/**
 * Optuna's interval rule: prune only at the first report in each interval of
 * `intervalSteps` after the warm-up.
 */
export function isFirstInIntervalStep(step: number, steps: readonly number[], nWarmupSteps: number, intervalSteps: number): boolean {
  const nearestLowerPruningStep = Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLowerPruningStep;
}

/** numpy.percentile with linear interpolation, NaNs ignored (NaN when nothing is left). */
export function nanPercentile(values: readonly number[], q: number): number {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const pos = (q / 100) * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = xs[lo] as number;
  const b = xs[hi] as number;
  if (lo === hi) return a;
  // numpy's _lerp: exact at the ends, and infinities do not turn into NaN when a == b.
  if (a === b) return a;
  return a + (b - a) * (pos - lo);
}

/**
 * How many of `others` lie in Pareto fronts strictly ahead of `me`'s front
 * when `others` and `me` are sorted into non-dominated fronts (all to be
 * minimized). For one objective: the number of values strictly better.
 * Peeling stops as soon as `me`'s front is reached or `limit` is passed.
 */
export function countAhead(me: readonly number[], others: readonly (readonly number[])[], limit = Number.POSITIVE_INFINITY): number {
  let rest = others.slice();
  let ahead = 0;
  for (;;) {
    if (!rest.some((o) => dominates(o, me))) return ahead;
    const front = rest.filter((p) => !rest.some((q) => dominates(q, p)));
    ahead += front.length;
    if (ahead > limit) return ahead;
    rest = rest.filter((p) => !front.includes(p));
  }
}
