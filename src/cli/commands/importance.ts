/** `dials importance`: which parameters matter in a study, and which pairs interact. */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { FanovaEvaluator } from '../../importance/fanova.js';
import { evaluateParamImportances, IMPORTANCE_EVALUATORS, type ImportanceEvaluatorName, resolveEvaluator } from '../../importance/importance.js';
import { MeanDecreaseImpurityEvaluator } from '../../importance/mean-decrease-impurity.js';
import { loadStudy } from '../../study/create-study.js';
import { printJson, printTable, show } from '../output.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';

interface ImportanceCliOptions {
  storage?: string;
  storageFile?: string;
  study: string;
  evaluator: string;
  pairs?: boolean;
  json?: boolean;
  objective?: string;
  params?: string;
  seed?: string;
  top: string;
}

function integer(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function bar(share: number): string {
  return '#'.repeat(Math.round(Math.max(0, Math.min(1, share)) * 30));
}

export function registerImportance(program: Command): void {
  addStorageOptions(
    program
      .command('importance')
      .description("rank a study's parameters by importance (fANOVA, PED-ANOVA or mean decrease impurity), and with --pairs their interactions")
      .requiredOption('--study <name>', 'study name')
      .option('--evaluator <name>', `${IMPORTANCE_EVALUATORS.join(', ')}`, 'fanova')
      .option('--pairs', 'also list pairwise interactions (fANOVA second-order shares of variance)')
      .option('--objective <index>', 'objective to explain in a multi-objective study (0, 1, …)')
      .option('--params <names>', 'comma-separated parameters to assess (default: all)')
      .option('--seed <n>', 'random forest seed (fanova, mdi); default 0')
      .option('--top <n>', 'pairs to show in the table', '10')
      .option('--json', 'JSON output'),
  ).action(async (opts: ImportanceCliOptions) => {
    if (!(IMPORTANCE_EVALUATORS as readonly string[]).includes(opts.evaluator)) {
      throw new InvalidArgumentError(`--evaluator must be one of ${IMPORTANCE_EVALUATORS.join(', ')}, got ${JSON.stringify(opts.evaluator)}`);
    }
    const name = opts.evaluator as ImportanceEvaluatorName;
    if (opts.pairs && name !== 'fanova')
      throw new InvalidArgumentError(`--pairs needs --evaluator fanova (pairwise interactions come from fANOVA), got ${name}`);
    const seed = integer(opts.seed, '--seed', 0);
    const target = integer(opts.objective, '--objective', 0);
    const top = integer(opts.top, '--top', 0) as number;
    const params = opts.params
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const evaluator =
      seed === undefined
        ? resolveEvaluator(name)
        : name === 'fanova'
          ? new FanovaEvaluator({ seed })
          : name === 'mdi'
            ? new MeanDecreaseImpurityEvaluator({ seed })
            : resolveEvaluator(name);
    const study = await loadStudy({ studyName: opts.study, storage: storageUrl(opts) });
    try {
      const trials = await study.getTrials({ states: ['COMPLETE', 'PRUNED', 'FAIL'] });
      const report = evaluateParamImportances(trials, study.directions, {
        evaluator,
        pairs: opts.pairs ?? false,
        ...(target === undefined ? {} : { target }),
        ...(params === undefined ? {} : { params }),
      });
      if (opts.json) {
        printJson({
          study: study.studyName,
          evaluator: report.evaluator,
          nTrials: report.nTrials,
          importances: report.ranked,
          ...(report.interactions ? { interactions: report.interactions } : {}),
        });
        return;
      }
      process.stdout.write(`study ${show(study.studyName)}: ${report.evaluator} importance over ${report.nTrials} COMPLETE trials\n`);
      printTable([['PARAM', 'IMPORTANCE', ''], ...report.ranked.map((r) => [show(r.param), r.importance.toFixed(4), bar(r.importance)])]);
      if (report.interactions) {
        process.stdout.write('\npairwise interactions (share of variance):\n');
        printTable([
          ['PAIR', 'SHARE', ''],
          ...report.interactions.slice(0, top).map((p) => [`${show(p.params[0])} × ${show(p.params[1])}`, p.importance.toFixed(4), bar(p.importance)]),
        ]);
      }
    } finally {
      await study.close();
    }
  });
}
