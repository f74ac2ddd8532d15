/**
 * TPE's first step: split the history into the "below" (good) trials that
 * shape l(x) and the "above" trials that shape g(x), and weight each.
 *
 * Single objective: COMPLETE trials by value, then PRUNED trials by how far
 * they got and their last intermediate value (as Optuna). Several
 * objectives (MOTPE, Ozaki et al. 2020/2022): COMPLETE trials by
 * non-domination rank, the last rank that does not fit whole being cut by
 * greedy hypervolume subset selection; PRUNED trials are always above.
 * RUNNING trials (constant liar) are always above. FAIL trials never reach here.
 *
 * Constraints (trial.setConstraints, Optuna's constrained TPE): once any trial
 * has recorded some, COMPLETE trials that violate them, or recorded none, rank
 * after every feasible and PRUNED trial, by total violation.
 */
import { hypervolume, hypervolumeContributions, type Point } from '../../math/hypervolume.js';
import { constraintsOf, constraintViolation } from '../../trial/constraints.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { StudyDirection } from '../../trial/state.js';

/** Optuna's γ: the number of below trials among n finished ones, min(⌈0.1·n⌉, 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Optuna's observation weights for n trials in number order: 1 for the newest
 * 25, a ramp from 1/n up to 1 for the older ones.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n < 25) return w;
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}

export interface TrialSplit {
  /** In number order. */
  readonly below: readonly FrozenTrial[];
  /** In number order. */
  readonly above: readonly FrozenTrial[];
  /** MOTPE's weights of the below trials (hypervolume contributions), or null for the default weights. */
  readonly belowWeights: Float64Array | null;
}

/**
 * Watanabe (2023)'s EI weighting of the below trials: each weighs by how far
 * it improves on the threshold (the best above value), so l(x) leans to the
 * very best. Uniform when the threshold or a value is not finite.
 */
function eiWeights(below: readonly { v: number }[], threshold: number): Float64Array | null {
  if (!Number.isFinite(threshold) || below.some((e) => !Number.isFinite(e.v))) return null;
  return Float64Array.from(below, (e) => Math.max(1e-12, threshold - e.v));
}

/** Sign-adjusted objective vector (every objective minimized). */
function losses(t: FrozenTrial, directions: readonly StudyDirection[]): number[] {
  const v = t.values as readonly number[];
  return directions.map((d, k) => (d === 'minimize' ? (v[k] as number) : -(v[k] as number)));
}

/** (−last step, last value) of a PRUNED trial: those that got further come first. */
function prunedKey(t: FrozenTrial, sign: number): [number, number] {
  let step = -1;
  let value = 0;
  for (const iv of t.intermediateValues) {
    if (iv.fold !== null || iv.step < step) continue;
    step = iv.step;
    value = iv.values[0] as number;
  }
  if (step < 0) return [1, 0];
  return [-step, Number.isNaN(value) ? Number.POSITIVE_INFINITY : sign * value];
}

function byNumber(a: FrozenTrial, b: FrozenTrial): number {
  return a.number - b.number;
}

/**
 * Splits `trials` (COMPLETE, PRUNED and, with constant liar, RUNNING) so that
 * `nBelow` of the finished ones are below.
 */
export function splitTrials(
  trials: readonly FrozenTrial[],
  directions: readonly StudyDirection[],
  nBelow: number,
  options: { eiWeights?: boolean } = {},
): TrialSplit {
  const constrained = trials.some((t) => constraintsOf(t) !== null);
  const complete: FrozenTrial[] = [];
  const pruned: FrozenTrial[] = [];
  const infeasible: { t: FrozenTrial; violation: number }[] = [];
  for (const t of trials) {
    if (t.state === 'COMPLETE' && t.values !== null && t.values.length === directions.length) {
      const violation = constrained ? (constraintsOf(t) === null ? Number.POSITIVE_INFINITY : constraintViolation(t)) : 0;
      if (violation > 0) infeasible.push({ t, violation });
      else complete.push(t);
    } else if (t.state === 'PRUNED') {
      pruned.push(t);
    }
  }
  let belowWeights: Float64Array | null = null;
  const single = directions.length === 1;
  const sign = directions[0] === 'minimize' ? 1 : -1;
  const k = Math.max(0, Math.min(nBelow, complete.length));
  const { best, threshold } = single ? bestK(complete, sign, k) : { best: [], threshold: Number.POSITIVE_INFINITY };
  const below = single ? best.map((e) => e.t) : splitMultiObjective(complete, directions, nBelow);
  const feasibleBelow = below.length;
  // Then PRUNED trials (single objective only), then infeasible ones, while places are left.
  if (single && below.length < nBelow && pruned.length > 0) {
    const prunedSorted = pruned
      .map((t) => ({ t, key: prunedKey(t, sign) }))
      .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.t.number - b.t.number)
      .map((e) => e.t);
    below.push(...prunedSorted.slice(0, nBelow - below.length));
  }
  if (below.length < nBelow && infeasible.length > 0) {
    infeasible.sort((a, b) => a.violation - b.violation || a.t.number - b.t.number);
    below.push(...infeasible.slice(0, nBelow - below.length).map((e) => e.t));
  }
  if (single) {
    if (options.eiWeights && below.length === feasibleBelow) {
      const w = eiWeights(best, threshold);
      if (w !== null) {
        // Weights follow their trials into number order.
        const byTrial = new Map(best.map((e, i) => [e.t, w[i] as number]));
        below.sort(byNumber);
        belowWeights = Float64Array.from(below, (t) => byTrial.get(t) as number);
      }
    }
  } else {
    below.sort(byNumber);
    const feasible = new Set(complete);
    const front = below.filter((t) => feasible.has(t));
    const w = motpeWeights(front, directions);
    const byTrial = new Map(front.map((t, i) => [t, w[i] as number]));
    // Infeasible below trials weigh next to nothing, as in Optuna.
    belowWeights = Float64Array.from(below, (t) => byTrial.get(t) ?? 1e-12);
  }
  below.sort(byNumber);
  const inBelow = new Set(below);
  const above = trials.filter(
    (t) =>
      !inBelow.has(t) &&
      (t.state === 'RUNNING' || t.state === 'PRUNED' || (t.state === 'COMPLETE' && t.values !== null && t.values.length === directions.length)),
  );
  for (let i = 1; i < above.length; i++) {
    if ((above[i - 1] as FrozenTrial).number > (above[i] as FrozenTrial).number) {
      above.sort(byNumber);
      break;
    }
  }
  return { below, above, belowWeights };
}

/**
 * The k complete trials with the lowest signed value (ties: the lower number),
 * best first, and the lowest value among the others (the γ-quantile, +∞ if
 * none). A sorted buffer of k ≤ 25 entries: no sort of the whole history.
 */
function bestK(complete: readonly FrozenTrial[], sign: number, k: number): { best: { t: FrozenTrial; v: number }[]; threshold: number } {
  const best: { t: FrozenTrial; v: number }[] = [];
  let threshold = Number.POSITIVE_INFINITY;
  const before = (v: number, t: FrozenTrial, e: { t: FrozenTrial; v: number }) => v < e.v || (v === e.v && t.number < e.t.number);
  for (const t of complete) {
    const v = sign * ((t.values as readonly number[])[0] as number);
    if (best.length === k) {
      if (k === 0 || !before(v, t, best[k - 1] as { t: FrozenTrial; v: number })) {
        if (v < threshold) threshold = v;
        continue;
      }
      const out = best.pop() as { t: FrozenTrial; v: number };
      if (out.v < threshold) threshold = out.v;
    }
    let i = best.length;
    while (i > 0 && before(v, t, best[i - 1] as { t: FrozenTrial; v: number })) i--;
    best.splice(i, 0, { t, v });
  }
  return { best, threshold };
}

/** Non-domination ranks 0, 1, ... of the loss vectors, computed only until `enough` points are ranked (the rest get Infinity). */
export function nonDominationRanks(points: readonly (readonly number[])[], enough: number): number[] {
  const n = points.length;
  const rank = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
  let remaining = Array.from({ length: n }, (_, i) => i);
  let r = 0;
  let ranked = 0;
  while (remaining.length > 0 && ranked < enough) {
    const front: number[] = [];
    const rest: number[] = [];
    for (const i of remaining) {
      let dominated = false;
      for (const j of remaining) {
        if (i !== j && dominatesLoss(points[j] as readonly number[], points[i] as readonly number[])) {
          dominated = true;
          break;
        }
      }
      (dominated ? rest : front).push(i);
    }
    for (const i of front) rank[i] = r;
    ranked += front.length;
    remaining = rest;
    r++;
  }
  return rank;
}

function dominatesLoss(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    if ((a[k] as number) > (b[k] as number)) return false;
    if ((a[k] as number) < (b[k] as number)) better = true;
  }
  return better;
}

function splitMultiObjective(complete: FrozenTrial[], directions: readonly StudyDirection[], nBelow: number): FrozenTrial[] {
  if (nBelow <= 0 || complete.length === 0) return [];
  const pts = complete.map((t) => losses(t, directions));
  const rank = nonDominationRanks(pts, nBelow);
  const below: FrozenTrial[] = [];
  let r = 0;
  for (;;) {
    const inRank = complete.map((_, i) => i).filter((i) => rank[i] === r);
    if (inRank.length === 0) break;
    if (below.length + inRank.length <= nBelow) {
      for (const i of inRank) below.push(complete[i] as FrozenTrial);
      r++;
      continue;
    }
    // The rank does not fit whole: keep the subset that covers the most hypervolume.
    const need = nBelow - below.length;
    for (const i of tieBreak(
      inRank.map((i) => pts[i] as number[]),
      need,
    ))
      below.push(complete[inRank[i] as number] as FrozenTrial);
    break;
  }
  return below;
}

/** Optuna's reference point: 10% beyond the worst value of each objective (ε where that is 0). */
function nadirReference(points: readonly Point[]): number[] {
  const m = (points[0] as Point).length;
  const ref: number[] = [];
  for (let j = 0; j < m; j++) {
    let worst = Number.NEGATIVE_INFINITY;
    for (const p of points) worst = Math.max(worst, p[j] as number);
    const r = Math.max(1.1 * worst, 0.9 * worst);
    ref.push(r === 0 ? 1e-12 : r);
  }
  return ref;
}

/**
 * Indices of `k` of the (mutually non-dominated) points by greedy hypervolume
 * subset selection: each pick adds the most hypervolume to those already
 * picked (ties: the lower index). In index order if a value is not finite.
 */
function tieBreak(points: readonly Point[], k: number): number[] {
  if (points.some((p) => p.some((v) => !Number.isFinite(v)))) return Array.from({ length: k }, (_, i) => i);
  const ref = nadirReference(points);
  const chosen: Point[] = [];
  const picked: number[] = [];
  const taken = new Uint8Array(points.length);
  while (picked.length < Math.min(k, points.length)) {
    let best = -1;
    let bestVolume = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < points.length; i++) {
      if (taken[i]) continue;
      chosen.push(points[i] as Point);
      const v = hypervolume(chosen, ref);
      chosen.pop();
      if (v > bestVolume) {
        bestVolume = v;
        best = i;
      }
    }
    taken[best] = 1;
    picked.push(best);
    chosen.push(points[best] as Point);
  }
  return picked;
}

/**
 * MOTPE's below weights: each below trial's exclusive hypervolume contribution
 * among the below trials' Pareto front, scaled so the largest is 1 (1e-12 for
 * those off the front). Uniform when there is one trial or a value is infinite.
 */
export function motpeWeights(below: readonly FrozenTrial[], directions: readonly StudyDirection[]): Float64Array {
  const n = below.length;
  const w = new Float64Array(n).fill(1);
  if (n <= 1) return w;
  const pts = below.map((t) => losses(t, directions));
  if (pts.some((p) => p.some((v) => !Number.isFinite(v)))) return w;
  const rank = nonDominationRanks(pts, 1);
  const front = pts.map((_, i) => i).filter((i) => rank[i] === 0);
  const contrib = hypervolumeContributions(
    front.map((i) => pts[i] as number[]),
    nadirReference(pts),
  );
  let max = 0;
  for (const c of contrib) max = Math.max(max, c);
  w.fill(1e-12);
  front.forEach((i, r) => {
    w[i] = Math.max((contrib[r] as number) / Math.max(max, 1e-12), 1e-12);
  });
  return w;
}
