import { AutoSampler, createStudy, GpSampler, MemoryStorage, RandomSampler, type Sampler, TpeSampler } from '../src/index.js';
import { hypervolume } from '../src/math/hypervolume.js';
import { NsgaIISampler } from '../src/samplers/nsga/nsga2-sampler.js';
import { NsgaIIISampler } from '../src/samplers/nsga/nsga3-sampler.js';
import { runBenchCli, suggest } from './bench-common.js';
import { loadMoProblems, type MoProblem } from './mo-problems.js';
import type { BenchParams } from './problems.js';

/**
 * The samplers, by the name written to the results. One line per sampler; the
 * `sampler_config` field is this line's constructor call, e.g. "NsgaIISampler({ seed })".
 */
const SAMPLERS: Record<string, (seed: number) => Sampler> = {
  random: (seed) => new RandomSampler({ seed }),
  nsga2: (seed) => new NsgaIISampler({ seed }),
  // The default population (50, as Optuna's) leaves 3 evolved generations in 200 trials; a smaller one evolves more.
  'nsga2-p20': (seed) => new NsgaIISampler({ seed, populationSize: 20 }),
  nsga3: (seed) => new NsgaIIISampler({ seed }),
  tpe: (seed) => new TpeSampler({ seed }),
  gp: (seed) => new GpSampler({ seed }),
  auto: (seed) => new AutoSampler({ seed }),
};

interface RunResult {
  values: number[][];
  samplerSeconds: number[];
  wallSeconds: number;
}

async function runOne(problem: MoProblem, sampler: Sampler, seed: number, budget: number): Promise<RunResult> {
  const directions = new Array(problem.nObjectives).fill('minimize' as const);
  const study = await createStudy({ storage: new MemoryStorage(), sampler, directions });
  const values: number[][] = [];
  const samplerSeconds: number[] = [];
  const w0 = performance.now();
  for (let i = 0; i < budget; i++) {
    const t0 = performance.now();
    const trial = await study.ask();
    const params: BenchParams = {};
    for (const e of problem.space) params[e.name] = suggest(trial, e);
    const o0 = performance.now();
    const v = problem.evaluate(params);
    const o1 = performance.now();
    const frozen = await study.tell(trial, v);
    const t1 = performance.now();
    if (frozen.state !== 'COMPLETE') throw new Error(`${problem.name} seed ${seed} trial ${i}: ended ${frozen.state} (${frozen.failReason})`);
    values.push(v);
    samplerSeconds.push(Math.round((t1 - t0 - (o1 - o0)) * 1e5) / 1e8);
  }
  const wallSeconds = (performance.now() - w0) / 1000;
  await study.close();
  return { values, samplerSeconds, wallSeconds };
}

async function main(): Promise<void> {
  await runBenchCli({
    script: 'bench/samplers-mo.ts',
    defaultBudget: 200,
    defaultOut: 'bench/results/dials-mo.jsonl',
    helpExample: 'random,nsga2',
    samplers: SAMPLERS,
    problems: loadMoProblems(),
    run: runOne,
    extraFields: (problem) => ({ afterProblem: { n_objectives: problem.nObjectives } }),
    outcome: (problem, r) => {
      const gap = problem.frontHv - hypervolume(r.values, problem.referencePoint);
      const wide = problem.wideReference
        ? `, wide gap ${(problem.wideReference.frontHv - hypervolume(r.values, problem.wideReference.referencePoint)).toExponential(3)}`
        : '';
      return `HV gap ${gap.toExponential(3)}${wide}`;
    },
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
