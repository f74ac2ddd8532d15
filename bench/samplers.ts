import { AutoSampler, CmaEsSampler, createStudy, MemoryStorage, RandomSampler, type Sampler, SobolSampler, TpeSampler } from '../src/index.js';
import { GpSampler } from '../src/samplers/gp/gp-sampler.js';
import { runBenchCli, suggest } from './bench-common.js';
import { type BenchParams, type BenchProblem, isActive, loadProblems } from './problems.js';

/**
 * The samplers, by the name written to the results. One line per sampler; the
 * `sampler_config` field is this line's constructor call, e.g. "RandomSampler({ seed })".
 */
const SAMPLERS: Record<string, (seed: number) => Sampler> = {
  random: (seed) => new RandomSampler({ seed }),
  cmaes: (seed) => new CmaEsSampler({ seed }),
  sobol: (seed) => new SobolSampler({ seed }),
  tpe: (seed) => new TpeSampler({ seed }),
  gp: (seed) => new GpSampler({ seed }),
  auto: (seed) => new AutoSampler({ seed }),
};

interface RunResult {
  values: number[];
  trueValues: number[] | null;
  samplerSeconds: number[];
  wallSeconds: number;
}

async function runOne(problem: BenchProblem, sampler: Sampler, seed: number, budget: number): Promise<RunResult> {
  const study = await createStudy({ storage: new MemoryStorage(), sampler, direction: 'minimize' });
  const observe = problem.noisy ? problem.makeNoisyEvaluator!(seed) : problem.evaluate;
  const values: number[] = [];
  const trueValues: number[] = [];
  const samplerSeconds: number[] = [];
  const w0 = performance.now();
  for (let i = 0; i < budget; i++) {
    const t0 = performance.now();
    const trial = await study.ask();
    const params: BenchParams = {};
    for (const e of problem.space) {
      if (isActive(e, params)) params[e.name] = suggest(trial, e);
    }
    const o0 = performance.now();
    const value = observe(params);
    const trueValue = problem.noisy ? problem.evaluate(params) : value;
    const o1 = performance.now();
    const frozen = await study.tell(trial, value);
    const t1 = performance.now();
    if (frozen.state !== 'COMPLETE') throw new Error(`${problem.name} seed ${seed} trial ${i}: ended ${frozen.state} (${frozen.failReason})`);
    values.push(value);
    trueValues.push(trueValue);
    samplerSeconds.push(Math.round((t1 - t0 - (o1 - o0)) * 1e5) / 1e8);
  }
  const wallSeconds = (performance.now() - w0) / 1000;
  await study.close();
  return { values, trueValues: problem.noisy ? trueValues : null, samplerSeconds, wallSeconds };
}

async function main(): Promise<void> {
  await runBenchCli({
    script: 'bench/samplers.ts',
    defaultBudget: 100,
    defaultOut: 'bench/results/dials.jsonl',
    helpExample: 'random,sobol',
    samplers: SAMPLERS,
    problems: loadProblems(),
    run: runOne,
    extraFields: (_p, r) => ({ afterValues: r.trueValues ? { true_values: r.trueValues } : {} }),
    outcome: (problem, r) => `regret ${(Math.min(...(r.trueValues ?? r.values)) - problem.optimum).toExponential(3)}`,
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
