/**
 * A sampler's time per trial as the history grows, measured as
 * ../shared/bench/README.md measures Optuna's: a trivial 5-d float objective,
 * in-memory storage, time = ask + 5 suggestions + tell, the mean of the 10
 * trials ending at each n. Also the process's CPU time per trial, which other
 * busy processes on the machine disturb less than the wall clock.
 * A benchmark, not a test.
 *
 *   npx tsx bench/overhead.ts [--sampler tpe|gp|cmaes|random|auto|nsga2] [--trials 1000] [--seed 0] [--at 100,300,1000] [--warmup 0]
 *
 * --warmup N first runs a throwaway study of N trials, so the figures are
 * those of a process whose JIT has compiled the sampler (a long-running
 * worker) rather than of a fresh one (the protocol's default).
 */
import { parseArgs } from 'node:util';
import { AutoSampler, CmaEsSampler, createStudy, GpSampler, MemoryStorage, NsgaIISampler, RandomSampler, type Sampler, TpeSampler } from '../src/index.js';

const SAMPLERS: Record<string, (seed: number) => Sampler> = {
  tpe: (seed) => new TpeSampler({ seed }),
  gp: (seed) => new GpSampler({ seed }),
  cmaes: (seed) => new CmaEsSampler({ seed }),
  random: (seed) => new RandomSampler({ seed }),
  auto: (seed) => new AutoSampler({ seed }),
  nsga2: (seed) => new NsgaIISampler({ seed }),
};

async function main(): Promise<void> {
  const { values: opts } = parseArgs({
    options: {
      sampler: { type: 'string', default: 'tpe' },
      trials: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '0' },
      at: { type: 'string', default: '100,300,500,1000' },
      warmup: { type: 'string', default: '0' },
    },
  });
  const make = SAMPLERS[opts.sampler as string];
  if (!make) throw new Error(`unknown --sampler ${opts.sampler}; one of ${Object.keys(SAMPLERS).join(', ')}`);
  const nTrials = Number(opts.trials);
  const at = (opts.at as string).split(',').map(Number);
  const warmup = Number(opts.warmup);
  if (warmup > 0) {
    const w = await createStudy({ storage: new MemoryStorage(), sampler: make(12345) });
    await w.optimize((t) => [0, 1, 2, 3, 4].reduce((s, k) => s + t.suggestFloat(`x${k}`, -5, 5) ** 2, 0), { nTrials: warmup });
  }
  const study = await createStudy({ storage: new MemoryStorage(), sampler: make(Number(opts.seed)) });
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < nTrials; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const trial = await study.ask();
    let s = 0;
    for (let k = 0; k < 5; k++) s += (trial.suggestFloat(`x${k}`, -5, 5) - 1) ** 2;
    await study.tell(trial, s);
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const mean10 = (xs: number[], n: number) => Math.round((xs.slice(n - 10, n).reduce((a, b) => a + b, 0) / 10) * 1000) / 1000;
  const rows = at.filter((n) => n <= nTrials && n >= 10).map((n) => ({ n, msPerTrial: mean10(ms, n), cpuMsPerTrial: mean10(cpu, n) }));
  process.stdout.write(`${JSON.stringify({ sampler: opts.sampler, storage: 'inmemory', warmup, node: process.version, rows })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
