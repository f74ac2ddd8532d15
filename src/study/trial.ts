/**
 * A running trial, as the objective sees it. `suggest*` are synchronous: the
 * sampler works from the history loaded when the trial started. Writes are
 * buffered and flushed in the background soon after (so a crashed worker's
 * parameters are known for its retry), and all of them before the trial ends.
 */
import { InvalidArgumentError, InvalidDistributionError } from '../errors.js';
import { encodeAttr, normalizeJson, type JsonValue } from '../json.js';
import {
  type CategoricalChoice,
  categoricalDistribution,
  contains,
  type Distribution,
  distributionsEqual,
  floatDistribution,
  intDistribution,
  type ParamValue,
  validateName,
} from '../space/distributions.js';
import type { StudyView, TrialView } from '../samplers/sampler.js';
import type { AttrWrite, ParamWrite, StartedTrial, TrialInit, TrialPatch } from '../storage/storage.js';
import { CONSTRAINTS_ATTR } from '../trial/constraints.js';
import type { FrozenTrial, IntermediateValue } from '../trial/frozen-trial.js';
import type { StudyInternals } from './study-internals.js';

export interface SuggestFloatOptions {
  readonly log?: boolean;
  readonly step?: number;
}
export interface SuggestIntOptions {
  readonly log?: boolean;
  readonly step?: number;
}

export class Trial implements TrialView {
  readonly number: number;
  /** Storage-wide id. */
  readonly trialId: number;
  readonly gridIndex: number | null;
  readonly fixedParams: Readonly<Record<string, ParamValue>>;
  readonly retryOf: number | null;
  readonly datetimeStart: Date;
  /** @internal */ readonly leaseId: string;
  /** @internal */ ended = false;
  /** @internal set when the heartbeat found the lease taken over by the reaper. */ leaseLost = false;

  private readonly _params: Record<string, ParamValue> = Object.create(null);
  private readonly _dists: Record<string, Distribution> = Object.create(null);
  private readonly _reports: IntermediateValue[] = [];
  private readonly _reportKeys = new Set<string>();
  private readonly _userAttrs: Record<string, JsonValue> = Object.create(null);
  private readonly _systemAttrs: Record<string, JsonValue> = Object.create(null);
  private pending: { params: ParamWrite[]; intermediate: IntermediateValue[]; attrs: AttrWrite[] } = { params: [], intermediate: [], attrs: [] };
  private flushScheduled = false;
  private flushChain: Promise<void> = Promise.resolve();

  /** @internal */
  constructor(
    private readonly internals: StudyInternals,
    started: StartedTrial,
    /** @internal */ readonly view: StudyView,
    private readonly relative: Readonly<Record<string, ParamValue>>,
    /** @internal The history the pruner judges on (the sampler's view may be narrower). */
    private readonly prunerView: StudyView = view,
  ) {
    this.number = started.number;
    this.trialId = started.trialId;
    this.leaseId = started.leaseId;
    this.gridIndex = started.gridIndex;
    this.fixedParams = Object.freeze({ ...started.fixedParams });
    this.retryOf = started.retryOf;
    this.datetimeStart = new Date();
  }

  /** Parameters suggested so far. */
  get params(): Readonly<Record<string, ParamValue>> {
    return { ...this._params };
  }

  get distributions(): Readonly<Record<string, Distribution>> {
    return { ...this._dists };
  }

  get userAttrs(): Readonly<Record<string, JsonValue>> {
    return { ...this._userAttrs };
  }

  /**
   * A float in [low, high]; `log` samples uniformly in log space, `step`
   * restricts to low + k·step.
   * @example const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
   */
  suggestFloat(name: string, low: number, high: number, options: SuggestFloatOptions = {}): number {
    return this.suggest(name, floatDistribution(name, low, high, { log: options.log ?? false, step: options.step ?? null })) as number;
  }

  /**
   * An integer in [low, high] (both included).
   * @example const layers = trial.suggestInt('layers', 1, 4);
   */
  suggestInt(name: string, low: number, high: number, options: SuggestIntOptions = {}): number {
    return this.suggest(name, intDistribution(name, low, high, { log: options.log ?? false, step: options.step ?? 1 })) as number;
  }

  /**
   * One of `choices` (strings, numbers, booleans or null).
   * @example const act = trial.suggestCategorical('act', ['relu', 'tanh']);
   */
  suggestCategorical<const T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, categoricalDistribution(name, choices)) as T;
  }

  private suggest(name: string, d: Distribution): ParamValue {
    this.assertActive();
    const previous = this._dists[name];
    if (previous !== undefined) {
      if (!distributionsEqual(previous, d)) {
        throw new InvalidDistributionError(
          `parameter ${JSON.stringify(name)} was already suggested in trial ${this.number} with ${JSON.stringify(previous)}, now with ${JSON.stringify(d)}; one name must keep one distribution within a trial`,
          [name],
        );
      }
      return this._params[name] as ParamValue;
    }
    let value: ParamValue;
    if (Object.hasOwn(this.fixedParams, name)) {
      value = this.fixedParams[name] as ParamValue;
      if (!contains(d, value)) {
        throw new InvalidArgumentError(
          `parameter ${JSON.stringify(name)} of trial ${this.number} was fixed to ${JSON.stringify(value)} (by enqueueTrial or a retry), which is outside ${JSON.stringify(d)}`,
          [name],
        );
      }
    } else if (Object.hasOwn(this.relative, name) && contains(d, this.relative[name])) {
      value = this.relative[name] as ParamValue;
    } else {
      value = this.internals.sampler.sampleIndependent(this.view, this, name, d);
      if (!contains(d, value)) {
        throw new InvalidArgumentError(`${this.internals.sampler.name} suggested ${JSON.stringify(value)} for ${JSON.stringify(name)}, which is outside ${JSON.stringify(d)}`, [name]);
      }
    }
    this._params[name] = value;
    this._dists[name] = d;
    this.pending.params.push({ name, value, distribution: d });
    this.scheduleFlush();
    return value;
  }

  /**
   * Records an intermediate value (one per objective) at `step`, optionally
   * for one cross-validation fold. A step reported twice keeps its first value.
   * @example trial.report(loss, epoch); if (trial.shouldPrune()) throw new TrialPruned();
   */
  report(value: number | readonly number[], step: number, options: { fold?: number } = {}): void {
    this.assertActive();
    const values = typeof value === 'number' ? [value] : Array.isArray(value) ? value.slice() : null;
    if (values === null || values.some((v) => typeof v !== 'number')) {
      throw new InvalidArgumentError(`report() takes a number or an array of numbers, got ${JSON.stringify(value)}`, ['value']);
    }
    const n = this.internals.directions.length;
    if (values.length !== n) {
      throw new InvalidArgumentError(`report() got ${values.length} values but the study has ${n} objective(s)`, ['value']);
    }
    if (!Number.isSafeInteger(step) || step < 0) throw new InvalidArgumentError(`step must be a non-negative integer, got ${step}`, ['step']);
    const fold = options.fold ?? null;
    if (fold !== null && (!Number.isSafeInteger(fold) || fold < 0)) {
      throw new InvalidArgumentError(`fold must be a non-negative integer, got ${fold}`, ['fold']);
    }
    const key = `${fold}:${step}`;
    if (this._reportKeys.has(key)) return;
    this._reportKeys.add(key);
    const iv: IntermediateValue = { step, fold, values };
    this._reports.push(iv);
    this.pending.intermediate.push(iv);
    this.scheduleFlush();
    this.internals.onReport?.();
  }

  /** True when the study's pruner says this trial should stop. */
  shouldPrune(): boolean {
    this.assertActive();
    return this.internals.pruner.prune(this.prunerView, this.snapshot('RUNNING', null, null), {
      setTrialSystemAttr: (key, value) => this.setSystemAttr(key, value),
    });
  }

  /** @internal Notes a system attribute on this trial (pruners record rungs this way; the command runner its logs). */
  setSystemAttr(key: string, value: unknown): void {
    validateName(key, 'attribute key');
    const json = encodeAttr(value, `system attribute ${JSON.stringify(key)}`);
    this._systemAttrs[key] = normalizeJson(value, key);
    this.pending.attrs.push({ kind: 'system', key, json });
    this.scheduleFlush();
  }

  /** Attaches JSON data to the trial. */
  setUserAttr(key: string, value: unknown): void {
    this.assertActive();
    validateName(key, 'attribute key');
    const json = encodeAttr(value, `user attribute ${JSON.stringify(key)}`);
    this._userAttrs[key] = normalizeJson(value, key);
    this.pending.attrs.push({ kind: 'user', key, json });
    this.scheduleFlush();
  }

  /**
   * Records constraint values (≤ 0 means satisfied); constrained samplers
   * prefer feasible trials. Call it before the trial ends.
   * @example trial.setConstraints([memoryMb - 512]);
   */
  setConstraints(values: readonly number[]): void {
    this.assertActive();
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'number' || Number.isNaN(v))) {
      throw new InvalidArgumentError(`setConstraints() takes a non-empty array of numbers (≤ 0 means satisfied), got ${JSON.stringify(values)}`, ['constraints']);
    }
    const v = values.slice();
    this._systemAttrs[CONSTRAINTS_ATTR] = v;
    this.pending.attrs.push({ kind: 'system', key: CONSTRAINTS_ATTR, json: encodeAttr(v, 'constraints') });
    this.scheduleFlush();
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    const patch = this.takePending();
    if (patch === null) return this.flushChain;
    const next = this.flushChain.then(() => this.internals.storage.updateTrial(this.trialId, this.leaseId, patch));
    // A failed background write is kept and sent again with the final write.
    this.flushChain = next.catch(() => {
      this.unsent.push(patch);
    });
    return next;
  }

  /** @internal The final write: whatever is still unsent plus the end, in one transaction. */
  async finish(finish: NonNullable<TrialPatch['finish']>): Promise<void> {
    await this.flushChain;
    const rest = this.takePending();
    if (rest) this.unsent.push(rest);
    const merged = {
      params: this.unsent.flatMap((p) => p.params ?? []),
      intermediate: this.unsent.flatMap((p) => p.intermediate ?? []),
      attrs: this.unsent.flatMap((p) => p.attrs ?? []),
      finish,
    };
    await this.internals.storage.updateTrial(this.trialId, this.leaseId, merged);
    this.unsent = [];
  }

  private unsent: TrialPatch[] = [];

  /** @internal The parameters and attributes buffered so far, taken to be stored with the trial's start. */
  takeStartWrites(): TrialInit {
    const { params, attrs } = this.pending;
    this.pending = { params: [], intermediate: this.pending.intermediate, attrs: [] };
    return { params, attrs };
  }

  private takePending(): TrialPatch | null {
    const p = this.pending;
    if (p.params.length === 0 && p.intermediate.length === 0 && p.attrs.length === 0) return null;
    this.pending = { params: [], intermediate: [], attrs: [] };
    return p;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.ended) void this.flush().catch(() => {});
    });
  }

  private assertActive(): void {
    if (this.ended) throw new InvalidArgumentError(`trial ${this.number} has already been told; it cannot be changed`);
  }

  /** @internal A frozen view of this trial as this process knows it. */
  snapshot(state: FrozenTrial['state'], values: readonly number[] | null, failReason: string | null): FrozenTrial {
    return Object.freeze({
      trialId: this.trialId,
      number: this.number,
      state,
      value: values && values.length === 1 ? (values[0] as number) : null,
      values: values ? Object.freeze(values.slice()) : null,
      params: Object.freeze({ ...this._params }),
      distributions: Object.freeze({ ...this._dists }),
      fixedParams: this.fixedParams,
      intermediateValues: Object.freeze(this._reports.slice().sort((a, b) => (a.fold ?? -1) - (b.fold ?? -1) || a.step - b.step)),
      userAttrs: Object.freeze({ ...this._userAttrs }),
      systemAttrs: Object.freeze({ ...this._systemAttrs }),
      datetimeStart: this.datetimeStart,
      datetimeComplete: state === 'RUNNING' ? null : new Date(),
      failReason,
      retryOf: this.retryOf,
      gridIndex: this.gridIndex,
    });
  }
}
