import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dials } from '../../test/cli/cli-harness.js';
import { Rng } from '../math/rng.js';
import { cell, frameFromRecords, parseCsv } from './csv.js';
import { loadAutomlDataset } from './datasets.js';
import { defaultConfig, type PipelineConfig } from './families.js';
import { modelFile, modelFromJson, predict } from './model-file.js';
import { FitTimeoutError } from './models/model.js';
import { encodeTarget, fitPipeline, predictPipeline } from './pipeline.js';
import { fitPreprocessor, K_IMPUTE, type PreprocessorState, transform } from './preprocess.js';

const rows = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('knn imputation', () => {
  it('fills a missing number with the mean of the k nearest rows that have it, every row tied with the k-th counted', () => {
    // y = 10·x; the row with x = 7 lacks y. Nearest by x: 6, 8 (1 away), 5, 9 (2), then 4 and 10 tie at 3: all six count.
    const data = frameFromRecords([...rows(20).map((x) => ({ x, y: x === 7 ? null : 10 * x }))]);
    const knn = fitPreprocessor(data, ['x', 'y'], rows(20), { impute: 'knn', scale: false });
    expect(transform(knn, data, [7])).toEqual([[7, 70]]);
    // The mean imputation fills the column mean instead.
    const mean = fitPreprocessor(data, ['x', 'y'], rows(20), { impute: 'mean', scale: false });
    const colMean =
      rows(20)
        .filter((x) => x !== 7)
        .reduce((a, x) => a + 10 * x, 0) / 19;
    expect(transform(mean, data, [7])[0]?.[1]).toBeCloseTo(colMean, 12);
  });

  it('a row whose only known feature is a category takes the mean of every row of that category', () => {
    // Penguins' case: the island known, every measurement missing.
    const recs = [
      ...rows(6).map((i) => ({ island: 'A', mass: 1 + i / 10, bill: 20 })),
      ...rows(12).map((i) => ({ island: 'B', mass: 10 + i / 10, bill: 40 })),
      { island: 'B', mass: null, bill: null },
    ];
    const data = frameFromRecords(recs);
    const state = fitPreprocessor(data, ['island', 'mass', 'bill'], rows(18), { impute: 'knn', scale: false });
    const [out] = transform(state, data, [18]);
    // One-hot island (A, B), then mass and bill: the mean over all twelve B rows, not the first five.
    expect(out?.slice(0, 2)).toEqual([0, 1]);
    expect(out?.[2]).toBeCloseTo(10 + 0.55, 12);
    expect(out?.[3]).toBe(40);
  });

  it('fills a missing category with the most frequent among the nearest rows; a row sharing no known feature gets the fallback', () => {
    const recs = [
      ...rows(10).map((i) => ({ sex: i < 5 ? 'F' : 'M', mass: i < 5 ? 3000 + i : 5000 + i })),
      { sex: null, mass: 5002.5 },
      { sex: null, mass: null },
    ];
    const data = frameFromRecords(recs);
    const state = fitPreprocessor(data, ['sex', 'mass'], rows(10), { impute: 'knn', scale: true });
    const [near, none] = transform(state, data, [10, 11]);
    expect(near?.slice(0, 2)).toEqual([0, 1]); // M
    // Nothing known: the most frequent category (a tie, the first in order) and the mean, scaled to 0.
    expect(none?.slice(0, 2)).toEqual([1, 0]);
    expect(none?.[2]).toBeCloseTo(0, 12);
  });

  it('the fitted state is plain JSON and transforms the same after a round trip', () => {
    const data = frameFromRecords(rows(30).map((i) => ({ a: i % 7 === 0 ? null : i, b: i % 5 === 0 ? null : Math.sin(i), c: i % 3 ? 'u' : null })));
    const state = fitPreprocessor(data, ['a', 'b', 'c'], rows(20), { impute: 'knn', scale: true });
    const copy = JSON.parse(JSON.stringify(state));
    expect(transform(copy, data)).toEqual(transform(state, data));
    expect(transform(state, data).flat().every(Number.isFinite)).toBe(true);
    expect(state.donors).toHaveLength(20);
  });

  it('gives up at a passed fit deadline with a FitTimeoutError (so does a fit with knn imputation); a later deadline changes nothing, and mean imputation never looks', async () => {
    const data = frameFromRecords(rows(200).map((i) => ({ a: i % 4 === 0 ? null : i, b: i % 3 === 0 ? null : Math.cos(i), y: i % 2 })));
    const state = fitPreprocessor(data, ['a', 'b'], rows(150), { impute: 'knn', scale: true });
    const passed = Date.now() - 1;
    expect(() => transform(state, data, undefined, passed)).toThrow(FitTimeoutError);
    expect(() => transform(state, data, undefined, passed)).toThrow(/knn imputation: stopped after 0 of 200 rows/);
    expect(transform(state, data, undefined, Date.now() + 60_000)).toEqual(transform(state, data));
    const mean = fitPreprocessor(data, ['a', 'b'], rows(150), { impute: 'mean', scale: true });
    expect(transform(mean, data, undefined, passed)).toEqual(transform(mean, data));
    const config: PipelineConfig = { ...(defaultConfig('linear', 'classification') as PipelineConfig), impute: 'knn' };
    const y = rows(200).map((i) => i % 2);
    const ctx = { task: 'classification', nClasses: 2, seed: 0 } as const;
    await expect(fitPipeline(data, ['a', 'b'], y, rows(150), config, { ...ctx, deadline: passed })).rejects.toThrow(/knn imputation: stopped/);
    await expect(fitPipeline(data, ['a', 'b'], y, rows(150), config, { ...ctx, deadline: Date.now() + 60_000 })).resolves.toBeDefined();
  });

  it('a knn pipeline saved as a model file predicts the same after loading, in process and with dials predict, on rows with gaps and unseen categories', async () => {
    const frame = loadAutomlDataset('penguins');
    const target = encodeTarget(frame, 'target');
    const features = frame.names.filter((n) => n !== 'target');
    const train = target.rows.filter((i) => i % 3 !== 0);
    const config: PipelineConfig = { ...(defaultConfig('linear', 'classification') as PipelineConfig), impute: 'knn' };
    const fitted = await fitPipeline(frame, features, target.y, train, config, { task: 'classification', nClasses: target.classes.length, seed: 0 });
    const file = modelFile(fitted, {
      task: 'classification',
      target: 'target',
      features,
      classes: target.classes,
      metadata: { createdAt: '', metric: 'accuracy', cvMean: 0, cvStd: 0, folds: 5, trainingRows: train.length },
    });
    expect(file.preprocessing.donors?.length).toBe(train.length);
    // Held-out rows with more gaps (every third row loses a measurement, every fifth its island) and an island never seen.
    const records = target.rows
      .filter((i) => i % 3 === 0)
      .map((i, r) => {
        const rec: Record<string, unknown> = Object.fromEntries(features.map((n) => [n, cell(frame, frame.names.indexOf(n), i)]));
        if (r % 3 === 0) rec[features[1 + (r % 4)] as string] = null;
        if (r % 5 === 0) rec.Island = null;
        if (r % 7 === 0) rec.Island = 'Atlantis';
        return rec;
      });
    const live = await predictPipeline(fitted, frameFromRecords(records), undefined, true);
    const loaded = await modelFromJson(JSON.parse(JSON.stringify(file)));
    const again = await predict(loaded, records, { proba: true });
    expect(again.probabilities).toEqual(live.proba);
    expect(again.predictions).toEqual(live.pred.map((k) => target.classes[k]));
    fitted.model.dispose?.();
    loaded.pipeline.model.dispose?.();

    const dir = mkdtempSync(join(tmpdir(), 'dials-knn-model-'));
    try {
      writeFileSync(join(dir, 'model.json'), JSON.stringify(file));
      const text = (v: unknown): string => (v === null ? '' : String(v));
      writeFileSync(join(dir, 'new.csv'), `${[features.join(','), ...records.map((r) => features.map((f) => text(r[f])).join(','))].join('\n')}\n`);
      const p = await dials(['predict', join(dir, 'model.json'), join(dir, 'new.csv'), '--out', join(dir, 'preds.csv')], { env: { DIALS_STORAGE: '' } });
      expect(p.stderr).toBe('');
      expect(p.code).toBe(0);
      expect(
        parseCsv(readFileSync(join(dir, 'preds.csv'), 'utf8'))
          .slice(1)
          .map((l) => l[0]),
      ).toEqual(again.predictions);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('agrees exactly with the direct definition (every donor sorted per missing value) on rows with many ties, categories and gaps', () => {
    const seed = 7;
    const rng = new Rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.random() * xs.length)] as T;
    // Small integers and three categories: many donors tie at the k-th distance.
    const recs = rows(300).map(() => ({
      a: rng.random() < 0.2 ? null : pick([0, 1, 2, 3]),
      b: rng.random() < 0.3 ? null : pick([0, 0.5, 1]),
      c: rng.random() < 0.2 ? null : pick(['x', 'y', 'z']),
      d: rng.random() < 0.1 ? null : pick([-1, 1]),
    }));
    recs.push({ a: 1, b: null, c: 'unseen', d: null });
    const data = frameFromRecords(recs);
    const state = fitPreprocessor(data, ['a', 'b', 'c', 'd'], rows(250), { impute: 'knn', scale: false });
    const all = rows(data.nRows);
    expect(transform(state, data, all), `seed ${seed}`).toEqual(all.map((i) => directKnn(state, data, i)));
  });
});

/** The knn-imputed, one-hot row i as the module comment defines it, the plain way: per missing value, every donor that has it sorted by distance. */
function directKnn(state: PreprocessorState, frame: ReturnType<typeof frameFromRecords>, i: number): number[] {
  const f = state.features;
  const donors = state.donors ?? [];
  const raw = f.map((x) => cell(frame, frame.names.indexOf(x.name), i));
  const enc = raw.map((v, k) => {
    const x = f[k];
    if (v === null || x === undefined) return null;
    return x.kind === 'numeric' ? (v as number) : x.categories.indexOf(String(v)) < 0 ? null : x.categories.indexOf(String(v));
  });
  const width = f.map((x) => (x.kind === 'numeric' ? 1 : Math.max(1, x.categories.length)));
  const total = width.reduce((a, b) => a + b, 0);
  const dist = donors.map((d) => {
    let ss = 0;
    let present = 0;
    f.forEach((x, k) => {
      const a = enc[k];
      const b = d[k];
      if (a === null || a === undefined || b === null || b === undefined) return;
      ss += x.kind === 'numeric' ? ((a - b) / x.std) ** 2 : a === b ? 0 : 2;
      present += width[k] as number;
    });
    return present === 0 ? Number.POSITIVE_INFINITY : Math.sqrt((ss * total) / present);
  });
  return f.flatMap((x, k) => {
    let v: number | string | null = raw[k] ?? null;
    if (v === null) {
      const have = donors
        .map((_, d) => d)
        .filter((d) => donors[d]?.[k] !== null && Number.isFinite(dist[d] as number))
        .sort((p, q) => (dist[p] as number) - (dist[q] as number) || p - q);
      const kth = dist[have[Math.min(K_IMPUTE, have.length) - 1] as number] as number;
      const values = have.filter((d) => (dist[d] as number) <= kth).map((d) => donors[d]?.[k] as number);
      if (values.length === 0) v = x.fill;
      else if (x.kind === 'numeric') v = values.reduce((a, b) => a + b, 0) / values.length;
      else {
        const counts = new Map<number, number>();
        for (const c of values) counts.set(c, (counts.get(c) ?? 0) + 1);
        v = x.categories[[...counts.entries()].sort((p, q) => q[1] - p[1] || p[0] - q[0])[0]?.[0] as number] as string;
      }
    }
    if (x.kind === 'numeric') return [v as number];
    return x.categories.map((c) => (c === String(v) ? 1 : 0));
  });
}
