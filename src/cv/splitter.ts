/**
 * The cross-validation splitter contract: a splitter turns a data set's size,
 * labels or groups into folds, each a disjoint pair of index lists. Every
 * test index appears in exactly one fold of a repeat. Shuffling uses the
 * library's seeded generator, so a seed gives the same folds everywhere.
 */
export type Label = string | number | boolean;

/** One train/test split, as indices into the data set (ascending). */
export interface Fold {
  readonly trainIndex: readonly number[];
  readonly testIndex: readonly number[];
}

/** What a splitter may need: the number of samples, class labels, or group ids. */
export interface SplitInput {
  readonly nSamples?: number;
  /** Class of each sample (stratified splitters). */
  readonly labels?: readonly Label[];
  /** Group of each sample (grouped splitters): a group never straddles train and test. */
  readonly groups?: readonly Label[];
}

export interface Splitter {
  readonly name: string;
  /** Number of folds `split` returns. */
  readonly nFolds: number;
  /** The folds, in order; `split(100)` is `split({ nSamples: 100 })`. */
  split(input: number | SplitInput): Fold[];
}

/** Builds folds from each sample's test-fold number (−1: never tested). */
export function foldsFromAssignment(testFold: ArrayLike<number>, nSplits: number): Fold[] {
  const tests: number[][] = Array.from({ length: nSplits }, () => []);
  for (let i = 0; i < testFold.length; i++) {
    const f = testFold[i] as number;
    if (f >= 0) (tests[f] as number[]).push(i);
  }
  return tests.map((testIndex, f) => {
    const trainIndex: number[] = [];
    for (let i = 0; i < testFold.length; i++) if (testFold[i] !== f) trainIndex.push(i);
    return { trainIndex, testIndex };
  });
}
