/**
 * Meta-learning warm start of automl(), leave one dataset out: first a cold
 * run on every dataset (warmStart: false) into one SQLite file, then on each
 * dataset a warm run that may learn only from the other datasets' cold runs
 * of the same seed (the 3 nearest by meta-features, automl's default k). Both runs have the same
 * trial budget and no time budget, so the trial sequences do not depend on
 * the machine's load. Reported per dataset: the trials the warm run needs
 * to reach the cold run's final best CV score, and both runs' best after
 * 1, 5, 10 trials and at the end.
 *
 *   npx tsx bench/automl-warm-start.ts [--trials 30] [--digits-trials 20] [--seeds 0,1,2] [--datasets iris,wine] [--families a,b] [--out FILE]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { automl } from '../src/automl/automl.js';
import { type AutomlDatasetName, loadAutomlDataset } from '../src/automl/datasets.js';
import { familiesFor } from '../src/automl/families.js';
import type { FamilyName } from '../src/automl/models/model.js';
import { encodeTarget } from '../src/automl/pipeline.js';
import type { AutomlWarmStartInfo } from '../src/automl/warm-start.js';
import { loadStudy } from '../src/study/create-study.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const trialsDefault = Number(arg('trials', '30'));
const digitsTrials = Number(arg('digits-trials', '20'));
const datasets = arg('datasets', 'iris,wine,breast_cancer,digits,penguins,diabetes,cars').split(',') as AutomlDatasetName[];
// The tfjs MLP is left out by default: one 5-fold MLP trial on digits takes minutes on the shared machine.
const familiesArg = arg('families', '');
const out = arg('out', join(dirname(fileURLToPath(import.meta.url)), 'results', 'automl-warm-start.json'));
const seeds = arg('seeds', '0,1,2').split(',').map(Number);

interface Run {
  best: number[];
  seconds: number;
  load: number;
  maximize: boolean;
}

async function run(
  name: AutomlDatasetName,
  storage: string,
  studyName: string,
  warm: boolean,
  from: readonly string[],
  seed: number,
): Promise<Run & { info?: AutomlWarmStartInfo }> {
  const data = loadAutomlDataset(name);
  const task = encodeTarget(data, 'target').task;
  const families = (familiesArg ? familiesArg.split(',') : familiesFor(task).filter((f) => f !== 'mlp')) as FamilyName[];
  const load = loadavg()[0] as number;
  const t0 = Date.now();
  let info: AutomlWarmStartInfo | undefined;
  const result = await automl({
    data,
    target: 'target',
    trials: name === 'digits' ? digitsTrials : trialsDefault,
    seed,
    families: families.filter((f) => familiesFor(task).includes(f)),
    storage,
    studyName,
    warmStart: warm && from.length > 0 ? { studies: from, k: 3 } : false,
    onWarmStart: (i) => {
      info = i;
    },
  });
  const seconds = (Date.now() - t0) / 1000;
  const study = await loadStudy({ studyName, storage });
  const trials = (await study.getTrials()).sort((a, b) => a.number - b.number);
  await study.close();
  const sign = result.direction === 'maximize' ? 1 : -1;
  const best: number[] = [];
  let b = Number.NEGATIVE_INFINITY;
  for (const t of trials) {
    if (t.state === 'WAITING' || t.state === 'RUNNING') continue;
    if (t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value)) b = Math.max(b, sign * t.value);
    best.push(sign * b);
  }
  return { best, seconds, load, maximize: sign === 1, ...(info ? { info } : {}) };
}

const dir = mkdtempSync(join(tmpdir(), 'dials-bench-ws-'));
const storage = `sqlite:${join(dir, 'automl.db')}`;
const taskOf = (n: AutomlDatasetName) => encodeTarget(loadAutomlDataset(n), 'target').task;
try {
  const rows = [];
  for (const seed of seeds) {
    const cold = new Map<string, Run>();
    for (const d of datasets) {
      cold.set(d, await run(d, storage, `cold-${d}-${seed}`, false, [], seed));
      process.stderr.write(`seed ${seed} cold ${d}: best ${cold.get(d)?.best.at(-1)?.toFixed(4)} in ${cold.get(d)?.seconds.toFixed(0)} s\n`);
    }
    for (const d of datasets) {
      // Only the other datasets' cold runs of the same task and seed (never a warm run, which learned from this dataset).
      const others = datasets.filter((o) => o !== d && taskOf(o) === taskOf(d)).map((o) => `cold-${o}-${seed}`);
      const w = await run(d, storage, `warm-${d}-${seed}`, true, others, seed);
      const c = cold.get(d) as Run;
      const target = c.best.at(-1) as number;
      const maximize = c.maximize;
      const reached = (v: number): boolean => (maximize ? v >= target - 1e-12 : v <= target + 1e-12);
      const warmReach = w.best.findIndex(reached) + 1;
      const at = (r: number[], n: number): number => r[Math.min(n, r.length) - 1] as number;
      rows.push({
        dataset: d,
        seed,
        trials: c.best.length,
        from: w.info?.studies ?? [],
        warmConfigs: w.info?.configs ?? 0,
        coldFinal: target,
        warmFinal: w.best.at(-1) as number,
        coldReach: c.best.findIndex(reached) + 1,
        warmReach: warmReach === 0 ? null : warmReach,
        cold: [1, 5, 10].map((n) => at(c.best, n)),
        warm: [1, 5, 10].map((n) => at(w.best, n)),
        coldSeconds: c.seconds,
        warmSeconds: w.seconds,
        load: [c.load, w.load],
      });
      process.stderr.write(`seed ${seed} warm ${d}: ${JSON.stringify(rows.at(-1))}\n`);
    }
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  const f = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4));
  console.log(
    `| dataset (trials) | earlier studies used, seed ${seeds[0]} (distance) | cold: trials to its final best, seeds ${seeds.join(' / ')} | warm: trials to the cold final best | cold best after 1 / 5 / 10 (mean over seeds) | warm best after 1 / 5 / 10 | cold final / warm final (mean) |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const d of datasets) {
    const rs = rows.filter((r) => r.dataset === d);
    const r0 = rs[0] as (typeof rows)[number];
    const from =
      r0.from.length === 0 ? 'none' : r0.from.map((s) => `${s.study.replace(/^cold-/, '').replace(/-\d+$/, '')} (${s.distance.toFixed(2)})`).join(', ');
    const col = (k: 'cold' | 'warm') => [0, 1, 2].map((i) => f(mean(rs.map((r) => r[k][i] as number)))).join(' / ');
    console.log(
      `| ${d} (${r0.trials}) | ${from} | ${rs.map((r) => r.coldReach).join(' / ')} | ${rs.map((r) => r.warmReach ?? `>${r.trials}`).join(' / ')} | ${col('cold')} | ${col('warm')} | ${f(mean(rs.map((r) => r.coldFinal)))} / ${f(mean(rs.map((r) => r.warmFinal)))} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
