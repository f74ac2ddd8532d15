import { describe, expect, it } from 'vitest';
import { frameFromRecords } from './csv.js';
import { DEFAULT_CONFIGS, familiesFor, MODEL_FAMILIES, PORTFOLIO_CONFIGS } from './families.js';
import { modelFile, modelFromJson, predict } from './model-file.js';
import { encodeTarget, fitPipeline } from './pipeline.js';

// Tiny data sets: three well-separated classes with a categorical column and gaps; a linear target.
const classRows = Array.from({ length: 45 }, (_, i) => {
  const c = i % 3;
  return {
    a: i === 4 ? null : c * 3 + Math.sin(i),
    b: c - Math.cos(i * 5) * 0.3,
    tag: i === 7 ? null : ['u', 'v', 'w'][(c + (i % 4 === 0 ? 1 : 0)) % 3],
    label: ['lo', 'mid', 'hi'][c],
  };
});
const regRows = Array.from({ length: 40 }, (_, i) => {
  const a = (i * 0.37) % 4;
  const b = (i * 0.73) % 3;
  return { a, b, tag: i % 2 ? 'p' : 'q', y: 2 * a - b + (i % 2 ? 0.5 : 0) };
});

async function roundTrip(task: 'classification' | 'regression', family: ReturnType<typeof familiesFor>[number]) {
  const rows = task === 'classification' ? classRows : regRows;
  const targetName = task === 'classification' ? 'label' : 'y';
  const frame = frameFromRecords(rows);
  const target = encodeTarget(frame, targetName, task);
  const features = frame.names.filter((n) => n !== targetName);
  const params = DEFAULT_CONFIGS[family][task];
  if (!params) throw new Error(`${family} has no ${task} default`);
  // Small settings where a default is slow; the family code path is the same.
  const fast = family === 'mlp' ? { ...params, epochs: 40, learningRate: 0.02 } : family === 'random_forest' ? { ...params, nEstimators: 5 } : params;
  const fitted = await fitPipeline(
    frame,
    features,
    target.y,
    target.rows,
    { family, impute: 'mean', params: fast },
    { task, nClasses: target.classes.length, seed: 3 },
  );
  const file = modelFile(fitted, {
    task,
    target: targetName,
    features,
    classes: target.classes,
    metadata: { createdAt: '', metric: task === 'classification' ? 'accuracy' : 'r2', cvMean: 0, cvStd: 0, folds: 5, trainingRows: rows.length },
  });
  const live = await predict({ file, pipeline: fitted }, rows, { proba: true });
  const loaded = await modelFromJson(JSON.parse(JSON.stringify(file)));
  const again = await predict(loaded, rows, { proba: true });
  fitted.model.dispose?.();
  loaded.pipeline.model.dispose?.();
  return { live, again, rows, targetName };
}

describe('every model family fits, predicts, and predicts the same after save → load', () => {
  for (const family of familiesFor('classification')) {
    it(`classification: ${family}`, async () => {
      const { live, again, rows } = await roundTrip('classification', family);
      const acc = live.predictions.filter((p, i) => p === classRows[i]?.label).length / rows.length;
      expect(acc).toBeGreaterThan(0.85);
      expect(again.predictions).toEqual(live.predictions);
      expect(again.probabilities).toEqual(live.probabilities);
      for (const p of live.probabilities ?? []) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }, 60_000);
  }
  for (const family of familiesFor('regression')) {
    it(`regression: ${family}`, async () => {
      const { live, again } = await roundTrip('regression', family);
      const y = regRows.map((r) => r.y);
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      const ssTot = y.reduce((a, v) => a + (v - mean) ** 2, 0);
      const ssRes = y.reduce((a, v, i) => a + (v - (live.predictions[i] as number)) ** 2, 0);
      expect(1 - ssRes / ssTot).toBeGreaterThan(0.7);
      expect(again.predictions).toEqual(live.predictions);
    }, 60_000);
  }
});

describe('defaults and portfolio', () => {
  it('every default and portfolio configuration lies in its family space, and the portfolio repeats no default', () => {
    for (const task of ['classification', 'regression'] as const) {
      const configs = [...familiesFor(task).map((f) => ({ family: f, params: DEFAULT_CONFIGS[f][task] ?? {} })), ...PORTFOLIO_CONFIGS[task]];
      for (const { family, params } of configs) {
        const space = MODEL_FAMILIES[family].space(task);
        expect(Object.keys(params).sort(), `${task} ${family}`).toEqual(space.map((h) => h.name).sort());
        for (const h of space) {
          const v = params[h.name];
          if (h.kind === 'categorical') expect(h.choices, `${family}.${h.name}`).toContain(v);
          else {
            expect(typeof v).toBe('number');
            expect(v as number).toBeGreaterThanOrEqual(h.low);
            expect(v as number).toBeLessThanOrEqual(h.high);
            if (h.kind === 'int') expect(Number.isInteger(v)).toBe(true);
          }
        }
      }
      for (const p of PORTFOLIO_CONFIGS[task]) expect(p.params).not.toEqual(DEFAULT_CONFIGS[p.family][task]);
    }
  });
});

describe('the search space', () => {
  it("every family's default and portfolio configuration, and sampled ones, are valid trials of a real study (both tasks)", async () => {
    const { createStudy } = await import('../study/create-study.js');
    const { suggestPipeline, toTrialParams, defaultConfig, portfolioConfigs } = await import('./families.js');
    for (const task of ['classification', 'regression'] as const) {
      const families = familiesFor(task);
      const study = await createStudy({ direction: 'maximize', storage: 'memory:' });
      const configs = [...families.map((f) => defaultConfig(f, task)).filter((c) => c !== undefined), ...portfolioConfigs(task, families)];
      for (const c of configs) await study.enqueueTrial(toTrialParams(c));
      const seen = new Set<string>();
      // The enqueued ones first, then 40 sampled: a space whose distributions are invalid fails every trial of its family.
      await study.optimize(
        (t) => {
          const c = suggestPipeline(t, task, families);
          seen.add(c.family);
          return 0;
        },
        { nTrials: configs.length + 40 },
      );
      const trials = await study.getTrials();
      expect(trials.filter((t) => t.state === 'FAIL').map((t) => t.failReason)).toEqual([]);
      expect([...seen].sort()).toEqual([...families].sort());
      await study.close();
    }
  });
});

describe('time limits', () => {
  it('the iterative families stop at FitContext.deadline with a FitTimeoutError saying how far they got; the others ignore it', async () => {
    const { FitTimeoutError } = await import('./models/model.js');
    const frame = frameFromRecords(classRows);
    const target = encodeTarget(frame, 'label', 'classification');
    const features = frame.names.filter((n) => n !== 'label');
    const fitBy = (family: ReturnType<typeof familiesFor>[number], deadline: number) =>
      fitPipeline(
        frame,
        features,
        target.y,
        target.rows,
        { family, impute: 'mean', params: DEFAULT_CONFIGS[family].classification ?? {} },
        { task: 'classification', nClasses: 3, seed: 1, deadline },
      );
    const past = Date.now() - 1;
    await expect(fitBy('gbdt', past)).rejects.toThrow(/^gbdt: stopped after 0 of 100 rounds, \d+\.\d s past its time limit$/);
    await expect(fitBy('random_forest', past)).rejects.toThrow(/^random_forest: stopped after 0 of 100 trees/);
    await expect(fitBy('mlp', past)).rejects.toThrow(/^mlp: stopped in epochs 1-\d+ of \d+/);
    await expect(fitBy('svm', past)).rejects.toBeInstanceOf(FitTimeoutError);
    // No limit at all (setTimeout cannot wait that long: the SVM worker must not take it for 1 ms).
    await expect(fitBy('svm', Number.POSITIVE_INFINITY)).resolves.toBeDefined();
    // One-pass families have nothing to stop between; a deadline far ahead changes nothing.
    for (const family of ['naive_bayes', 'decision_tree', 'knn', 'linear'] as const) await expect(fitBy(family, past)).resolves.toBeDefined();
    const later = await fitBy('gbdt', Date.now() + 600_000);
    expect(later.model.toJSON()).toEqual((await fitBy('gbdt', Number.POSITIVE_INFINITY)).model.toJSON());
  }, 60_000);
});
