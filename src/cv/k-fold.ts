/**
 * K-fold splits, as scikit-learn's KFold: the (optionally shuffled) indices
 * are cut into k contiguous blocks, the first n mod k of size ⌊n/k⌋+1.
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { type Fold, foldsFromAssignment, type SplitInput, type Splitter } from './splitter.js';

export interface KFoldOptions {
  /** Number of folds, ≥ 2 (default 5). */
  readonly nSplits?: number;
  /** Shuffle before cutting (default false; true when a seed is given). */
  readonly shuffle?: boolean;
  readonly seed?: number;
}

/** What KFold and StratifiedKFold share: k folds, optionally shuffled by a seed. */
export abstract class ShuffledFolds implements Splitter {
  abstract readonly name: string;
  readonly nSplits: number;
  readonly shuffle: boolean;
  readonly seed: number | undefined;

  constructor(options: KFoldOptions) {
    this.nSplits = checkSplits(new.target.name, options.nSplits ?? 5);
    this.shuffle = options.shuffle ?? options.seed !== undefined;
    this.seed = checkSeed(new.target.name, options.seed);
  }

  get nFolds(): number {
    return this.nSplits;
  }

  abstract split(input: number | SplitInput): Fold[];
}

export class KFold extends ShuffledFolds {
  readonly name: string = 'KFold';

  /**
   * @example const folds = new KFold({ nSplits: 5, seed: 1 }).split(150);
   */
  constructor(options: KFoldOptions = {}) {
    super(options);
  }

  split(input: number | SplitInput): Fold[] {
    const n = sampleCount(this.name, input);
    if (n < this.nSplits) {
      throw new InvalidArgumentError(`${this.name}: cannot make ${this.nSplits} folds of ${n} samples; use nSplits ≤ ${n}`, ['nSplits']);
    }
    let order = Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) order = new Rng(this.seed).shuffled(order);
    const assignment = new Int32Array(n);
    let start = 0;
    for (let f = 0; f < this.nSplits; f++) {
      const size = Math.floor(n / this.nSplits) + (f < n % this.nSplits ? 1 : 0);
      for (let j = start; j < start + size; j++) assignment[order[j] as number] = f;
      start += size;
    }
    return foldsFromAssignment(assignment, this.nSplits);
  }
}

export function checkSplits(who: string, nSplits: unknown): number {
  if (typeof nSplits !== 'number' || !Number.isSafeInteger(nSplits) || nSplits < 2) {
    throw new InvalidArgumentError(`${who}: nSplits must be an integer ≥ 2, got ${JSON.stringify(nSplits) ?? String(nSplits)}`, ['nSplits']);
  }
  return nSplits;
}

export function checkSeed(who: string, seed: unknown): number | undefined {
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed))) {
    throw new InvalidArgumentError(`${who}: seed must be an integer, got ${JSON.stringify(seed)}`, ['seed']);
  }
  return seed as number | undefined;
}

/** The number of samples from a count, labels or groups. */
export function sampleCount(who: string, input: number | SplitInput): number {
  const n = typeof input === 'number' ? input : (input?.nSamples ?? input?.labels?.length ?? input?.groups?.length);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(
      `${who}.split() needs the number of samples (a non-negative integer) or { nSamples | labels | groups }, got ${JSON.stringify(input)}`,
      ['nSamples'],
    );
  }
  if (typeof input === 'object') {
    for (const key of ['labels', 'groups'] as const) {
      const arr = input[key];
      if (arr !== undefined && arr.length !== n) {
        throw new InvalidArgumentError(`${who}.split(): ${key} has ${arr.length} entries but there are ${n} samples`, [key]);
      }
    }
  }
  return n;
}
