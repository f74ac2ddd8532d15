/**
 * Warm starting a study from earlier, related studies. The earlier trials
 * (mapped onto the new space) seed the sampler:
 *   - TpeSampler: each earlier study's trials, split on their own values,
 *     join l(x) and g(x) as components whose weight τ/(τ + n) decays with the
 *     study's own finished trials n;
 *   - GpSampler: a ranking-weighted ensemble (RGPE, rgpe.ts) of per-study
 *     GPs of the earlier studies and the study's own GP, its acquisition
 *     searched in a trust region around the best trial (`gpModel: 'rgpe'`,
 *     the default), or a prior mean from the per-study GPs scaled by a factor
 *     fitted to the study's own trials (`gpModel: 'prior-mean'`); the first
 *     trials are the earlier best configurations;
 *   - CmaEsSampler: WS-CMA-ES (Nomura et al. 2021) through `warmStartCmaEs`.
 * The study records which earlier studies it used in the system attribute
 * `dials:warm_start`.
 */
import { InvalidArgumentError, StudyNotFoundError } from '../errors.js';
import { CmaEsSampler, type CmaEsSamplerOptions } from '../samplers/cmaes/cmaes-sampler.js';
import type { GpTransferModel } from '../samplers/gp/transfer-model.js';
import type { Sampler } from '../samplers/sampler.js';
import { TpeSampler } from '../samplers/tpe/tpe-sampler.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';
import { mapTrials, type ParamMapping } from './mapping.js';
import { RankingWeightedEnsemble } from './rgpe.js';

/** Study system attribute: which earlier studies seeded this one. */
export const WARM_START_ATTR = 'dials:warm_start';

/** An earlier study: its name (read from `storage`), its trials, or both. */
export type WarmStartSource =
  | string
  | readonly FrozenTrial[]
  | { readonly name: string; readonly trials: readonly FrozenTrial[]; readonly direction?: StudyDirection };

export interface WarmStartOptions {
  /** Earlier studies, by name (in `storage`) or as trial arrays (assumed to share the new study's direction). */
  readonly from: readonly WarmStartSource[];
  /** Where named studies live (default: the new study's storage). */
  readonly storage?: string | Storage;
  /** Renames, drops, defaults and rescaled ranges from the earlier studies' parameters to the new ones. */
  readonly mapping?: ParamMapping;
  /** τ of TPE's prior weight τ/(τ + n) (default 10). */
  readonly decay?: number;
  /** How a GpSampler learns from the earlier studies: a ranking-weighted ensemble (default) or a prior mean. */
  readonly gpModel?: GpWarmStartModel;
}

export type GpWarmStartModel = 'rgpe' | 'prior-mean';

export interface LoadedSource {
  readonly name: string;
  /** Mapped COMPLETE trials, values signed for the new study's direction. */
  readonly trials: readonly FrozenTrial[];
}

export interface WarmStartRecord {
  readonly sources: readonly { readonly study: string; readonly trials: number }[];
  readonly sampler: string;
  /** The GpSampler's transfer model ('rgpe' or 'prior-mean'); absent for other samplers. */
  readonly gpModel?: GpWarmStartModel;
  readonly mapping: ParamMapping | null;
}

/**
 * Reads the earlier studies and maps their trials. A named study whose
 * single direction is the opposite of `direction` has its values negated; a
 * different number of objectives is an error.
 */
export async function loadWarmStartSources(options: WarmStartOptions, ownStorage: Storage, directions: readonly StudyDirection[]): Promise<LoadedSource[]> {
  if (options === null || typeof options !== 'object' || !Array.isArray(options.from) || options.from.length === 0) {
    throw new InvalidArgumentError("warmStart.from must be a non-empty array of study names or trial arrays, e.g. { from: ['study-a'] }", [
      'warmStart',
      'from',
    ]);
  }
  if (options.decay !== undefined && !(options.decay > 0 && Number.isFinite(options.decay))) {
    throw new InvalidArgumentError(`warmStart.decay must be a positive number, got ${options.decay}`, ['warmStart', 'decay']);
  }
  if (options.gpModel !== undefined && options.gpModel !== 'rgpe' && options.gpModel !== 'prior-mean') {
    throw new InvalidArgumentError(`warmStart.gpModel must be 'rgpe' or 'prior-mean', got ${JSON.stringify(options.gpModel)}`, ['warmStart', 'gpModel']);
  }
  let storage = ownStorage;
  let close = false;
  if (typeof options.storage === 'string') {
    storage = await openStorage(options.storage);
    close = !options.storage.startsWith('memory:');
  } else if (options.storage !== undefined) storage = options.storage;
  try {
    const out: LoadedSource[] = [];
    for (const [i, src] of options.from.entries()) {
      let name: string;
      let trials: readonly FrozenTrial[];
      let dir: StudyDirection | undefined;
      if (typeof src === 'string') {
        const rec = await storage.getStudy(src);
        if (rec === null) throw new StudyNotFoundError(src);
        if (rec.directions.length !== directions.length) {
          throw new InvalidArgumentError(
            `warm-start study ${JSON.stringify(src)} has ${rec.directions.length} objective(s), the new study ${directions.length}`,
            ['warmStart', 'from', i],
          );
        }
        name = src;
        trials = await storage.getTrials(rec.studyId, { states: ['COMPLETE'] });
        dir = rec.directions.length === 1 ? rec.directions[0] : undefined;
        if (rec.directions.length > 1 && rec.directions.some((d, k) => d !== directions[k])) {
          throw new InvalidArgumentError(
            `warm-start study ${JSON.stringify(src)} has directions ${JSON.stringify(rec.directions)}, the new study ${JSON.stringify(directions)}`,
            ['warmStart', 'from', i],
          );
        }
      } else if (Array.isArray(src)) {
        name = `trials[${i}]`;
        trials = src as readonly FrozenTrial[];
      } else if (
        src !== null &&
        typeof src === 'object' &&
        typeof (src as { name?: unknown }).name === 'string' &&
        Array.isArray((src as { trials?: unknown }).trials)
      ) {
        const s = src as { name: string; trials: readonly FrozenTrial[]; direction?: StudyDirection };
        name = s.name;
        trials = s.trials;
        dir = s.direction;
      } else {
        throw new InvalidArgumentError('each warmStart.from entry is a study name, an array of trials, or { name, trials }', ['warmStart', 'from', i]);
      }
      let mapped = mapTrials(trials, options.mapping);
      if (directions.length === 1 && dir !== undefined && dir !== directions[0]) mapped = mapped.map(negate);
      if (mapped.length > 0) out.push({ name, trials: mapped });
    }
    if (out.length === 0) {
      throw new InvalidArgumentError('warmStart.from holds no COMPLETE trial to learn from; run the earlier studies first or drop warmStart', [
        'warmStart',
        'from',
      ]);
    }
    return out;
  } finally {
    if (close) await storage.close();
  }
}

function negate(t: FrozenTrial): FrozenTrial {
  const values = (t.values as readonly number[]).map((v) => -v);
  return { ...t, values, value: values[0] ?? null };
}

const cmaWarmStarted = new WeakSet<Sampler>();

interface PriorCapable {
  setPriorTrials(groups: readonly (readonly FrozenTrial[])[], decay?: number): void;
  /** GpSampler only. */
  setTransferModel?(model: GpTransferModel | null): void;
}

/** The GpSampler's transfer model when none is named (chosen by bench/transfer.ts; see bench/README.md). */
const DEFAULT_GP_MODEL: GpWarmStartModel = 'rgpe';
const gpModels = new WeakMap<Sampler, GpWarmStartModel>();

/**
 * Seeds `sampler` (default: a new TpeSampler) with the loaded sources and
 * returns it. Samplers without a warm start (random, grid, NSGA, AutoSampler)
 * are an error that says which to use.
 */
export function warmStartSampler(sampler: Sampler | undefined, sources: readonly LoadedSource[], decay?: number, gpModel?: GpWarmStartModel): Sampler {
  const s = sampler ?? new TpeSampler();
  if (cmaWarmStarted.has(s)) return s;
  const p = s as unknown as Partial<PriorCapable>;
  if (typeof p.setPriorTrials !== 'function') {
    const hint =
      s.name === 'CmaEsSampler'
        ? 'build it with warmStartCmaEs(sources) instead of new CmaEsSampler()'
        : 'use TpeSampler or GpSampler (or leave sampler out: a TpeSampler is made)';
    throw new InvalidArgumentError(`warmStart cannot seed ${s.name}; ${hint}`, ['warmStart']);
  }
  const groups = sources.map((src) => src.trials);
  if (typeof p.setTransferModel === 'function') {
    const model = gpModel ?? DEFAULT_GP_MODEL;
    if (model === 'rgpe') p.setTransferModel(new RankingWeightedEnsemble(groups));
    else p.setPriorTrials(groups);
    gpModels.set(s, model);
  } else if (decay !== undefined) p.setPriorTrials(groups, decay);
  else p.setPriorTrials(groups);
  return s;
}

/**
 * A CmaEsSampler warm-started (WS-CMA-ES) from earlier trials: each study's
 * values are replaced by their rank quantile (0 best … 1 worst; earlier
 * studies' scales differ; the order, and so the direction, is kept) before the top γ are pooled.
 * @example const sampler = warmStartCmaEs(await loadWarmStartSources({ from: ['a'] }, storage, ['minimize']), ['minimize'], { seed: 1 });
 */
export function warmStartCmaEs(
  sources: readonly LoadedSource[] | readonly (readonly FrozenTrial[])[],
  directions: readonly StudyDirection[],
  options: Omit<CmaEsSamplerOptions, 'warmStartTrials'> = {},
): CmaEsSampler {
  const groups = sources.map((s) => (Array.isArray(s) ? (s as readonly FrozenTrial[]) : (s as LoadedSource).trials));
  void directions;
  const pooled: FrozenTrial[] = [];
  for (const g of groups) {
    const done = mapTrials(g, undefined);
    const order = done.map((_, i) => i).sort((a, b) => ((done[a] as FrozenTrial).values?.[0] as number) - ((done[b] as FrozenTrial).values?.[0] as number));
    const n = Math.max(1, done.length - 1);
    // The ascending rank quantile keeps the order in either direction (smallest first for minimize, largest last for maximize).
    order.forEach((r, rank) => {
      const q = rank / n;
      pooled.push({ ...(done[r] as FrozenTrial), values: [q], value: q });
    });
  }
  const s = new CmaEsSampler({ ...options, warmStartTrials: pooled });
  cmaWarmStarted.add(s);
  return s;
}

export function warmStartRecord(sources: readonly LoadedSource[], sampler: Sampler, mapping: ParamMapping | undefined): WarmStartRecord {
  return {
    sources: sources.map((s) => ({ study: s.name, trials: s.trials.length })),
    sampler: sampler.name,
    ...(gpModels.has(sampler) ? { gpModel: gpModels.get(sampler) as GpWarmStartModel } : {}),
    mapping: mapping === undefined ? null : JSON.parse(JSON.stringify(mapping)),
  };
}
