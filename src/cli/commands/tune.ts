/** `dials tune <config>`: run a config file's command as the trials of a study. */
import type { Command } from 'commander';
import { formatImprovement } from '../../baselines/baselines.js';
import { parseDuration } from '../../config/duration.js';
import type { TuneConfig } from '../../config/load-config.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ProgressMode } from '../../runner/progress.js';
import { printJson, show } from '../output.js';

type Opts = {
  storage?: string;
  storageFile?: string;
  parallel?: string;
  trials?: string;
  time?: string;
  study?: string;
  progress?: string;
  json?: boolean;
};

function intOption(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('run the command of a config file (YAML or JSON) as the trials of a study; rerun to resume')
    .argument('<config>', 'config file: study, command, space, sampler, pruner, trials, time, parallel, timeout, retries…')
    .option('--storage <url>', 'storage URL; overrides the config (default: the config, $DIALS_STORAGE, or sqlite:dials.db)')
    .option('--storage-file <path>', 'read the storage URL from this file (keeps passwords out of the process list)')
    .option('--study <name>', "study name; overrides the config's")
    .option('--parallel <n>', 'trials run at once by this process')
    .option('--trials <n>', 'trial budget for the whole study (all workers together)')
    .option('--time <duration>', 'start no trial after this long, e.g. 30m or 2h')
    .option('--progress <mode>', 'auto, bar, lines or none', 'auto')
    .option('--json', 'print a JSON summary at the end')
    .action(async (file: string, opts: Opts) => {
      const { loadConfig } = await import('../../config/load-config.js');
      const loaded = loadConfig(file);
      const config = opts.study ? { ...loaded, study: opts.study } : loaded;
      const progress = opts.progress as ProgressMode;
      if (!['auto', 'bar', 'lines', 'none'].includes(progress))
        throw new InvalidArgumentError(`--progress must be auto, bar, lines or none, got ${JSON.stringify(opts.progress)}`);
      let timeMs: number | undefined;
      if (opts.time !== undefined) {
        const t = parseDuration(opts.time);
        if (t === null) throw new InvalidArgumentError(`--time must be a duration such as 90s, 30m or 2h, got ${JSON.stringify(opts.time)}`);
        timeMs = t;
      }
      const storage =
        opts.storage ?? (opts.storageFile ? (await import('../storage-option.js')).storageUrl(opts) : (config.storage ?? process.env.DIALS_STORAGE));
      if (config.pbt !== undefined) {
        await tunePbt(config, { storage: storage || undefined, parallel: intOption('--parallel', opts.parallel, 1), progress, json: opts.json === true, opts });
        return;
      }
      const { tune } = await import('../../runner/tune.js');
      const summary = await tune({
        config,
        storage: storage || undefined,
        parallel: intOption('--parallel', opts.parallel, 1),
        trials: intOption('--trials', opts.trials, 0),
        timeMs,
        progress,
        handleSignals: true,
      });
      if (opts.json) printJson(summary);
      else {
        const r = summary.ran;
        process.stdout.write(
          `study ${show(summary.study)} in ${summary.storage}: ${r.complete} complete, ${r.pruned} pruned, ${r.fail} failed here; ${summary.studyTrials} trials in the study (stopped: ${summary.stoppedBy})\n`,
        );
        for (const b of summary.best) {
          process.stdout.write(`best trial #${b.number}: ${b.values.map((v, i) => `${show(config.metrics[i] ?? `value${i}`)}=${v}`).join(' ')}\n`);
          for (const [k, v] of Object.entries(b.params)) process.stdout.write(`  ${show(k)} = ${show(v)}\n`);
        }
        const baseline = formatImprovement(summary.baseline);
        if (baseline !== null) process.stdout.write(`${baseline}\n`);
      }
      if (summary.signal !== null) process.exitCode = summary.signal === 'SIGINT' ? 130 : 143;
    });
}

/** `dials tune` for a config with a `pbt:` section: population-based training of its command. */
async function tunePbt(
  config: TuneConfig,
  o: { storage: string | undefined; parallel: number | undefined; progress: ProgressMode; json: boolean; opts: Opts },
): Promise<void> {
  if (o.opts.trials !== undefined || o.opts.time !== undefined) {
    throw new InvalidArgumentError(
      `${config.file} trains a PBT population: its budget is pbt.population × pbt.total_steps, so --trials and --time do not apply (raise pbt.total_steps and rerun to train longer)`,
    );
  }
  const { pbtTune } = await import('../../runner/pbt-tune.js');
  const summary = await pbtTune({ config, storage: o.storage, parallel: o.parallel, progress: o.progress, handleSignals: true });
  if (o.json) printJson(summary);
  else {
    const metric = show(config.metrics[0] ?? 'value');
    process.stdout.write(
      `study ${show(summary.study)} in ${summary.storage}: PBT, ${summary.ran.complete} segment(s) complete and ${summary.ran.fail} failed here; ${summary.studyTrials} trials in the study (stopped: ${summary.stoppedBy})\n`,
    );
    const b = summary.best;
    if (b !== null) {
      process.stdout.write(`best member ${b.member}: ${metric}=${b.score} after ${b.step} steps (trial #${b.trialNumber})\n`);
      for (const [k, v] of Object.entries(b.params)) process.stdout.write(`  ${show(k)} = ${show(v)}\n`);
      process.stdout.write(`  checkpoint: ${show(b.checkpoint)}\n`);
    }
  }
  if (summary.signal !== null) process.exitCode = summary.signal === 'SIGINT' ? 130 : 143;
}
