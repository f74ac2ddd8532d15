/**
 * A study's slim rows as typed-array columns indexed by trial number, kept
 * beside the row objects and updated with them (one `set` per trial read).
 * Every scan the API makes over a 100k-trial study (counts, best value,
 * history, plots, sorting and filtering) reads these columns instead of
 * 100k scattered objects. A missing number is NaN (`present` and `nValues`
 * tell a missing trial or value from a NaN one).
 */
import type { TrialState } from '../../trial/state.js';
import type { SlimTrial } from './trial-loader.js';

/** State codes, in the table's sort order. */
export const STATE_CODES: Readonly<Record<TrialState, number>> = { WAITING: 0, RUNNING: 1, COMPLETE: 2, PRUNED: 3, FAIL: 4 };
export const STATES: readonly TrialState[] = ['WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'];
export const COMPLETE = STATE_CODES.COMPLETE;

function grown(a: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(capacity).fill(Number.NaN);
  b.set(a);
  return b;
}

function grownU8(a: Uint8Array, capacity: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(capacity);
  b.set(a);
  return b;
}

export class TrialColumns {
  /** One past the highest trial number held. */
  length = 0;
  private capacity = 0;
  present = new Uint8Array(0);
  state = new Uint8Array(0);
  /** How many objective values the trial has (0: none). */
  nValues = new Uint8Array(0);
  /** Objective k's values (NaN: none, or NaN). */
  values: Float64Array<ArrayBuffer>[] = [];
  start = new Float64Array(0);
  complete = new Float64Array(0);
  retryOf = new Float64Array(0);
  lastStep = new Float64Array(0);
  /** Smallest and largest fold reported (NaN: no report carried a fold). */
  fold0 = new Float64Array(0);
  fold1 = new Float64Array(0);
  /** Trials carrying a PBT segment. */
  pbtCount = 0;
  /** Numbers of the trials enqueued from a baseline. */
  readonly baselines = new Set<number>();
  /** The `dials:worker` attribute, as an index into workerNames (-1: none). */
  private workerIds = new Int32Array(0);
  private readonly workerNames: string[] = [];
  private readonly workerIndex = new Map<string, number>();
  /** Internal parameter values (categorical: index of the choice), by name. */
  private readonly params = new Map<string, Float64Array<ArrayBuffer>>();

  /** The parameter's column (NaN where a trial did not use it), or undefined for an unknown name. */
  param(name: string): Float64Array | undefined {
    return this.params.get(name);
  }

  private reserve(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, Math.ceil(this.capacity * 1.5), 1024);
    this.present = grownU8(this.present, cap);
    this.state = grownU8(this.state, cap);
    this.nValues = grownU8(this.nValues, cap);
    this.values = this.values.map((v) => grown(v, cap));
    this.start = grown(this.start, cap);
    this.complete = grown(this.complete, cap);
    this.retryOf = grown(this.retryOf, cap);
    this.lastStep = grown(this.lastStep, cap);
    this.fold0 = grown(this.fold0, cap);
    this.fold1 = grown(this.fold1, cap);
    const w = new Int32Array(cap).fill(-1);
    w.set(this.workerIds);
    this.workerIds = w;
    for (const [name, col] of this.params) this.params.set(name, grown(col, cap));
    this.capacity = cap;
  }

  /** Writes trial `t` at its number, replacing what was there (`old`: the row it replaces, if any). */
  set(t: SlimTrial, old: SlimTrial | undefined): void {
    const i = t.number;
    this.reserve(i + 1);
    if (i >= this.length) this.length = i + 1;
    if (old) {
      if (old.pbt !== null) this.pbtCount--;
      for (const name in old.internal) (this.params.get(name) as Float64Array)[i] = Number.NaN;
    }
    if (t.pbt !== null) this.pbtCount++;
    if (t.baseline !== null) this.baselines.add(i);
    else this.baselines.delete(i);
    let w = -1;
    if (t.worker !== null) {
      w = this.workerIndex.get(t.worker) ?? -1;
      if (w < 0) {
        w = this.workerNames.length;
        this.workerNames.push(t.worker);
        this.workerIndex.set(t.worker, w);
      }
    }
    this.workerIds[i] = w;
    this.present[i] = 1;
    this.state[i] = STATE_CODES[t.state];
    const vs = t.values;
    const n = vs === null ? 0 : vs.length;
    this.nValues[i] = n;
    while (this.values.length < n) this.values.push(new Float64Array(this.capacity).fill(Number.NaN));
    for (let k = 0; k < this.values.length; k++) (this.values[k] as Float64Array)[i] = k < n ? ((vs as readonly number[])[k] as number) : Number.NaN;
    this.start[i] = t.start ?? Number.NaN;
    this.complete[i] = t.complete ?? Number.NaN;
    this.retryOf[i] = t.retryOf ?? Number.NaN;
    this.lastStep[i] = t.lastStep ?? Number.NaN;
    this.fold0[i] = t.folds === null ? Number.NaN : t.folds[0];
    this.fold1[i] = t.folds === null ? Number.NaN : t.folds[1];
    for (const name in t.internal) {
      let col = this.params.get(name);
      if (!col) {
        col = new Float64Array(this.capacity).fill(Number.NaN);
        this.params.set(name, col);
      }
      col[i] = t.internal[name] as number;
    }
  }

  /** The worker that ran trial i, or null. */
  worker(i: number): string | null {
    const w = this.workerIds[i] as number;
    return w < 0 ? null : (this.workerNames[w] as string);
  }

  /** Objective k of trial i when it is COMPLETE with a non-NaN value (±Infinity included), else NaN. */
  scored(i: number, k: number): number {
    if (this.state[i] !== COMPLETE || (this.nValues[i] as number) <= k) return Number.NaN;
    return (this.values[k] as Float64Array)[i] as number;
  }

  /** Numbers of the COMPLETE trials with a non-NaN objective k, in number order. */
  scoredNumbers(k: number): Int32Array {
    const out = new Int32Array(this.length);
    let n = 0;
    const vk = this.values[k];
    if (!vk) return out.subarray(0, 0);
    for (let i = 0; i < this.length; i++) {
      if (this.state[i] === COMPLETE && (this.nValues[i] as number) > k && !Number.isNaN(vk[i] as number)) out[n++] = i;
    }
    return out.subarray(0, n);
  }
}
