/**
 * Population-based training benchmark (not a test).
 *
 *   npx tsx bench/pbt.ts [--seeds 10] [--only nqm,tfjs,curves] [--quick]
 *
 * (a) nqm: a task whose best learning rate changes during training, the noisy
 *     quadratic model (Schaul, Zhang & LeCun 2013; Zhang et al. 2019): plain
 *     SGD on L(θ) = ½ Σᵢ hᵢ θᵢ², d = 50, curvatures hᵢ log-spaced in
 *     [0.01, 1], θ₀ = 1, with gradient noise gᵢ = hᵢθᵢ + σ√hᵢ ξ (σ = 0.5,
 *     ξ ~ N(0, 1)). In expectation each coordinate follows
 *     E[θ²]ₜ₊₁ = (1 − ηh)² E[θ²]ₜ + η²σ²h: a large η shrinks the loss fast but
 *     settles at a floor proportional to η, so the best learning rate falls
 *     as training goes on. One step = 20 SGD updates; 40 steps; the score is
 *     the exact loss L(θ) (minimize). Learning rates in [1e-3, 1.9] (log).
 *     PBT (population 8, ready every 4 steps, quantile 0.25, synchronous)
 *     and PB2 against the best of 8 fixed learning rates drawn by random
 *     search, each trained the 40 steps: the same 320 steps in total. Also
 *     shown: the best fixed rate of a 40-point grid (an oracle that spends 5×
 *     the budget).
 * (b) tfjs: the same comparison on real training, the digits MLP of
 *     test/demos/tfjs-digits.ts (Adam; the score is the validation
 *     cross-entropy, minimize), population 8, 12 epochs, ready every 2.
 * (c) curves: real tfjs learning curves for the pruning benchmark, written to
 *     bench/results/tfjs-curves.json: random configurations of the digits MLP
 *     (learning rate, hidden units, batch size), validation loss and accuracy
 *     after each of 27 epochs.
 *
 * Results: bench/results/pbt.json (and tfjs-curves.json). Figures go to bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/math/rng.js';
import { learnedSchedule } from '../src/pbt/records.js';
import { mixSeed, type PbtMember, pbtSegments, runPbt } from '../src/pbt/run-pbt.js';
import { createStudy } from '../src/study/create-study.js';
import type { Split } from '../src/tfjs/datasets.js';
import type { Tfjs } from '../src/tfjs/load-tfjs.js';
import { MlpClassifier, mlpPbtMember } from '../src/tfjs/mlp-classifier.js';
import { digitsTask } from '../test/demos/tfjs-digits.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    only: { type: 'string', default: 'nqm,tfjs,curves' },
    quick: { type: 'boolean', default: false },
  },
});
const nSeeds = args.quick ? 2 : Number(args.seeds);
const SEEDS = Array.from({ length: nSeeds }, (_, i) => i);
const only = new Set((args.only as string).split(','));

const median = (xs: readonly number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};
const geomean = (xs: readonly number[]): number => Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / xs.length);

// ---------------------------------------------------------------- (a) noisy quadratic model

const NQM = { d: 50, sigma: 0.5, updatesPerStep: 20, steps: 40, lrLow: 1e-3, lrHigh: 1.9 };
const H = Float64Array.from({ length: NQM.d }, (_, i) => 10 ** (-2 + (2 * i) / (NQM.d - 1)));

function nqmLoss(theta: Float64Array): number {
  let s = 0;
  for (let i = 0; i < NQM.d; i++) s += 0.5 * (H[i] as number) * (theta[i] as number) ** 2;
  return s;
}

/** `updatesPerStep` SGD updates with learning rate `lr`, noise from `seed`. */
function nqmStep(theta: Float64Array, lr: number, seed: number): number {
  const rng = new Rng(seed);
  for (let u = 0; u < NQM.updatesPerStep; u++) {
    for (let i = 0; i < NQM.d; i++) {
      const h = H[i] as number;
      const g = h * (theta[i] as number) + NQM.sigma * Math.sqrt(h) * rng.normal();
      theta[i] = (theta[i] as number) - lr * g;
    }
  }
  return nqmLoss(theta);
}

const nqmMember: PbtMember<{ lr: number }, Float64Array> = {
  init: () => new Float64Array(NQM.d).fill(1),
  step: (theta, p, ctx) => nqmStep(theta, p.lr, ctx.seed),
  save: (theta) => Array.from(theta),
  load: (state) => Float64Array.from(state as number[]),
};

function nqmFixed(lr: number, seed: number, member: number): number {
  const theta = new Float64Array(NQM.d).fill(1);
  let loss = nqmLoss(theta);
  // The same noise streams a PBT member gets (mixSeed(seed, member, step + 1)).
  for (let s = 0; s < NQM.steps; s++) loss = nqmStep(theta, lr, mixSeed(seed, member, s + 1));
  return Number.isFinite(loss) ? loss : Number.POSITIVE_INFINITY;
}

function logUniform(rng: Rng, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + rng.random() * (Math.log(hi) - Math.log(lo)));
}

async function nqmPbt(seed: number, explore: 'perturb' | 'pb2'): Promise<{ loss: number; lrSchedule: number[] }> {
  const study = await createStudy({ storage: 'memory:', direction: 'minimize' });
  const r = await runPbt({
    study,
    space: { lr: { kind: 'float', low: NQM.lrLow, high: NQM.lrHigh, log: true } },
    member: nqmMember,
    population: 8,
    readyEvery: 4,
    totalSteps: NQM.steps,
    seed,
    explore: { kind: explore },
  });
  const schedule = learnedSchedule(await pbtSegments(study), r.best.trialNumber).map((e) => e.params.lr as number);
  return { loss: r.best.score, lrSchedule: schedule };
}

async function benchNqm() {
  const rows: {
    seed: number;
    randomSearch: number;
    randomSearchLr: number;
    pbt: number;
    pb2: number;
    oracle: number;
    oracleLr: number;
    pbtSchedule: number[];
  }[] = [];
  // The oracle: the best fixed rate of a 40-point log grid, on the same noise as member 0.
  for (const seed of SEEDS) {
    const rng = new Rng(mixSeed(seed, 0xbe4c));
    let rs = Number.POSITIVE_INFINITY;
    let rsLr = Number.NaN;
    for (let m = 0; m < 8; m++) {
      const lr = logUniform(rng, NQM.lrLow, NQM.lrHigh);
      const loss = nqmFixed(lr, seed, m);
      if (loss < rs) {
        rs = loss;
        rsLr = lr;
      }
    }
    let oracle = Number.POSITIVE_INFINITY;
    let oracleLr = Number.NaN;
    for (let k = 0; k < 40; k++) {
      const lr = Math.exp(Math.log(NQM.lrLow) + (k / 39) * (Math.log(NQM.lrHigh) - Math.log(NQM.lrLow)));
      const loss = nqmFixed(lr, seed, k % 8);
      if (loss < oracle) {
        oracle = loss;
        oracleLr = lr;
      }
    }
    const pbt = await nqmPbt(seed, 'perturb');
    const pb2 = await nqmPbt(seed, 'pb2');
    rows.push({ seed, randomSearch: rs, randomSearchLr: rsLr, pbt: pbt.loss, pb2: pb2.loss, oracle, oracleLr, pbtSchedule: pbt.lrSchedule });
    process.stderr.write(
      `nqm seed ${seed}: random search ${rs.toPrecision(4)} (lr ${rsLr.toPrecision(3)}), oracle ${oracle.toPrecision(4)}, PBT ${pbt.loss.toPrecision(4)}, PB2 ${pb2.loss.toPrecision(4)}\n`,
    );
  }
  return {
    task: NQM,
    rows,
    summary: {
      medianRandomSearch: median(rows.map((r) => r.randomSearch)),
      medianOracle: median(rows.map((r) => r.oracle)),
      medianPbt: median(rows.map((r) => r.pbt)),
      medianPb2: median(rows.map((r) => r.pb2)),
      geomeanRatioPbtToRandomSearch: geomean(rows.map((r) => r.pbt / r.randomSearch)),
      geomeanRatioPb2ToRandomSearch: geomean(rows.map((r) => r.pb2 / r.randomSearch)),
      geomeanRatioPbtToOracle: geomean(rows.map((r) => r.pbt / r.oracle)),
      pbtWinsOverRandomSearch: rows.filter((r) => r.pbt < r.randomSearch).length,
      pb2WinsOverRandomSearch: rows.filter((r) => r.pb2 < r.randomSearch).length,
      pbtWinsOverOracle: rows.filter((r) => r.pbt < r.oracle).length,
      seeds: rows.length,
    },
  };
}

// ---------------------------------------------------------------- (b) tfjs digits

const TFJS = { population: 8, epochs: 12, readyEvery: 2, batchSize: 64, lrLow: 1e-4, lrHigh: 0.3 };

async function tfjsFixed(tfjs: Tfjs, split: Split, lr: number, seed: number, member: number): Promise<number> {
  const net = MlpClassifier.create(tfjs, { inputs: 64, classes: 10, hidden: [32], seed: mixSeed(seed, member) }, lr);
  let loss = Number.POSITIVE_INFINITY;
  try {
    for (let e = 0; e < TFJS.epochs; e++) {
      await net.fitEpoch(split.train, { batchSize: TFJS.batchSize, seed: mixSeed(seed, member, e + 1) });
      loss = net.evaluate(split.validation).loss;
    }
  } finally {
    net.dispose();
  }
  return Number.isFinite(loss) ? loss : Number.POSITIVE_INFINITY;
}

async function benchTfjs() {
  const { tfjs, split } = await digitsTask(1);
  const seeds = SEEDS.slice(0, args.quick ? 1 : 3);
  const rows: { seed: number; randomSearch: number; randomSearchLr: number; pbt: number; pbtSeconds: number; randomSearchSeconds: number }[] = [];
  for (const seed of seeds) {
    const rng = new Rng(mixSeed(seed, 0xbe4c));
    let t0 = Date.now();
    let rs = Number.POSITIVE_INFINITY;
    let rsLr = Number.NaN;
    for (let m = 0; m < TFJS.population; m++) {
      const lr = logUniform(rng, TFJS.lrLow, TFJS.lrHigh);
      const loss = await tfjsFixed(tfjs, split, lr, seed, m);
      if (loss < rs) {
        rs = loss;
        rsLr = lr;
      }
    }
    const rsSeconds = (Date.now() - t0) / 1000;
    t0 = Date.now();
    const study = await createStudy({ storage: 'memory:', direction: 'minimize' });
    const r = await runPbt({
      study,
      space: { lr: { kind: 'float', low: TFJS.lrLow, high: TFJS.lrHigh, log: true } },
      member: mlpPbtMember(tfjs, { split, hidden: [32], batchSize: TFJS.batchSize, score: 'loss' }),
      population: TFJS.population,
      readyEvery: TFJS.readyEvery,
      totalSteps: TFJS.epochs,
      seed,
    });
    const pbtSeconds = (Date.now() - t0) / 1000;
    rows.push({ seed, randomSearch: rs, randomSearchLr: rsLr, pbt: r.best.score, pbtSeconds, randomSearchSeconds: rsSeconds });
    process.stderr.write(
      `tfjs seed ${seed}: random search ${rs.toFixed(4)} (lr ${rsLr.toPrecision(3)}), PBT ${r.best.score.toFixed(4)} (${pbtSeconds.toFixed(0)} s vs ${rsSeconds.toFixed(0)} s)\n`,
    );
  }
  return {
    task: {
      ...TFJS,
      dataset: 'digits (data/digits.csv.gz), 75/25 stratified split, seed 1',
      model: 'MLP 64-32(relu)-10(softmax), Adam',
      score: 'validation cross-entropy',
    },
    backend: tfjs.backend,
    rows,
    summary: {
      geomeanRatioPbtToRandomSearch: geomean(rows.map((r) => r.pbt / r.randomSearch)),
      pbtWinsOverRandomSearch: rows.filter((r) => r.pbt < r.randomSearch).length,
      seeds: rows.length,
    },
  };
}

// ---------------------------------------------------------------- (c) tfjs learning curves

async function benchCurves() {
  const { tfjs, split } = await digitsTask(1);
  const n = args.quick ? 4 : 40;
  const epochs = 27;
  const rng = new Rng(2024);
  const configs: { params: { lr: number; hidden: number; batchSize: number }; valLoss: number[]; valAccuracy: number[]; seconds: number }[] = [];
  for (let c = 0; c < n; c++) {
    const params = {
      lr: logUniform(rng, 1e-4, 0.3),
      hidden: [8, 16, 32, 64][rng.int(4)] as number,
      batchSize: [16, 32, 64, 128][rng.int(4)] as number,
    };
    const t0 = Date.now();
    const net = MlpClassifier.create(tfjs, { inputs: 64, classes: 10, hidden: [params.hidden], seed: c }, params.lr);
    const valLoss: number[] = [];
    const valAccuracy: number[] = [];
    for (let e = 0; e < epochs; e++) {
      await net.fitEpoch(split.train, { batchSize: params.batchSize, seed: c * 1000 + e });
      const ev = net.evaluate(split.validation);
      valLoss.push(Number.isFinite(ev.loss) ? ev.loss : 1e9);
      valAccuracy.push(ev.accuracy);
    }
    net.dispose();
    configs.push({ params, valLoss, valAccuracy, seconds: (Date.now() - t0) / 1000 });
    process.stderr.write(
      `curves: config ${c + 1}/${n} lr=${params.lr.toPrecision(3)} h=${params.hidden} b=${params.batchSize}: loss ${valLoss.at(-1)?.toFixed(4)}\n`,
    );
  }
  return {
    description:
      'Real TensorFlow.js learning curves (tfjs-layers 4.22.0, wasm backend): an MLP 64-h(relu)-10(softmax) trained with Adam on the digits dataset ' +
      '(data/digits.csv.gz, 1797 8x8 images, 75/25 stratified split with seed 1, features standardized with the training statistics), one epoch per step, ' +
      'rows shuffled with a seeded generator (seed = config index * 1000 + epoch), weights initialized with glorotUniform(seed = config index). ' +
      'valLoss[e] and valAccuracy[e] are the validation cross-entropy (lower is better) and accuracy after epoch e + 1. Configurations are drawn with ' +
      'Rng(2024): lr log-uniform in [1e-4, 0.3], hidden in {8, 16, 32, 64}, batchSize in {16, 32, 64, 128}. Written by bench/pbt.ts.',
    backend: tfjs.backend,
    epochs,
    configs,
  };
}

// ---------------------------------------------------------------- main

const result: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
if (only.has('nqm')) result.nqm = await benchNqm();
if (only.has('tfjs')) result.tfjs = await benchTfjs();
mkdirSync(resolve(here, 'results'), { recursive: true });
if (only.has('curves')) {
  const curves = await benchCurves();
  if (!args.quick) writeFileSync(resolve(here, 'results/tfjs-curves.json'), `${JSON.stringify(curves)}\n`);
}
if (!args.quick && only.has('nqm') && only.has('tfjs')) writeFileSync(resolve(here, 'results/pbt.json'), `${JSON.stringify(result, null, 2)}\n`);

const nqm = result.nqm as Awaited<ReturnType<typeof benchNqm>> | undefined;
if (nqm) {
  const s = nqm.summary;
  console.log(`\n(a) noisy quadratic model, ${s.seeds} seeds, 320 steps per method (final loss, lower is better)`);
  console.log(`  random search (8 fixed lrs)   median ${s.medianRandomSearch.toPrecision(4)}`);
  console.log(
    `  PBT (population 8)            median ${s.medianPbt.toPrecision(4)}  ratio to random search ${s.geomeanRatioPbtToRandomSearch.toFixed(3)}  wins ${s.pbtWinsOverRandomSearch}/${s.seeds}`,
  );
  console.log(
    `  PB2 (population 8)            median ${s.medianPb2.toPrecision(4)}  ratio to random search ${s.geomeanRatioPb2ToRandomSearch.toFixed(3)}  wins ${s.pb2WinsOverRandomSearch}/${s.seeds}`,
  );
  console.log(`  best fixed lr of a 40-point grid (oracle) median ${s.medianOracle.toPrecision(4)}; PBT beats it in ${s.pbtWinsOverOracle}/${s.seeds}`);
}
const tf = result.tfjs as Awaited<ReturnType<typeof benchTfjs>> | undefined;
if (tf) {
  console.log(
    `\n(b) tfjs digits MLP, ${tf.summary.seeds} seeds: PBT / random search validation loss ${tf.summary.geomeanRatioPbtToRandomSearch.toFixed(3)}, wins ${tf.summary.pbtWinsOverRandomSearch}/${tf.summary.seeds}`,
  );
}
