/**
 * A read-only snapshot of one trial, as storage returns it. Later writes to
 * the trial never change a snapshot already handed out.
 */
import type { JsonValue } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import type { TrialState } from './state.js';

/** One `trial.report(...)`: a step, an optional fold, one value per objective. */
export interface IntermediateValue {
  readonly step: number;
  readonly fold: number | null;
  readonly values: readonly number[];
}

export interface FrozenTrial {
  /** Storage-wide id. */
  readonly trialId: number;
  /** Dense number within the study: 0, 1, 2, ... */
  readonly number: number;
  readonly state: TrialState;
  /** The objective value of a single-objective study (null until finished, or on FAIL). */
  readonly value: number | null;
  /** One value per objective (null until finished, or on FAIL). */
  readonly values: readonly number[] | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** Values fixed by enqueueTrial or a retry, used when the trial asks for them (visible while WAITING). */
  readonly fixedParams: Readonly<Record<string, ParamValue>>;
  /** Reports in (fold, step) order. */
  readonly intermediateValues: readonly IntermediateValue[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly datetimeStart: Date | null;
  readonly datetimeComplete: Date | null;
  /** Why a FAIL trial failed (exception message, 'lease-expired', 'nan', ...). */
  readonly failReason: string | null;
  /** Number of the trial this one retries, or null. */
  readonly retryOf: number | null;
  /** Index of the grid point this trial claimed, or null. */
  readonly gridIndex: number | null;
}

/**
 * A snapshot built by hand, for histories in tests and tools: every field not
 * given takes its empty value, `value` follows `values` (its single entry).
 * @example frozenTrial({ number: 3, values: [0.5], params: { x: 1 }, distributions: { x: d } })
 */
export function frozenTrial(fields: Partial<FrozenTrial> & { readonly number: number }): FrozenTrial {
  const values = fields.values ?? null;
  return {
    trialId: fields.number,
    state: 'COMPLETE',
    value: values !== null && values.length === 1 ? (values[0] as number) : null,
    params: {},
    distributions: {},
    fixedParams: {},
    intermediateValues: [],
    userAttrs: {},
    systemAttrs: {},
    datetimeStart: null,
    datetimeComplete: null,
    failReason: null,
    retryOf: null,
    gridIndex: null,
    ...fields,
    values,
  };
}

/** Last intermediate value of the first objective, over all folds, or null. */
export function lastIntermediateValue(t: FrozenTrial): number | null {
  let best: IntermediateValue | null = null;
  for (const iv of t.intermediateValues) if (iv.fold === null && (best === null || iv.step >= best.step)) best = iv;
  return best === null ? null : (best.values[0] ?? null);
}
