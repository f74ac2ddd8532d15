/** `dials predict`: apply a model saved by `dials automl --out` (one pipeline, or an ensemble whose members' predictions are averaged) to a CSV. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadModel, predict, readCsvFile } from '../../automl/model-file.js';
import { printJson } from '../output.js';

interface PredictCliOptions {
  out?: string;
  proba?: boolean;
  json?: boolean;
}

/** A CSV field, quoted when it must be (RFC 4180). */
function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('predict the target of each row of a CSV with a model saved by dials automl --out (a pipeline or an ensemble of pipelines)')
    .argument('<model>', 'model file (JSON) written by dials automl --out')
    .argument('<data>', 'CSV file with the feature columns (by name; others are ignored)')
    .option('--out <path>', 'write the predictions to this CSV file instead of standard output')
    .option('--proba', 'add a column per class with its probability (classification)')
    .option('--json', 'JSON output')
    .action(async (modelPath: string, data: string, opts: PredictCliOptions) => {
      const model = await loadModel(modelPath);
      const frame = readCsvFile(data);
      const result = await predict(model, frame, { proba: opts.proba === true });
      if (opts.json) {
        printJson({
          target: model.file.target,
          task: model.file.task,
          kind: model.file.kind ?? 'pipeline',
          ...(model.file.kind === 'ensemble' ? { members: model.file.members.map((m) => ({ family: m.config.family, weight: m.weight })) } : {}),
          classes: result.classes,
          predictions: result.predictions,
          ...(result.probabilities ? { probabilities: result.probabilities } : {}),
        });
        return;
      }
      const header = [model.file.target, ...(result.probabilities ? result.classes.map((c) => `p(${c})`) : [])];
      const lines = [header.map(csvField).join(',')];
      result.predictions.forEach((p, i) => {
        lines.push([p, ...(result.probabilities?.[i] ?? [])].map(csvField).join(','));
      });
      const text = `${lines.join('\n')}\n`;
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}
