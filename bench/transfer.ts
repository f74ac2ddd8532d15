/**
 * Transfer benchmark (npm run bench:transfer): families of related tasks
 * (shifted, scaled and offset Branin, Hartmann-3 and Hartmann-6; see
 * transfer-tasks.ts). For each family, three earlier tasks are tuned for 100
 * trials each by TPE; the target task is then tuned cold and warm-started
 * from them, over 10 seeds. Reported: median normalized regret after 10 and
 * 25 trials, the cold start's median regret after 100 trials, and the trial
 * count at which the warm start's median regret curve first reaches it (the
 * aim: at most 50). Writes bench/results/transfer.json and prints a Markdown table.
 *
 * Samplers: tpe, gp (GpSampler warm-started by the ranking-weighted ensemble,
 * RGPE) and gp-prior (GpSampler with the prior mean); cold runs of gp and
 * gp-prior are the same GpSampler.
 *
 * Options: --samplers tpe,gp,gp-prior  --seeds 10  --first-seed 0  --cold 100  --families branin,hartmann3,hartmann6  --decay τ (TPE)  --out results/transfer.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createStudy, GpSampler, type Sampler, TpeSampler } from '../src/index.js';
import type { FrozenTrial } from '../src/trial/frozen-trial.js';
import { type CurveComparison, compareCurves, regretCurve, TRANSFER_FAMILIES, taskObjective, transferTask } from './transfer-tasks.js';

const { values: args } = parseArgs({
  options: {
    samplers: { type: 'string', default: 'tpe,gp' },
    seeds: { type: 'string', default: '10' },
    'first-seed': { type: 'string', default: '0' },
    cold: { type: 'string', default: '100' },
    families: { type: 'string', default: TRANSFER_FAMILIES.join(',') },
    decay: { type: 'string' },
    out: { type: 'string', default: 'results/transfer.json' },
  },
});
const SEEDS = Number(args.seeds);
const FIRST_SEED = Number(args['first-seed']);
const COLD = Number(args.cold);
const WARM = Math.ceil(COLD / 2);
const N_SOURCES = 3;
const SOURCE_TRIALS = 100;

function makeSampler(kind: string, seed: number): Sampler {
  // The GP's acquisition search is trimmed (same for cold and warm) to keep the run short on 2 cores.
  if (kind.startsWith('gp')) return new GpSampler({ seed, deterministicObjective: true, nPreliminarySamples: 512, nLocalSearch: 5 });
  return new TpeSampler({ seed });
}

async function curve(family: string, kind: string, sampler: Sampler, n: number, from?: FrozenTrial[][]): Promise<number[]> {
  const task = transferTask(family, 0);
  const warmStart = {
    from: from ?? [],
    ...(args.decay ? { decay: Number(args.decay) } : {}),
    ...(kind.startsWith('gp') ? { gpModel: kind === 'gp-prior' ? ('prior-mean' as const) : ('rgpe' as const) } : {}),
  };
  const study = await createStudy({ sampler, ...(from ? { warmStart } : {}) });
  await study.optimize(taskObjective(task), { nTrials: n });
  return regretCurve(
    task,
    (await study.getTrials()).map((t) => t.value as number),
  );
}

interface Row extends CurveComparison {
  family: string;
  sampler: string;
  seeds: number;
  seconds: number;
}

const rows: Row[] = [];
for (const kind of args.samplers.split(',')) {
  for (const family of args.families.split(',')) {
    const t0 = performance.now();
    const from: FrozenTrial[][] = [];
    for (let k = 1; k <= N_SOURCES; k++) {
      const s = await createStudy({ sampler: new TpeSampler({ seed: 1000 + k }) });
      await s.optimize(taskObjective(transferTask(family, k)), { nTrials: SOURCE_TRIALS });
      from.push(await s.getTrials());
    }
    const colds: number[][] = [];
    const warms: number[][] = [];
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      colds.push(await curve(family, kind, makeSampler(kind, seed), COLD));
      warms.push(await curve(family, kind, makeSampler(kind, seed), WARM, from));
    }
    const row: Row = { family, sampler: kind, seeds: SEEDS, ...compareCurves(colds, warms, COLD, WARM), seconds: (performance.now() - t0) / 1000 };
    rows.push(row);
    const { coldCurve: _c, warmCurve: _w, ...brief } = row;
    console.log(JSON.stringify(brief));
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, args.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), seeds: SEEDS, firstSeed: FIRST_SEED, cold: COLD, warm: WARM, sources: N_SOURCES, sourceTrials: SOURCE_TRIALS, rows }, null, 2)}\n`,
);

const f = (x: number): string => (x === 0 ? '0' : x.toExponential(2));
console.log(
  `\n| family | sampler | cold @10 | warm @10 | cold @25 | warm @25 | cold @${COLD} | warm trials to reach it | seeds reaching own cold @${COLD} within ${WARM} |`,
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.family} | ${r.sampler} | ${f(r.cold10)} | ${f(r.warm10)} | ${f(r.cold25)} | ${f(r.warm25)} | ${f(r.coldFinal)} | ${r.warmTrialsToColdFinal ?? `> ${WARM}`} | ${r.seedsReached}/${r.seeds} |`,
  );
}
