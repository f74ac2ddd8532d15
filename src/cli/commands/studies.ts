/** `dials studies`, `dials best`, `dials delete-study`: reading and managing studies. */
import type { Command } from 'commander';
import { deleteStudy, listStudies, loadStudy } from '../../study/create-study.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';
import { printJson, printTable, show } from '../output.js';
import { formatImprovement, improvementOverBaseline } from '../../baselines/baselines.js';

type StorageOpts = { storage?: string; storageFile?: string };

export function registerStudies(program: Command): void {
  addStorageOptions(program.command('studies').description('list the studies in a storage').option('--json', 'JSON output')).action(
    async (opts: StorageOpts & { json?: boolean }) => {
      const studies = await listStudies({ storage: storageUrl(opts) });
      if (opts.json) {
        printJson(
          studies.map((s) => ({
            name: s.studyName,
            directions: s.directions,
            nTrials: s.nTrials,
            states: s.stateCounts,
            createdAt: s.createdAt.toISOString(),
          })),
        );
        return;
      }
      printTable([
        ['STUDY', 'DIRECTIONS', 'TRIALS', 'COMPLETE', 'RUNNING', 'PRUNED', 'FAIL', 'WAITING'],
        ...studies.map((s) => [
          show(s.studyName),
          s.directions.join(','),
          String(s.nTrials),
          String(s.stateCounts.COMPLETE),
          String(s.stateCounts.RUNNING),
          String(s.stateCounts.PRUNED),
          String(s.stateCounts.FAIL),
          String(s.stateCounts.WAITING),
        ]),
      ]);
    },
  );

  addStorageOptions(
    program
      .command('best')
      .description('show the best trial (or the Pareto front) of a study')
      .requiredOption('--study <name>', 'study name')
      .option('--json', 'JSON output'),
  ).action(async (opts: StorageOpts & { study: string; json?: boolean }) => {
    const study = await loadStudy({ studyName: opts.study, storage: storageUrl(opts) });
    try {
      const best = study.directions.length === 1 ? [await study.bestTrial()] : await study.bestTrials();
      if (opts.json) {
        printJson(best.map((t) => ({ number: t.number, values: t.values, params: t.params })));
        return;
      }
      for (const t of best) {
        process.stdout.write(`trial #${t.number}: ${t.values?.join(', ')}\n`);
        for (const [k, v] of Object.entries(t.params)) process.stdout.write(`  ${show(k)} = ${show(v)}\n`);
      }
      const baseline = study.directions.length === 1 ? formatImprovement(await improvementOverBaseline(study)) : null;
      if (baseline !== null) process.stdout.write(`${baseline}\n`);
    } finally {
      await study.close();
    }
  });

  addStorageOptions(
    program
      .command('delete-study')
      .description('delete a study and all its trials')
      .requiredOption('--study <name>', 'study name')
      .option('--json', 'JSON output'),
  ).action(async (opts: StorageOpts & { study: string; json?: boolean }) => {
    await deleteStudy({ studyName: opts.study, storage: storageUrl(opts) });
    if (opts.json) printJson({ deleted: opts.study });
    else process.stdout.write(`deleted study ${show(opts.study)}\n`);
  });
}
