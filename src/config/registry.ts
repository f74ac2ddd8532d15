/**
 * Turns `sampler: { type: tpe, seed: 1, … }` and `pruner: { type: median, … }`
 * from a config file into Dials objects. Each type lists the options it
 * accepts (the TypeScript option names); anything else is an error.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../errors.js';
import { createPruner, PRUNER_TYPES } from '../pruners/create-pruner.js';
import type { Pruner } from '../pruners/pruner.js';
import { AutoSampler } from '../samplers/auto.js';
import { CmaEsSampler } from '../samplers/cmaes/cmaes-sampler.js';
import { GpSampler } from '../samplers/gp/gp-sampler.js';
import { GridSampler } from '../samplers/grid/grid-sampler.js';
import { NsgaIISampler } from '../samplers/nsga/nsga2-sampler.js';
import { NsgaIIISampler } from '../samplers/nsga/nsga3-sampler.js';
import { RandomSampler } from '../samplers/random/random-sampler.js';
import type { Sampler } from '../samplers/sampler.js';
import { SobolSampler } from '../samplers/sobol/sobol-sampler.js';
import { TpeSampler } from '../samplers/tpe/tpe-sampler.js';
import type { Distribution, ParamValue } from '../space/distributions.js';

export interface ParamSpec {
  readonly name: string;
  readonly distribution: Distribution;
  /** Active only when every named parameter is active and has one of the listed values. */
  readonly when: Readonly<Record<string, readonly ParamValue[]>> | null;
}

/** What a factory may look at besides its own options. */
export interface RegistryContext {
  readonly space: readonly ParamSpec[];
  readonly nObjectives: number;
}

interface Factory {
  readonly schema: z.ZodObject;
  readonly build: (options: Record<string, unknown>, ctx: RegistryContext) => unknown;
}

const seed = z
  .int()
  .min(0)
  .max(2 ** 32 - 1);
const count = z.int().min(0);
const positive = z.int().min(1);
const prob = z.number().min(0).max(1);
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const crossover = z.union([
  z.enum(['uniform', 'sbx', 'blxalpha']),
  z.strictObject({ kind: z.literal('uniform') }),
  z.strictObject({ kind: z.literal('sbx'), eta: z.number().positive().optional() }),
  z.strictObject({ kind: z.literal('blxalpha'), alpha: z.number().min(0).optional() }),
]);
const mutation = z.union([
  z.enum(['uniform', 'polynomial']),
  z.strictObject({ kind: z.literal('uniform') }),
  z.strictObject({ kind: z.literal('polynomial'), eta: z.number().positive().optional() }),
]);
const genetic = {
  seed: seed.optional(),
  populationSize: z.int().min(2).optional(),
  mutationProb: prob.optional(),
  crossover: crossover.optional(),
  crossoverProb: prob.optional(),
  swappingProb: prob.optional(),
  mutation: mutation.optional(),
};

function opts<T>(o: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'type' && v !== undefined) out[k] = v;
  return out as T;
}

/** The grid a GridSampler walks when the config gives none: every value of each parameter. */
export function gridFromSpace(space: readonly ParamSpec[]): Record<string, ParamValue[]> {
  const grid: Record<string, ParamValue[]> = {};
  for (const p of space) {
    const d = p.distribution;
    if (d.kind === 'categorical') grid[p.name] = d.choices.slice();
    else if (d.kind === 'int') {
      if ((d.high - d.low) / d.step + 1 > 1e7)
        throw new InvalidArgumentError(`int parameter ${JSON.stringify(p.name)} has too many values for a grid`, [p.name]);
      const vs: number[] = [];
      for (let v = d.low; v <= d.high; v += d.step) vs.push(v);
      grid[p.name] = vs;
    } else if (d.step !== null) {
      const n = Math.round((d.high - d.low) / d.step);
      if (n + 1 > 1e7) throw new InvalidArgumentError(`float parameter ${JSON.stringify(p.name)} has too many values for a grid`, [p.name]);
      grid[p.name] = Array.from({ length: n + 1 }, (_, i) => Math.min(d.high, d.low + i * d.step!));
    } else {
      throw new InvalidArgumentError(
        `the grid sampler needs a finite set of values, but float parameter ${JSON.stringify(p.name)} has no step; give it a step or list the values in sampler.grid`,
        [p.name],
      );
    }
  }
  return grid;
}

export const SAMPLERS: Readonly<Record<string, Factory>> = {
  auto: {
    schema: z.strictObject({ type: z.literal('auto'), seed: seed.optional(), gpMaxTrials: count.optional(), nsgaMinTrials: count.optional() }),
    build: (o) => new AutoSampler(opts(o)),
  },
  random: {
    schema: z.strictObject({ type: z.literal('random'), seed: seed.optional() }),
    build: (o) => new RandomSampler(opts(o)),
  },
  grid: {
    schema: z.strictObject({ type: z.literal('grid'), seed: seed.optional(), grid: z.record(z.string(), z.array(scalar).min(1)).optional() }),
    build: (o, ctx) => {
      const { grid, ...rest } = opts<{ grid?: Record<string, ParamValue[]>; seed?: number }>(o);
      return new GridSampler(grid ?? gridFromSpace(ctx.space), rest);
    },
  },
  sobol: {
    schema: z.strictObject({ type: z.literal('sobol'), seed: seed.optional(), scramble: z.boolean().optional() }),
    build: (o) => new SobolSampler(opts(o)),
  },
  tpe: {
    schema: z.strictObject({
      type: z.literal('tpe'),
      seed: seed.optional(),
      nStartupTrials: count.optional(),
      nEiCandidates: positive.optional(),
      multivariate: z.boolean().optional(),
      group: z.boolean().optional(),
      constantLiar: z.boolean().optional(),
      priorWeight: z.number().positive().optional(),
      considerMagicClip: z.boolean().optional(),
      minBandwidthFactor: z.number().positive().optional(),
      magicClipExponent: z.number().positive().optional(),
      bandwidth: z.enum(['optuna', 'scott', 'hyperopt']).optional(),
      considerEndpoints: z.boolean().optional(),
      eiWeights: z.boolean().optional(),
      categoricalPriorWeight: z.number().gt(0).lt(1).nullable().optional(),
    }),
    build: (o) => new TpeSampler(opts(o)),
  },
  gp: {
    schema: z.strictObject({
      type: z.literal('gp'),
      seed: seed.optional(),
      nStartupTrials: count.optional(),
      deterministicObjective: z.boolean().optional(),
      nPreliminarySamples: positive.optional(),
      nLocalSearch: count.optional(),
      constantLiar: z.boolean().optional(),
      conditionalSubspaces: z.boolean().optional(),
      outputWarping: z.boolean().optional(),
    }),
    build: (o) => new GpSampler(opts(o)),
  },
  cmaes: {
    schema: z.strictObject({
      type: z.literal('cmaes'),
      seed: seed.optional(),
      nStartupTrials: count.optional(),
      popsize: z.int().min(2).optional(),
      restartStrategy: z.enum(['none', 'ipop']).optional(),
      incPopsize: z.int().min(1).optional(),
      useSeparableCma: z.union([z.boolean(), z.literal('auto')]).optional(),
      withMargin: z.boolean().optional(),
      quasiRandom: z.boolean().optional(),
    }),
    build: (o) => new CmaEsSampler(opts(o)),
  },
  nsga2: {
    schema: z.strictObject({ type: z.literal('nsga2'), ...genetic }),
    build: (o) => new NsgaIISampler(opts(o)),
  },
  nsga3: {
    schema: z.strictObject({
      type: z.literal('nsga3'),
      ...genetic,
      referencePoints: z.array(z.array(z.number()).min(1)).min(1).optional(),
      dividingParameter: positive.optional(),
    }),
    build: (o) => new NsgaIIISampler(opts(o)),
  },
};

export type RegistryKind = 'sampler' | 'pruner';

export function registryTypes(kind: RegistryKind): string[] {
  return kind === 'sampler' ? Object.keys(SAMPLERS) : [...PRUNER_TYPES];
}

/** The schema of one sampler type, or null for an unknown type (pruners validate their own options). */
export function samplerSchema(type: string): z.ZodObject | null {
  return Object.hasOwn(SAMPLERS, type) ? (SAMPLERS[type] as Factory).schema : null;
}

/** Sampler options may be written camelCase (as in TypeScript) or snake_case (n_startup_trials). */
export function camelCaseKeys(o: Readonly<Record<string, unknown>>): { options: Record<string, unknown>; original: Map<string, string> } {
  const options: Record<string, unknown> = {};
  const original = new Map<string, string>();
  for (const [k, v] of Object.entries(o)) {
    const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    options[camel] = v;
    original.set(camel, k);
  }
  return { options, original };
}

/**
 * Builds a sampler from `{ type, …options }` (options already checked against
 * its schema), or a pruner with createPruner (median, percentile, threshold,
 * patient, successive-halving, hyperband, wilcoxon, none).
 */
export function buildFromRegistry(kind: 'sampler', options: Readonly<Record<string, unknown>>, ctx: RegistryContext): Sampler;
export function buildFromRegistry(kind: 'pruner', options: Readonly<Record<string, unknown>>, ctx: RegistryContext): Pruner;
export function buildFromRegistry(kind: RegistryKind, options: Readonly<Record<string, unknown>>, ctx: RegistryContext): unknown {
  if (kind === 'pruner') return createPruner(options);
  const { options: o } = camelCaseKeys(options);
  const type = String(o.type);
  const f = Object.hasOwn(SAMPLERS, type) ? SAMPLERS[type] : undefined;
  if (!f)
    throw new InvalidArgumentError(`unknown sampler type ${JSON.stringify(type)}; use one of ${registryTypes('sampler').join(', ')}`, ['sampler', 'type']);
  return f.build(o, ctx);
}
