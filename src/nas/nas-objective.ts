/**
 * The NAS objective: draw an architecture from the trial, build it, train it
 * epoch by epoch, report the validation accuracy after each epoch (the
 * fidelity Hyperband allocates) and stop when the pruner says so. With
 * `objectives: ['accuracy', 'params']` the trial returns [accuracy, number of
 * weights] for a two-objective study (maximize, minimize); with
 * ['accuracy', 'latency'], [accuracy, measured inference milliseconds per
 * batch of validation rows] (the median of 5 timed predictions after a warm-up,
 * measured once before training: the time does not depend on the weights).
 *
 * The network is disposed whatever happens, so memory stays flat over a search.
 */
import { InvalidArgumentError, TrialPruned } from '../errors.js';
import type { Trial } from '../study/trial.js';
import type { Split } from '../tfjs/datasets.js';
import type { Tfjs } from '../tfjs/load-tfjs.js';
import { type Architecture, describeArchitecture, type NasSpaceOptions, suggestArchitecture } from './architecture.js';
import { NasNetwork } from './nas-network.js';

export interface NasObjectiveOptions {
  /** Training rows and the validation rows the search is scored on. */
  readonly split: Split;
  /** [height, width, channels] of a row, to allow convolutional blocks. */
  readonly imageShape?: readonly number[];
  readonly space?: NasSpaceOptions;
  /** Epochs of a trial that is never pruned (the maximum fidelity). */
  readonly epochs: number;
  /** Batch size when the space does not search it (default 32). */
  readonly batchSize?: number;
  /** 'accuracy' (default; one objective, maximize), or ['accuracy', 'params' | 'latency'] (maximize, minimize). */
  readonly objectives?: 'accuracy' | readonly ['accuracy', 'params' | 'latency'];
  /** Seeds weights and row orders; each trial adds its number (default 0). */
  readonly seed?: number;
}

/** The user attributes each NAS trial records. */
export interface NasTrialRecord {
  readonly architecture: Architecture;
  readonly description: string;
  readonly params: number;
  /** Inference milliseconds per batch, when latency is an objective. */
  readonly latencyMs?: number;
  /** Validation accuracy after each epoch trained. */
  readonly accuracies: readonly number[];
}

/**
 * An objective for `study.optimize` that searches architectures.
 * @example await study.optimize(nasObjective(tfjs, { split, imageShape: [8, 8, 1], epochs: 9 }), { nTrials: 30 });
 */
export function nasObjective(tfjs: Tfjs, options: NasObjectiveOptions): (trial: Trial) => Promise<number | number[]> {
  const { split } = options;
  const second = Array.isArray(options.objectives) ? (options.objectives[1] as 'params' | 'latency') : null;
  if (second !== null && second !== 'params' && second !== 'latency') {
    throw new InvalidArgumentError(
      `objectives must be 'accuracy', ['accuracy', 'params'] or ['accuracy', 'latency'], got ${JSON.stringify(options.objectives)}`,
      ['objectives'],
    );
  }
  const imageShape = options.imageShape;
  return async (trial) => {
    const architecture = suggestArchitecture(trial, { ...(imageShape ? { imageShape } : {}), ...(options.space ? { space: options.space } : {}) });
    const seed = ((options.seed ?? 0) + trial.number) >>> 0;
    const net = NasNetwork.create(tfjs, architecture, {
      inputs: split.train.nFeatures,
      nClasses: split.train.nClasses,
      seed,
      ...(imageShape ? { imageShape } : {}),
    });
    try {
      const params = net.countParams();
      const latencyMs = second === 'latency' ? net.measureLatency(split.validation) : undefined;
      const cost = second === 'latency' ? (latencyMs as number) : params;
      const accuracies: number[] = [];
      const record = (): NasTrialRecord => ({
        architecture,
        description: describeArchitecture(architecture),
        params,
        accuracies,
        ...(latencyMs !== undefined ? { latencyMs } : {}),
      });
      trial.setUserAttr('nas', record());
      let accuracy = 0;
      for (let epoch = 0; epoch < options.epochs; epoch++) {
        await net.fitEpoch(split.train, { batchSize: architecture.batchSize ?? options.batchSize ?? 32, seed: seed * 1000 + epoch });
        accuracy = net.evaluate(split.validation).accuracy;
        accuracies.push(accuracy);
        trial.report(second !== null ? [accuracy, cost] : accuracy, epoch);
        if (epoch + 1 < options.epochs && trial.shouldPrune()) {
          trial.setUserAttr('nas', record());
          throw new TrialPruned();
        }
      }
      trial.setUserAttr('nas', record());
      return second !== null ? [accuracy, cost] : accuracy;
    } finally {
      net.dispose();
    }
  };
}

/**
 * Trains one architecture for `epochs` on `train` and returns the network
 * (the caller disposes it): for refitting the best architecture found.
 * @example const net = await trainArchitecture(tfjs, arch, { train, epochs: 20, imageShape: [8, 8, 1], seed: 0 });
 */
export async function trainArchitecture(
  tfjs: Tfjs,
  architecture: Architecture,
  options: { train: Split['train']; epochs: number; imageShape?: readonly number[]; batchSize?: number; seed: number },
): Promise<NasNetwork> {
  const net = NasNetwork.create(tfjs, architecture, {
    inputs: options.train.nFeatures,
    nClasses: options.train.nClasses,
    seed: options.seed,
    ...(options.imageShape ? { imageShape: options.imageShape } : {}),
  });
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      await net.fitEpoch(options.train, { batchSize: architecture.batchSize ?? options.batchSize ?? 32, seed: options.seed * 1000 + epoch });
    }
    return net;
  } catch (e) {
    net.dispose();
    throw e;
  }
}
