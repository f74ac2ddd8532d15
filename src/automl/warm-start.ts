/**
 * Meta-learning warm start for automl() (Feurer, Springenberg & Hutter 2015;
 * auto-sklearn): every automl study records its dataset's meta-features, and
 * a new run ranks the earlier automl studies of the same task in its storage
 * by meta-feature distance (suggestWarmStart). From the k nearest it
 *   1. tries their best configurations first (deduplicated, and only those
 *      that exist in the current space: a family not searched, or a
 *      parameter or value the family no longer has, is skipped);
 *   2. orders the defaults and the portfolio by how they ranked in those
 *      studies (configurations that won there first, unseen ones in their
 *      usual order after those that did well);
 *   3. seeds the TPE with those studies' trials (createStudy's warmStart).
 * The study records which earlier studies it used (AUTOML_WARM_START_ATTR).
 */
import { InvalidArgumentError, StudyNotFoundError } from '../errors.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution, type ParamValue } from '../space/distributions.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import { computeMetaFeatures, META_FEATURES_ATTR, type MetaFeatures, suggestWarmStart, type WarmStartCandidate } from '../transfer/meta-features.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';
import type { Frame } from './csv.js';
import { defaultConfig, IMPUTE_CHOICES, type ImputeChoice, MODEL_FAMILIES, type PipelineConfig, toTrialParams } from './families.js';
import type { MetricName } from './metrics.js';
import type { FamilyName, Task } from './models/model.js';
import type { TargetEncoding } from './pipeline.js';

/** Study system attribute of every automl study: what it searched (task, metric, target, data shape). */
export const AUTOML_ATTR = 'dials:automl';
/** Study system attribute: the earlier automl studies this run learned from, with their distances. */
export const AUTOML_WARM_START_ATTR = 'dials:automl_warm_start';

/** `warmStart` of automl(): on (a no-op when the storage holds no earlier automl study of the task), off, or chosen studies / how many nearest. */
export type AutomlWarmStart = boolean | { readonly studies?: readonly string[]; readonly k?: number };

export interface AutomlStudyInfo {
  readonly task: Task;
  readonly metric: MetricName;
  readonly direction: StudyDirection;
  readonly target: string;
  readonly rows: number;
  readonly features: number;
}

export interface AutomlWarmStartInfo {
  /** The earlier studies used, nearest first. */
  readonly studies: readonly { readonly study: string; readonly distance: number }[];
  /** Configurations of those studies tried first. */
  readonly configs: number;
}

export interface AutomlWarmStartPlan {
  readonly info: AutomlWarmStartInfo;
  /** Best earlier configurations, to enqueue before anything else. */
  readonly first: readonly PipelineConfig[];
  /** Sorts the usual queue (defaults and portfolio) by how its configurations ranked in the earlier studies, dropping those already in `first`. */
  order<T extends { readonly c: PipelineConfig }>(queue: readonly T[]): T[];
}

/** Nearest earlier studies used by default. */
const DEFAULT_K = 3;
/** Best configurations taken from each of them. */
const PER_STUDY = 2;

/** The meta-features of the rows with a target (the features as the frame holds them). */
export function frameMetaFeatures(frame: Frame, features: readonly string[], target: TargetEncoding): MetaFeatures {
  const cols = features.map((n) => frame.columns[frame.names.indexOf(n)] as Float64Array | readonly (string | null)[]);
  const X = target.rows.map((i) => cols.map((c) => c[i] ?? null));
  const y = target.rows.map((i) => target.y[i] as number);
  return computeMetaFeatures({ X, y, task: target.task });
}

/** A stable key of a configuration (its flat trial parameters, sorted). */
export function configKey(c: PipelineConfig): string {
  const p = toTrialParams(c);
  return JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );
}

/** Whether a configuration is its family's default (the established baseline), however it was enqueued (a warm start may have run it first). */
export function isFamilyDefault(c: PipelineConfig, task: Task): boolean {
  const d = defaultConfig(c.family, task);
  return d !== undefined && configKey(d) === configKey(c);
}

/**
 * The configuration of an earlier trial's parameters, or null when it does
 * not fit the current space. An imputation the current search does not offer
 * (`imputeChoices`: only the mean on data without missing values, where
 * imputation does nothing) becomes the mean.
 */
export function validConfig(
  params: Readonly<Record<string, ParamValue>>,
  task: Task,
  families: readonly FamilyName[],
  imputeChoices: readonly ImputeChoice[] = IMPUTE_CHOICES,
): PipelineConfig | null {
  const family = params.family as FamilyName;
  if (typeof family !== 'string' || !families.includes(family)) return null;
  const known = params.impute ?? 'mean';
  if (!(IMPUTE_CHOICES as readonly ParamValue[]).includes(known)) return null;
  const impute = (imputeChoices as readonly ParamValue[]).includes(known) ? known : 'mean';
  const space = MODEL_FAMILIES[family].space(task);
  const own: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k === 'family' || k === 'impute') continue;
    if (!k.startsWith(`${family}.`)) return null;
    own[k.slice(family.length + 1)] = v;
  }
  if (Object.keys(own).length !== space.length) return null;
  for (const h of space) {
    const v = own[h.name];
    if (v === undefined) return null;
    const name = `${family}.${h.name}`;
    const dist =
      h.kind === 'categorical'
        ? categoricalDistribution(name, h.choices)
        : h.kind === 'int'
          ? intDistribution(name, h.low, h.high, { log: h.log ?? false })
          : floatDistribution(name, h.low, h.high, { log: h.log ?? false });
    if (!contains(dist, v)) return null;
  }
  return { family, impute: impute as ImputeChoice, params: own };
}

function isInfo(v: unknown): v is AutomlStudyInfo {
  return v !== null && typeof v === 'object' && typeof (v as AutomlStudyInfo).task === 'string';
}

/** COMPLETE trials best first in the study's own direction. */
function bestFirst(trials: readonly FrozenTrial[], direction: StudyDirection): FrozenTrial[] {
  const sign = direction === 'maximize' ? -1 : 1;
  return trials
    .filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value))
    .sort((a, b) => sign * ((a.value as number) - (b.value as number)) || a.number - b.number);
}

/**
 * Plans the warm start of an automl run on a dataset with `metaFeatures`,
 * or returns null when there is nothing to learn from (or it is off).
 * Named studies (`warmStart.studies`) must be automl studies of the same
 * task in `storage`.
 */
export async function planAutomlWarmStart(o: {
  readonly storage: string | Storage;
  readonly warmStart: AutomlWarmStart | undefined;
  readonly metaFeatures: MetaFeatures;
  readonly task: Task;
  readonly families: readonly FamilyName[];
  /** The imputations the new study searches (default all); the earlier configurations' others become the mean. */
  readonly imputeChoices?: readonly ImputeChoice[];
  /** The new study's name: never its own source. */
  readonly studyName: string;
}): Promise<AutomlWarmStartPlan | null> {
  const ws = o.warmStart ?? true;
  if (ws === false) return null;
  if (ws !== true && (ws === null || typeof ws !== 'object')) {
    throw new InvalidArgumentError('warmStart must be true, false or { studies?: [names], k?: number }', ['warmStart']);
  }
  const named = ws === true ? undefined : ws.studies;
  const k = ws === true ? DEFAULT_K : (ws.k ?? (named === undefined ? DEFAULT_K : named.length));
  if (!Number.isSafeInteger(k) || k < 1) throw new InvalidArgumentError(`warmStart.k must be a positive integer, got ${k}`, ['warmStart', 'k']);
  if (named !== undefined && (!Array.isArray(named) || named.some((s) => typeof s !== 'string'))) {
    throw new InvalidArgumentError('warmStart.studies must be an array of study names', ['warmStart', 'studies']);
  }
  const storage = typeof o.storage === 'string' ? await openStorage(o.storage) : o.storage;
  const close = typeof o.storage === 'string' && !o.storage.startsWith('memory:');
  try {
    const summaries = await storage.listStudies();
    const byName = new Map(summaries.map((s) => [s.studyName, s]));
    if (named !== undefined) {
      for (const [i, n] of named.entries()) {
        const s = byName.get(n);
        if (s === undefined) throw new StudyNotFoundError(n);
        const info = s.systemAttrs[AUTOML_ATTR];
        if (!isInfo(info) || s.systemAttrs[META_FEATURES_ATTR] === undefined) {
          throw new InvalidArgumentError(
            `warm-start study ${JSON.stringify(n)} is not an automl study (it has no recorded meta-features); name automl studies`,
            ['warmStart', 'studies', i],
          );
        }
        if (info.task !== o.task) {
          throw new InvalidArgumentError(`warm-start study ${JSON.stringify(n)} is a ${info.task} study; this run is ${o.task}`, ['warmStart', 'studies', i]);
        }
      }
    }
    const candidates: WarmStartCandidate[] = [];
    for (const s of summaries) {
      if (s.studyName === o.studyName || (named !== undefined && !named.includes(s.studyName))) continue;
      const info = s.systemAttrs[AUTOML_ATTR];
      const mf = s.systemAttrs[META_FEATURES_ATTR] as unknown as MetaFeatures | undefined;
      if (!isInfo(info) || info.task !== o.task || mf === undefined || typeof mf.logRows !== 'number') continue;
      if ((s.stateCounts.COMPLETE ?? 0) === 0) continue;
      candidates.push({ studyName: s.studyName, metaFeatures: mf });
    }
    const ranked = suggestWarmStart(o.metaFeatures, candidates, { k });
    if (ranked.length === 0) return null;

    // Per earlier study: its valid configurations best first, and each configuration's rank quantile (0 best … 1 worst).
    const perStudy: PipelineConfig[][] = [];
    const quantiles: Map<string, number>[] = [];
    for (const r of ranked) {
      const rec = byName.get(r.studyName) as (typeof summaries)[number];
      const sorted = bestFirst(await storage.getTrials(rec.studyId, { states: ['COMPLETE'] }), rec.directions[0] ?? 'maximize');
      const q = new Map<string, number>();
      const configs: PipelineConfig[] = [];
      sorted.forEach((t, i) => {
        const c = validConfig(t.params, o.task, o.families, o.imputeChoices);
        if (c === null) return;
        const key = configKey(c);
        if (!q.has(key)) {
          q.set(key, sorted.length > 1 ? i / (sorted.length - 1) : 0);
          configs.push(c);
        }
      });
      perStudy.push(configs);
      quantiles.push(q);
    }
    // Round robin over the studies, nearest first: each one's best, then each one's second best.
    const first: PipelineConfig[] = [];
    const seen = new Set<string>();
    for (let j = 0; j < PER_STUDY; j++) {
      for (const configs of perStudy) {
        const c = configs[j];
        if (c === undefined || seen.has(configKey(c))) continue;
        seen.add(configKey(c));
        first.push(c);
      }
    }
    const order = <T extends { readonly c: PipelineConfig }>(queue: readonly T[]): T[] => {
      const score = (c: PipelineConfig): number => {
        const key = configKey(c);
        const qs = quantiles.map((m) => m.get(key)).filter((v): v is number => v !== undefined);
        return qs.length === 0 ? 0.5 : qs.reduce((a, b) => a + b, 0) / qs.length;
      };
      return queue
        .filter((e) => !seen.has(configKey(e.c)))
        .map((e, i) => ({ e, i, s: score(e.c) }))
        .sort((a, b) => a.s - b.s || a.i - b.i)
        .map((x) => x.e);
    };
    return { info: { studies: ranked.map((r) => ({ study: r.studyName, distance: r.distance })), configs: first.length }, first, order };
  } finally {
    if (close) await storage.close();
  }
}
