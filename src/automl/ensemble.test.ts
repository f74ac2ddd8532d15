import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dials } from '../../test/cli/cli-harness.js';
import { automl } from './automl.js';
import { parseCsv } from './csv.js';
import { loadAutomlDataset } from './datasets.js';
import { ENSEMBLE_POOL, ENSEMBLE_POOL_BYTES, ENSEMBLE_POOL_PER_FAMILY, heldOutEnsembleGain, poolLimits, predictEnsemble, selectEnsemble } from './ensemble.js';
import { defaultConfig } from './families.js';
import { ENSEMBLE_FORMAT_VERSION, ensembleModelFile, loadModel, modelFromJson, predict, saveModel } from './model-file.js';
import { encodeTarget, type FittedPipeline, fitPipeline } from './pipeline.js';

/** Five folds of n rows, by row number modulo 5. */
function folds(n: number): { testIndex: number[] }[] {
  return Array.from({ length: 5 }, (_, k) => ({ testIndex: Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 === k) }));
}

describe('selectEnsemble', () => {
  it('classification: three members each wrong on a different third of the rows; their average is right everywhere', () => {
    const n = 60;
    const truth = Array.from({ length: n }, (_, i) => i % 2);
    // Member c is confidently right except on rows with i % 3 === c, where it leans to the wrong class.
    const member = (c: number): Float64Array => {
      const p = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) {
        const right = i % 3 !== c ? 0.9 : 0.4;
        p[i * 2 + (truth[i] as number)] = right;
        p[i * 2 + 1 - (truth[i] as number)] = 1 - right;
      }
      return p;
    };
    // A fourth, uninformative candidate must not be chosen.
    const coin = new Float64Array(n * 2).fill(0.5);
    const input = {
      predictions: [member(0), member(1), member(2), coin],
      truth,
      folds: folds(n),
      task: 'classification' as const,
      nClasses: 2,
      metric: 'accuracy' as const,
      size: 12,
    };
    const r = selectEnsemble({ ...input, init: 1 });
    for (const s of r.memberScores.slice(0, 3)) expect(s).toBeCloseTo(2 / 3, 1);
    expect(r.score).toBe(1);
    for (const s of r.memberScores) expect(r.score).toBeGreaterThan(s);
    for (const w of r.weights.slice(0, 3)) expect(w).toBeGreaterThan(0.2);
    expect(r.weights[3]).toBe(0);
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // Bagged selection (each bag from a random half of the candidates) still finds the perfect average and leaves the coin out.
    const bagged = selectEnsemble({ ...input, bags: 10, seed: 3 });
    expect(bagged.score).toBe(1);
    expect(bagged.weights[3]).toBe(0);
    expect(bagged.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('regression: two members biased in opposite directions get equal weights, and a noisy third none', () => {
    const n = 50;
    const truth = Array.from({ length: n }, (_, i) => Math.sin(i) * 3 + i / 10);
    const up = Float64Array.from(truth, (y) => y + 1);
    const down = Float64Array.from(truth, (y) => y - 1);
    const noisy = Float64Array.from(truth, (y, i) => y + (i % 2 === 0 ? 1.5 : -1.5));
    const r = selectEnsemble({ predictions: [up, down, noisy], truth, folds: folds(n), task: 'regression', nClasses: 0, metric: 'r2', size: 20 });
    expect(r.score).toBeCloseTo(1, 12);
    // Every fold is exact, so the folds' spread is nil.
    expect(r.std).toBeCloseTo(0, 12);
    for (const s of r.memberScores) expect(s).toBeLessThan(0.9);
    expect(r.weights[0]).toBeCloseTo(r.weights[1] as number, 12);
    expect(r.weights[2]).toBe(0);
  });

  it('keeps the best single candidate when no average beats it', () => {
    const n = 20;
    const truth = Array.from({ length: n }, (_, i) => i);
    const exact = Float64Array.from(truth);
    const off = Float64Array.from(truth, (y) => y + 3);
    const r = selectEnsemble({ predictions: [exact, off], truth, folds: folds(n), task: 'regression', nClasses: 0, metric: 'rmse', size: 10, init: 2 });
    expect(r.weights).toEqual([1, 0]);
    expect(r.score).toBe(0);
  });

  it('heldOutEnsembleGain: a gain found on one split only does not carry to the other; a gain on every split does', () => {
    // Two fresh splits of the same 20 rows, stacked: rows 20-39 are the second split.
    const n = 20;
    const truth = Array.from({ length: 2 * n }, (_, i) => i % n);
    const fs = [...folds(n), ...folds(n).map((f) => ({ testIndex: f.testIndex.map((i) => i + n) }))];
    // A and B err in opposite directions on `rows`; their average is exact there.
    const pair = (rows: readonly number[]): Float64Array[] => [
      Float64Array.from(truth, (y, i) => (rows.includes(i) ? y + 2 : y)),
      Float64Array.from(truth, (y, i) => (rows.includes(i) ? y - 2 : y)),
    ];
    const o = { truth, folds: fs, task: 'regression' as const, nClasses: 0, metric: 'rmse' as const, size: 10, init: 1 };
    // One row of the first split: on all folds the ensemble wins (in-sample gain > 0), held out it gains nothing.
    const lucky = pair([0]);
    const inSample = selectEnsemble({ ...o, predictions: lucky });
    expect(inSample.weights).toEqual([0.5, 0.5]);
    expect(inSample.gain).toBeGreaterThan(0);
    expect(heldOutEnsembleGain({ ...o, predictions: lucky }, 5)).toEqual({ gain: 0, stdErr: 0 });
    // The first row of every fold of both splits: selected on either split, the ensemble wins on the other.
    const steady = heldOutEnsembleGain({ ...o, predictions: pair(fs.map((f) => f.testIndex[0] as number)) }, 5);
    expect(steady.gain).toBeGreaterThan(0);
    expect(steady.stdErr).toBeCloseTo(0, 12);
    expect(() => heldOutEnsembleGain({ ...o, folds: fs.slice(0, 5), predictions: lucky }, 5)).toThrow(/two groups of 5 folds/);
  });
});

describe('automl with ensemble selection', () => {
  it('diabetes: the ensemble of the completed pipelines beats its best member on their out-of-fold predictions; ensemble: false keeps one pipeline', async () => {
    const data = loadAutomlDataset('diabetes');
    const o = { data, target: 'target', trials: 14, families: ['linear', 'knn', 'decision_tree'] as const, seed: 0 };
    const r = await automl({ ...o, families: [...o.families] });
    expect(r.model.kind).toBe('ensemble');
    const e = r.ensemble;
    if (e === undefined || r.model.kind !== 'ensemble') throw new Error('no ensemble');
    expect(e.members.length).toBeGreaterThan(1);
    expect(e.score).toBeGreaterThan(e.bestMemberScore);
    expect(e.members.reduce((a, m) => a + m.weight, 0)).toBeCloseTo(1, 12);
    expect(r.model.members.map((m) => m.trialNumber)).toEqual(e.members.map((m) => m.trial));
    const loaded = await modelFromJson(JSON.parse(JSON.stringify(r.model)));
    const { predictions } = await predict(loaded, data);
    expect(predictions).toHaveLength(data.nRows);
    for (const m of loaded.members ?? []) m.pipeline.model.dispose?.();
    const single = await automl({ ...o, families: [...o.families], ensemble: false });
    expect(single.model.kind).toBe('pipeline');
    expect(single.ensemble).toBeUndefined();
    await expect(automl({ ...o, families: [...o.families], ensemble: { size: 0 } })).rejects.toThrow(/ensemble.size must be a positive integer/);
  }, 60_000);
});

describe('ensemble model files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dials-ensemble-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an ensemble saved to model.json and loaded predicts the same labels and probabilities, in process and with dials predict', async () => {
    const frame = loadAutomlDataset('iris');
    const target = encodeTarget(frame, 'target');
    const features = frame.names.filter((n) => n !== 'target');
    // Train on two thirds, predict the rest.
    const train = target.rows.filter((i) => i % 3 !== 0);
    const test = target.rows.filter((i) => i % 3 === 0);
    const ctx = { task: target.task, nClasses: target.classes.length, seed: 0 };
    const members: { weight: number; pipeline: FittedPipeline }[] = [];
    for (const [family, weight] of [
      ['knn', 0.5],
      ['linear', 0.3],
      ['naive_bayes', 0.2],
    ] as const) {
      members.push({ weight, pipeline: await fitPipeline(frame, features, target.y, train, defaultConfig(family, target.task) ?? assertNever(family), ctx) });
    }
    const live = await predictEnsemble(members, frame, test, target.task, target.classes.length);
    const file = ensembleModelFile(members, {
      task: target.task,
      target: 'target',
      features,
      classes: target.classes,
      metadata: { createdAt: '', metric: 'accuracy', cvMean: 0, cvStd: 0, folds: 5, trainingRows: train.length },
    });
    expect(file.kind).toBe('ensemble');
    expect(file.version).toBe(ENSEMBLE_FORMAT_VERSION);
    const path = join(dir, 'model.json');
    saveModel(file, path);
    const loaded = await loadModel(path);
    expect(loaded.members?.map((m) => m.weight)).toEqual([0.5, 0.3, 0.2]);
    const rows = test.map((i) => Object.fromEntries(frame.names.map((n, j) => [n, (frame.columns[j] as Float64Array)[i]])));
    const again = await predict(loaded, rows, { proba: true });
    expect(again.predictions).toEqual(live.pred.map((k) => target.classes[k]));
    expect(again.probabilities).toEqual(live.proba);
    // The members disagree somewhere, so the weights matter: the ensemble is not just its heaviest member.
    const heaviest = await predict(await modelFromJson(JSON.parse(JSON.stringify({ ...file, members: [file.members[0]] }))), rows, { proba: true });
    expect(heaviest.probabilities).not.toEqual(again.probabilities);
    for (const m of members) m.pipeline.model.dispose?.();
    for (const m of loaded.members ?? []) m.pipeline.model.dispose?.();

    // dials predict (the built CLI as a child process) reads the ensemble file.
    const csv = [features.join(','), ...rows.map((r) => features.map((f) => r[f]).join(','))].join('\n');
    writeFileSync(join(dir, 'new.csv'), `${csv}\n`);
    const out = join(dir, 'preds.csv');
    const p = await dials(['predict', path, join(dir, 'new.csv'), '--proba', '--out', out], { env: { DIALS_STORAGE: '' } });
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const json = await dials(['predict', path, join(dir, 'new.csv'), '--json'], { env: { DIALS_STORAGE: '' } });
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout) as { kind: string; members: { family: string; weight: number }[]; predictions: unknown[] };
    expect(summary.kind).toBe('ensemble');
    expect(summary.members).toEqual([
      { family: 'knn', weight: 0.5 },
      { family: 'linear', weight: 0.3 },
      { family: 'naive_bayes', weight: 0.2 },
    ]);
    expect(summary.predictions).toEqual(again.predictions);
    const lines = parseCsv(readFileSync(out, 'utf8'));
    expect(lines[0]).toEqual(['target', ...target.classes.map((c) => `p(${c})`)]);
    expect(lines.slice(1).map((l) => Number(l[0]))).toEqual(again.predictions);
    lines.slice(1).forEach((l, i) => {
      for (const [c, v] of l.slice(1).entries()) expect(Number(v)).toBeCloseTo(again.probabilities?.[i]?.[c] as number, 12);
    });
  }, 60_000);
});

function assertNever(family: string): never {
  throw new Error(`no default configuration for ${family}`);
}

describe('poolLimits (the out-of-fold pool stays within its memory)', () => {
  const peak = (l: { capacity: number; perFamily: number }, families: number): number => Math.max(2 * l.capacity, l.capacity + families * l.perFamily);

  it('keeps auto-sklearn’s 50 and 5 per family on small data', () => {
    // digits: 1,797 rows × 10 classes × 8 bytes per pipeline.
    expect(poolLimits(1797 * 10 * 8, 8)).toEqual({ capacity: ENSEMBLE_POOL, perFamily: ENSEMBLE_POOL_PER_FAMILY });
  });

  it('keeps fewer when their predictions would pass ENSEMBLE_POOL_BYTES at the peak before a trim', () => {
    for (const [rows, classes, families] of [
      [100_000, 10, 8],
      [300_000, 2, 7],
      [50_000, 26, 8],
      [2_000_000, 1, 8],
    ] as const) {
      const rowBytes = rows * classes * 8;
      const l = poolLimits(rowBytes, families);
      expect(l.capacity).toBeLessThan(ENSEMBLE_POOL);
      expect(peak(l, families) * rowBytes).toBeLessThanOrEqual(ENSEMBLE_POOL_BYTES);
    }
    expect(poolLimits(100_000 * 10 * 8, 8)).toEqual({ capacity: 16, perFamily: 2 });
  });

  it('never goes below two pipelines and one per family', () => {
    expect(poolLimits(ENSEMBLE_POOL_BYTES, 8)).toEqual({ capacity: 2, perFamily: 1 });
  });
});
