import { describe, expect, it } from 'vitest';
import { floatDistribution } from '../../space/distributions.js';
import { CONSTRAINTS_ATTR } from '../../trial/constraints.js';
import { type FrozenTrial, frozenTrial, type IntermediateValue } from '../../trial/frozen-trial.js';
import type { TrialState } from '../../trial/state.js';
import { groupDecomposedSearchSpace } from './group-search-space.js';
import { defaultGamma, defaultWeights, motpeWeights, nonDominationRanks, splitTrials } from './split.js';

function frozen(
  number: number,
  state: TrialState,
  values: number[] | null,
  params: Record<string, number> = {},
  intermediate: IntermediateValue[] = [],
): FrozenTrial {
  const dist = floatDistribution('x', -100, 100);
  return frozenTrial({
    number,
    state,
    values,
    params,
    distributions: Object.fromEntries(Object.keys(params).map((k) => [k, dist])),
    intermediateValues: intermediate,
  });
}

const nums = (ts: readonly FrozenTrial[]) => ts.map((t) => t.number);

describe('splitTrials', () => {
  it('puts the best complete trials below, in number order, with infinities ordered', () => {
    const trials = [5, -1, Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY, 0].map((v, i) => frozen(i, 'COMPLETE', [v]));
    expect(nums(splitTrials(trials, ['minimize'], 3).below)).toEqual([1, 4, 5]);
    expect(nums(splitTrials(trials, ['maximize'], 2).below)).toEqual([0, 2]);
  });

  it('fills up with PRUNED trials: further steps first, then better last values; RUNNING trials are above', () => {
    const iv = (step: number, v: number): IntermediateValue => ({ step, fold: null, values: [v] });
    const trials = [
      frozen(0, 'COMPLETE', [1]),
      frozen(1, 'PRUNED', [9], {}, [iv(1, 9)]),
      frozen(2, 'PRUNED', [7], {}, [iv(1, 7), iv(3, 8)]),
      frozen(3, 'PRUNED', null),
      frozen(4, 'RUNNING', null),
      frozen(5, 'PRUNED', [0], {}, [iv(1, 0)]),
    ];
    const s = splitTrials(trials, ['minimize'], 3);
    expect(nums(s.below)).toEqual([0, 2, 5]);
    expect(nums(s.above)).toEqual([1, 3, 4]);
  });

  it('EI weights follow each below trial by its improvement on the threshold', () => {
    const trials = [3, 1, 2, 10].map((v, i) => frozen(i, 'COMPLETE', [v]));
    const s = splitTrials(trials, ['minimize'], 2, { eiWeights: true });
    expect(nums(s.below)).toEqual([1, 2]);
    expect(Array.from(s.belowWeights as Float64Array)).toEqual([2, 1]);
  });

  it('multi-objective: whole non-domination ranks first, the cut rank by hypervolume', () => {
    // Rank 0: (0,10) (10,0) (5,5) (1,9); rank 1: (6,6).
    const pts = [
      [0, 10],
      [10, 0],
      [5, 5],
      [1, 9],
      [6, 6],
    ];
    const trials = pts.map((v, i) => frozen(i, 'COMPLETE', v));
    expect(nonDominationRanks(pts, 5)).toEqual([0, 0, 0, 0, 1]);
    const s = splitTrials(trials, ['minimize', 'minimize'], 3);
    // Reference (11, 11). Greedy: (5,5) covers 36, then (1,9) adds 8, then (10,0) adds 5 against (0,10)'s 1.
    expect(nums(s.below)).toEqual([1, 2, 3]);
    expect(nums(s.above)).toEqual([0, 4]);
    const w = motpeWeights(s.below, ['minimize', 'minimize']);
    expect(Math.max(...w)).toBe(1);
    expect(Math.min(...w)).toBeGreaterThan(0);
  });

  it('multi-objective with infinite values still splits', () => {
    const trials = [
      [0, Number.POSITIVE_INFINITY],
      [Number.NEGATIVE_INFINITY, 1],
      [1, 1],
    ].map((v, i) => frozen(i, 'COMPLETE', v));
    const s = splitTrials(trials, ['minimize', 'maximize'], 1);
    expect(s.below.length + s.above.length).toBe(3);
    expect(s.below.length).toBe(1);
  });

  it('constraints: infeasible trials, and those without constraints, come after feasible and PRUNED ones', () => {
    const withConstraints = (t: FrozenTrial, c: number[] | null): FrozenTrial => ({ ...t, systemAttrs: c === null ? {} : { [CONSTRAINTS_ATTR]: c } });
    const trials = [
      withConstraints(frozen(0, 'COMPLETE', [0]), [2]), // best value, violates by 2
      withConstraints(frozen(1, 'COMPLETE', [5]), [0, -1]),
      withConstraints(frozen(2, 'COMPLETE', [1]), [0.5, 3]), // violates by 3.5
      withConstraints(frozen(3, 'COMPLETE', [9]), [-2]),
      withConstraints(frozen(4, 'COMPLETE', [-1]), null), // no constraints recorded: last
      frozen(5, 'PRUNED', [7]),
    ];
    expect(nums(splitTrials(trials, ['minimize'], 2).below)).toEqual([1, 3]);
    expect(nums(splitTrials(trials, ['minimize'], 4).below)).toEqual([0, 1, 3, 5]);
    expect(nums(splitTrials(trials, ['minimize'], 6).below)).toEqual([0, 1, 2, 3, 4, 5]);
    const mo = splitTrials(
      trials.map((t) => ({ ...t, values: [t.values?.[0] ?? 0, -(t.values?.[0] ?? 0)] })),
      ['minimize', 'minimize'],
      3,
    );
    expect(nums(mo.below)).toEqual([0, 1, 3]);
    expect(mo.belowWeights?.[0]).toBe(1e-12);
  });

  it("Optuna's γ and weights", () => {
    expect([0, 1, 10, 11, 100, 300].map(defaultGamma)).toEqual([0, 1, 1, 2, 10, 25]);
    const w = defaultWeights(30);
    expect(w.length).toBe(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBe(1);
    expect(Array.from(w.slice(5))).toEqual(Array(25).fill(1));
  });
});

describe('groupDecomposedSearchSpace', () => {
  it('splits the parameters into sets that always appear together', () => {
    const trials = [
      frozen(0, 'COMPLETE', [0], { a: 0, b: 0, c: 0 }),
      frozen(1, 'COMPLETE', [0], { a: 0, b: 0, d: 0 }),
      frozen(2, 'PRUNED', [0], { a: 0, e: 0, f: 0 }),
      frozen(3, 'FAIL', null, { a: 0, z: 0 }),
    ];
    expect(groupDecomposedSearchSpace(trials).map((g) => Object.keys(g))).toEqual([['a'], ['b'], ['c'], ['d'], ['e', 'f']]);
  });
});
