/**
 * Families of related tasks for transfer learning: shifted, scaled and
 * offset versions of Branin (2-d), Hartmann-3 and Hartmann-6, drawn from a
 * seeded stream. Task k of a family is f_k(x) = a_k·f(x − s_k) + b_k on the
 * base function's domain; every shift keeps one global minimum inside the
 * domain, so each task's optimum is a_k·f* + b_k and its regret (best − optimum)/a_k.
 */
import { createStudy, type Sampler, type Study } from '../src/index.js';
import { branin, hartmann3, hartmann6 } from './problems.js';

export interface TransferTask {
  readonly family: string;
  readonly index: number;
  /** Parameter names x0, x1, … and their ranges. */
  readonly bounds: readonly (readonly [number, number])[];
  readonly f: (x: readonly number[]) => number;
  readonly optimum: number;
  readonly scale: number;
}

interface Family {
  readonly name: string;
  readonly bounds: readonly (readonly [number, number])[];
  readonly f: (x: readonly number[]) => number;
  readonly fStar: number;
  /** Largest shift per coordinate that keeps a minimum inside the domain. */
  readonly maxShift: readonly number[];
}

const FAMILIES: Record<string, Family> = {
  branin: {
    name: 'branin',
    bounds: [
      [-5, 10],
      [0, 15],
    ],
    f: branin,
    fStar: 0.397887357729738,
    maxShift: [0.6, 0.6],
  },
  hartmann3: {
    name: 'hartmann3',
    bounds: [
      [0, 1],
      [0, 1],
      [0, 1],
    ],
    f: hartmann3,
    fStar: -3.862782147820756,
    maxShift: [0.05, 0.05, 0.05],
  },
  hartmann6: {
    name: 'hartmann6',
    bounds: Array.from({ length: 6 }, () => [0, 1] as const),
    f: hartmann6,
    fStar: -3.322368011391339,
    maxShift: [0.04, 0.04, 0.04, 0.04, 0.04, 0.04],
  },
};

export const TRANSFER_FAMILIES = Object.keys(FAMILIES);

/** A deterministic uniform stream (mulberry32). */
function stream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Task `index` of a family (index 0 is the target in the benchmark; others are earlier tasks). */
export function transferTask(family: string, index: number): TransferTask {
  const fam = FAMILIES[family];
  if (fam === undefined) throw new Error(`unknown family ${family}; one of ${TRANSFER_FAMILIES.join(', ')}`);
  const u = stream(0x7a5f + index * 7919 + family.length * 104729);
  const shift = fam.maxShift.map((m) => (2 * u() - 1) * m);
  const scale = 0.5 + 1.5 * u();
  const offset = 10 * u() - 5;
  return {
    family,
    index,
    bounds: fam.bounds,
    f: (x) => scale * fam.f(x.map((v, j) => v - (shift[j] as number))) + offset,
    optimum: scale * fam.fStar + offset,
    scale,
  };
}

/** The objective of a task for study.optimize. */
export function taskObjective(task: TransferTask): (t: { suggestFloat(name: string, low: number, high: number): number }) => number {
  return (t) => task.f(task.bounds.map(([lo, hi], j) => t.suggestFloat(`x${j}`, lo, hi)));
}

/** Runs `nTrials` of a task with a sampler; returns the study (memory storage unless given). */
export async function runTask(task: TransferTask, sampler: Sampler, nTrials: number, options: { studyName?: string; storage?: string } = {}): Promise<Study> {
  const study = await createStudy({ sampler, direction: 'minimize', ...options });
  await study.optimize(taskObjective(task), { nTrials });
  return study;
}

/** Best-so-far regret, normalized by the task's scale, after each trial. */
export function regretCurve(task: TransferTask, values: readonly number[]): number[] {
  let best = Number.POSITIVE_INFINITY;
  return values.map((v) => {
    best = Math.min(best, v);
    return Math.max(0, (best - task.optimum) / task.scale);
  });
}

export const median = (xs: readonly number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Cold against warm: the figures of a transfer benchmark row, from best-so-far regret curves (one per seed). */
export interface CurveComparison {
  cold10: number;
  warm10: number;
  cold25: number;
  warm25: number;
  /** The cold median after all its trials. */
  coldFinal: number;
  /** First trial count at which the warm median curve reaches coldFinal (null: not within the warm budget). */
  warmTrialsToColdFinal: number | null;
  /** Seeds whose warm run reached that seed's own cold result within the warm budget. */
  seedsReached: number;
  /** Median best-so-far regret after each trial. */
  coldCurve: number[];
  warmCurve: number[];
}

export function compareCurves(colds: readonly (readonly number[])[], warms: readonly (readonly number[])[], cold: number, warm: number): CurveComparison {
  const at = (cs: readonly (readonly number[])[], i: number): number => median(cs.map((c) => c[Math.min(i, c.length - 1)] as number));
  const coldFinal = at(colds, cold - 1);
  let need: number | null = null;
  for (let i = 0; i < warm; i++) {
    if (at(warms, i) <= coldFinal) {
      need = i + 1;
      break;
    }
  }
  return {
    cold10: at(colds, 9),
    warm10: at(warms, 9),
    cold25: at(colds, 24),
    warm25: at(warms, 24),
    coldFinal,
    warmTrialsToColdFinal: need,
    seedsReached: warms.filter((w, s) => (w[warm - 1] as number) <= ((colds[s] as number[])[cold - 1] as number)).length,
    coldCurve: Array.from({ length: cold }, (_, i) => at(colds, i)),
    warmCurve: Array.from({ length: warm }, (_, i) => at(warms, i)),
  };
}
