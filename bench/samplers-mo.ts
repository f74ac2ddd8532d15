/**
 * Dials' samplers on the public multi-objective suite (../shared/bench/mo),
 * one JSON line per (sampler, problem, seed) run, in the format
 * ../shared/bench/mo/compare_mo.py reads (the fields of
 * results/optuna-5.0.0.dev-mo.jsonl).
 *
 *   npx tsx bench/samplers-mo.ts [--samplers random,nsga2] [--problems zdt1,mixed_mo] [--seeds 0-9]
 *                                [--budget 200] [--out bench/results/dials-mo.jsonl] [--append]
 *   python3 ../shared/bench/mo/compare_mo.py ../shared/bench/mo/results/optuna-5.0.0.dev-mo.jsonl bench/results/dials-mo.jsonl
 *
 * Protocol (as bench/samplers.ts): in-memory storage, every objective
 * minimized; sampler seed = run seed; ask/tell; parameters suggested in
 * `space` order; `values` the objective vectors in trial order;
 * sampler_seconds[i] = time of trial i (ask + suggestions + tell) minus the
 * objective's time. A benchmark, not a test.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AutoSampler, createStudy, GpSampler, MemoryStorage, RandomSampler, type Sampler, TpeSampler } from '../src/index.js';
import { hypervolume } from '../src/math/hypervolume.js';
import { NsgaIISampler } from '../src/samplers/nsga/nsga2-sampler.js';
import { NsgaIIISampler } from '../src/samplers/nsga/nsga3-sampler.js';
import { git, parseSeeds, pick, repoRoot, samplerConfig, suggest } from './bench-common.js';
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
  const { values: opts } = parseArgs({
    options: {
      samplers: { type: 'string' },
      problems: { type: 'string' },
      seeds: { type: 'string', default: '0-9' },
      budget: { type: 'string', default: '200' },
      out: { type: 'string', default: 'bench/results/dials-mo.jsonl' },
      append: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (opts.help) {
    process.stderr.write(
      'npx tsx bench/samplers-mo.ts [--samplers random,nsga2] [--problems zdt1,mixed_mo] [--seeds 0-9] [--budget 200] [--out bench/results/dials-mo.jsonl] [--append]\n' +
        `samplers: ${Object.keys(SAMPLERS).join(', ')}\n`,
    );
    return;
  }
  const all = loadMoProblems();
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
          n_objectives: problem.nObjectives,
          seed,
          budget,
          values: r.values,
          sampler_seconds: r.samplerSeconds,
          wall_seconds: Math.round(r.wallSeconds * 1000) / 1000,
          storage: 'inmemory',
          node: process.version,
          timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        };
        appendFileSync(out, `${JSON.stringify(record)}\n`);
        const gap = problem.frontHv - hypervolume(r.values, problem.referencePoint);
        const wide = problem.wideReference
          ? `, wide gap ${(problem.wideReference.frontHv - hypervolume(r.values, problem.wideReference.referencePoint)).toExponential(3)}`
          : '';
        const msPerTrial = (1000 * r.samplerSeconds.reduce((a, b) => a + b, 0)) / budget;
        process.stderr.write(
          `[${k}/${total}] ${samplerName} ${problem.name} seed ${seed}: HV gap ${gap.toExponential(3)}${wide}, ` +
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
