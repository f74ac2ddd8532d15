/**
 * Transfer benchmark, "one model on different datasets" family
 * (npx tsx bench/transfer-datasets.ts): an RBF SVM's log10 C and log10
 * γ-scale tuned by 5-fold CV error on iris, wine, breast_cancer, digits360
 * and diabetes, looked up on the grid precomputed by
 * transfer-datasets-grid.ts (bench/data/transfer-svm-grid.json). Each
 * dataset in turn is the target; the other four are the earlier studies,
 * tuned for 100 trials each by TPE (seeds 1001-1004). The target is tuned
 * cold (100 trials) and warm-started from them (50 trials), seeds 0-9.
 * Regret is the CV error minus the grid's smallest CV error for that dataset
 * (error-rate points; 1 − R² for diabetes). Reported as bench/transfer.ts:
 * median regret after 10 and 25 trials, the cold median after 100 and the
 * trial count at which the warm median curve first reaches it (aim ≤ 50).
 *
 * Options: --samplers tpe,gp  --seeds 10  --first-seed 0  --datasets iris,… (the family; default all five)  --out results/transfer-datasets.json
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createStudy, GpSampler, type Sampler, TpeSampler } from '../src/index.js';
import type { FrozenTrial } from '../src/trial/frozen-trial.js';
import { GRID_FILE, LOG_C, LOG_GAMMA, SVM_DATASETS, type SvmGrid } from './transfer-datasets-grid.js';
import { type CurveComparison, compareCurves } from './transfer-tasks.js';

const { values: args } = parseArgs({
  options: {
    samplers: { type: 'string', default: 'tpe,gp' },
    seeds: { type: 'string', default: '10' },
    'first-seed': { type: 'string', default: '0' },
    datasets: { type: 'string', default: SVM_DATASETS.join(',') },
    out: { type: 'string', default: 'results/transfer-datasets.json' },
  },
});
const SEEDS = Number(args.seeds);
const FIRST_SEED = Number(args['first-seed']);
const COLD = 100;
const WARM = 50;
const SOURCE_TRIALS = 100;

if (!existsSync(GRID_FILE)) throw new Error(`${GRID_FILE} is missing: run npx tsx bench/transfer-datasets-grid.ts first (about 30 min on 2 cores)`);
const grid = JSON.parse(readFileSync(GRID_FILE, 'utf8')) as SvmGrid;

/** The objective of one dataset: the grid's CV error at the suggested grid point. */
function objective(dataset: string): (t: { suggestFloat(name: string, low: number, high: number, o: { step: number }): number }) => number {
  const errors = grid.errors[dataset];
  if (errors === undefined) throw new Error(`the grid has no dataset ${dataset}; run bench/transfer-datasets-grid.ts --datasets ${dataset}`);
  return (t) => {
    const c = t.suggestFloat('log10_C', LOG_C[0], LOG_C[1], { step: LOG_C[2] });
    const g = t.suggestFloat('log10_gamma', LOG_GAMMA[0], LOG_GAMMA[1], { step: LOG_GAMMA[2] });
    const row = errors[Math.round((c - LOG_C[0]) / LOG_C[2])];
    const e = row?.[Math.round((g - LOG_GAMMA[0]) / LOG_GAMMA[2])];
    if (e === undefined) throw new Error(`(${c}, ${g}) is off the grid`);
    return e;
  };
}

function regretCurve(dataset: string, values: readonly number[]): number[] {
  const best = Math.min(...(grid.errors[dataset] as number[][]).flat());
  let b = Number.POSITIVE_INFINITY;
  return values.map((v) => {
    b = Math.min(b, v);
    return b - best;
  });
}

function makeSampler(kind: string, seed: number): Sampler {
  if (kind === 'gp') return new GpSampler({ seed, deterministicObjective: true, nPreliminarySamples: 512, nLocalSearch: 5 });
  return new TpeSampler({ seed });
}

async function curve(dataset: string, sampler: Sampler, n: number, from?: FrozenTrial[][]): Promise<number[]> {
  const study = await createStudy({ sampler, ...(from ? { warmStart: { from } } : {}) });
  await study.optimize(objective(dataset), { nTrials: n });
  return regretCurve(
    dataset,
    (await study.getTrials()).map((t) => t.value as number),
  );
}

interface Row extends CurveComparison {
  dataset: string;
  sampler: string;
  seeds: number;
  seconds: number;
}

// The family: each dataset is the target once, the others its earlier studies.
const datasets = args.datasets.split(',');
// The earlier studies: every dataset tuned once by TPE (seed by its place in SVM_DATASETS).
const sourceTrials = new Map<string, FrozenTrial[]>();
for (const [k, d] of SVM_DATASETS.entries()) {
  if (!datasets.includes(d)) continue;
  const s = await createStudy({ sampler: new TpeSampler({ seed: 1001 + k }) });
  await s.optimize(objective(d), { nTrials: SOURCE_TRIALS });
  sourceTrials.set(d, await s.getTrials());
}

const rows: Row[] = [];
for (const kind of args.samplers.split(',')) {
  for (const dataset of datasets) {
    const t0 = performance.now();
    const from = datasets.filter((d) => d !== dataset).map((d) => sourceTrials.get(d) as FrozenTrial[]);
    const colds: number[][] = [];
    const warms: number[][] = [];
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      colds.push(await curve(dataset, makeSampler(kind, seed), COLD));
      warms.push(await curve(dataset, makeSampler(kind, seed), WARM, from));
    }
    const row: Row = { dataset, sampler: kind, seeds: SEEDS, ...compareCurves(colds, warms, COLD, WARM), seconds: (performance.now() - t0) / 1000 };
    rows.push(row);
    const { coldCurve: _c, warmCurve: _w, ...brief } = row;
    console.log(JSON.stringify(brief));
  }
}

const out = resolve(dirname(fileURLToPath(import.meta.url)), args.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), seeds: SEEDS, firstSeed: FIRST_SEED, cold: COLD, warm: WARM, sourceTrials: SOURCE_TRIALS, gridBest: Object.fromEntries(datasets.map((d) => [d, Math.min(...(grid.errors[d] as number[][]).flat())])), rows }, null, 2)}\n`,
);

const f = (x: number): string => (x === 0 ? '0' : x.toFixed(4));
console.log(
  `\n| dataset | sampler | cold @10 | warm @10 | cold @25 | warm @25 | cold @${COLD} | warm trials to reach it | seeds reaching own cold @${COLD} within ${WARM} |`,
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.dataset} | ${r.sampler} | ${f(r.cold10)} | ${f(r.warm10)} | ${f(r.cold25)} | ${f(r.warm25)} | ${f(r.coldFinal)} | ${r.warmTrialsToColdFinal ?? `> ${WARM}`} | ${r.seedsReached}/${r.seeds} |`,
  );
}
