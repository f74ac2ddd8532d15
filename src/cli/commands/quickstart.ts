/**
 * `dials quickstart`: a small study on the default SQLite file that prints its
 * best trial. The objective is a noisy-free 4-parameter test function with a
 * log-scale, an integer and a categorical parameter (minimum 0 at lr=1e-2,
 * layers=3, act=tanh, dropout=0.1).
 */
import type { Command } from 'commander';
import { createStudy } from '../../study/create-study.js';
import { AutoSampler } from '../../samplers/auto.js';
import type { Trial } from '../../study/trial.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';
import { printJson, show } from '../output.js';

export function quickstartObjective(trial: Trial): number {
  const lr = trial.suggestFloat('lr', 1e-5, 1, { log: true });
  const layers = trial.suggestInt('layers', 1, 6);
  const act = trial.suggestCategorical('act', ['relu', 'tanh', 'sigmoid']);
  const dropout = trial.suggestFloat('dropout', 0, 0.5, { step: 0.05 });
  const actCost = act === 'tanh' ? 0 : act === 'relu' ? 0.3 : 0.8;
  return (Math.log10(lr) + 2) ** 2 + 0.5 * (layers - 3) ** 2 + actCost + 10 * (dropout - 0.1) ** 2;
}

export function registerQuickstart(program: Command): void {
  addStorageOptions(
    program
      .command('quickstart')
      .description('run a small demonstration study on the default SQLite file and print its best trial')
      .option('--study <name>', 'study name', 'quickstart')
      .option('--trials <n>', 'trials to run', '100')
      .option('--seed <n>', 'sampler seed', '1')
      .option('--json', 'print the best trial as JSON'),
  ).action(async (opts: { study: string; trials: string; seed: string; json?: boolean; storage?: string; storageFile?: string }) => {
    const url = storageUrl(opts);
    const study = await createStudy({
      studyName: opts.study,
      storage: url,
      direction: 'minimize',
      sampler: new AutoSampler({ seed: Number(opts.seed) }),
      loadIfExists: true,
    });
    try {
      const t0 = Date.now();
      await study.optimize(quickstartObjective, { nTrials: Number(opts.trials) });
      const best = await study.bestTrial();
      const total = (await study.getTrials()).length;
      if (opts.json) {
        printJson({ study: study.studyName, storage: study.storage.url, trials: total, best: { number: best.number, value: best.value, params: best.params } });
        return;
      }
      process.stdout.write(`study ${show(study.studyName)} in ${study.storage.url}: ${opts.trials} trials in ${Date.now() - t0} ms (${total} in total)\n`);
      process.stdout.write(`best trial #${best.number}: value ${best.value}\n`);
      for (const [k, v] of Object.entries(best.params)) process.stdout.write(`  ${show(k)} = ${show(v)}\n`);
    } finally {
      await study.close();
    }
  });
}
