/**
 * Grouped k-fold splits, as scikit-learn's GroupKFold: whole groups go to the
 * test folds, largest first, each to the fold with the fewest samples so far,
 * so no group is ever split between train and test. With a seed, groups of
 * equal size are taken in a shuffled order (otherwise in order of appearance).
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { checkSeed, checkSplits, sampleCount } from './k-fold.js';
import { type Fold, foldsFromAssignment, type Label, type SplitInput, type Splitter } from './splitter.js';

export interface GroupKFoldOptions {
  readonly nSplits?: number;
  readonly seed?: number;
}

export class GroupKFold implements Splitter {
  readonly name = 'GroupKFold';
  readonly nSplits: number;
  readonly seed: number | undefined;

  /**
   * @example const folds = new GroupKFold({ nSplits: 5 }).split({ groups: patientIds });
   */
  constructor(options: GroupKFoldOptions = {}) {
    this.nSplits = checkSplits(this.name, options.nSplits ?? 5);
    this.seed = checkSeed(this.name, options.seed);
  }

  get nFolds(): number {
    return this.nSplits;
  }

  split(input: number | SplitInput): Fold[] {
    const groups = typeof input === 'object' ? input.groups : undefined;
    if (groups === undefined) throw new InvalidArgumentError(`${this.name}.split() needs { groups }: the group of each sample`, ['groups']);
    const n = sampleCount(this.name, input);
    const members = new Map<Label, number[]>();
    for (let i = 0; i < n; i++) {
      const g = groups[i] as Label;
      let list = members.get(g);
      if (list === undefined) members.set(g, (list = []));
      list.push(i);
    }
    if (members.size < this.nSplits) {
      throw new InvalidArgumentError(`${this.name}: ${members.size} groups cannot fill ${this.nSplits} folds; use nSplits ≤ ${members.size}`, ['nSplits']);
    }
    let order = [...members.values()];
    if (this.seed !== undefined) order = new Rng(this.seed).shuffled(order);
    // Stable sort: equal sizes keep the (shuffled) order.
    order.sort((a, b) => b.length - a.length);
    const load = new Array<number>(this.nSplits).fill(0);
    const assignment = new Int32Array(n);
    for (const list of order) {
      let f = 0;
      for (let k = 1; k < this.nSplits; k++) if ((load[k] as number) < (load[f] as number)) f = k;
      load[f] = (load[f] as number) + list.length;
      for (const i of list) assignment[i] = f;
    }
    return foldsFromAssignment(assignment, this.nSplits);
  }
}
