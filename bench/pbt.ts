/**
 * Population-based training benchmark (not a test).
 *
 *   npx tsx bench/pbt.ts [--seeds 10] [--only nqm,tfjs] [--quick]
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
 * (b) tfjs: the same comparison on real training: an MLP 64-64(relu)-10
 *     (Adam) on the digits, 60% training / 20% validation / 20% test; 24
 *     epochs, learning rates in [1e-4, 1e-1] (log); PBT with population 8,
 *     ready every 3 epochs, against the best of 8 random rates trained 24
 *     epochs each (the same 192 epochs). Both select on the validation
 *     cross-entropy; the test cross-entropy and accuracy of the selected
 *     model are reported, since PBT's repeated selection on the validation
 *     rows makes its validation score optimistic.
 *
 * The real learning curves the pruning benchmark replays are recorded by
 * bench/tfjs-curves.ts.
 *
 * Results: bench/results/pbt.json. Figures go to bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/math/rng.js';
import { learnedSchedule } from '../src/pbt/records.js';
import { mixSeed, type PbtMember, pbtSegments, runPbt } from '../src/pbt/run-pbt.js';
import { createStudy } from '../src/study/create-study.js';
import { type Dataset, loadDataset, standardize, trainValidationSplit } from '../src/tfjs/datasets.js';
import { loadTfjs, type Tfjs } from '../src/tfjs/load-tfjs.js';
import { MlpClassifier } from '../src/tfjs/mlp-classifier.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    only: { type: 'string', default: 'nqm,tfjs' },
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

const TFJS = { population: 8, epochs: 24, readyEvery: 3, batchSize: 32, hidden: [64], lrLow: 1e-4, lrHigh: 1e-1 };

/** Digits in three parts: 60% training, 20% validation (what both methods select on), 20% test (held out, reported). */
function digitsThreeWay(): { train: Dataset; validation: Dataset; test: Dataset } {
  const outer = trainValidationSplit(loadDataset('digits'), { validationFraction: 0.2, seed: 1 });
  const inner = trainValidationSplit(outer.train, { validationFraction: 0.25, seed: 2 });
  // standardize() scales with the training rows' statistics; pass the test rows through it as a second "validation" set.
  const scaled = standardize(inner);
  const test = standardize({ train: inner.train, validation: outer.validation }).validation;
  return { train: scaled.train, validation: scaled.validation, test };
}

interface Scores {
  valLoss: number;
  testLoss: number;
  testAccuracy: number;
}

function scores(net: MlpClassifier, data: ReturnType<typeof digitsThreeWay>): Scores {
  const v = net.evaluate(data.validation);
  const t = net.evaluate(data.test);
  const finite = (x: number) => (Number.isFinite(x) ? x : Number.POSITIVE_INFINITY);
  return { valLoss: finite(v.loss), testLoss: finite(t.loss), testAccuracy: t.accuracy };
}

async function tfjsFixed(tfjs: Tfjs, data: ReturnType<typeof digitsThreeWay>, lr: number, seed: number, member: number): Promise<Scores> {
  const net = MlpClassifier.create(tfjs, { inputs: 64, classes: 10, hidden: TFJS.hidden, seed: mixSeed(seed, member) }, lr);
  try {
    for (let e = 0; e < TFJS.epochs; e++) await net.fitEpoch(data.train, { batchSize: TFJS.batchSize, seed: mixSeed(seed, member, e + 1) });
    return scores(net, data);
  } finally {
    net.dispose();
  }
}

async function benchTfjs() {
  const tfjs = await loadTfjs();
  const data = digitsThreeWay();
  const spec = (seed: number) => ({ inputs: 64, classes: 10, hidden: TFJS.hidden, seed });
  const seeds = SEEDS.slice(0, args.quick ? 1 : SEEDS.length);
  const rows: {
    seed: number;
    randomSearch: Scores & { lr: number };
    pbt: Scores & { lrSchedule: number[] };
    pbtSeconds: number;
    randomSearchSeconds: number;
  }[] = [];
  for (const seed of seeds) {
    const rng = new Rng(mixSeed(seed, 0xbe4c));
    let t0 = Date.now();
    let rs: Scores & { lr: number } = { valLoss: Number.POSITIVE_INFINITY, testLoss: Number.NaN, testAccuracy: Number.NaN, lr: Number.NaN };
    for (let m = 0; m < TFJS.population; m++) {
      const lr = logUniform(rng, TFJS.lrLow, TFJS.lrHigh);
      const s = await tfjsFixed(tfjs, data, lr, seed, m);
      if (s.valLoss < rs.valLoss) rs = { ...s, lr };
    }
    const randomSearchSeconds = (Date.now() - t0) / 1000;
    t0 = Date.now();
    // The held-out scores of every member after every step, to read the selected member's afterwards.
    const held = new Map<string, Scores>();
    const member: PbtMember<{ lr: number }, MlpClassifier> = {
      init: (p, ctx) => MlpClassifier.create(tfjs, spec(ctx.seed), p.lr),
      load: (bytes, p, ctx) => MlpClassifier.load(tfjs, spec(ctx.seed), bytes as Uint8Array, p.lr),
      async step(net, _p, ctx) {
        await net.fitEpoch(data.train, { batchSize: TFJS.batchSize, seed: ctx.seed });
        const s = scores(net, data);
        held.set(`${ctx.member}:${ctx.step + 1}`, s);
        return s.valLoss;
      },
      save: (net) => net.save(),
      dispose: (net) => net.dispose(),
    };
    const study = await createStudy({ storage: 'memory:', direction: 'minimize' });
    const r = await runPbt({
      study,
      space: { lr: { kind: 'float', low: TFJS.lrLow, high: TFJS.lrHigh, log: true } },
      member,
      population: TFJS.population,
      readyEvery: TFJS.readyEvery,
      totalSteps: TFJS.epochs,
      seed,
    });
    const pbtSeconds = (Date.now() - t0) / 1000;
    const final = held.get(`${r.best.member}:${r.best.step}`);
    if (final === undefined) throw new Error(`bench/pbt.ts: no held-out scores recorded for member ${r.best.member} at step ${r.best.step}`);
    const lrSchedule = learnedSchedule(await pbtSegments(study), r.best.trialNumber).map((e) => e.params.lr as number);
    rows.push({ seed, randomSearch: rs, pbt: { ...final, lrSchedule }, pbtSeconds, randomSearchSeconds });
    process.stderr.write(
      `tfjs seed ${seed}: random search val ${rs.valLoss.toFixed(4)} test ${rs.testLoss.toFixed(4)}/${rs.testAccuracy.toFixed(4)} (lr ${rs.lr.toPrecision(3)}), ` +
        `PBT val ${final.valLoss.toFixed(4)} test ${final.testLoss.toFixed(4)}/${final.testAccuracy.toFixed(4)} (lr ${lrSchedule.map((x) => x.toPrecision(2)).join(' > ')}) ` +
        `(${pbtSeconds.toFixed(0)} s vs ${randomSearchSeconds.toFixed(0)} s)\n`,
    );
  }
  return {
    task: {
      ...TFJS,
      dataset: 'digits (data/digits.csv.gz): 60% training, 20% validation, 20% test, stratified (seeds 1 and 2), standardized with the training statistics',
      model: 'MLP 64-64(relu)-10(softmax), Adam',
      selection: 'validation cross-entropy (both methods); reported: test cross-entropy and test accuracy of the selected model',
    },
    backend: tfjs.backend,
    rows,
    summary: {
      medianRandomSearchTestLoss: median(rows.map((r) => r.randomSearch.testLoss)),
      medianPbtTestLoss: median(rows.map((r) => r.pbt.testLoss)),
      geomeanRatioPbtToRandomSearchValLoss: geomean(rows.map((r) => r.pbt.valLoss / r.randomSearch.valLoss)),
      geomeanRatioPbtToRandomSearchTestLoss: geomean(rows.map((r) => r.pbt.testLoss / r.randomSearch.testLoss)),
      pbtWinsValLoss: rows.filter((r) => r.pbt.valLoss < r.randomSearch.valLoss).length,
      pbtWinsTestLoss: rows.filter((r) => r.pbt.testLoss < r.randomSearch.testLoss).length,
      meanTestAccuracyRandomSearch: rows.reduce((a, r) => a + r.randomSearch.testAccuracy, 0) / rows.length,
      meanTestAccuracyPbt: rows.reduce((a, r) => a + r.pbt.testAccuracy, 0) / rows.length,
      pbtWinsTestAccuracy: rows.filter((r) => r.pbt.testAccuracy > r.randomSearch.testAccuracy).length,
      pbtTiesTestAccuracy: rows.filter((r) => r.pbt.testAccuracy === r.randomSearch.testAccuracy).length,
      seeds: rows.length,
    },
  };
}

// ---------------------------------------------------------------- main

const result: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
if (only.has('nqm')) result.nqm = await benchNqm();
if (only.has('tfjs')) result.tfjs = await benchTfjs();
mkdirSync(resolve(here, 'results'), { recursive: true });
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
  const s = tf.summary;
  console.log(`\n(b) tfjs digits MLP, ${s.seeds} seeds, ${TFJS.population * TFJS.epochs} epochs per method (selected on validation loss)`);
  console.log(
    `  validation loss: PBT / random search ${s.geomeanRatioPbtToRandomSearchValLoss.toFixed(3)}, PBT wins ${s.pbtWinsValLoss}/${s.seeds}\n` +
      `  test loss: median ${s.medianRandomSearchTestLoss.toFixed(4)} (random search) vs ${s.medianPbtTestLoss.toFixed(4)} (PBT), ratio ${s.geomeanRatioPbtToRandomSearchTestLoss.toFixed(3)}, PBT wins ${s.pbtWinsTestLoss}/${s.seeds}\n` +
      `  test accuracy: mean ${s.meanTestAccuracyRandomSearch.toFixed(4)} (random search) vs ${s.meanTestAccuracyPbt.toFixed(4)} (PBT), PBT higher in ${s.pbtWinsTestAccuracy}/${s.seeds}, equal in ${s.pbtTiesTestAccuracy}`,
  );
}
