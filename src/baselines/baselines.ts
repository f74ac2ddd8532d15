/**
 * Baselines in a study: enqueued first (once, whatever the number of
 * workers), each trial marked with the system attribute `dials:baseline`
 * ('adam-default@1'), and the improvement of the best trial over the best
 * baseline trial.
 */
import { InvalidArgumentError } from '../errors.js';
import { encodeAttr } from '../json.js';
import type { ParamValue, SearchSpace } from '../space/distributions.js';
import { intersectionSearchSpace } from '../samplers/search-space.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';
import type { Study } from '../study/study.js';
import { type Baseline, type BaselineFitOptions, baselineRef, fitBaselineToSpace, getBaseline } from './registry.js';

/** System attribute of a trial that runs a baseline: its 'name@version'. */
export const BASELINE_ATTR = 'dials:baseline';

export interface EnqueueBaselinesOptions extends BaselineFitOptions {
  /**
   * The study's search space, to validate (or map) the baseline values
   * against. Default: the space of the study's finished trials, if any; with
   * neither, values are enqueued as given and checked when the trial suggests them.
   */
  readonly space?: SearchSpace;
}

export interface EnqueuedBaseline {
  readonly ref: string;
  readonly number: number;
  /** False when this baseline was already in the study (another worker, or an earlier run). */
  readonly created: boolean;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/**
 * Enqueues baselines (references like 'adam-default@1', or Baseline objects)
 * so they run before any sampled trial. Each is enqueued at most once per
 * study, even with many processes calling this at once (the storage's dedupe
 * key is the baseline's reference).
 * @example await enqueueBaselines(study, ['adam-default@1'], { rename: { lr: 'learningRate' } })
 */
export async function enqueueBaselines(
  study: Study,
  baselines: readonly (string | Baseline)[],
  options: EnqueueBaselinesOptions = {},
): Promise<EnqueuedBaseline[]> {
  if (!Array.isArray(baselines)) throw new InvalidArgumentError("baselines must be an array of references like 'adam-default@1'", ['baselines']);
  const resolved = baselines.map((b) => (typeof b === 'string' ? getBaseline(b) : b));
  let space = options.space;
  if (space === undefined) {
    const done = await study.getTrials({ states: ['COMPLETE', 'PRUNED'] });
    if (done.length > 0) space = intersectionSearchSpace(done, { includePruned: true });
  }
  // Validate all before enqueueing any, so a bad reference enqueues nothing.
  const fitted = resolved.map((b) => {
    const params = space !== undefined ? fitBaselineToSpace(b, space, options) : renameOnly(b, options.rename);
    if (Object.keys(params).length === 0) {
      throw new InvalidArgumentError(
        `baseline ${baselineRef(b)} shares no parameter with the study's space (${Object.keys(space ?? {}).join(', ')}); map its names with { rename: { … } }`,
      );
    }
    return { ref: baselineRef(b), params };
  });
  const out: EnqueuedBaseline[] = [];
  for (const { ref, params } of fitted) {
    const r = await study.storage.enqueueTrial(study.studyId, {
      params,
      attrs: [{ kind: 'system', key: BASELINE_ATTR, json: encodeAttr(ref, BASELINE_ATTR) }],
      dedupeKey: `${BASELINE_ATTR}:${ref}`,
    });
    out.push({ ref, number: r.number, created: r.created, params });
  }
  return out;
}

function renameOnly(b: Baseline, rename: Readonly<Record<string, string>> | undefined): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(b.params)) out[rename?.[k] ?? k] = v;
  return out;
}

/** The baseline reference of a trial, or null. */
export function baselineOf(t: FrozenTrial): string | null {
  const v = t.systemAttrs[BASELINE_ATTR];
  return typeof v === 'string' ? v : null;
}

export interface BaselineImprovement {
  readonly direction: StudyDirection;
  /** The best COMPLETE baseline trial. */
  readonly baseline: { readonly ref: string; readonly number: number; readonly value: number };
  /** The best COMPLETE trial of the study (may be the baseline itself). */
  readonly best: { readonly number: number; readonly value: number };
  /** How much better the best trial is, in objective units: ≥ 0, whatever the direction. */
  readonly absolute: number;
  /** absolute / |baseline value|; null when the baseline value is 0. */
  readonly relative: number | null;
}

/**
 * The best trial against the best baseline trial, from trials already read
 * (for tools that hold them, e.g. the dashboard). Null when no baseline
 * trial has completed.
 */
export function improvementFromTrials(trials: readonly FrozenTrial[], direction: StudyDirection): BaselineImprovement | null {
  const better = (a: number, b: number): boolean => (direction === 'minimize' ? a < b : a > b);
  let best: FrozenTrial | null = null;
  let base: FrozenTrial | null = null;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.values === null || t.values.length !== 1) continue;
    const v = t.values[0] as number;
    if (best === null || better(v, best.values?.[0] as number)) best = t;
    if (baselineOf(t) !== null && (base === null || better(v, base.values?.[0] as number))) base = t;
  }
  if (best === null || base === null) return null;
  const bv = base.values?.[0] as number;
  const v = best.values?.[0] as number;
  const absolute = direction === 'minimize' ? bv - v : v - bv;
  return {
    direction,
    baseline: { ref: baselineOf(base) as string, number: base.number, value: bv },
    best: { number: best.number, value: v },
    absolute,
    relative: bv === 0 ? null : absolute / Math.abs(bv),
  };
}

/**
 * The improvement of the study's best trial over its best baseline trial
 * (single-objective studies), or null when no baseline trial has completed.
 * @example const imp = await improvementOverBaseline(study); // { absolute: 0.042, relative: 0.18, ... }
 */
export async function improvementOverBaseline(study: Study): Promise<BaselineImprovement | null> {
  return improvementFromTrials(await study.getTrials({ states: ['COMPLETE'] }), study.direction);
}

/** One line for reports: 'improvement over baseline adam-default@1 (trial 0, 0.3120): 0.0420 (13.5% better)'. */
export function formatImprovement(imp: BaselineImprovement | null): string | null {
  if (imp === null) return null;
  const pct = imp.relative === null ? '' : ` (${(imp.relative * 100).toFixed(1)}% ${imp.direction === 'minimize' ? 'lower' : 'higher'})`;
  const fmt = (x: number): string => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(4) : x.toFixed(4));
  if (imp.best.number === imp.baseline.number)
    return `best trial is the baseline ${imp.baseline.ref} (trial ${imp.baseline.number}, ${fmt(imp.baseline.value)})`;
  return `improvement over baseline ${imp.baseline.ref} (trial ${imp.baseline.number}, ${fmt(imp.baseline.value)}): ${fmt(imp.absolute)}${pct}`;
}
