/**
 * Pruners by name, for configuration files:
 * `{ type: 'median', nStartupTrials: 5 }` or, as YAML, `pruner: { type: median, n_startup_trials: 5 }`.
 * Keys may be camelCase or snake_case; unknown types and keys are errors that
 * list what is accepted.
 */
import { InvalidArgumentError } from '../errors.js';
import { HyperbandPruner } from './hyperband-pruner.js';
import { PatientPruner } from './patient-pruner.js';
import { MedianPruner, PercentilePruner } from './percentile-pruner.js';
import { NopPruner, type Pruner } from './pruner.js';
import { SuccessiveHalvingPruner } from './successive-halving-pruner.js';
import { ThresholdPruner } from './threshold-pruner.js';
import { WilcoxonPruner } from './wilcoxon-pruner.js';

export interface PrunerSpec {
  readonly type: string;
  readonly [option: string]: unknown;
}

const PERCENTILE_KEYS = ['nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials', 'nWarmupFolds'];

interface Entry {
  readonly keys: readonly string[];
  readonly make: (o: Record<string, unknown>, path: readonly (string | number)[]) => Pruner;
}

const ENTRIES: Record<string, Entry> = {
  nop: { keys: [], make: () => new NopPruner() },
  median: { keys: PERCENTILE_KEYS, make: (o) => new MedianPruner(o) },
  percentile: {
    keys: ['percentile', ...PERCENTILE_KEYS],
    make: (o) => {
      const { percentile, ...rest } = o;
      return new PercentilePruner(percentile as number, rest);
    },
  },
  threshold: { keys: ['lower', 'upper', 'nWarmupSteps', 'intervalSteps'], make: (o) => new ThresholdPruner(o) },
  patient: {
    keys: ['wrapped', 'patience', 'minDelta'],
    make: (o, path) => {
      const { wrapped, ...rest } = o;
      const inner = wrapped === undefined || wrapped === null ? null : createPrunerAt(wrapped, [...path, 'wrapped']);
      return new PatientPruner(inner, rest as { patience: number });
    },
  },
  successiveHalving: {
    keys: ['minResource', 'reductionFactor', 'minEarlyStoppingRate', 'bootstrapCount', 'rankBy', 'maxResource'],
    make: (o) => new SuccessiveHalvingPruner(o),
  },
  hyperband: { keys: ['minResource', 'maxResource', 'reductionFactor', 'bootstrapCount', 'nBrackets', 'rankBy'], make: (o) => new HyperbandPruner(o) },
  wilcoxon: { keys: ['pThreshold', 'nStartupSteps'], make: (o) => new WilcoxonPruner(o) },
};

const ALIASES: Record<string, string> = {
  nop: 'nop',
  none: 'nop',
  median: 'median',
  percentile: 'percentile',
  threshold: 'threshold',
  patient: 'patient',
  successivehalving: 'successiveHalving',
  sha: 'successiveHalving',
  asha: 'successiveHalving',
  hyperband: 'hyperband',
  wilcoxon: 'wilcoxon',
};

/** The names createPruner accepts (besides spelling variants such as 'successive_halving' or 'SuccessiveHalvingPruner'). */
export const PRUNER_TYPES = ['nop', 'median', 'percentile', 'threshold', 'patient', 'successive-halving', 'hyperband', 'wilcoxon'] as const;

/**
 * A pruner from a plain object, as read from a configuration file.
 * @example createPruner({ type: 'hyperband', min_resource: 1, max_resource: 81 })
 */
export function createPruner(spec: unknown): Pruner {
  return createPrunerAt(spec, ['pruner']);
}

function createPrunerAt(spec: unknown, path: readonly (string | number)[]): Pruner {
  if (typeof spec === 'string') spec = { type: spec };
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new InvalidArgumentError(`a pruner is given as { type: ..., options... }, got ${JSON.stringify(spec)}`, path);
  }
  const { type, ...raw } = spec as Record<string, unknown>;
  if (typeof type !== 'string') {
    throw new InvalidArgumentError(`the pruner needs a type, one of ${PRUNER_TYPES.join(', ')}`, [...path, 'type']);
  }
  const norm = type
    .toLowerCase()
    .replace(/[-_\s]/g, '')
    .replace(/pruner$/, '');
  const entry = ENTRIES[ALIASES[norm] ?? ''];
  if (entry === undefined) {
    throw new InvalidArgumentError(`unknown pruner type ${JSON.stringify(type)}; use one of ${PRUNER_TYPES.join(', ')}`, [...path, 'type']);
  }
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!entry.keys.includes(camel)) {
      const valid = entry.keys.length ? entry.keys.join(', ') : 'none';
      throw new InvalidArgumentError(`pruner ${JSON.stringify(type)} has no option ${JSON.stringify(k)}; its options are: ${valid}`, [...path, k]);
    }
    options[camel] = v;
  }
  try {
    return entry.make(options, path);
  } catch (e) {
    // Errors of a nested pruner already carry their full path.
    if (e instanceof InvalidArgumentError && e.path[0] !== path[0]) {
      throw new InvalidArgumentError(e.message, [...path, ...e.path]);
    }
    throw e;
  }
}
