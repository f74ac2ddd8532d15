/**
 * Population-based training (Jaderberg et al., "Population Based Training of
 * Neural Networks", 2017) and, as its explore step, PB2 (Parker-Holder et al.,
 * NeurIPS 2020), on a Dials study.
 *
 * A population of N members trains concurrently. Every `readyEvery` steps a
 * member is *ready*: if its score is in the bottom share of the population it
 * *exploits* a member of the top share (copies its checkpoint and its
 * hyperparameters) and *explores* (perturbs them, resamples them, or asks PB2);
 * otherwise it carries on. Each stretch of `readyEvery` steps of one member is
 * one trial (a *segment*, see records.ts), so every score, hyperparameter and
 * exploit is in the storage; checkpoints live in an artifact store beside it.
 *
 * Restarts: segments are recorded before they run and checkpoints are written
 * atomically before their trial completes, so a run killed at any point and
 * started again with the same options resumes every member from its last
 * checkpoint, and a member whose interrupted segment had exploited runs that
 * segment again with the same copied checkpoint and the same perturbed
 * hyperparameters (the invariant Ray Tune broke in ray-project/ray#62173).
 */
import { DialsError, InvalidArgumentError, LeaseLostError, TrialFinishedError } from '../errors.js';
import { decodeJson, encodeAttr, encodeJson, type JsonValue, normalizeJson } from '../json.js';
import { Rng } from '../math/rng.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { contains } from '../space/distributions.js';
import type { AttrWrite, ParamWrite, StartedTrial } from '../storage/storage.js';
import type { Study } from '../study/study.js';
import type { StudyDirection } from '../trial/state.js';
import { type ArtifactStore, resolveArtifactStore } from './artifact-store.js';
import { type Pb2Observation, pb2Select } from './pb2.js';
import { quantiles, type Scored } from './quantiles.js';
import { PBT_CONFIG_ATTR, PBT_LEASE_ATTR, PBT_SEGMENT_ATTR, type PbtExploit, type PbtSegmentInfo, type PbtSegmentRecord, segmentsOf } from './records.js';
import { type PbtChange, type PbtParams, type PbtSpace, perturbParams, sampleValue, toDistributions } from './space.js';

/** What a member's `save` returns: raw bytes, or JSON data. */
export type PbtCheckpoint = Uint8Array | JsonValue;

export interface PbtMemberContext {
  /** Member index, 0 … population − 1. */
  readonly member: number;
  /** A seed for this member (init) or for this member and step (step): the same on every run with the same `seed`. */
  readonly seed: number;
}

export interface PbtStepContext extends PbtMemberContext {
  /** Steps done before this one (0 for the first step of training). */
  readonly step: number;
}

/**
 * A trainable member. `M` is your model state (a network, an optimizer, …).
 * Hyperparameters always come from `params`, never from a checkpoint: after
 * an exploit, `load` gets the copied checkpoint with the member's new,
 * explored hyperparameters.
 */
export interface PbtMember<P, M> {
  /** A fresh model for these hyperparameters. */
  init(params: P, ctx: PbtMemberContext): M | Promise<M>;
  /** One step of training (an epoch, a batch…); returns the score after it, in the study's direction. */
  step(model: M, params: P, ctx: PbtStepContext): number | Promise<number>;
  /** Everything needed to continue training: weights, optimizer state. */
  save(model: M): PbtCheckpoint | Promise<PbtCheckpoint>;
  /** A model from a checkpoint written by `save`, to train on with `params`. */
  load(checkpoint: PbtCheckpoint, params: P, ctx: PbtMemberContext): M | Promise<M>;
  /** Frees the model (for example tfjs tensors) once the segment is saved. */
  dispose?(model: M): void | Promise<void>;
}

/** One segment handed to a `segment` function (the command form: see pbtCommandEnv). */
export interface PbtSegmentJob {
  readonly member: number;
  readonly trialNumber: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Steps already done: the step to resume from. */
  readonly start: number;
  /** Train until this many steps are done. */
  readonly end: number;
  /** Artifact key of the checkpoint to start from, or null to start fresh. */
  readonly checkpointIn: string | null;
  /** Artifact key (in the store) to write the checkpoint to; it becomes the segment's checkpoint when the segment returns. */
  readonly checkpointOutTemp: string;
  readonly seed: number;
}

export interface PbtSegmentIo {
  readonly artifacts: ArtifactStore;
  /** Records the score after `step` steps (start < step ≤ end). */
  report(step: number, score: number): Promise<void>;
  /** Stores system attributes on the segment's trial (for example a command's output tails), before it ends. */
  setSystemAttrs(attrs: Readonly<Record<string, JsonValue>>): Promise<void>;
}

/**
 * Thrown by a segment function to fail its trial with exactly `reason`
 * (`exit code 1`, `timeout`, `interrupted`…) instead of the error's name and message.
 */
export class PbtSegmentFailed extends DialsError {
  readonly reason: string;
  constructor(reason: string, message = reason) {
    super('INVALID_VALUE', message);
    this.reason = reason;
  }
}

/** Runs one segment: trains from `start` to `end`, reports scores, writes the checkpoint to `checkpointOutTemp`. */
export type PbtSegmentFn = (job: PbtSegmentJob, io: PbtSegmentIo) => Promise<void>;

export type PbtExploreOption =
  | {
      readonly kind: 'perturb';
      /** Chance that a hyperparameter is drawn afresh instead of perturbed (default 0.25). */
      readonly resampleProbability?: number;
      /** Multipliers for floats and ints, one picked at random (default [0.8, 1.2]). */
      readonly factors?: readonly number[];
    }
  | {
      /** PB2: numeric hyperparameters from a time-varying GP-UCB; categorical ones are perturbed. */
      readonly kind: 'pb2';
      readonly resampleProbability?: number;
    };

interface RunPbtCommon<S extends PbtSpace> {
  /** A single-objective study used only by this run (its direction ranks the members). */
  readonly study: Study;
  readonly space: S;
  /** Number of members (at least 2). */
  readonly population: number;
  /** Steps between exploit decisions: the length of a segment. */
  readonly readyEvery: number;
  /** Steps each member trains in total. */
  readonly totalSteps: number;
  /** Share of the population in the bottom and in the top (0 < quantile ≤ 0.5; default 0.25). */
  readonly quantile?: number;
  /** Explore step (default `{ kind: 'perturb' }`). */
  readonly explore?: PbtExploreOption;
  /**
   * Synchronous PBT (the default): a generation ends when every member has
   * reached the step, and decisions compare the scores at that step, so a
   * run is deterministic whatever the concurrency. With false (Ray Tune's
   * default), each member decides as soon as it is ready, from the latest
   * scores of the others, and an exploit continues from the copied
   * checkpoint's step, which may be ahead of (or behind) its own.
   */
  readonly synchronous?: boolean;
  /** Segments run at once in this process (default 1). */
  readonly concurrency?: number;
  /** Seed of the initial population and of every decision (default: random, recorded). */
  readonly seed?: number;
  /** Where checkpoints go: a folder path or an ArtifactStore (default: beside a SQLite file, in memory for memory:). */
  readonly artifacts?: string | ArtifactStore;
  /** Checkpoints kept per member (default 2; older ones are deleted). At least 2. */
  readonly keepCheckpoints?: number;
  /** Fixed starting hyperparameters for the first members (the rest are drawn from the space). */
  readonly initialParams?: readonly Partial<PbtParams<S>>[];
  /**
   * The hyperparameters explore may change (default: all of the space). The
   * others are drawn once per member and travel with the checkpoint: an
   * exploit copies them unchanged (they describe the model, e.g. its width).
   */
  readonly mutable?: readonly (keyof S & string)[];
  /**
   * Stops the run: no segment starts after it is aborted (stop the running
   * ones in your `segment` function), and runPbt rejects with the signal's
   * reason once they have ended. Run again to resume.
   */
  readonly signal?: AbortSignal;
  /** Called after each segment ends. */
  readonly onSegment?: (segment: PbtSegmentInfo) => void | Promise<void>;
}

export interface RunPbtMemberOptions<S extends PbtSpace, M> extends RunPbtCommon<S> {
  readonly member: PbtMember<PbtParams<S>, M>;
  readonly segment?: undefined;
}

export interface RunPbtSegmentOptions<S extends PbtSpace> extends RunPbtCommon<S> {
  readonly segment: PbtSegmentFn;
  readonly member?: undefined;
}

export type RunPbtOptions<S extends PbtSpace, M> = RunPbtMemberOptions<S, M> | RunPbtSegmentOptions<S>;

export interface PbtMemberResult<P> {
  readonly member: number;
  readonly score: number;
  readonly params: P;
  readonly step: number;
  /** Trial of the member's last segment. */
  readonly trialNumber: number;
  /** Artifact key of the member's final checkpoint. */
  readonly checkpoint: string;
}

export interface PbtResult<P> {
  /** The member with the best final score. */
  readonly best: PbtMemberResult<P>;
  readonly members: readonly PbtMemberResult<P>[];
  readonly artifacts: ArtifactStore;
  /** True when this call picked up segments recorded by an earlier run. */
  readonly resumed: boolean;
  readonly seed: number;
}

interface History {
  readonly score: number;
  readonly checkpoint: string;
  readonly trialNumber: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly start: number;
  readonly end: number;
  /** Score before this segment (its parent's, or the exploited one's), for PB2. */
  readonly scoreBefore: number | null;
}

interface MemberState {
  readonly member: number;
  params: Record<string, ParamValue>;
  /** Steps done by the last COMPLETE segment. */
  stepsDone: number;
  /** Completed segments by end step. */
  readonly history: Map<number, History>;
  last: History | null;
  /** A recorded segment that did not complete: run it again as it was. */
  pending: PbtSegmentInfo | null;
  running: boolean;
  /** Checkpoint keys written by this member, oldest first (for retention). */
  readonly written: string[];
  /** COMPLETE segments so far: the generation of the next one. */
  generation: number;
}

const JSON_MAGIC = 'DIALS-CKPT-JSON\n';
const BIN_MAGIC = 'DIALS-CKPT-BIN\n';

function encodeCheckpoint(c: PbtCheckpoint): Uint8Array {
  const enc = new TextEncoder();
  if (c instanceof Uint8Array) {
    const head = enc.encode(BIN_MAGIC);
    const out = new Uint8Array(head.length + c.length);
    out.set(head, 0);
    out.set(c, head.length);
    return out;
  }
  return enc.encode(JSON_MAGIC + encodeJson(normalizeJson(c, 'the checkpoint returned by save()')));
}

function decodeCheckpoint(bytes: Uint8Array, key: string): PbtCheckpoint {
  const dec = new TextDecoder();
  const head = dec.decode(bytes.subarray(0, 32));
  if (head.startsWith(BIN_MAGIC)) return bytes.slice(new TextEncoder().encode(BIN_MAGIC).length);
  if (head.startsWith(JSON_MAGIC)) return decodeJson(dec.decode(bytes).slice(JSON_MAGIC.length));
  throw new DialsError(
    'INVALID_VALUE',
    `checkpoint ${key} was not written by a PBT member's save() (unknown header); was the artifact folder shared with another tool?`,
  );
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 32-bit seed from the run seed and a path of small integers (member,
 * step…). Each stage is a bijection of the previous hash (MurmurHash3's
 * finalizer), so two run seeds never give the same stream for the same path.
 */
export function mixSeed(seed: number, ...parts: number[]): number {
  let h = fmix32((seed ^ 0x9e3779b9) >>> 0);
  for (const p of parts) h = fmix32((h ^ fmix32((p ^ 0x632be5ab) >>> 0)) >>> 0);
  return h;
}

function positiveInt(v: unknown, name: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`, [name]);
  }
  return v;
}

function toUnit(d: Distribution, v: ParamValue): number {
  if (d.kind === 'categorical') return 0.5;
  const x = v as number;
  if (d.high <= d.low) return 0.5;
  if (d.log) return (Math.log(x) - Math.log(d.low)) / (Math.log(d.high) - Math.log(d.low));
  return (x - d.low) / (d.high - d.low);
}

/**
 * Trains a population with PBT (or PB2) on a study and returns the members'
 * final scores and hyperparameters. Called again on the same study after a
 * crash, it resumes from the recorded segments and checkpoints.
 * @example
 * const result = await runPbt({
 *   study, population: 8, readyEvery: 2, totalSteps: 20,
 *   space: { lr: { kind: 'float', low: 1e-4, high: 1, log: true } },
 *   member: { init: (p) => newModel(p), step: (m, p) => m.trainEpoch(p.lr), save: (m) => m.weights(), load: (w, p) => fromWeights(w) },
 * });
 */
export async function runPbt<const S extends PbtSpace, M>(options: RunPbtOptions<S, M>): Promise<PbtResult<PbtParams<S>>> {
  const o = options;
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError('runPbt() takes an options object');
  const synchronous = o.synchronous ?? true;
  const study = o.study;
  if (study === null || typeof study !== 'object' || typeof study.studyId !== 'number' || study.storage === undefined) {
    throw new InvalidArgumentError('study must be a Study from createStudy() or loadStudy()', ['study']);
  }
  if (study.directions.length !== 1) {
    throw new InvalidArgumentError(`PBT ranks members by one score, but study ${JSON.stringify(study.studyName)} has ${study.directions.length} objectives`, [
      'study',
    ]);
  }
  const direction = study.directions[0] as StudyDirection;
  const dists = toDistributions(o.space);
  const distByName = new Map(dists);
  const population = positiveInt(o.population, 'population', 2);
  const readyEvery = positiveInt(o.readyEvery, 'readyEvery');
  const totalSteps = positiveInt(o.totalSteps, 'totalSteps');
  const concurrency = positiveInt(o.concurrency ?? 1, 'concurrency');
  const keep = positiveInt(o.keepCheckpoints ?? 2, 'keepCheckpoints', 2);
  const quantile = o.quantile ?? 0.25;
  if (typeof quantile !== 'number' || !(quantile > 0 && quantile <= 0.5)) {
    throw new InvalidArgumentError(
      `quantile must be in (0, 0.5], got ${JSON.stringify(quantile)}: it is the share of the population in the bottom (and in the top)`,
      ['quantile'],
    );
  }
  const explore = o.explore ?? { kind: 'perturb' };
  if (explore === null || typeof explore !== 'object' || (explore.kind !== 'perturb' && explore.kind !== 'pb2')) {
    throw new InvalidArgumentError(`explore.kind must be 'perturb' or 'pb2', got ${JSON.stringify((explore as { kind?: unknown })?.kind)}`, [
      'explore',
      'kind',
    ]);
  }
  const resampleProbability = explore.resampleProbability ?? 0.25;
  if (typeof resampleProbability !== 'number' || !(resampleProbability >= 0 && resampleProbability <= 1)) {
    throw new InvalidArgumentError(`explore.resampleProbability must be in [0, 1], got ${JSON.stringify(resampleProbability)}`, [
      'explore',
      'resampleProbability',
    ]);
  }
  const factors = explore.kind === 'perturb' ? (explore.factors ?? [0.8, 1.2]) : [0.8, 1.2];
  if (!Array.isArray(factors) || factors.length === 0 || factors.some((f) => typeof f !== 'number' || !(f > 0) || !Number.isFinite(f))) {
    throw new InvalidArgumentError(`explore.factors must be a non-empty array of positive numbers, got ${JSON.stringify(factors)}`, ['explore', 'factors']);
  }
  const hasMember = o.member !== undefined;
  const hasSegment = o.segment !== undefined;
  if (hasMember === hasSegment) {
    throw new InvalidArgumentError(
      'give either member ({ init, step, save, load }) or segment (a function that runs one segment, e.g. a command), not both and not neither',
      ['member'],
    );
  }
  if (hasMember) {
    const m = o.member as PbtMember<unknown, unknown>;
    for (const k of ['init', 'step', 'save', 'load'] as const) {
      if (typeof m[k] !== 'function') throw new InvalidArgumentError(`member.${k} must be a function`, ['member', k]);
    }
  } else if (typeof o.segment !== 'function') {
    throw new InvalidArgumentError('segment must be a function (job, io) => Promise<void>', ['segment']);
  }
  const initial = o.initialParams ?? [];
  if (!Array.isArray(initial) || initial.length > population) {
    throw new InvalidArgumentError(`initialParams must be an array of at most population (${population}) objects`, ['initialParams']);
  }
  initial.forEach((p, i) => {
    for (const [k, v] of Object.entries(p ?? {})) {
      const d = distByName.get(k);
      if (d === undefined) throw new InvalidArgumentError(`initialParams[${i}].${k} is not in the space`, ['initialParams', i, k]);
      if (!contains(d, v))
        throw new InvalidArgumentError(`initialParams[${i}].${k} = ${JSON.stringify(v)} is outside ${JSON.stringify(d)}`, ['initialParams', i, k]);
    }
  });
  const mutableNames = o.mutable ?? dists.map(([k]) => k);
  if (!Array.isArray(mutableNames) || mutableNames.length === 0) {
    throw new InvalidArgumentError('mutable must list at least one hyperparameter of the space for explore to change', ['mutable']);
  }
  for (const k of mutableNames) {
    if (!distByName.has(k)) {
      throw new InvalidArgumentError(`mutable names ${JSON.stringify(k)}, which is not in the space (${dists.map(([n]) => n).join(', ')})`, ['mutable']);
    }
  }
  const mutableSet = new Set<string>(mutableNames);
  const mutableDists = dists.filter(([k]) => mutableSet.has(k));
  const storage = study.storage;
  const studyId = study.studyId;
  const artifacts = resolveArtifactStore(o.artifacts, storage, studyId);

  // The run's configuration: recorded on the first run, checked on every resume.
  const record = await storage.getStudy(study.studyName);
  const previous = record?.systemAttrs[PBT_CONFIG_ATTR] as { [k: string]: JsonValue } | undefined;
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw new InvalidArgumentError(`seed must be an integer, got ${o.seed}`, ['seed']);
  const seed = o.seed !== undefined ? o.seed >>> 0 : typeof previous?.seed === 'number' ? previous.seed : new Rng().uint32();
  const config = {
    population,
    readyEvery,
    space: Object.fromEntries(dists.map(([k, d]) => [k, d as unknown as JsonValue])),
    mode: hasMember ? 'member' : 'segment',
    seed,
    mutable: mutableDists.map(([k]) => k),
  };
  if (previous !== undefined) {
    // Runs recorded before `mutable` existed explored every hyperparameter.
    const before: { [k: string]: JsonValue } = { ...previous, mutable: previous.mutable ?? dists.map(([k]) => k) };
    for (const key of ['population', 'readyEvery', 'space', 'mode', 'seed', 'mutable'] as const) {
      if (encodeJson(normalizeJson(before[key] ?? null, key)) !== encodeJson(normalizeJson(config[key], key))) {
        throw new InvalidArgumentError(
          `study ${JSON.stringify(study.studyName)} holds a PBT run with ${key} = ${encodeJson(normalizeJson(before[key] ?? null, key))}, not ${encodeJson(normalizeJson(config[key], key))}; resume it with the same ${key}, or use a new study`,
          [key],
        );
      }
    }
  } else {
    const waiting = await storage.countTrials(studyId, { states: ['WAITING'] });
    const any = await storage.countTrials(studyId);
    if (waiting > 0 || any > 0) {
      throw new InvalidArgumentError(
        `study ${JSON.stringify(study.studyName)} already has ${any} trial(s) that are not PBT segments; PBT needs a study of its own (each trial is one segment of one member)`,
        ['study'],
      );
    }
    await storage.setStudyAttr(studyId, {
      kind: 'system',
      key: PBT_CONFIG_ATTR,
      json: encodeAttr({ ...config, totalSteps, quantile, explore: explore.kind, synchronous }, PBT_CONFIG_ATTR),
    });
  }

  // Rebuild every member from the storage.
  const members: MemberState[] = Array.from({ length: population }, (_, m) => ({
    member: m,
    params: initialParamsFor(m),
    stepsDone: 0,
    history: new Map(),
    last: null,
    pending: null,
    running: false,
    written: [],
    generation: 0,
  }));
  function initialParamsFor(m: number): Record<string, ParamValue> {
    const rng = new Rng(mixSeed(seed, m, 0x1a17));
    const fixed = (initial[m] ?? {}) as Record<string, ParamValue>;
    const out: Record<string, ParamValue> = {};
    for (const [name, d] of dists) {
      const drawn = sampleValue(d, rng);
      out[name] = Object.hasOwn(fixed, name) ? (fixed[name] as ParamValue) : drawn;
    }
    return out;
  }
  const segments = segmentsOf(await storage.getTrials(studyId));
  const resumed = segments.length > 0;
  for (const s of segments) {
    const st = members[s.member];
    if (st === undefined) continue;
    if (s.state === 'COMPLETE') {
      const h: History = {
        score: s.score as number,
        checkpoint: s.checkpointOut,
        trialNumber: s.trialNumber,
        params: s.params,
        start: s.start,
        end: s.end,
        scoreBefore: scoreBeforeOf(s, segments),
      };
      st.history.set(s.end, h);
      st.last = h;
      st.stepsDone = s.end;
      st.params = { ...s.params };
      st.pending = null;
      st.written.push(s.checkpointOut);
      st.generation++;
    } else {
      st.pending = s;
      st.params = { ...s.params };
    }
  }
  await artifacts.removeTemporaries?.();
  // Close the segments a dead driver left RUNNING, and drop their partial checkpoints.
  for (const st of members) {
    const p = st.pending;
    if (p === null) continue;
    if (p.state === 'RUNNING') {
      const t = await storage.getTrial(p.trialId);
      const lease = t.systemAttrs[PBT_LEASE_ATTR];
      if (typeof lease === 'string') {
        try {
          await storage.updateTrial(p.trialId, lease, {
            finish: { state: 'FAIL', values: null, reason: 'interrupted: the PBT run stopped during this segment; a later trial runs it again (rerunOf)' },
          });
        } catch (e) {
          if (!(e instanceof LeaseLostError) && !(e instanceof TrialFinishedError)) throw e;
        }
      }
    }
    await artifacts.delete(`${p.checkpointOut}.part`);
    await artifacts.delete(p.checkpointOut);
  }
  for (const st of members) {
    if (st.last !== null && (await artifacts.get(st.last.checkpoint)) === null && st.stepsDone < totalSteps) {
      throw new DialsError(
        'INVALID_VALUE',
        `member ${st.member}'s last checkpoint ${st.last.checkpoint} (trial ${st.last.trialNumber}) is missing from ${artifacts.location}; PBT cannot resume without it (was the artifact folder moved? pass artifacts: '<its path>')`,
      );
    }
  }

  function scoreBeforeOf(s: PbtSegmentInfo, all: readonly PbtSegmentInfo[]): number | null {
    if (s.exploit) return s.exploit.fromScore;
    if (s.parent === null) return null;
    const p = all.find((x) => x.trialNumber === s.parent);
    return p?.score ?? null;
  }

  const worst = direction === 'maximize' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  /** Chosen PB2 points of segments now running, by boundary step. */
  const pb2Pending = new Map<number, number[][]>();

  /** The exploit/explore decision of member `st` at its boundary; null to carry on. */
  function decide(st: MemberState): { source: MemberState; from: History; params: Record<string, ParamValue>; changes: PbtChange[] } | null {
    const b = st.stepsDone;
    const scored: Scored[] = [];
    const at = new Map<number, History>();
    for (const other of members) {
      const h = synchronous ? other.history.get(b) : other.last;
      if (h === undefined || h === null) continue;
      // Asynchronous runs compare with members still training (a finished member is not copied), as Ray Tune does.
      if (!synchronous && other !== st && other.stepsDone >= totalSteps) continue;
      scored.push({ member: other.member, score: h.score });
      at.set(other.member, h);
    }
    const { bottom, top } = quantiles(scored, quantile, direction);
    if (!bottom.includes(st.member)) return null;
    const rng = new Rng(mixSeed(seed, st.member, b, 0xe4b1));
    const sourceId = top[rng.int(top.length)] as number;
    const source = members[sourceId] as MemberState;
    const from = at.get(sourceId) as History;
    let { params, changes } = perturbParams(mutableDists, from.params, rng, { resampleProbability, factors });
    if (explore.kind === 'pb2') {
      const numeric = mutableDists.filter(([, d]) => d.kind !== 'categorical');
      if (numeric.length > 0) {
        const obs: Pb2Observation[] = [];
        for (const m of members) {
          for (const [end, h] of m.history) {
            // A synchronous decision sees only what every member had done by step b, whatever the concurrency.
            if (h.scoreBefore === null || end <= h.start || (synchronous && end > b)) continue;
            const sign = direction === 'maximize' ? 1 : -1;
            const y = (sign * (h.score - h.scoreBefore)) / (end - h.start);
            if (!Number.isFinite(y)) continue;
            obs.push({ t: end, rBefore: h.scoreBefore, x: numeric.map(([k, d]) => toUnit(d, h.params[k] as ParamValue)), y });
          }
        }
        obs.sort((a, c) => a.t - c.t);
        const chosen = pb2Pending.get(b) ?? [];
        const pick = pb2Select(obs, { t: from.end, rBefore: from.score }, chosen, numeric.length, rng);
        if (pick !== null) {
          chosen.push(pick.x);
          pb2Pending.set(b, chosen);
          const next = { ...params };
          const pc: PbtChange[] = changes.filter((c) => (distByName.get(c.name) as Distribution).kind === 'categorical');
          numeric.forEach(([k, d], i) => {
            const v = fromUnitValue(d, pick.x[i] as number);
            next[k] = v;
            pc.push({ name: k, from: from.params[k] as ParamValue, to: v, how: 'pb2' });
          });
          params = next;
          changes = pc;
        }
      }
    }
    return { source, from, params, changes };
  }

  let firstError: unknown;
  let stopping = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  function nextMember(): MemberState | null | 'wait' {
    let best: MemberState | null = null;
    let anyRunning = false;
    let minDone = Number.POSITIVE_INFINITY;
    for (const st of members) {
      if (st.running) anyRunning = true;
      if (st.stepsDone < totalSteps) minDone = Math.min(minDone, st.stepsDone);
    }
    for (const st of members) {
      if (st.running || st.stepsDone >= totalSteps) continue;
      if (synchronous && st.stepsDone > minDone) continue;
      if (best === null || st.stepsDone < best.stepsDone) best = st;
    }
    if (best !== null) return best;
    return anyRunning ? 'wait' : null;
  }

  async function runSegment(st: MemberState): Promise<void> {
    // 1. What this segment is: a recorded one again, the first one, or the one after a decision.
    let params: Record<string, ParamValue>;
    let start: number;
    let checkpointIn: string | null;
    let exploit: PbtExploit | null = null;
    let rerunOf: number | null = null;
    let scoreBefore: number | null;
    let copiedKey: string | null = null;
    const p = st.pending;
    if (p !== null) {
      params = { ...p.params };
      start = p.start;
      checkpointIn = p.checkpointIn;
      exploit = p.exploit;
      rerunOf = p.trialNumber;
      scoreBefore = exploit ? exploit.fromScore : (st.last?.score ?? null);
      if (exploit && checkpointIn !== null) copiedKey = checkpointIn;
      if (checkpointIn !== null && (await artifacts.get(checkpointIn)) === null) {
        throw new DialsError(
          'INVALID_VALUE',
          `trial ${p.trialNumber} (member ${st.member}) starts from checkpoint ${checkpointIn}, which is missing from ${artifacts.location}; it cannot be run again`,
        );
      }
    } else if (st.last === null) {
      params = { ...st.params };
      start = 0;
      checkpointIn = null;
      scoreBefore = null;
    } else {
      const d = decide(st);
      if (d === null) {
        params = { ...st.params };
        start = st.stepsDone;
        checkpointIn = st.last.checkpoint;
        scoreBefore = st.last.score;
      } else {
        params = d.params;
        start = d.from.end;
        copiedKey = `m${st.member}-s${st.stepsDone}-copy-t${d.from.trialNumber}.ckpt`;
        const bytes = await artifacts.get(d.from.checkpoint);
        if (bytes === null) {
          throw new DialsError(
            'INVALID_VALUE',
            `checkpoint ${d.from.checkpoint} of member ${d.source.member} is missing from ${artifacts.location}; PBT cannot copy it`,
          );
        }
        await artifacts.put(copiedKey, bytes);
        checkpointIn = copiedKey;
        scoreBefore = d.from.score;
        exploit = {
          fromMember: d.source.member,
          fromTrial: d.from.trialNumber,
          fromStep: start,
          fromScore: d.from.score,
          score: st.last.score,
          paramsBefore: { ...st.params },
          paramsCopied: { ...d.from.params },
          changes: d.changes,
          explore: explore.kind,
        };
      }
    }
    const end = Math.min(totalSteps, start + readyEvery);

    // 2. Record the segment (params, record, lease) before anything runs.
    const started: StartedTrial | null = await storage.startTrial(studyId, {});
    if (started === null) throw new DialsError('INVALID_VALUE', 'the storage returned no trial for a PBT segment');
    if (Object.keys(started.fixedParams).length > 0) {
      await storage.updateTrial(started.trialId, started.leaseId, {
        finish: { state: 'FAIL', values: null, reason: 'a PBT run claimed this enqueued trial by mistake; PBT studies take no enqueued trials' },
      });
      throw new InvalidArgumentError(`study ${JSON.stringify(study.studyName)} has enqueued trials; PBT needs a study of its own`, ['study']);
    }
    const checkpointOut = `m${st.member}-t${started.number}.ckpt`;
    const rec: PbtSegmentRecord = {
      member: st.member,
      generation: st.generation,
      start,
      end,
      parent: st.last?.trialNumber ?? null,
      checkpointIn,
      checkpointOut,
      exploit,
      rerunOf,
    };
    const paramWrites: ParamWrite[] = dists.map(([name, distribution]) => ({ name, value: params[name] as ParamValue, distribution }));
    const attrs: AttrWrite[] = [
      { kind: 'system', key: PBT_SEGMENT_ATTR, json: encodeAttr(rec, PBT_SEGMENT_ATTR) },
      { kind: 'system', key: PBT_LEASE_ATTR, json: encodeAttr(started.leaseId, PBT_LEASE_ATTR) },
    ];
    await storage.updateTrial(started.trialId, started.leaseId, { params: paramWrites, attrs });
    st.params = { ...params };
    st.pending = {
      ...rec,
      trialNumber: started.number,
      trialId: started.trialId,
      state: 'RUNNING',
      params,
      score: null,
      weightsFrom: exploit ? exploit.fromTrial : rec.parent,
    };

    // 3. Train.
    let score = Number.NaN;
    const scores: { step: number; score: number }[] = [];
    const report = async (step: number, value: number): Promise<void> => {
      if (!Number.isSafeInteger(step) || step <= start || step > end) {
        throw new InvalidArgumentError(`a segment from step ${start} to ${end} reported step ${step}; report steps in (${start}, ${end}]`, ['step']);
      }
      if (typeof value !== 'number') throw new InvalidArgumentError(`a score must be a number, got ${JSON.stringify(value)}`, ['score']);
      const v = Number.isNaN(value) ? worst : value;
      scores.push({ step, score: v });
      score = v;
      await storage.updateTrial(started.trialId, started.leaseId, { intermediate: [{ step, fold: null, values: [v] }] });
    };
    try {
      if (hasMember) {
        const member = o.member as PbtMember<Record<string, ParamValue>, M>;
        const ctx = { member: st.member, seed: mixSeed(seed, st.member) };
        let model: M;
        if (checkpointIn === null) model = await member.init({ ...params }, ctx);
        else {
          const bytes = await artifacts.get(checkpointIn);
          if (bytes === null) throw new DialsError('INVALID_VALUE', `checkpoint ${checkpointIn} is missing from ${artifacts.location}`);
          model = await member.load(decodeCheckpoint(bytes, checkpointIn), { ...params }, ctx);
        }
        try {
          for (let s = start; s < end; s++) {
            const v = await member.step(model, { ...params }, { member: st.member, seed: mixSeed(seed, st.member, s + 1), step: s });
            if (typeof v !== 'number')
              throw new InvalidArgumentError(`member.step() must return a number (the score), got ${JSON.stringify(v)}`, ['member', 'step']);
            await report(s + 1, v);
          }
          await artifacts.put(checkpointOut, encodeCheckpoint(await member.save(model)));
        } finally {
          await member.dispose?.(model);
        }
      } else {
        const job: PbtSegmentJob = {
          member: st.member,
          trialNumber: started.number,
          params: { ...params },
          start,
          end,
          checkpointIn,
          checkpointOutTemp: `${checkpointOut}.part`,
          seed: mixSeed(seed, st.member, start + 1),
        };
        const setSystemAttrs = async (values: Readonly<Record<string, JsonValue>>): Promise<void> => {
          const attrs: AttrWrite[] = Object.entries(values).map(([key, v]) => ({ kind: 'system', key, json: encodeAttr(v, key) }));
          if (attrs.some((a) => a.key.startsWith('dials:pbt:'))) {
            throw new InvalidArgumentError('the dials:pbt:* attributes of a segment are written by runPbt only', ['attrs']);
          }
          await storage.updateTrial(started.trialId, started.leaseId, { attrs });
        };
        await (o.segment as PbtSegmentFn)(job, { artifacts, report, setSystemAttrs });
        if (!scores.some((s) => s.step === end)) {
          throw new DialsError(
            'INVALID_VALUE',
            `the segment of member ${st.member} (steps ${start} to ${end}) ended without reporting a score for step ${end}`,
          );
        }
        const bytes = await artifacts.get(job.checkpointOutTemp);
        if (bytes === null) {
          throw new DialsError(
            'INVALID_VALUE',
            `the segment of member ${st.member} (trial ${started.number}) ended without writing its checkpoint (DIALS_CHECKPOINT_OUT)`,
          );
        }
        await artifacts.put(checkpointOut, bytes);
        await artifacts.delete(job.checkpointOutTemp);
      }
      score = scores.find((s) => s.step === end)?.score ?? score;
      if (Number.isNaN(score)) throw new DialsError('INVALID_VALUE', `member ${st.member} finished steps ${start} to ${end} without a score`);
    } catch (e) {
      const reason = e instanceof PbtSegmentFailed ? e.reason : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      try {
        await storage.updateTrial(started.trialId, started.leaseId, {
          finish: { state: 'FAIL', values: null, reason: reason.slice(0, 2000) },
        });
      } catch {
        // The original error matters more.
      }
      st.pending = { ...(st.pending as PbtSegmentInfo), state: 'FAIL' };
      throw e;
    }

    // 4. The checkpoint is on disk: complete the trial.
    await storage.updateTrial(started.trialId, started.leaseId, { finish: { state: 'COMPLETE', values: [score], reason: null } });
    const h: History = { score, checkpoint: checkpointOut, trialNumber: started.number, params: { ...params }, start, end, scoreBefore };
    st.history.set(end, h);
    st.last = h;
    st.stepsDone = end;
    st.pending = null;
    st.written.push(checkpointOut);
    st.generation++;
    if (copiedKey !== null) await artifacts.delete(copiedKey);
    while (st.written.length > keep) await artifacts.delete(st.written.shift() as string);
    if (o.onSegment) {
      await o.onSegment({
        ...rec,
        trialNumber: started.number,
        trialId: started.trialId,
        state: 'COMPLETE',
        params: { ...params },
        score,
        weightsFrom: exploit ? exploit.fromTrial : rec.parent,
      });
    }
  }

  const worker = async (): Promise<void> => {
    for (;;) {
      if (stopping || o.signal?.aborted) return;
      const next = nextMember();
      if (next === null) return;
      if (next === 'wait') {
        await new Promise<void>((resolve) => {
          const prev = wake;
          wake = () => {
            prev?.();
            resolve();
          };
        });
        continue;
      }
      next.running = true;
      try {
        await runSegment(next);
      } catch (e) {
        stopping = true;
        firstError ??= e;
      } finally {
        next.running = false;
        notify();
      }
    }
  };
  const onAbort = (): void => notify();
  o.signal?.addEventListener('abort', onAbort);
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, population) }, worker));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (firstError !== undefined) throw firstError;
  if (o.signal?.aborted) throw o.signal.reason ?? new DialsError('INVALID_VALUE', 'the PBT run was stopped');

  const results: PbtMemberResult<PbtParams<S>>[] = members.map((st) => {
    const h = st.last as History;
    return {
      member: st.member,
      score: h.score,
      params: { ...h.params } as PbtParams<S>,
      step: st.stepsDone,
      trialNumber: h.trialNumber,
      checkpoint: h.checkpoint,
    };
  });
  const sign = direction === 'maximize' ? 1 : -1;
  const best = results.reduce((a, b) => (sign * (b.score - a.score) > 0 ? b : a));
  return { best, members: results, artifacts, resumed, seed };
}

function fromUnitValue(d: Distribution, u: number): ParamValue {
  if (d.kind === 'categorical') return d.choices[Math.min(d.choices.length - 1, Math.floor(u * d.choices.length))] as ParamValue;
  const x = Math.min(1, Math.max(0, u));
  const raw = d.log ? Math.exp(Math.log(d.low) + x * (Math.log(d.high) - Math.log(d.low))) : d.low + x * (d.high - d.low);
  if (d.kind === 'int') {
    const v = d.low + Math.round((raw - d.low) / d.step) * d.step;
    return Math.min(d.high, Math.max(d.low, v));
  }
  if (d.step !== null) {
    const v = d.low + Math.round((raw - d.low) / d.step) * d.step;
    return Math.min(d.high, Math.max(d.low, v));
  }
  return Math.min(d.high, Math.max(d.low, raw));
}

/** The segments of a PBT study (one per trial), read from its storage. */
export async function pbtSegments(study: Study): Promise<PbtSegmentInfo[]> {
  return segmentsOf(await study.getTrials());
}
