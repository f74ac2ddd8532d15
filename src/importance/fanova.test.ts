import { describe, expect, it } from 'vitest';
import { buildImportanceData } from './dataset.js';
import { decomposeTree, FanovaEvaluator, type FeatureMeasure, featureMeasure } from './fanova.js';
import { fitForest, predictTree, type RegressionTree } from './forest.js';
import { evaluateParamImportances } from './importance.js';
import { frozenTrial, uniformTrials } from './test-helpers.js';

const unit: FeatureMeasure = { kind: 'numeric', lo: 0, hi: 1, cdf: (t) => Math.min(1, Math.max(0, t)) };

/** Nodes as [feature, threshold or categories-left, left, right, value]. */
function tree(nodes: readonly (readonly [number, number | readonly number[], number, number, number])[]): RegressionTree {
  return {
    feature: Int32Array.from(nodes, (n) => n[0]),
    threshold: Float64Array.from(nodes, (n) => (typeof n[1] === 'number' ? n[1] : 0)),
    categoriesLeft: nodes.map((n) => (typeof n[1] === 'number' ? null : Uint8Array.from(n[1]))),
    left: Int32Array.from(nodes, (n) => n[2]),
    right: Int32Array.from(nodes, (n) => n[3]),
    value: Float64Array.from(nodes, (n) => n[4]),
    impurityDecrease: new Float64Array(nodes.length),
  };
}

describe('fANOVA decomposition of one tree', () => {
  it('matches the variances computed by hand (two numeric features)', () => {
    // x0 <= 0.5 → 1; else x1 <= 0.25 → 2, else 6.
    // Leaves: [0,.5]×[0,1] (|l| = .5, v = 1), (.5,1]×[0,.25] (.125, 2), (.5,1]×(.25,1] (.375, 6).
    // f0 = .5 + .25 + 2.25 = 3; V = .5·4 + .125·1 + .375·9 = 5.5.
    // â0 = 1 on [0,.5], .25·2 + .75·6 = 5 on (.5,1] → V0 = 4.
    // â1 = .5·1 + .5·2 = 1.5 on [0,.25], .5·1 + .5·6 = 3.5 on (.25,1] → V1 = .25·2.25 + .75·.25 = .75.
    // V01 = 5.5 − 4 − .75 = .75.
    const t = tree([
      [0, 0.5, 1, 2, 0],
      [-1, 0, -1, -1, 1],
      [1, 0.25, 3, 4, 0],
      [-1, 0, -1, -1, 2],
      [-1, 0, -1, -1, 6],
    ]);
    const dec = decomposeTree(t, [unit, unit], true);
    expect(dec.mean).toBeCloseTo(3, 14);
    expect(dec.total).toBeCloseTo(5.5, 14);
    expect(dec.main[0]).toBeCloseTo(4, 14);
    expect(dec.main[1]).toBeCloseTo(0.75, 14);
    expect(dec.pairs?.[0 * 2 + 1]).toBeCloseTo(0.75, 14);
  });

  it('matches the variances computed by hand (a categorical split, then a numeric one)', () => {
    // c ∈ {0} → 0; c ∈ {1, 2}: x1 <= .5 → 2, else 4. Each category weighs 1/3.
    // f0 = (0 + 2 + 4)/3 = 2; V = (4 + 0 + 4)/3 = 8/3; âc = 0, 3, 3 → Vc = 2;
    // â1 = 4/3, 8/3 → V1 = 4/9; Vc1 = 8/3 − 2 − 4/9 = 2/9.
    const cat: FeatureMeasure = { kind: 'categorical', weights: Float64Array.from([1 / 3, 1 / 3, 1 / 3]) };
    const t = tree([
      [0, [1, 0, 0], 1, 2, 0],
      [-1, 0, -1, -1, 0],
      [1, 0.5, 3, 4, 0],
      [-1, 0, -1, -1, 2],
      [-1, 0, -1, -1, 4],
    ]);
    const dec = decomposeTree(t, [cat, unit], true);
    expect(dec.total).toBeCloseTo(8 / 3, 14);
    expect(dec.main[0]).toBeCloseTo(2, 14);
    expect(dec.main[1]).toBeCloseTo(4 / 9, 14);
    expect(dec.pairs?.[1]).toBeCloseTo(2 / 9, 14);
  });

  it('gives zero to a feature the tree never splits on, and a leaf-only tree no variance', () => {
    const t = tree([
      [0, 0.3, 1, 2, 0],
      [-1, 0, -1, -1, -1],
      [-1, 0, -1, -1, 1],
    ]);
    const dec = decomposeTree(t, [unit, unit, unit], true);
    expect(dec.main[1]).toBe(0);
    expect(dec.main[2]).toBe(0);
    expect(dec.main[0]).toBeCloseTo(dec.total, 14);
    expect(decomposeTree(tree([[-1, 0, -1, -1, 5]]), [unit], true).total).toBe(0);
  });

  it('equals the ANOVA of the tree enumerated on an int × int grid (cells, splits on cell edges)', () => {
    // Two int parameters with 5 and 7 values, a fitted tree, then the exact
    // functional ANOVA by enumerating all 35 points.
    const a = { kind: 'int', low: 1, high: 5, log: false, step: 1 } as const;
    const b = { kind: 'int', low: 1, high: 64, log: true, step: 1 } as const;
    const trials = [];
    let k = 0;
    for (let i = 1; i <= 5; i++) {
      for (const j of [1, 2, 3, 5, 9, 30, 64]) trials.push(frozenTrial(k++, { a: i, b: j }, { a, b }, [Math.sin(i * j) + i * 0.3 + Math.log(j)]));
    }
    const data = buildImportanceData(trials, ['minimize']);
    const [t] = fitForest(data.x, data.y, data.features, { nTrees: 1, bootstrap: false, seed: 3 }) as [RegressionTree];
    const dec = decomposeTree(t, data.features.map(featureMeasure), true);
    // Enumerate: a uniform over its 5 values; b uniform in log space over [0.5, 64.5], so value v weighs log((v+.5)/(v-.5)).
    const bw = (v: number) => Math.log((v + 0.5) / (v - 0.5)) / Math.log(64.5 / 0.5);
    const ua = (i: number) => (i - 1 + 0.5) / 5;
    const ub = (j: number) => Math.log(j / 0.5) / Math.log(64.5 / 0.5);
    const bs = Array.from({ length: 64 }, (_, q) => q + 1);
    let f0 = 0;
    let v = 0;
    const ma = new Map<number, number>();
    const mb = new Map<number, number>();
    for (let i = 1; i <= 5; i++) {
      for (const j of bs) {
        const y = predictTree(t, [ua(i), ub(j)]);
        const w = 0.2 * bw(j);
        f0 += w * y;
        ma.set(i, (ma.get(i) ?? 0) + bw(j) * y);
        mb.set(j, (mb.get(j) ?? 0) + 0.2 * y);
      }
    }
    for (let i = 1; i <= 5; i++) for (const j of bs) v += 0.2 * bw(j) * (predictTree(t, [ua(i), ub(j)]) - f0) ** 2;
    let va = 0;
    for (const [, m] of ma) va += 0.2 * (m - f0) ** 2;
    let vb = 0;
    for (const [j, m] of mb) vb += bw(j) * (m - f0) ** 2;
    expect(dec.mean).toBeCloseTo(f0, 10);
    expect(dec.total).toBeCloseTo(v, 10);
    expect(dec.main[0]).toBeCloseTo(va, 10);
    expect(dec.main[1]).toBeCloseTo(vb, 10);
    expect(dec.pairs?.[1]).toBeCloseTo(v - va - vb, 10);
  });

  it('equals the ANOVA enumerated over a categorical and a conditional int (inactive value weighted by its share)', () => {
    const c = { kind: 'categorical', choices: ['a', 'b', 'c'] } as const;
    const k = { kind: 'int', low: 0, high: 3, log: false, step: 1 } as const;
    const trials = [];
    for (let i = 0; i < 60; i++) {
      const choice = c.choices[i % 3] as string;
      // k exists only when the choice is not 'c': a third of the trials lack it.
      const params: Record<string, string | number> = { c: choice };
      const dists: Record<string, typeof c | typeof k> = { c };
      let y = choice === 'a' ? 1 : choice === 'b' ? 3 : 0;
      if (choice !== 'c') {
        params.k = (i * 7) % 4;
        dists.k = k;
        y += choice === 'a' ? (params.k as number) : -((params.k as number) ** 2);
      }
      trials.push(frozenTrial(i, params, dists, [y]));
    }
    const data = buildImportanceData(trials, ['minimize']);
    const kf = data.features.find((f) => f.name === 'k');
    expect(kf?.inactiveShare).toBeCloseTo(1 / 3, 14);
    const [t] = fitForest(data.x, data.y, data.features, { nTrees: 1, bootstrap: false, seed: 1 }) as [RegressionTree];
    const dec = decomposeTree(t, data.features.map(featureMeasure), true);
    // Enumerate: c uniform over 3 choices; k inactive with weight 1/3, else each of 4 values (2/3)/4.
    const ks: [number, number][] = [[-0.5, 1 / 3], ...[0, 1, 2, 3].map((v): [number, number] => [(v + 0.5) / 4, 2 / 3 / 4])];
    const cs = [0, 1, 2];
    const pred = (ci: number, ku: number) => predictTree(t, [ci, ku]);
    let f0 = 0;
    for (const ci of cs) for (const [ku, w] of ks) f0 += (w / 3) * pred(ci, ku);
    let v = 0;
    for (const ci of cs) for (const [ku, w] of ks) v += (w / 3) * (pred(ci, ku) - f0) ** 2;
    let vc = 0;
    for (const ci of cs) vc += (1 / 3) * (ks.reduce((s, [ku, w]) => s + w * pred(ci, ku), 0) - f0) ** 2;
    let vk = 0;
    for (const [ku, w] of ks) vk += w * (cs.reduce((s, ci) => s + pred(ci, ku) / 3, 0) - f0) ** 2;
    expect(dec.main[1]).toBeGreaterThan(0.05);
    expect(dec.pairs?.[1]).toBeGreaterThan(0.05);
    expect(dec.total).toBeCloseTo(v, 12);
    expect(dec.main[0]).toBeCloseTo(vc, 12);
    expect(dec.main[1]).toBeCloseTo(vk, 12);
    expect(dec.pairs?.[1]).toBeCloseTo(v - vc - vk, 12);
  });

  it('splits a fitted forest of two features exactly into main effects and their interaction', () => {
    const trials = uniformTrials(200, 2, 5, (x) => Math.sin(5 * (x[0] as number)) + (x[0] as number) * (x[1] as number));
    const data = buildImportanceData(trials, ['minimize']);
    const dec = new FanovaEvaluator({ nTrees: 8, seed: 1 }).decompose(data, true);
    const total = (dec.main[0] as number) + (dec.main[1] as number) + (dec.pairs?.[1] as number);
    expect(total).toBeCloseTo(1, 10);
  });
});

describe('FanovaEvaluator on synthetic functions', () => {
  it('ranks the 2 relevant of 10 parameters first', () => {
    for (const seed of [1, 2, 3]) {
      const trials = uniformTrials(300, 10, seed, (x) => 4 * ((x[3] as number) - 0.4) ** 2 + Math.sin(5 * (x[7] as number)));
      const r = evaluateParamImportances(trials, ['minimize'], { evaluator: new FanovaEvaluator({ nTrees: 32, seed }) });
      expect(
        r.ranked
          .slice(0, 2)
          .map((p) => p.param)
          .sort(),
        `seed ${seed}`,
      ).toEqual(['x3', 'x7']);
      expect((r.importances.x3 as number) + (r.importances.x7 as number)).toBeGreaterThan(0.9);
    }
  });

  it('finds a planted interaction x2·x5 (no main effects when centred) as the top pair', () => {
    const trials = uniformTrials(400, 6, 11, (x) => ((x[2] as number) - 0.5) * ((x[5] as number) - 0.5));
    const r = evaluateParamImportances(trials, ['minimize'], { evaluator: new FanovaEvaluator({ nTrees: 32, seed: 4 }), pairs: true });
    const [top, second] = r.interactions ?? [];
    expect(top?.params).toEqual(['x2', 'x5']);
    expect(top?.importance).toBeGreaterThan(0.5);
    expect(second?.importance).toBeLessThan(0.05);
    for (const [p, v] of Object.entries(r.mainEffects ?? {})) expect(v, p).toBeLessThan(0.1);
    // 6 parameters: 15 pairs, each listed once.
    expect(r.interactions).toHaveLength(15);
  });

  it('is deterministic for a seed and changes with it', () => {
    const trials = uniformTrials(150, 4, 2, (x) => (x[0] as number) + (x[1] as number) ** 2 + 0.1 * (x[2] as number));
    const a = evaluateParamImportances(trials, ['minimize'], { evaluator: new FanovaEvaluator({ seed: 9, nTrees: 16 }), pairs: true });
    const b = evaluateParamImportances(trials, ['minimize'], { evaluator: new FanovaEvaluator({ seed: 9, nTrees: 16 }), pairs: true });
    const c = evaluateParamImportances(trials, ['minimize'], { evaluator: new FanovaEvaluator({ seed: 10, nTrees: 16 }), pairs: true });
    expect(b).toEqual(a);
    expect(c.importances).not.toEqual(a.importances);
  });
});
