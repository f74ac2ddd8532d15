/**
 * From a study's trials to the matrix every importance evaluator reads.
 *
 * Which trials count (as Optuna does): COMPLETE trials whose target is a
 * finite number. PRUNED trials are left out even when they carry a value (it
 * is the value of an unfinished run, not comparable with finished ones), FAIL,
 * RUNNING and WAITING trials have none.
 *
 * Encoding, per parameter, on the unit interval of its distribution:
 * - float: (x - low) / (high - low), in log space for `log` ranges;
 * - int and stepped float: one equal cell per value (in log space for a log
 *   int, the cell of v being [v - 0.5, v + 0.5]); a value sits at the centre
 *   of its cell and tree splits fall on cell edges, so a leaf covers whole
 *   values and the uniform measure of [0, 1] gives every value its share;
 * - categorical: the index of the choice; trees split it into two unordered
 *   subsets of choices (no one-hot columns), each choice weighing 1/k.
 * Conditional parameters, absent from some trials, get one more value,
 * "inactive": the cell [-1, 0) of a numeric parameter or one more category,
 * weighing the share of trials in which the parameter was absent.
 */
import { DialsError, InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { cardinality, type Distribution, isSingle, type ParamValue } from '../space/distributions.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';

/** Which value of a trial to explain: an objective's index, or any number computed from the trial. */
export type ImportanceTarget = number | ((trial: FrozenTrial) => number);

export interface ImportanceDataOptions {
  /** Parameters to assess; default every parameter of the counted trials. */
  readonly params?: readonly string[];
  /** Objective index or function; needed when the study has several objectives. */
  readonly target?: ImportanceTarget;
  /** Which way is better for a function target (PED-ANOVA looks at the best trials). Default 'minimize'. */
  readonly direction?: StudyDirection;
  /**
   * Use at most this many counted trials, a seeded random subset of them:
   * the cost of the pairwise decomposition grows with the square of the
   * trees' size. Default 2,000 (`Infinity` for all).
   */
  readonly maxTrials?: number;
}

/** One encoded parameter: its measure on the encoded line (numeric) or on its categories. */
export interface ImportanceFeature {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** The distribution the trials share (bounds merged over trials whose ranges differ). */
  readonly distribution: Distribution;
  /** Share of the counted trials in which the parameter is absent (0 for an unconditional one). */
  readonly inactiveShare: number;
  /** Numeric: lower end of the encoded domain, -1 when there is an inactive cell, else 0; the upper end is 1. */
  readonly lo: number;
  /** Numeric: number of equal cells (discrete values), or 0 for a continuous range. */
  readonly nCells: number;
  /** Categorical: number of categories, the inactive one included. */
  readonly nCategories: number;
  /** Categorical: measure of each category (sums to 1). */
  readonly categoryWeights: Float64Array;
  /** Numeric: measure of the encoded interval [lo, t]. */
  cdf(t: number): number;
  /** Numeric: where a split between two neighbouring encoded values goes (a cell edge for discrete values, else the midpoint). */
  splitPoint(lower: number, upper: number): number;
}

export interface ImportanceData {
  /** Number of trials used (counted trials, subsampled to `maxTrials`). */
  readonly n: number;
  /** Number of counted trials (COMPLETE, finite target) before subsampling. */
  readonly nEligible: number;
  readonly features: readonly ImportanceFeature[];
  /** Encoded values, feature-major: x[d * n + i]. */
  readonly x: Float64Array;
  /** Internal values (a float, an int, a choice index), NaN where absent; feature-major. */
  readonly raw: Float64Array;
  readonly y: Float64Array;
  /** True when a lower target is better (PED-ANOVA's top trials). */
  readonly lowerIsBetter: boolean;
  /** Parameters whose distribution holds one value: importance 0, not encoded. */
  readonly constantParams: readonly string[];
  /** Numbers of the counted trials, in row order. */
  readonly trialNumbers: readonly number[];
}

/** The fewest counted trials any evaluator accepts. */
export const MIN_IMPORTANCE_TRIALS = 2;
/** Counted trials beyond this are subsampled unless `maxTrials` says otherwise. */
export const DEFAULT_MAX_IMPORTANCE_TRIALS = 2000;

function targetOf(directions: readonly StudyDirection[], options: ImportanceDataOptions) {
  const { target } = options;
  if (target === undefined) {
    if (directions.length !== 1) {
      throw new InvalidArgumentError(
        `the study has ${directions.length} objectives; say which to explain with target: 0 … ${directions.length - 1} (an objective's index) or a function of the trial`,
        ['target'],
      );
    }
    return { value: (t: FrozenTrial) => (t.values as readonly number[])[0] as number, lowerIsBetter: directions[0] === 'minimize' };
  }
  if (typeof target === 'number') {
    if (!Number.isInteger(target) || target < 0 || target >= directions.length) {
      throw new InvalidArgumentError(`target ${target} is not an objective index; the study has objectives 0 … ${directions.length - 1}`, ['target']);
    }
    return { value: (t: FrozenTrial) => (t.values as readonly number[])[target] as number, lowerIsBetter: directions[target] === 'minimize' };
  }
  if (typeof target !== 'function') throw new InvalidArgumentError('target must be an objective index or a function of the trial', ['target']);
  const direction = options.direction ?? 'minimize';
  if (direction !== 'minimize' && direction !== 'maximize') {
    throw new InvalidArgumentError(`direction must be 'minimize' or 'maximize', got ${JSON.stringify(direction)}`, ['direction']);
  }
  return { value: target, lowerIsBetter: direction === 'minimize' };
}

/** One distribution for a parameter whose range changed between trials, or an error naming it. */
function mergeDistributions(name: string, dists: readonly Distribution[]): Distribution {
  const first = dists[0] as Distribution;
  if (first.kind === 'categorical') {
    const choices: (string | number | boolean | null)[] = [];
    for (const d of dists) {
      if (d.kind !== 'categorical') throw mixedKinds(name);
      for (const c of d.choices) if (!choices.some((o) => Object.is(o, c) || (o === 0 && c === 0))) choices.push(c);
    }
    return { kind: 'categorical', choices };
  }
  let low = first.low;
  let high = first.high;
  let log = first.log;
  let discrete = first.kind === 'int' || first.step !== null;
  const step = first.kind === 'int' ? first.step : first.step;
  for (const d of dists) {
    if (d.kind === 'categorical' || d.kind !== first.kind) throw mixedKinds(name);
    low = Math.min(low, d.low);
    high = Math.max(high, d.high);
    log = log && d.log;
    if (d.step !== step || d.log !== first.log || (step !== null && Math.abs((d.low - first.low) / step - Math.round((d.low - first.low) / step)) > 1e-9)) {
      discrete = false;
    }
  }
  if (first.kind === 'int') return { kind: 'int', low, high, log, step: discrete ? (step as number) : 1 };
  return { kind: 'float', low, high, log, step: discrete ? step : null };
}

function mixedKinds(name: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `parameter ${JSON.stringify(name)} was suggested as different kinds (float, int, categorical) in different trials; leave it out with the params option`,
    ['params', name],
  );
}

const clamp01 = (t: number): number => Math.min(1, Math.max(0, t));

function numericFeature(name: string, d: Exclude<Distribution, { kind: 'categorical' }>, inactiveShare: number) {
  const lo = inactiveShare > 0 ? -1 : 0;
  const active = 1 - inactiveShare;
  const cdf = inactiveShare > 0 ? (t: number) => inactiveShare * clamp01(t + 1) + active * clamp01(t) : clamp01;
  const discrete = d.kind === 'int' || d.step !== null;
  const nCells = discrete ? cardinality(d) : 0;
  let encode: (v: number) => number;
  /** Upper edge of the cell of the encoded value u (NaN for a continuous range). */
  let cellUpper: (u: number) => number;
  if (discrete && d.log) {
    const a = Math.log(d.low - 0.5);
    const b = Math.log(d.high + 0.5);
    encode = (v) => (Math.log(v) - a) / (b - a);
    cellUpper = (u) => (Math.log(Math.round(Math.exp(a + u * (b - a))) + 0.5) - a) / (b - a);
  } else if (discrete) {
    const step = d.step as number;
    encode = (v) => (Math.round((v - d.low) / step) + 0.5) / nCells;
    cellUpper = (u) => (Math.floor(u * nCells) + 1) / nCells;
  } else if (d.log) {
    const a = Math.log(d.low);
    const b = Math.log(d.high);
    encode = (v) => (Math.log(v) - a) / (b - a);
    cellUpper = () => Number.NaN;
  } else {
    encode = (v) => (v - d.low) / (d.high - d.low);
    cellUpper = () => Number.NaN;
  }
  const feature: ImportanceFeature = {
    name,
    kind: 'numeric',
    distribution: d,
    inactiveShare,
    lo,
    nCells,
    nCategories: 0,
    categoryWeights: new Float64Array(0),
    cdf,
    splitPoint(lower, upper) {
      // The inactive cell ends at 0; a discrete value's cell ends at its upper edge.
      const edge = lower < 0 ? 0 : cellUpper(lower);
      if (!Number.isNaN(edge)) return edge;
      const mid = 0.5 * (lower + upper);
      return mid >= upper ? lower : mid;
    },
  };
  return { feature, encode };
}

function categoricalFeature(name: string, d: Extract<Distribution, { kind: 'categorical' }>, inactiveShare: number): ImportanceFeature {
  const k = d.choices.length;
  const nCategories = inactiveShare > 0 ? k + 1 : k;
  const w = new Float64Array(nCategories).fill((1 - inactiveShare) / k);
  if (inactiveShare > 0) w[k] = inactiveShare;
  return {
    name,
    kind: 'categorical',
    distribution: d,
    inactiveShare,
    lo: 0,
    nCells: 0,
    nCategories,
    categoryWeights: w,
    cdf: () => Number.NaN,
    splitPoint: () => Number.NaN,
  };
}

function choiceIndex(choices: readonly ParamValue[], v: ParamValue): number {
  for (let i = 0; i < choices.length; i++) if (Object.is(choices[i], v) || (choices[i] === 0 && v === 0)) return i;
  return -1;
}

/** Counts the trials, merges each parameter's distribution and encodes every value. */
export function buildImportanceData(
  trials: readonly FrozenTrial[],
  directions: readonly StudyDirection[],
  options: ImportanceDataOptions = {},
): ImportanceData {
  const { value, lowerIsBetter } = targetOf(directions, options);
  const used: FrozenTrial[] = [];
  const ys: number[] = [];
  let complete = 0;
  let pruned = 0;
  let failed = 0;
  for (const t of trials) {
    if (t.state === 'PRUNED') pruned++;
    if (t.state === 'FAIL') failed++;
    if (t.state !== 'COMPLETE' || t.values === null) continue;
    complete++;
    const v = value(t);
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    used.push(t);
    ys.push(v);
  }
  if (used.length < MIN_IMPORTANCE_TRIALS) {
    throw new DialsError(
      'NO_TRIALS',
      `parameter importance needs at least ${MIN_IMPORTANCE_TRIALS} COMPLETE trials with a finite target; this study has ${used.length} ` +
        `(${complete} COMPLETE, ${complete - used.length} of them with a NaN or infinite target; ${pruned} PRUNED and ${failed} FAIL trials do not count); run more trials first`,
    );
  }
  const nEligible = used.length;
  {
    const m = options.maxTrials ?? DEFAULT_MAX_IMPORTANCE_TRIALS;
    if (!((Number.isSafeInteger(m) || m === Number.POSITIVE_INFINITY) && m >= MIN_IMPORTANCE_TRIALS)) {
      throw new InvalidArgumentError(`maxTrials must be an integer >= ${MIN_IMPORTANCE_TRIALS}, got ${m}`, ['maxTrials']);
    }
    if (used.length > m) {
      // A seeded subset, kept in trial order, so the same study gives the same figures.
      const keep = new Rng(0)
        .shuffled([...used.keys()])
        .slice(0, m)
        .sort((a, b) => a - b);
      const t = keep.map((i) => used[i] as FrozenTrial);
      const v = keep.map((i) => ys[i] as number);
      used.length = 0;
      ys.length = 0;
      for (let k = 0; k < t.length; k++) {
        used.push(t[k] as FrozenTrial);
        ys.push(v[k] as number);
      }
    }
  }
  const n = used.length;

  let names: string[];
  if (options.params !== undefined) {
    if (!Array.isArray(options.params)) throw new InvalidArgumentError('params must be an array of parameter names', ['params']);
    names = [];
    for (const p of options.params) {
      if (typeof p !== 'string') throw new InvalidArgumentError(`params must hold parameter names, got ${JSON.stringify(p)}`, ['params']);
      if (!used.some((t) => p in t.params)) {
        throw new InvalidArgumentError(`no counted trial has a parameter named ${JSON.stringify(p)}; check the name (parameters: ${paramList(used)})`, [
          'params',
          p,
        ]);
      }
      if (!names.includes(p)) names.push(p);
    }
  } else {
    const set = new Set<string>();
    for (const t of used) for (const p of Object.keys(t.params)) set.add(p);
    names = [...set].sort();
  }

  const features: ImportanceFeature[] = [];
  const constantParams: string[] = [];
  const columns: { x: Float64Array; raw: Float64Array }[] = [];
  for (const name of names) {
    const dists: Distribution[] = [];
    let absent = 0;
    for (const t of used) {
      const d = t.distributions[name];
      if (d === undefined || !(name in t.params)) absent++;
      else dists.push(d);
    }
    const dist = mergeDistributions(name, dists);
    const inactiveShare = absent / n;
    if (isSingle(dist) && absent === 0) {
      constantParams.push(name);
      continue;
    }
    const x = new Float64Array(n);
    const raw = new Float64Array(n);
    if (dist.kind === 'categorical') {
      const f = categoricalFeature(name, dist, inactiveShare);
      const k = dist.choices.length;
      used.forEach((t, i) => {
        if (!(name in t.params)) {
          x[i] = k;
          raw[i] = Number.NaN;
          return;
        }
        const c = choiceIndex(dist.choices, t.params[name] as ParamValue);
        x[i] = c;
        raw[i] = c;
      });
      features.push(f);
    } else {
      const { feature, encode } = numericFeature(name, dist, inactiveShare);
      used.forEach((t, i) => {
        if (!(name in t.params)) {
          x[i] = -0.5;
          raw[i] = Number.NaN;
          return;
        }
        const v = t.params[name] as number;
        raw[i] = v;
        x[i] = dist.low === dist.high ? 0.5 : Math.min(1, Math.max(0, encode(v)));
      });
      features.push(feature);
    }
    columns.push({ x, raw });
  }

  const D = features.length;
  const x = new Float64Array(D * n);
  const raw = new Float64Array(D * n);
  columns.forEach((c, d) => {
    x.set(c.x, d * n);
    raw.set(c.raw, d * n);
  });
  return {
    n,
    nEligible,
    features,
    x,
    raw,
    y: Float64Array.from(ys),
    lowerIsBetter,
    constantParams,
    trialNumbers: used.map((t) => t.number),
  };
}

function paramList(trials: readonly FrozenTrial[]): string {
  const set = new Set<string>();
  for (const t of trials) for (const p of Object.keys(t.params)) set.add(p);
  const all = [...set].sort();
  return all.length === 0 ? 'none' : all.map((p) => JSON.stringify(p)).join(', ');
}
