/**
 * Repeated (stratified) k-fold: `nRepeats` shuffled k-fold splits, each with
 * its own seed derived from `seed`. Fold r·k + f is fold f of repeat r.
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { checkSeed, checkSplits, KFold } from './k-fold.js';
import type { Fold, SplitInput, Splitter } from './splitter.js';
import { StratifiedKFold } from './stratified-k-fold.js';

export interface RepeatedKFoldOptions {
  readonly nSplits?: number;
  /** Number of repeats, ≥ 1 (default 10, as scikit-learn). */
  readonly nRepeats?: number;
  readonly seed?: number;
}

abstract class Repeated implements Splitter {
  abstract readonly name: string;
  readonly nSplits: number;
  readonly nRepeats: number;
  readonly seed: number | undefined;

  constructor(who: string, options: RepeatedKFoldOptions) {
    this.nSplits = checkSplits(who, options.nSplits ?? 5);
    const r = options.nRepeats ?? 10;
    if (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 1) {
      throw new InvalidArgumentError(`${who}: nRepeats must be an integer ≥ 1, got ${JSON.stringify(r)}`, ['nRepeats']);
    }
    this.nRepeats = r;
    this.seed = checkSeed(who, options.seed);
  }

  get nFolds(): number {
    return this.nSplits * this.nRepeats;
  }

  protected abstract one(seed: number): Splitter;

  split(input: number | SplitInput): Fold[] {
    const rng = new Rng(this.seed);
    const out: Fold[] = [];
    for (let r = 0; r < this.nRepeats; r++) out.push(...this.one(rng.deriveSeed()).split(input));
    return out;
  }
}

export class RepeatedKFold extends Repeated {
  readonly name = 'RepeatedKFold';
  /** @example new RepeatedKFold({ nSplits: 5, nRepeats: 2, seed: 0 }).split(100) // 10 folds */
  constructor(options: RepeatedKFoldOptions = {}) {
    super('RepeatedKFold', options);
  }
  protected one(seed: number): Splitter {
    return new KFold({ nSplits: this.nSplits, seed });
  }
}

export class RepeatedStratifiedKFold extends Repeated {
  readonly name = 'RepeatedStratifiedKFold';
  /** @example new RepeatedStratifiedKFold({ nSplits: 5, nRepeats: 2, seed: 0 }).split({ labels: y }) */
  constructor(options: RepeatedKFoldOptions = {}) {
    super('RepeatedStratifiedKFold', options);
  }
  protected one(seed: number): Splitter {
    return new StratifiedKFold({ nSplits: this.nSplits, seed });
  }
}
