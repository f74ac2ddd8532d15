/** Hand-built histories for pruner tests: frozen trials and a study view over them. */
import type { JsonValue } from '../../src/json.js';
import type { StudyView } from '../../src/samplers/sampler.js';
import { type FrozenTrial, frozenTrial, type IntermediateValue } from '../../src/trial/frozen-trial.js';
import type { StudyDirection, TrialState } from '../../src/trial/state.js';

/** A report: [step, value or values, fold?]. */
export type R = readonly [number, number | readonly number[], number?];

export interface TrialSpec {
  readonly state?: TrialState;
  readonly value?: number | readonly number[];
  readonly reports?: readonly R[];
  readonly systemAttrs?: Record<string, JsonValue>;
}

export function trial(number: number, spec: TrialSpec = {}): FrozenTrial {
  const state = spec.state ?? 'COMPLETE';
  const values = spec.value === undefined ? null : typeof spec.value === 'number' ? [spec.value] : spec.value.slice();
  const ivs: IntermediateValue[] = (spec.reports ?? []).map(([step, v, fold]) => ({
    step,
    fold: fold ?? null,
    values: typeof v === 'number' ? [v] : v.slice(),
  }));
  ivs.sort((a, b) => (a.fold ?? -1) - (b.fold ?? -1) || a.step - b.step);
  return frozenTrial({ trialId: number + 1, number, state, values, intermediateValues: ivs, systemAttrs: spec.systemAttrs ?? {} });
}

/** Completed trials with one value per step (a learning curve), numbered from `from`. */
export function curves(from: number, ...rows: readonly (readonly number[])[]): FrozenTrial[] {
  return rows.map((row, i) => trial(from + i, { value: row[row.length - 1] as number, reports: row.map((v, s) => [s, v] as const) }));
}

export function running(number: number, reports: readonly R[], systemAttrs: Record<string, JsonValue> = {}): FrozenTrial {
  return trial(number, { state: 'RUNNING', reports, systemAttrs });
}

export function view(trials: readonly FrozenTrial[], directions: readonly StudyDirection[] = ['minimize'], studyName = 'study'): StudyView {
  return {
    studyName,
    directions,
    getTrials: (states?: readonly TrialState[]) => (states ? trials.filter((t) => states.includes(t.state)) : trials),
  };
}

/** A PruneContext that keeps what the pruner records. */
export function recorder(): { attrs: Record<string, JsonValue>; setTrialSystemAttr(key: string, value: JsonValue): void } {
  const attrs: Record<string, JsonValue> = {};
  return {
    attrs,
    setTrialSystemAttr(key, value) {
      attrs[key] = value;
    },
  };
}
