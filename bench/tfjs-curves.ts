/**
 * Real TensorFlow.js learning curves for the pruning benchmark, recorded once
 * and cached in bench/results/tfjs-curves-<task>.json (tfjs training is slow:
 * the pruners are then replayed on the recorded curves, repeatably).
 *
 *   npx tsx bench/tfjs-curves.ts [--task digits|breast_cancer] [--pool n]   (bench/pruning.ts calls it too)
 *
 * A task is a dataset and a search space; configuration i of a task's pool is
 * drawn from Rng(mixSeed(POOL_SEED, i)) alone, so a longer pool extends a
 * shorter one and an interrupted recording resumes where it stopped (the file
 * is rewritten after every configuration). Each configuration trains an MLP
 * inputs-h(relu)-classes(softmax) with Adam for 27 epochs (weights seeded by
 * i, rows shuffled by i·1000 + epoch) and records the validation
 * cross-entropy and accuracy after each epoch.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/math/rng.js';
import { mixSeed } from '../src/pbt/run-pbt.js';
import { type DatasetName, loadDataset, standardize, trainValidationSplit } from '../src/tfjs/datasets.js';
import { loadTfjs } from '../src/tfjs/load-tfjs.js';
import { MlpClassifier } from '../src/tfjs/mlp-classifier.js';

const here = dirname(fileURLToPath(import.meta.url));

export const CURVE_EPOCHS = 27;
const POOL_SEED = 2025;

/** The search space a user would tune for a small Adam MLP. */
export const CURVE_SPACE = {
  lr: [1e-4, 1e-1] as const,
  hidden: [16, 32, 64, 128] as const,
  batchSize: [16, 32, 64, 128] as const,
};

/** The tasks and the size of their pools (the number of configurations recorded). */
export const CURVE_TASKS: Record<string, { dataset: DatasetName; validationFraction: number; splitSeed: number; pool: number }> = {
  digits: { dataset: 'digits', validationFraction: 0.25, splitSeed: 1, pool: 150 },
  breast_cancer: { dataset: 'breast_cancer', validationFraction: 0.25, splitSeed: 1, pool: 300 },
};

export interface CurveConfigRecord {
  readonly index: number;
  readonly params: { readonly lr: number; readonly hidden: number; readonly batchSize: number };
  readonly valLoss: readonly number[];
  readonly valAccuracy: readonly number[];
  readonly seconds: number;
}

export interface CurveFile {
  readonly description: string;
  readonly task: string;
  readonly backend: string;
  readonly epochs: number;
  readonly configs: readonly CurveConfigRecord[];
}

export function curveFilePath(task: string): string {
  return resolve(here, 'results', `tfjs-curves-${task}.json`);
}

export function readCurveFile(task: string): CurveFile | null {
  const path = curveFilePath(task);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CurveFile) : null;
}

/** Configuration i of the pool (independent of the pool's size). */
export function poolConfig(i: number): CurveConfigRecord['params'] {
  const rng = new Rng(mixSeed(POOL_SEED, i));
  const [lo, hi] = CURVE_SPACE.lr;
  return {
    lr: Math.exp(Math.log(lo) + rng.random() * (Math.log(hi) - Math.log(lo))),
    hidden: CURVE_SPACE.hidden[rng.int(CURVE_SPACE.hidden.length)] as number,
    batchSize: CURVE_SPACE.batchSize[rng.int(CURVE_SPACE.batchSize.length)] as number,
  };
}

function describe(task: string): string {
  const t = CURVE_TASKS[task] as (typeof CURVE_TASKS)[string];
  return (
    `Real TensorFlow.js learning curves (tfjs-layers, wasm backend): an MLP inputs-h(relu)-classes(softmax) trained with Adam on ${t.dataset} ` +
    `(data/, ${100 * (1 - t.validationFraction)}/${100 * t.validationFraction} stratified split with seed ${t.splitSeed}, features standardized with the ` +
    `training statistics), one epoch per step, ${CURVE_EPOCHS} epochs, rows shuffled with a seeded generator (seed = index * 1000 + epoch), weights ` +
    `initialized with glorotUniform(seed = index). valLoss[e] and valAccuracy[e] are the validation cross-entropy (lower is better) and accuracy after ` +
    `epoch e + 1. Configuration i is drawn with Rng(mixSeed(${POOL_SEED}, i)): lr log-uniform in [${CURVE_SPACE.lr.join(', ')}], hidden in ` +
    `{${CURVE_SPACE.hidden.join(', ')}}, batchSize in {${CURVE_SPACE.batchSize.join(', ')}}. Written by bench/tfjs-curves.ts.`
  );
}

/** Records configurations 0 … pool − 1 of `task`, skipping those already in the cache file. */
export async function recordCurves(task: string, pool: number, log: (line: string) => void = () => {}): Promise<CurveFile> {
  const spec = CURVE_TASKS[task];
  if (spec === undefined) throw new Error(`unknown curve task ${JSON.stringify(task)}; use one of ${Object.keys(CURVE_TASKS).join(', ')}`);
  const cached = readCurveFile(task);
  if (cached !== null && cached.configs.length >= pool) return { ...cached, configs: cached.configs.slice(0, pool) };
  const configs: CurveConfigRecord[] = cached ? [...cached.configs] : [];
  const tfjs = await loadTfjs();
  const split = standardize(trainValidationSplit(loadDataset(spec.dataset), { validationFraction: spec.validationFraction, seed: spec.splitSeed }));
  const write = (): CurveFile => {
    const file: CurveFile = { description: describe(task), task, backend: tfjs.backend, epochs: CURVE_EPOCHS, configs };
    const path = curveFilePath(task);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, `${JSON.stringify(file)}\n`);
    renameSync(`${path}.tmp`, path);
    return file;
  };
  for (let i = configs.length; i < pool; i++) {
    const params = poolConfig(i);
    const t0 = Date.now();
    const net = MlpClassifier.create(tfjs, { inputs: split.train.nFeatures, classes: split.train.nClasses, hidden: [params.hidden], seed: i }, params.lr);
    const valLoss: number[] = [];
    const valAccuracy: number[] = [];
    try {
      for (let e = 0; e < CURVE_EPOCHS; e++) {
        await net.fitEpoch(split.train, { batchSize: params.batchSize, seed: i * 1000 + e });
        const ev = net.evaluate(split.validation);
        valLoss.push(Number.isFinite(ev.loss) ? ev.loss : 1e9);
        valAccuracy.push(ev.accuracy);
      }
    } finally {
      net.dispose();
    }
    configs.push({ index: i, params, valLoss, valAccuracy, seconds: (Date.now() - t0) / 1000 });
    write();
    log(
      `${task} ${i + 1}/${pool}: lr ${params.lr.toPrecision(3)} h ${params.hidden} b ${params.batchSize}: loss ${valLoss.at(-1)?.toFixed(4)}, accuracy ${valAccuracy.at(-1)?.toFixed(4)}`,
    );
  }
  return write();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { task: { type: 'string', default: 'digits' }, pool: { type: 'string' } } });
  const task = values.task as string;
  await recordCurves(task, Number(values.pool ?? CURVE_TASKS[task]?.pool), (line) => process.stderr.write(`${line}\n`));
}
