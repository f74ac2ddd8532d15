/**
 * Neural architecture search benchmark (not a test).
 *
 *   npx tsx bench/nas.ts [--seeds 3] [--from 0] [--trials 24] [--epochs 15]
 *
 * Seeds from..from+seeds−1; rows of other seeds already in the results file are kept.
 *
 * Digits (1,797 8×8 images, 10 classes), per seed: a stratified 25% test
 * split is held out; the rest is split again 80/20 into search-train and
 * validation rows. The search — regularized evolution (P = 8, S = 3) with
 * Hyperband over epochs (1 to 9, η = 3) on the full vocabulary (dense or
 * convolutional blocks, 1-3 of them) — scores architectures by validation
 * accuracy. The best architecture is then trained on all non-test rows for
 * `--epochs` epochs and scored on the test rows, against the hand-written
 * baseline MLP (64 → 64 ReLU → 10, Adam 1e-3, batch 32, the quickstart's
 * network) trained on the same rows for the same epochs. The search's own
 * epochs are reported separately.
 *
 * Results: bench/results/nas.json. Figures go to bench/README.md ("NAS").
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { architectureFromParams, describeArchitecture } from '../src/nas/architecture.js';
import { type NasTrialRecord, nasObjective, trainArchitecture } from '../src/nas/nas-objective.js';
import { RegularizedEvolutionSampler } from '../src/nas/regularized-evolution-sampler.js';
import { HyperbandPruner } from '../src/pruners/hyperband-pruner.js';
import { MemoryStorage } from '../src/storage/memory/memory-storage.js';
import { createStudy } from '../src/study/create-study.js';
import { type Dataset, loadDataset, standardize, trainValidationSplit } from '../src/tfjs/datasets.js';
import { loadTfjs } from '../src/tfjs/load-tfjs.js';
import { MlpClassifier } from '../src/tfjs/mlp-classifier.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    from: { type: 'string', default: '0' },
    trials: { type: 'string', default: '24' },
    epochs: { type: 'string', default: '15' },
  },
});
const nSeeds = Number(args.seeds);
const from = Number(args.from);
const nTrials = Number(args.trials);
const epochs = Number(args.epochs);
const IMAGE = [8, 8, 1];

const tfjs = await loadTfjs();
const digits = loadDataset('digits');
type Row = { seed: number; baseline: number; nas: number; best: string; params: number; searchEpochs: number; searchSeconds: number; validation: number };
const fresh: Row[] = [];
const out = resolve(dirname(fileURLToPath(import.meta.url)), 'results', 'nas.json');
const earlier: Row[] = existsSync(out) ? ((JSON.parse(readFileSync(out, 'utf8')) as { rows?: Row[] }).rows ?? []) : [];
for (let seed = from; seed < from + nSeeds; seed++) {
  const outer = trainValidationSplit(digits, { validationFraction: 0.25, seed });
  const scaled = standardize({ train: outer.train, validation: outer.validation });
  const trainAll: Dataset = scaled.train;
  const test: Dataset = scaled.validation;
  const inner = trainValidationSplit(trainAll, { validationFraction: 0.2, seed: seed + 100 });

  const base = MlpClassifier.create(tfjs, { inputs: 64, classes: 10, hidden: [64], seed }, 1e-3);
  for (let e = 0; e < epochs; e++) await base.fitEpoch(trainAll, { batchSize: 32, seed: seed * 1000 + e });
  const baseline = base.evaluate(test).accuracy;
  base.dispose();

  const t0 = Date.now();
  const study = await createStudy({
    storage: new MemoryStorage(),
    studyName: `nas-bench-${seed}`,
    direction: 'maximize',
    sampler: new RegularizedEvolutionSampler({ seed, populationSize: 8, sampleSize: 3 }),
    pruner: new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 }),
  });
  await study.optimize(nasObjective(tfjs, { split: inner, imageShape: IMAGE, epochs: 9, seed }), { nTrials });
  const searchSeconds = (Date.now() - t0) / 1000;
  const trials = await study.getTrials();
  const searchEpochs = trials.reduce((s, t) => s + ((t.userAttrs.nas as unknown as NasTrialRecord | undefined)?.accuracies.length ?? 0), 0);
  const bestTrial = await study.bestTrial();
  const arch = architectureFromParams(bestTrial.params, { imageShape: IMAGE });
  const net = await trainArchitecture(tfjs, arch, { train: trainAll, epochs, imageShape: IMAGE, seed });
  const nas = net.evaluate(test).accuracy;
  const params = net.countParams();
  net.dispose();
  const row = { seed, baseline, nas, best: describeArchitecture(arch), params, searchEpochs, searchSeconds, validation: bestTrial.value as number };
  fresh.push(row);
  console.log(JSON.stringify(row));
}

const rows = [...earlier.filter((r) => !fresh.some((f) => f.seed === r.seed)), ...fresh].sort((a, b) => a.seed - b.seed);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = {
  epochs,
  nTrials,
  backend: tfjs.backend,
  meanBaseline: mean(rows.map((r) => r.baseline)),
  meanNas: mean(rows.map((r) => r.nas)),
  nasWins: rows.filter((r) => r.nas > r.baseline).length,
  meanSearchEpochs: mean(rows.map((r) => r.searchEpochs)),
  rows,
};
console.log(`\n| seed | baseline MLP test acc. | NAS best test acc. | best architecture | weights | search epochs (of ${nTrials * 9} unpruned) |`);
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.seed} | ${r.baseline.toFixed(4)} | ${r.nas.toFixed(4)} | ${r.best} | ${r.params} | ${r.searchEpochs} |`);
console.log(
  `| mean | ${summary.meanBaseline.toFixed(4)} | ${summary.meanNas.toFixed(4)} | NAS better in ${summary.nasWins}/${rows.length} | | ${summary.meanSearchEpochs.toFixed(0)} |`,
);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
