/**
 * Parameter importance: speed and whether it finds what was planted.
 * A benchmark, not a test.
 *
 *   npm run bench:importance [-- --seeds 30 --out bench/results/importance.json]
 *
 * 1. Time: a SQLite study of 1,000 random-sampler trials × 10 float
 *    parameters; the first call in this fresh process (JIT cold, the read of
 *    the trials included), then the median of 5 warm calls, per evaluator;
 *    wall clock and CPU time, with the machine's load average.
 * 2. Ranking: over `--seeds` seeds, trials of 10 uniform parameters of which 2
 *    (drawn per seed) matter; the share of seeds in which those 2 rank first,
 *    per evaluator and number of trials. Functions: Branin on the 2 relevant
 *    parameters, the same with Gaussian noise (σ = 25, about half of
 *    Branin's standard deviation over the domain), and a sum of two unequal bumps.
 * 3. Interactions: f = 4(x_i − ½)(x_j − ½) + (x_k − ½)² (a pair with no main
 *    effects plus one main effect); the share of seeds in which {i, j} is the
 *    top fANOVA pair.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStudy, evaluateParamImportances, FanovaEvaluator, getParamImportances, getParamInteractions, RandomSampler } from '../src/index.js';
import { Rng } from '../src/math/rng.js';
import { uniformTrials } from '../src/importance/test-helpers.js';

const D = 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

function branin(u: number, v: number): number {
  const x = 15 * u - 5;
  const y = 15 * v;
  return (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
}

const noise = new Rng(77);
const FUNCTIONS: Record<string, (x: Float64Array, i: number, j: number) => number> = {
  branin: (x, i, j) => branin(x[i] as number, x[j] as number),
  'branin-noisy': (x, i, j) => branin(x[i] as number, x[j] as number) + 25 * noise.normal(),
  bumps: (x, i, j) => -Math.exp(-(((x[i] as number) - 0.3) ** 2) / 0.02) - 0.5 * Math.exp(-(((x[j] as number) - 0.7) ** 2) / 0.05),
};

/** Two distinct indices of 0 … D−1 (and a third for the interaction case). */
function pick(rng: Rng, k: number): number[] {
  return rng.shuffled([...Array(D).keys()]).slice(0, k);
}

async function timing(): Promise<Record<string, { wallMs: number; cpuMs: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'dials-bench-importance-'));
  try {
    const study = await createStudy({ studyName: 'timing', storage: `sqlite:${join(dir, 'timing.db')}`, sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (t) => {
        const x = Array.from({ length: D }, (_, d) => t.suggestFloat(`x${d}`, 0, 1));
        return branin(x[2] as number, x[6] as number);
      },
      { nTrials: 1000 },
    );
    // Wall clock and this process's CPU time (less disturbed by other busy processes; it includes the JIT's threads).
    const out: Record<string, { wallMs: number; cpuMs: number }> = {};
    const measure = async (f: () => unknown): Promise<{ wallMs: number; cpuMs: number }> => {
      const c = process.cpuUsage();
      const a = performance.now();
      await f();
      const u = process.cpuUsage(c);
      return { wallMs: performance.now() - a, cpuMs: (u.user + u.system) / 1000 };
    };
    out.fanovaWithPairsCold = await measure(() => getParamInteractions(study));
    let trials = await study.getTrials();
    out.readTrials = await measure(async () => {
      trials = await study.getTrials();
    });
    const cases: Record<string, () => unknown> = {
      fanova: () => evaluateParamImportances(trials, study.directions, { evaluator: 'fanova' }),
      fanovaWithPairs: () => evaluateParamImportances(trials, study.directions, { evaluator: 'fanova', pairs: true }),
      pedAnova: () => evaluateParamImportances(trials, study.directions, { evaluator: 'ped-anova' }),
      mdi: () => evaluateParamImportances(trials, study.directions, { evaluator: 'mdi' }),
      getParamImportances: () => getParamImportances(study),
    };
    for (const [name, f] of Object.entries(cases)) {
      const runs: { wallMs: number; cpuMs: number }[] = [];
      for (let r = 0; r < 5; r++) runs.push(await measure(f));
      out[name] = { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)) };
    }
    await study.close();
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ranking(seeds: number, nTrials: number): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [fname, f] of Object.entries(FUNCTIONS)) {
    const hits: Record<string, number> = { fanova: 0, 'ped-anova': 0, mdi: 0 };
    for (let seed = 0; seed < seeds; seed++) {
      const [i, j] = pick(new Rng(1000 + seed), 2) as [number, number];
      const trials = uniformTrials(nTrials, D, seed, (x) => f(x, i, j));
      const want = [`x${i}`, `x${j}`].sort().join(',');
      for (const ev of ['fanova', 'ped-anova', 'mdi'] as const) {
        const evaluator = ev === 'fanova' ? new FanovaEvaluator({ seed }) : ev;
        const r = evaluateParamImportances(trials, ['minimize'], { evaluator });
        const got = r.ranked
          .slice(0, 2)
          .map((p) => p.param)
          .sort()
          .join(',');
        if (got === want) hits[ev] = (hits[ev] as number) + 1;
      }
    }
    out[fname] = Object.fromEntries(Object.entries(hits).map(([k, v]) => [k, v / seeds]));
  }
  return out;
}

function interactions(seeds: number, nTrials: number): { topPairShare: number; meanPairShare: number; meanMaxMainOfPair: number } {
  let top = 0;
  let share = 0;
  let main = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const [i, j, k] = pick(new Rng(2000 + seed), 3) as [number, number, number];
    const trials = uniformTrials(nTrials, D, seed, (x) => 4 * ((x[i] as number) - 0.5) * ((x[j] as number) - 0.5) + ((x[k] as number) - 0.5) ** 2);
    const r = evaluateParamImportances(trials, ['minimize'], { evaluator: new FanovaEvaluator({ seed }), pairs: true });
    const first = r.interactions?.[0];
    const want = [`x${i}`, `x${j}`].sort().join(',');
    if (first && [...first.params].sort().join(',') === want) top++;
    share += r.interactions?.find((p) => [...p.params].sort().join(',') === want)?.importance ?? 0;
    main += Math.max(r.mainEffects?.[`x${i}`] ?? 0, r.mainEffects?.[`x${j}`] ?? 0);
  }
  return { topPairShare: top / seeds, meanPairShare: share / seeds, meanMaxMainOfPair: main / seeds };
}

async function main(): Promise<void> {
  const { values: opts } = parseArgs({
    options: { seeds: { type: 'string', default: '30' }, out: { type: 'string', default: 'bench/results/importance.json' } },
  });
  const seeds = Number(opts.seeds);
  const time = await timing();
  process.stderr.write(`timing ${JSON.stringify(time)}\n`);
  const rank: Record<string, unknown> = {};
  const inter: Record<string, unknown> = {};
  for (const n of [200, 1000]) {
    rank[n] = ranking(seeds, n);
    process.stderr.write(`ranking n=${n} ${JSON.stringify(rank[n])}\n`);
    inter[n] = interactions(seeds, n);
    process.stderr.write(`interactions n=${n} ${JSON.stringify(inter[n])}\n`);
  }
  const result = { date: new Date().toISOString(), loadAverage: loadavg(), params: D, seeds, timing: time, ranking: rank, interactions: inter };
  mkdirSync(dirname(opts.out as string), { recursive: true });
  writeFileSync(opts.out as string, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
