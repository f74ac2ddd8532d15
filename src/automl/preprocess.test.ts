import { describe, expect, it } from 'vitest';
import { frameFromRecords } from './csv.js';
import { defaultConfig } from './families.js';
import { fitPipeline } from './pipeline.js';
import { fitPreprocessor, transform } from './preprocess.js';

describe('preprocessing is fitted on the training rows only', () => {
  // Rows 0–9 are the training fold; rows 10–19 (the test fold) hold extreme values and a category of their own.
  const records = Array.from({ length: 20 }, (_, i) => ({
    x: i < 10 ? (i === 3 ? null : i) : 1000,
    c: i < 10 ? (i % 2 ? 'a' : 'b') : 'only-in-test',
    y: i % 2,
  }));
  const frame = frameFromRecords(records);
  const train = Array.from({ length: 10 }, (_, i) => i);

  it('imputes, scales and encodes from training statistics', () => {
    const s = fitPreprocessor(frame, ['x', 'c'], train, { impute: 'median', scale: true });
    const x = s.features[0];
    const c = s.features[1];
    const present = [0, 1, 2, 4, 5, 6, 7, 8, 9];
    expect(x?.kind === 'numeric' && x.fill).toBe(5); // median of the nine present training values
    const filled = [...present, 5];
    const mean = filled.reduce((a, b) => a + b, 0) / 10;
    expect(x?.kind === 'numeric' && x.mean).toBeCloseTo(mean, 12);
    expect(x?.kind === 'numeric' && x.std).toBeCloseTo(Math.sqrt(filled.reduce((a, v) => a + (v - mean) ** 2, 0) / 10), 12);
    expect(c?.kind === 'categorical' && c.categories).toEqual(['a', 'b']);
    // The unseen test category encodes as all zeros; the missing training value as the median.
    const out = transform(s, frame, [3, 15]);
    expect(out[0]?.slice(1)).toEqual([1, 0]); // row 3 is "a"
    expect(out[1]?.slice(1)).toEqual([0, 0]);
    expect(out[0]?.[0]).toBeCloseTo((5 - mean) / (x?.kind === 'numeric' ? x.std : 1), 12);
  });

  it('a whole pipeline fitted on a fold never sees the other rows', async () => {
    const y = Float64Array.from(records, (r) => r.y);
    const config = defaultConfig('knn', 'classification');
    if (!config) throw new Error('knn has a classification default');
    const onTrain = await fitPipeline(frame, ['x', 'c'], y, train, config, { task: 'classification', nClasses: 2, seed: 0 });
    // Changing the test rows must not change what was learned.
    const changed = frameFromRecords(records.map((r, i) => (i >= 10 ? { ...r, x: -5e6, c: 'zzz' } : r)));
    const again = await fitPipeline(changed, ['x', 'c'], y, train, config, { task: 'classification', nClasses: 2, seed: 0 });
    expect(again.preprocessing).toEqual(onTrain.preprocessing);
  });
});
