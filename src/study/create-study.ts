/**
 * createStudy / loadStudy / deleteStudy / listStudies: the one place where
 * defaults are wired (memory storage, AutoSampler, no pruning). Every
 * option is validated before anything is created.
 */
import { DuplicateStudyError, InvalidArgumentError, StudyNotFoundError } from '../errors.js';
import { NopPruner, type Pruner } from '../pruners/pruner.js';
import { AutoSampler } from '../samplers/auto.js';
import type { Sampler } from '../samplers/sampler.js';
import { validateName } from '../space/distributions.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage, StudyRecord, StudySummary } from '../storage/storage.js';
import type { StudyDirection } from '../trial/state.js';
import { type HeartbeatOptions, Study } from './study.js';
import { type Baseline, enqueueBaselines, type EnqueueBaselinesOptions } from '../baselines/index.js';
import { loadWarmStartSources, WARM_START_ATTR, type WarmStartOptions, warmStartRecord, warmStartSampler } from '../transfer/warm-start.js';

export interface StorageOption {
  /** A URL (memory:, sqlite:<path>, postgresql://…) or an open Storage. Default memory:. */
  readonly storage?: string | Storage;
}

export interface StudyRuntimeInput extends StorageOption {
  readonly sampler?: Sampler;
  readonly pruner?: Pruner;
  /** Leases for RUNNING trials: a worker that stops beating for graceMs has its trial failed. */
  readonly heartbeat?: HeartbeatOptions;
  /** Re-enqueue a trial failed by the reaper this many times, with the same parameters. */
  readonly maxRetries?: number;
}

export interface CreateStudyOptions extends StudyRuntimeInput {
  /** Default: a generated name. */
  readonly studyName?: string;
  readonly direction?: StudyDirection;
  readonly directions?: readonly StudyDirection[];
  /** Load the study if one of that name exists instead of failing. */
  readonly loadIfExists?: boolean;
  /**
   * Earlier, related studies that seed the sampler (TpeSampler, the default
   * here, or GpSampler; see src/transfer). Recorded in the study's system
   * attribute `dials:warm_start`.
   * @example createStudy({ warmStart: { from: ['branin-a'], mapping: { rename: { lr: 'learningRate' } } } })
   */
  readonly warmStart?: WarmStartOptions;
  /**
   * Established baselines ('adam-default@1', …) enqueued before any sampled
   * trial, once per study whatever the number of workers; an array, or
   * { use: [...], ...fit options } to rename, validate or map their values.
   */
  readonly baselines?: readonly (string | Baseline)[] | ({ readonly use: readonly (string | Baseline)[] } & EnqueueBaselinesOptions);
}

export interface LoadStudyOptions extends StudyRuntimeInput {
  readonly studyName: string;
}

function checkDirections(o: CreateStudyOptions): StudyDirection[] {
  if (o.direction !== undefined && o.directions !== undefined) {
    throw new InvalidArgumentError('give either direction or directions, not both', ['directions']);
  }
  const dirs = o.directions !== undefined ? o.directions : [o.direction ?? 'minimize'];
  if (!Array.isArray(dirs) || dirs.length === 0) throw new InvalidArgumentError('directions must be a non-empty array', ['directions']);
  dirs.forEach((d, i) => {
    if (d !== 'minimize' && d !== 'maximize') {
      throw new InvalidArgumentError(`direction ${JSON.stringify(d)} is not 'minimize' or 'maximize'`, ['directions', i]);
    }
  });
  return dirs.slice();
}

function checkRuntime(o: StudyRuntimeInput): void {
  if (o.sampler !== undefined && (typeof o.sampler !== 'object' || typeof o.sampler.sampleIndependent !== 'function')) {
    throw new InvalidArgumentError('sampler must be a Sampler (for example new RandomSampler({ seed: 1 }))', ['sampler']);
  }
  if (o.pruner !== undefined && (typeof o.pruner !== 'object' || typeof o.pruner.prune !== 'function')) {
    throw new InvalidArgumentError('pruner must be a Pruner', ['pruner']);
  }
  const hb = o.heartbeat;
  if (hb !== undefined) {
    if (!(hb.intervalMs > 0) || !(hb.graceMs > 0)) {
      throw new InvalidArgumentError(`heartbeat needs positive intervalMs and graceMs, got ${JSON.stringify(hb)}`, ['heartbeat']);
    }
    if (hb.graceMs < 2 * hb.intervalMs) {
      throw new InvalidArgumentError(
        `heartbeat.graceMs (${hb.graceMs}) must be at least twice intervalMs (${hb.intervalMs}), or a live worker that misses one beat would be reaped`,
        ['heartbeat', 'graceMs'],
      );
    }
  }
  if (o.maxRetries !== undefined) {
    if (!Number.isSafeInteger(o.maxRetries) || o.maxRetries < 0) {
      throw new InvalidArgumentError(`maxRetries must be a non-negative integer, got ${o.maxRetries}`, ['maxRetries']);
    }
    if (o.maxRetries > 0 && hb === undefined) {
      throw new InvalidArgumentError('maxRetries needs heartbeat: retries are for trials whose worker died, which only a heartbeat can tell', ['maxRetries']);
    }
  }
}

async function resolveStorage(s: string | Storage | undefined): Promise<{ storage: Storage; owns: boolean }> {
  if (s === undefined) return { storage: await openStorage('memory:'), owns: false };
  if (typeof s === 'string') return { storage: await openStorage(s), owns: !s.startsWith('memory:') };
  if (typeof s !== 'object' || s === null || typeof (s as Storage).startTrial !== 'function') {
    throw new InvalidArgumentError('storage must be a URL string or a Storage', ['storage']);
  }
  return { storage: s, owns: false };
}

function runtime(o: StudyRuntimeInput, owns: boolean) {
  return {
    sampler: o.sampler ?? new AutoSampler(),
    pruner: o.pruner ?? new NopPruner(),
    ...(o.heartbeat ? { heartbeat: o.heartbeat } : {}),
    ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
    ownsStorage: owns,
  };
}

/**
 * Creates a study (or loads it, with loadIfExists).
 * @example const study = await createStudy({ studyName: 'demo', storage: 'sqlite:dials.db', direction: 'minimize' });
 */
export async function createStudy(options: CreateStudyOptions = {}): Promise<Study> {
  const directions = checkDirections(options);
  checkRuntime(options);
  const studyName = options.studyName ?? `study-${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
  validateName(studyName, 'studyName');
  const { storage, owns } = await resolveStorage(options.storage);
  try {
    // Earlier studies are read (and checked) before anything is created.
    const sources = options.warmStart !== undefined ? await loadWarmStartSources(options.warmStart, storage, directions) : null;
    let record: StudyRecord | null;
    try {
      record = await storage.createStudy({ studyName, directions });
    } catch (e) {
      if (!(e instanceof DuplicateStudyError) || !options.loadIfExists) throw e;
      record = await storage.getStudy(studyName);
      if (record === null) throw e;
      if (record.directions.length !== directions.length || record.directions.some((d, i) => d !== directions[i])) {
        throw new InvalidArgumentError(
          `study ${JSON.stringify(studyName)} exists with directions ${JSON.stringify(record.directions)}, not ${JSON.stringify(directions)}; use loadStudy() or another studyName`,
          ['directions'],
        );
      }
    }
    if (options.warmStart === undefined && options.baselines === undefined) return new Study(storage, record, runtime(options, owns));
    let rt = runtime(options, owns);
    if (sources !== null) rt = { ...rt, sampler: warmStartSampler(options.sampler, sources, options.warmStart?.decay, options.warmStart?.gpModel) };
    const study = new Study(storage, record, rt);
    if (sources !== null) await study.setSystemAttr(WARM_START_ATTR, warmStartRecord(sources, rt.sampler, options.warmStart?.mapping));
    if (options.baselines !== undefined) {
      const b = options.baselines;
      if (Array.isArray(b)) await enqueueBaselines(study, b as readonly (string | Baseline)[]);
      else await enqueueBaselines(study, (b as { use: readonly (string | Baseline)[] }).use, b as EnqueueBaselinesOptions);
    }
    return study;
  } catch (e) {
    if (owns) await storage.close();
    throw e;
  }
}

/** Loads an existing study; StudyNotFoundError when there is none of that name. */
export async function loadStudy(options: LoadStudyOptions): Promise<Study> {
  validateName(options?.studyName, 'studyName');
  checkRuntime(options);
  const { storage, owns } = await resolveStorage(options.storage);
  try {
    const record = await storage.getStudy(options.studyName);
    if (record === null) throw new StudyNotFoundError(options.studyName);
    return new Study(storage, record, runtime(options, owns));
  } catch (e) {
    if (owns) await storage.close();
    throw e;
  }
}

async function withStorage<T>(s: string | Storage | undefined, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const { storage, owns } = await resolveStorage(s);
  try {
    return await fn(storage);
  } finally {
    if (owns) await storage.close();
  }
}

/** Deletes a study and all its trials. */
export async function deleteStudy(options: { studyName: string } & StorageOption): Promise<void> {
  validateName(options?.studyName, 'studyName');
  await withStorage(options.storage, (s) => s.deleteStudy(options.studyName));
}

/** Every study in a storage, with its trial counts by state. */
export async function listStudies(options: StorageOption = {}): Promise<StudySummary[]> {
  return withStorage(options.storage, (s) => s.listStudies());
}
