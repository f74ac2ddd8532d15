/**
 * Stratified k-fold splits, as scikit-learn's StratifiedKFold (≥ 0.22): the
 * labels sorted by class are dealt round-robin to the folds, which fixes how
 * many of each class every fold gets (so class ratios and fold sizes differ
 * by at most one); then each class's samples, shuffled when asked, fill those
 * slots in order.
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { ShuffledFolds, sampleCount } from './k-fold.js';
import { type Fold, foldsFromAssignment, type Label, type SplitInput } from './splitter.js';

export interface StratifiedKFoldOptions {
  readonly nSplits?: number;
  readonly shuffle?: boolean;
  readonly seed?: number;
}

export class StratifiedKFold extends ShuffledFolds {
  readonly name: string = 'StratifiedKFold';

  /**
   * @example const folds = new StratifiedKFold({ nSplits: 5, seed: 1 }).split({ labels: y });
   */
  constructor(options: StratifiedKFoldOptions = {}) {
    super(options);
  }

  split(input: number | SplitInput): Fold[] {
    const labels = typeof input === 'object' ? input.labels : undefined;
    if (labels === undefined) {
      throw new InvalidArgumentError(`${this.name}.split() needs { labels }: the class of each sample`, ['labels']);
    }
    const n = sampleCount(this.name, input);
    // Classes in order of first appearance, as scikit-learn encodes them.
    const classOf = new Map<Label, number>();
    const encoded = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const y = labels[i] as Label;
      if (!classOf.has(y)) classOf.set(y, classOf.size);
      encoded[i] = classOf.get(y) as number;
    }
    const nClasses = classOf.size;
    const counts = new Array<number>(nClasses).fill(0);
    for (const c of encoded) (counts[c] as number)++;
    if (Math.max(0, ...counts) < this.nSplits) {
      throw new InvalidArgumentError(
        `${this.name}: nSplits=${this.nSplits} is more than the number of samples in every class (largest: ${Math.max(0, ...counts)}); lower nSplits`,
        ['nSplits'],
      );
    }
    // allocation[f][c]: samples of class c in fold f, from dealing the class-sorted labels round-robin.
    const sorted = Array.from(encoded).sort((a, b) => a - b);
    const allocation = Array.from({ length: this.nSplits }, () => new Array<number>(nClasses).fill(0));
    sorted.forEach((c, j) => {
      (allocation[j % this.nSplits] as number[])[c]++;
    });
    const rng = this.shuffle ? new Rng(this.seed) : null;
    const assignment = new Int32Array(n);
    for (let c = 0; c < nClasses; c++) {
      let members: number[] = [];
      for (let i = 0; i < n; i++) if (encoded[i] === c) members.push(i);
      if (rng) members = rng.shuffled(members);
      let j = 0;
      for (let f = 0; f < this.nSplits; f++) {
        for (let k = 0; k < ((allocation[f] as number[])[c] as number); k++) assignment[members[j++] as number] = f;
      }
    }
    return foldsFromAssignment(assignment, this.nSplits);
  }
}
