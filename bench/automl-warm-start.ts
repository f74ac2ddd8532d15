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
 * --pairs instead warm-starts every dataset from each other dataset of its
 * task alone (k = 1), to relate what one earlier study is worth to its
 * meta-feature distance (the curves are kept in the output for that).
 * --datasets all runs the seven and the five held-out datasets.
 *
 *   npx tsx bench/automl-warm-start.ts [--trials 30] [--digits-trials 20] [--seeds 0,1,2] [--datasets iris,wine|all] [--families a,b] [--trial-cap 20 (s)] [--pairs] [--db FILE --tag NAME] [--out FILE]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { automl } from '../src/automl/automl.js';
import { AUTOML_DATASETS, type AutomlDatasetName, HELDOUT_DATASETS, loadAutomlDataset } from '../src/automl/datasets.js';
import { familiesFor } from '../src/automl/families.js';
import type { FamilyName } from '../src/automl/models/model.js';
import { encodeTarget } from '../src/automl/pipeline.js';
import type { AutomlWarmStartInfo } from '../src/automl/warm-start.js';
import { StudyNotFoundError } from '../src/errors.js';
import { loadStudy } from '../src/study/create-study.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const trialsDefault = Number(arg('trials', '30'));
const digitsTrials = Number(arg('digits-trials', '20'));
const datasetsArg = arg('datasets', AUTOML_DATASETS.join(','));
const datasets = (datasetsArg === 'all' ? [...AUTOML_DATASETS, ...HELDOUT_DATASETS] : datasetsArg.split(',')) as AutomlDatasetName[];
const pairs = process.argv.includes('--pairs');
// A per-trial cap, so that one libsvm fit at a huge cost that never converges (seattle_weather) cannot hold a run
// for minutes: only such trials depend on the machine's load.
const trialCapMs = Number(arg('trial-cap', '20')) * 1000;
// --db FILE keeps the SQLite file and reuses the cold runs it holds (they do not depend on the warm-start code), so
// two warm-start rules can be compared on the same cold runs; --tag names this rule's warm studies.
const dbArg = arg('db', '');
const tag = arg('tag', '');
// The tfjs MLP is left out by default: one 5-fold MLP trial on digits takes minutes on the shared machine.
const familiesArg = arg('families', '');
const out = arg('out', join(dirname(fileURLToPath(import.meta.url)), 'results', pairs ? 'automl-warm-start-pairs.json' : 'automl-warm-start.json'));
const seeds = arg('seeds', '0,1,2').split(',').map(Number);

interface Row {
  dataset: AutomlDatasetName;
  seed: number;
  trials: number;
  from: AutomlWarmStartInfo['studies'];
  warmConfigs: number;
  coldFinal: number;
  warmFinal: number;
  coldReach: number;
  warmReach: number | null;
  /** Best after 1, 5 and 10 trials. */
  cold: number[];
  warm: number[];
  /** Best after every trial. */
  coldCurve: number[];
  warmCurve: number[];
  coldSeconds: number;
  warmSeconds: number;
  load: number[];
}

interface Run {
  best: number[];
  seconds: number;
  load: number;
  maximize: boolean;
}

/** Whether --db already holds this run (a study with trials): cold runs do not depend on the warm-start code. */
async function heldInDb(studyName: string, storage: string): Promise<boolean> {
  if (dbArg === '') return false;
  let study: Awaited<ReturnType<typeof loadStudy>>;
  try {
    study = await loadStudy({ studyName, storage });
  } catch (e) {
    if (e instanceof StudyNotFoundError) return false;
    throw e;
  }
  try {
    return (await study.getTrials()).length > 0;
  } finally {
    await study.close();
  }
}

async function run(
  name: AutomlDatasetName,
  storage: string,
  studyName: string,
  warm: boolean,
  from: readonly string[],
  seed: number,
): Promise<Run & { info?: AutomlWarmStartInfo }> {
  const load = loadavg()[0] as number;
  const t0 = Date.now();
  let info: AutomlWarmStartInfo | undefined;
  const reuse = !warm && (await heldInDb(studyName, storage));
  if (!reuse) {
    const data = loadAutomlDataset(name);
    const task = encodeTarget(data, 'target').task;
    const families = (familiesArg ? familiesArg.split(',') : familiesFor(task).filter((f) => f !== 'mlp')) as FamilyName[];
    await automl({
      data,
      target: 'target',
      trials: name === 'digits' ? digitsTrials : trialsDefault,
      trialTimeMs: trialCapMs,
      seed,
      families: families.filter((f) => familiesFor(task).includes(f)),
      storage,
      studyName,
      warmStart: warm && from.length > 0 ? { studies: from, k: 3 } : false,
      onWarmStart: (i) => {
        info = i;
      },
    });
  }
  const seconds = reuse ? Number.NaN : (Date.now() - t0) / 1000;
  const study = await loadStudy({ studyName, storage });
  const trials = (await study.getTrials()).sort((a, b) => a.number - b.number);
  const sign = study.direction === 'maximize' ? 1 : -1;
  await study.close();
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
const storage = `sqlite:${dbArg || join(dir, 'automl.db')}`;
const tasks = new Map(datasets.map((n) => [n, encodeTarget(loadAutomlDataset(n), 'target').task]));
const taskOf = (n: AutomlDatasetName) => tasks.get(n);
try {
  const rows: Row[] = [];
  for (const seed of seeds) {
    const cold = new Map<string, Run>();
    for (const d of datasets) {
      cold.set(d, await run(d, storage, `cold-${d}-${seed}`, false, [], seed));
      process.stderr.write(`seed ${seed} cold ${d}: best ${cold.get(d)?.best.at(-1)?.toFixed(4)} in ${cold.get(d)?.seconds.toFixed(0)} s\n`);
    }
    for (const d of datasets) {
      // Only the other datasets' cold runs of the same task and seed (never a warm run, which learned from this dataset).
      const others = datasets.filter((o) => o !== d && taskOf(o) === taskOf(d)).map((o) => `cold-${o}-${seed}`);
      const c = cold.get(d) as Run;
      const target = c.best.at(-1) as number;
      const reached = (v: number): boolean => (c.maximize ? v >= target - 1e-12 : v <= target + 1e-12);
      const at = (r: number[], n: number): number => r[Math.min(n, r.length) - 1] as number;
      for (const from of pairs ? others.map((o) => [o]) : [others]) {
        const suffix = `${pairs ? `-from-${(from[0] as string).replace(/^cold-/, '')}` : ''}${tag ? `-${tag}` : ''}`;
        const w = await run(d, storage, `warm-${d}-${seed}${suffix}`, true, from, seed);
        const warmReach = w.best.findIndex(reached) + 1;
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
          coldCurve: c.best,
          warmCurve: w.best,
          coldSeconds: c.seconds,
          warmSeconds: w.seconds,
          load: [c.load, w.load],
        });
        const { coldCurve: _c, warmCurve: _w, ...shown } = rows.at(-1) as Row;
        process.stderr.write(`seed ${seed} warm ${d}${suffix}: ${JSON.stringify(shown)}\n`);
      }
    }
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  if (!pairs) printTable(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function printTable(rows: readonly Row[]): void {
  const f = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4));
  console.log(
    `| dataset (trials) | earlier studies used, seed ${seeds[0]} (distance) | cold: trials to its final best, seeds ${seeds.join(' / ')} | warm: trials to the cold final best | cold best after 1 / 5 / 10 (mean over seeds) | warm best after 1 / 5 / 10 | cold final / warm final (mean) |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const d of datasets) {
    const rs = rows.filter((r) => r.dataset === d);
    const r0 = rs[0] as Row;
    const from =
      r0.from.length === 0 ? 'none' : r0.from.map((s) => `${s.study.replace(/^cold-/, '').replace(/-\d+$/, '')} (${s.distance.toFixed(2)})`).join(', ');
    const col = (k: 'cold' | 'warm') => [0, 1, 2].map((i) => f(mean(rs.map((r) => r[k][i] as number)))).join(' / ');
    console.log(
      `| ${d} (${r0.trials}) | ${from} | ${rs.map((r) => r.coldReach).join(' / ')} | ${rs.map((r) => r.warmReach ?? `>${r.trials}`).join(' / ')} | ${col('cold')} | ${col('warm')} | ${f(mean(rs.map((r) => r.coldFinal)))} / ${f(mean(rs.map((r) => r.warmFinal)))} |`,
    );
  }
}
