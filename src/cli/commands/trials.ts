/** `dials create-study`, `trials`, `export`, `enqueue`, `ask`, `tell`, `logs`: one study's trials from the shell. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ParamSpec } from '../../config/registry.js';
import { DialsError, InvalidArgumentError, LeaseLostError, TrialFinishedError } from '../../errors.js';
import { parseLenientJson } from '../../runner/protocol.js';
import { RUN_ATTR, STDERR_ATTR, STDOUT_ATTR } from '../../runner/trial-attrs.js';
import type { ParamValue } from '../../space/distributions.js';
import { createStudy, loadStudy } from '../../study/create-study.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { StudyDirection } from '../../trial/state.js';
import { parseDuration } from '../../config/duration.js';
import { formatImprovement, improvementFromTrials } from '../../baselines/baselines.js';
import { type PbtSegmentRecord, segmentRecordOf } from '../../pbt/records.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';
import { printJson, printTable, show } from '../output.js';

type StorageOpts = { storage?: string; storageFile?: string };

/** System attribute holding the lease of a trial started by `dials ask`, so `dials tell` from another process can end it. */
export const ASK_LEASE_ATTR = 'dials:ask_lease';

function parseJsonOption(name: string, text: string): unknown {
  try {
    return parseLenientJson(text);
  } catch (e) {
    throw new InvalidArgumentError(`${name} is not valid JSON (${(e as Error).message}); quote it for the shell, e.g. ${name} '{"lr": 0.01}'`);
  }
}

function trialNumberOption(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`--trial must be a trial number (an integer ≥ 0), got ${JSON.stringify(v)}`);
  return n;
}

async function findTrial(
  study: { studyName: string; storage: { getTrials: (id: number, q: { numbers: number[] }) => Promise<FrozenTrial[]> }; studyId: number },
  n: number,
): Promise<FrozenTrial> {
  const [t] = await study.storage.getTrials(study.studyId, { numbers: [n] });
  if (!t)
    throw new DialsError(
      'TRIAL_NOT_FOUND',
      `study ${JSON.stringify(study.studyName)} has no trial ${n}; list them with dials trials --study ${study.studyName}`,
    );
  return t;
}

function parseDirections(direction: string | undefined, directions: string | undefined): StudyDirection[] {
  const list = directions !== undefined ? directions.split(',').map((s) => s.trim()) : [direction ?? 'minimize'];
  for (const d of list) if (d !== 'minimize' && d !== 'maximize') throw new InvalidArgumentError(`direction ${JSON.stringify(d)} is not minimize or maximize`);
  return list as StudyDirection[];
}

/**
 * A PBT segment in one cell: member, step range, and where its weights came
 * from — `m2 [8,12] ← m5 #41 lr 0.01→0.012 (×1.2)` after an exploit, else
 * `m2 [8,12] ← #17` (its own previous segment) or `m2 [0,4] new`.
 */
export function lineageCell(r: PbtSegmentRecord): string {
  const head = `m${r.member} [${r.start},${r.end}]`;
  if (r.exploit !== null) {
    const changes = r.exploit.changes
      .map(
        (c) =>
          `${show(c.name)} ${show(c.from)}→${show(c.to)}${c.how === 'perturb' && c.factor !== undefined ? ` (×${c.factor})` : c.how === 'perturb' ? '' : ` (${c.how})`}`,
      )
      .join(' ');
    return `${head} ← m${r.exploit.fromMember} #${r.exploit.fromTrial}${changes === '' ? '' : ` ${changes}`}`;
  }
  const rerun = r.rerunOf !== null ? ` (rerun of #${r.rerunOf})` : '';
  return `${head} ${r.parent === null ? 'new' : `← #${r.parent}`}${rerun}`;
}

function seconds(ms: number | null): string {
  return ms === null ? '' : (ms / 1000).toFixed(1);
}

export function registerTrials(program: Command): void {
  addStorageOptions(
    program
      .command('create-study')
      .description('create a study')
      .requiredOption('--study <name>', 'study name')
      .option('--direction <d>', 'minimize or maximize', 'minimize')
      .option('--directions <list>', 'comma-separated, one per objective (e.g. minimize,maximize)')
      .option('--skip-if-exists', 'succeed when the study exists with the same directions')
      .option('--json', 'JSON output'),
  ).action(async (opts: StorageOpts & { study: string; direction?: string; directions?: string; skipIfExists?: boolean; json?: boolean }) => {
    const directions = parseDirections(opts.direction, opts.directions);
    const study = await createStudy({ studyName: opts.study, storage: storageUrl(opts), directions, loadIfExists: opts.skipIfExists === true });
    try {
      if (opts.json) printJson({ study: study.studyName, directions: study.directions, storage: study.storage.url });
      else process.stdout.write(`study ${show(study.studyName)} (${study.directions.join(', ')}) in ${study.storage.url}\n`);
    } finally {
      await study.close();
    }
  });

  addStorageOptions(
    program
      .command('trials')
      .description("list a study's trials: number, state, values, duration, parameters")
      .requiredOption('--study <name>', 'study name')
      .option('--state <state>', 'only trials in this state (WAITING, RUNNING, COMPLETE, PRUNED, FAIL)')
      .option('--json', 'JSON output (exact numbers: ±Infinity and NaN are tagged)'),
  ).action(async (opts: StorageOpts & { study: string; state?: string; json?: boolean }) => {
    const state = opts.state?.toUpperCase();
    if (state !== undefined && !['WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'].includes(state)) {
      throw new InvalidArgumentError(`--state must be WAITING, RUNNING, COMPLETE, PRUNED or FAIL, got ${JSON.stringify(opts.state)}`);
    }
    const study = await loadStudy({ studyName: opts.study, storage: storageUrl(opts) });
    try {
      const trials = await study.getTrials(state ? { states: [state as FrozenTrial['state']] } : {});
      const segments = trials.map(segmentRecordOf);
      /** A population-based training study: each trial is a segment, shown with its lineage. */
      const pbt = segments.some((r) => r !== null);
      if (opts.json) {
        printJson(
          trials.map((t, i) => ({
            number: t.number,
            state: t.state,
            values: t.values,
            params: t.params,
            failReason: t.failReason,
            datetimeStart: t.datetimeStart?.toISOString() ?? null,
            datetimeComplete: t.datetimeComplete?.toISOString() ?? null,
            ...(pbt ? { pbt: segments[i] } : {}),
          })),
        );
        return;
      }
      printTable([
        ['#', 'STATE', 'VALUES', 'SECONDS', 'PARAMS', ...(pbt ? ['PBT'] : []), 'REASON'],
        ...trials.map((t, i) => {
          const r = segments[i] ?? null;
          return [
            String(t.number),
            t.state,
            t.values?.map(String).join(',') ?? '',
            seconds(t.datetimeStart && t.datetimeComplete ? t.datetimeComplete.getTime() - t.datetimeStart.getTime() : null),
            Object.entries(t.params)
              .map(([k, v]) => `${show(k)}=${show(v)}`)
              .join(' '),
            ...(pbt ? [r === null ? '' : lineageCell(r)] : []),
            show(t.failReason ?? ''),
          ];
        }),
      ]);
      let baseline: string | null = null;
      if (study.directions.length === 1) {
        // improvementFromTrials looks at COMPLETE trials only: those read above serve unless --state left them out.
        const complete = state === undefined || state === 'COMPLETE' ? trials : await study.getTrials({ states: ['COMPLETE'] });
        baseline = formatImprovement(improvementFromTrials(complete, study.direction));
      }
      if (baseline !== null) process.stdout.write(`${baseline}\n`);
    } finally {
      await study.close();
    }
  });

  addStorageOptions(
    program
      .command('export')
      .description("export a study's trials as CSV (spreadsheet-safe) or JSON (exact numbers)")
      .requiredOption('--study <name>', 'study name')
      .option('--format <format>', 'csv or json', 'csv')
      .option('--out <file>', 'write to a file instead of stdout'),
  ).action(async (opts: StorageOpts & { study: string; format: string; out?: string }) => {
    if (opts.format !== 'csv' && opts.format !== 'json') throw new InvalidArgumentError(`--format must be csv or json, got ${JSON.stringify(opts.format)}`);
    const study = await loadStudy({ studyName: opts.study, storage: storageUrl(opts) });
    try {
      const text = await study.exportTrials(opts.format);
      const body = opts.format === 'json' ? `${text}\n` : text;
      if (opts.out) writeFileSync(opts.out, body);
      else process.stdout.write(body);
    } finally {
      await study.close();
    }
  });

  addStorageOptions(
    program
      .command('enqueue')
      .description('queue a trial with fixed parameters; it runs before any sampled trial')
      .requiredOption('--study <name>', 'study name')
      .requiredOption('--params <json>', 'parameter values, e.g. \'{"lr": 0.001, "layers": 2}\'')
      .option('--skip-if-exists', 'do nothing when a trial with these parameters exists or is queued')
      .option('--json', 'JSON output'),
  ).action(async (opts: StorageOpts & { study: string; params: string; skipIfExists?: boolean; json?: boolean }) => {
    const params = parseJsonOption('--params', opts.params);
    if (params === null || typeof params !== 'object' || Array.isArray(params))
      throw new InvalidArgumentError('--params must be a JSON object of parameter values');
    const study = await loadStudy({ studyName: opts.study, storage: storageUrl(opts) });
    try {
      const r = await study.enqueueTrial(params as Record<string, ParamValue>, { skipIfExists: opts.skipIfExists === true });
      if (opts.json) printJson(r);
      else process.stdout.write(r.created ? `queued trial #${r.number}\n` : `a trial with these parameters exists already: #${r.number}\n`);
    } finally {
      await study.close();
    }
  });

  addStorageOptions(
    program
      .command('ask')
      .description('start a trial and print its parameters as JSON; end it with dials tell')
      .requiredOption('--study <name>', 'study name')
      .option('--space <json>', 'search space, as in a config file: \'{"x": {"type": "float", "low": -10, "high": 10}}\'')
      .option('--config <file>', 'take the space and sampler from this config file')
      .option('--sampler <json>', 'sampler, as in a config file: \'{"type": "tpe", "seed": 1}\' (default auto)')
      .option('--deadline <duration>', 'fail the trial when no tell arrives within this time (e.g. 10m); a later tell is refused')
      .option('--json', 'JSON output (the default; kept for symmetry)'),
  ).action(async (opts: StorageOpts & { study: string; space?: string; config?: string; sampler?: string; deadline?: string }) => {
    // Loaded here: only ask needs the config parser and the samplers.
    const { loadConfig, parseSpace } = await import('../../config/load-config.js');
    const { buildFromRegistry } = await import('../../config/registry.js');
    const { suggestSpace } = await import('../../runner/suggest-space.js');
    let space: ParamSpec[] = [];
    let samplerSpec: Record<string, unknown> = { type: 'auto' };
    if (opts.config) {
      const c = loadConfig(opts.config);
      space = c.space.slice();
      if (c.sampler) samplerSpec = { ...c.sampler };
    }
    if (opts.space) space = parseSpace(parseJsonOption('--space', opts.space), '--space');
    if (opts.sampler) {
      const s = parseJsonOption('--sampler', opts.sampler);
      if (s === null || typeof s !== 'object' || Array.isArray(s))
        throw new InvalidArgumentError('--sampler must be a JSON object such as {"type": "random", "seed": 1}');
      samplerSpec = s as Record<string, unknown>;
    }
    if (space.length === 0) throw new InvalidArgumentError('give the search space: --space \'{"x": {"type": "float", "low": 0, "high": 1}}\' or --config FILE');
    let graceMs: number | undefined;
    if (opts.deadline !== undefined) {
      const d = parseDuration(opts.deadline);
      if (d === null || d <= 0) throw new InvalidArgumentError(`--deadline must be a duration such as 90s or 10m, got ${JSON.stringify(opts.deadline)}`);
      graceMs = d;
    }
    const storage = storageUrl(opts);
    const probe = await loadStudy({ studyName: opts.study, storage });
    const nObjectives = probe.directions.length;
    await probe.close();
    const sampler = buildFromRegistry('sampler', samplerSpec, { space, nObjectives });
    const study = await loadStudy({
      studyName: opts.study,
      storage,
      sampler,
      ...(graceMs !== undefined ? { heartbeat: { intervalMs: Math.max(1, Math.floor(graceMs / 2)), graceMs } } : {}),
    });
    try {
      const trial = await study.ask();
      const params = suggestSpace(trial, space);
      trial.setSystemAttr(ASK_LEASE_ATTR, trial.leaseId);
      await trial.flush();
      printJson({ number: trial.number, params });
    } finally {
      await study.close();
    }
  });

  addStorageOptions(
    program
      .command('tell')
      .description('end a trial started by dials ask: with its value(s), or as PRUNED or FAIL')
      .requiredOption('--study <name>', 'study name')
      .requiredOption('--trial <n>', 'trial number')
      .option('--values <numbers...>', 'objective value(s) (nan, inf and -inf are accepted)')
      .option('--state <state>', 'COMPLETE (default with --values), PRUNED or FAIL')
      .option('--reason <text>', 'why the trial failed')
      .option('--json', 'JSON output'),
  ).action(async (opts: StorageOpts & { study: string; trial: string; values?: string[]; state?: string; reason?: string; json?: boolean }) => {
    const n = trialNumberOption(opts.trial);
    const state = (opts.state ?? (opts.values ? 'COMPLETE' : '')).toUpperCase();
    if (state !== 'COMPLETE' && state !== 'PRUNED' && state !== 'FAIL')
      throw new InvalidArgumentError('give --values v1 [v2 …], or --state PRUNED or --state FAIL');
    const values = (opts.values ?? []).map((s) => {
      const k = s.trim().toLowerCase();
      const v = k === 'nan' ? Number.NaN : k === 'inf' || k === '+inf' ? Number.POSITIVE_INFINITY : k === '-inf' ? Number.NEGATIVE_INFINITY : Number(s);
      if (Number.isNaN(v) && k !== 'nan') throw new InvalidArgumentError(`--values: ${JSON.stringify(s)} is not a number`);
      return v;
    });
    const study = await loadStudy({ studyName: opts.study, storage: storageUrl(opts) });
    try {
      // A trial whose deadline passed is failed first, so a late tell is refused rather than recorded.
      await study.reapStaleTrials();
      const t = await findTrial(study, n);
      const lease = t.systemAttrs[ASK_LEASE_ATTR];
      if (t.state === 'FAIL' && t.failReason === 'lease-expired') throw new LeaseLostError(n);
      if (t.state !== 'RUNNING') throw new TrialFinishedError(n, t.state);
      if (typeof lease !== 'string') throw new InvalidArgumentError(`trial ${n} was not started by dials ask; it belongs to the worker running it`);
      let finish: { state: 'COMPLETE' | 'PRUNED' | 'FAIL'; values: number[] | null; reason: string | null };
      if (state === 'COMPLETE') {
        if (values.length !== study.directions.length) {
          throw new InvalidArgumentError(
            `study ${JSON.stringify(study.studyName)} has ${study.directions.length} objective(s); give as many --values, got ${values.length}`,
          );
        }
        finish = values.some((v) => Number.isNaN(v)) ? { state: 'FAIL', values: null, reason: 'the objective returned NaN' } : { state, values, reason: null };
      } else if (state === 'PRUNED') {
        finish = { state, values: values.length === study.directions.length && !values.some(Number.isNaN) ? values : null, reason: opts.reason ?? null };
      } else {
        finish = { state, values: null, reason: opts.reason ?? 'failed' };
      }
      await study.storage.updateTrial(t.trialId, lease, { finish });
      if (opts.json) printJson({ number: n, state: finish.state, values: finish.values, reason: finish.reason });
      else
        process.stdout.write(
          `trial #${n}: ${finish.state}${finish.values ? ` ${finish.values.join(', ')}` : ''}${finish.reason ? ` (${finish.reason})` : ''}\n`,
        );
    } finally {
      await study.close();
    }
  });

  addStorageOptions(
    program
      .command('logs')
      .description("show the kept tail of a trial's stdout and stderr (from dials tune)")
      .requiredOption('--study <name>', 'study name')
      .requiredOption('--trial <n>', 'trial number')
      .option('--stream <which>', 'stdout, stderr or both', 'both')
      .option('--json', 'JSON output'),
  ).action(async (opts: StorageOpts & { study: string; trial: string; stream: string; json?: boolean }) => {
    const n = trialNumberOption(opts.trial);
    if (!['stdout', 'stderr', 'both'].includes(opts.stream))
      throw new InvalidArgumentError(`--stream must be stdout, stderr or both, got ${JSON.stringify(opts.stream)}`);
    const study = await loadStudy({ studyName: opts.study, storage: storageUrl(opts) });
    try {
      const t = await findTrial(study, n);
      const out = t.systemAttrs[STDOUT_ATTR];
      const err = t.systemAttrs[STDERR_ATTR];
      if (out === undefined && err === undefined) {
        throw new DialsError(
          'TRIAL_NOT_FOUND',
          `trial ${n} of study ${JSON.stringify(study.studyName)} has no logs (${t.state}); logs are kept for trials run by dials tune`,
        );
      }
      if (opts.json) {
        printJson({ number: n, state: t.state, stdout: out ?? null, stderr: err ?? null, run: t.systemAttrs[RUN_ATTR] ?? null });
        return;
      }
      if (opts.stream !== 'stderr' && typeof out === 'string')
        process.stdout.write(opts.stream === 'both' ? `--- stdout of trial ${n}\n${out}${out.endsWith('\n') || out === '' ? '' : '\n'}` : out);
      if (opts.stream !== 'stdout' && typeof err === 'string')
        process.stdout.write(opts.stream === 'both' ? `--- stderr of trial ${n}\n${err}${err.endsWith('\n') || err === '' ? '' : '\n'}` : err);
    } finally {
      await study.close();
    }
  });
}
