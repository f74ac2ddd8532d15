/**
 * Mean decrease impurity (Breiman 2001): the squared error each parameter's
 * splits remove from the forest's trees, as a share of each tree's total
 * decrease, averaged over trees. Cheap (no decomposition), but biased toward
 * parameters with many distinct values, and blind to interactions.
 */
import type { ImportanceData } from './dataset.js';
import type { ImportanceEvaluator } from './evaluator.js';
import { type ForestOptions, fitForest } from './forest.js';

export interface MeanDecreaseImpurityOptions extends ForestOptions {}

/** @example getParamImportances(study, { evaluator: new MeanDecreaseImpurityEvaluator() }) */
export class MeanDecreaseImpurityEvaluator implements ImportanceEvaluator {
  readonly name = 'mdi';
  readonly supportsInteractions = false;
  private readonly options: MeanDecreaseImpurityOptions;

  constructor(options: MeanDecreaseImpurityOptions = {}) {
    this.options = { ...options };
  }

  evaluate(data: ImportanceData): Float64Array {
    const D = data.features.length;
    const out = new Float64Array(D);
    if (D === 0) return out;
    const trees = fitForest(data.x, data.y, data.features, this.options);
    let counted = 0;
    const per = new Float64Array(D);
    for (const tree of trees) {
      per.fill(0);
      let sum = 0;
      for (let k = 0; k < tree.feature.length; k++) {
        const d = tree.feature[k] as number;
        if (d < 0) continue;
        per[d] = (per[d] as number) + (tree.impurityDecrease[k] as number);
        sum += tree.impurityDecrease[k] as number;
      }
      if (!(sum > 0)) continue;
      counted++;
      for (let d = 0; d < D; d++) out[d] = (out[d] as number) + (per[d] as number) / sum;
    }
    if (counted > 0) for (let d = 0; d < D; d++) out[d] = (out[d] as number) / counted;
    return out;
  }
}
