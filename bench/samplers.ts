/**
 * npm run bench:samplers — Dials' samplers on the public benchmark suite
 * (../shared/bench), one JSON line per (sampler, problem, seed) run, in the
 * format ../shared/bench/compare.py reads (the same fields as
 * results/optuna-5.0.0.dev.jsonl).
 *
 *   npx tsx bench/samplers.ts [--samplers random,sobol] [--problems a,b] [--seeds 0-9]
 *                             [--budget 100] [--out bench/results/dials.jsonl] [--append]
 *
 * Protocol (as ../shared/bench/README.md): in-memory storage; sampler seed =
 * run seed = noise seed; ask/tell; parameters suggested in `space` order,
 * skipping inactive conditional ones; sampler_seconds[i] = time of trial i
 * (ask + suggestions + tell) minus the objective's time.
 * A benchmark, not a test.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AutoSampler, CmaEsSampler, createStudy, MemoryStorage, RandomSampler, type Sampler, SobolSampler, TpeSampler } from '../src/index.js';
import { GpSampler } from '../src/samplers/gp/gp-sampler.js';
import { git, parseSeeds, pick, repoRoot, samplerConfig, suggest } from './bench-common.js';
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
  const { values: opts } = parseArgs({
    options: {
      samplers: { type: 'string' },
      problems: { type: 'string' },
      seeds: { type: 'string', default: '0-9' },
      budget: { type: 'string', default: '100' },
      out: { type: 'string', default: 'bench/results/dials.jsonl' },
      append: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (opts.help) {
    process.stderr.write(
      'npx tsx bench/samplers.ts [--samplers random,sobol] [--problems a,b] [--seeds 0-9] [--budget 100] [--out bench/results/dials.jsonl] [--append]\n' +
        `samplers: ${Object.keys(SAMPLERS).join(', ')}\n`,
    );
    return;
  }
  const all = loadProblems();
  const byName = Object.fromEntries(all.map((p) => [p.name, p]));
  const samplerNames = pick(SAMPLERS, opts.samplers, 'sampler');
  const problemNames = pick(byName, opts.problems, 'problem');
  const seeds = parseSeeds(opts.seeds);
  const budget = Number(opts.budget);
  if (!Number.isSafeInteger(budget) || budget < 1) throw new Error(`--budget must be a positive integer, got ${opts.budget}`);

  const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const commit = git(['rev-parse', '--short', 'HEAD']) || null;
  // Other engineers edit src/ while benchmarks run: record whether the measured code differs from the commit.
  const srcDirty = git(['status', '--porcelain', '--', 'src']) !== '';

  const out = resolve(process.cwd(), opts.out);
  mkdirSync(dirname(out), { recursive: true });
  if (!opts.append) writeFileSync(out, '');

  const total = samplerNames.length * problemNames.length * seeds.length;
  let k = 0;
  const started = performance.now();
  process.stderr.write(`dials ${pkg.version} (${commit ?? 'no git'}${srcDirty ? ', src modified' : ''}): ${total} runs, budget ${budget} -> ${out}\n`);
  for (const samplerName of samplerNames) {
    const factory = SAMPLERS[samplerName]!;
    for (const problemName of problemNames) {
      const problem = byName[problemName]!;
      for (const seed of seeds) {
        k++;
        const sampler = factory(seed);
        const r = await runOne(problem, sampler, seed, budget);
        const record = {
          library: 'dials',
          version: pkg.version,
          commit,
          src_dirty: srcDirty,
          sampler: samplerName,
          sampler_config: samplerConfig(factory, sampler),
          problem: problem.name,
          seed,
          budget,
          values: r.values,
          ...(r.trueValues ? { true_values: r.trueValues } : {}),
          sampler_seconds: r.samplerSeconds,
          wall_seconds: Math.round(r.wallSeconds * 1000) / 1000,
          storage: 'inmemory',
          node: process.version,
          timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        };
        appendFileSync(out, `${JSON.stringify(record)}\n`);
        const best = Math.min(...(r.trueValues ?? r.values));
        const msPerTrial = (1000 * r.samplerSeconds.reduce((a, b) => a + b, 0)) / budget;
        process.stderr.write(
          `[${k}/${total}] ${samplerName} ${problem.name} seed ${seed}: regret ${(best - problem.optimum).toExponential(3)}, ` +
            `${msPerTrial.toFixed(3)} ms/trial sampler, ${r.wallSeconds.toFixed(2)} s\n`,
        );
      }
    }
  }
  process.stderr.write(`done: ${total} runs in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${out}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
