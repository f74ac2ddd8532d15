/**
 * NSGA-III's niching (Deb & Jain, "An evolutionary many-objective optimization
 * algorithm using reference-point-based nondominated sorting approach, part I",
 * IEEE TEC 18(4), 2014, §IV).
 *
 * Notation: f the losses of the candidates S_t (every objective minimized),
 * z* their ideal point, f' = f − z*. The extreme point of axis j minimizes
 * ASF(f', w_j) = max_i f'_i / w_{j,i}, w_j = e_j with 10⁻⁶ off the axis; the
 * hyperplane through the m extreme points cuts axis j at a_j, and f_n = f' / a.
 * Each candidate is associated with the reference line (through the origin
 * and a Das–Dennis point) nearest to f_n, at perpendicular distance d. Niche
 * count ρ_j = how many already selected members chose line j.
 * Arrays in, arrays out; randomness from the caller's Rng.
 */
import type { Rng } from '../../math/rng.js';

/** The Das–Dennis points: every vector of m non-negative multiples of 1/p summing to 1, C(p + m − 1, m − 1) of them. */
export function dasDennisPoints(m: number, p: number): number[][] {
  if (!Number.isSafeInteger(m) || m < 1) throw new RangeError(`dasDennisPoints: m must be a positive integer, got ${m}`);
  if (!Number.isSafeInteger(p) || p < 1) throw new RangeError(`dasDennisPoints: p must be a positive integer, got ${p}`);
  const out: number[][] = [];
  const current = new Array<number>(m).fill(0);
  const fill = (k: number, left: number): void => {
    if (k === m - 1) {
      current[k] = left / p;
      out.push(current.slice());
      return;
    }
    for (let i = left; i >= 0; i--) {
      current[k] = i / p;
      fill(k + 1, left - i);
    }
  };
  fill(0, p);
  return out;
}

/** C(p + m − 1, m − 1): the number of Das–Dennis points. */
export function dasDennisCount(m: number, p: number): number {
  let c = 1;
  for (let i = 1; i < m; i++) c = (c * (p + i)) / i;
  return Math.round(c);
}

/** The largest division count p whose Das–Dennis set has at most `size` points (at least 1). */
export function defaultDivisions(m: number, size: number): number {
  if (m <= 1) return 1;
  let p = 1;
  while (dasDennisCount(m, p + 1) <= size) p++;
  return p;
}

/**
 * Normalized losses f_n (row-major, n × m) of the candidates: infinities are
 * first replaced by the finite nadir + 3 × range (ideal − 3 × range), then
 * translated by the ideal point and divided by the hyperplane intercepts; where
 * the extreme points are degenerate, by each axis' maximum instead.
 */
export function normalizeLosses(losses: ArrayLike<number>, m: number, members: readonly number[]): Float64Array {
  const n = members.length;
  const f = new Float64Array(n * m);
  for (let k = 0; k < m; k++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = losses[(members[i] as number) * m + k] as number;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (!Number.isFinite(lo)) {
      lo = 0;
      hi = 0;
    }
    const range = hi - lo;
    for (let i = 0; i < n; i++) {
      const v = losses[(members[i] as number) * m + k] as number;
      f[i * m + k] = v === Number.POSITIVE_INFINITY ? hi + 3 * range : v === Number.NEGATIVE_INFINITY ? lo - 3 * range : v;
    }
  }
  // f' = f − z*.
  for (let k = 0; k < m; k++) {
    let ideal = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) ideal = Math.min(ideal, f[i * m + k] as number);
    for (let i = 0; i < n; i++) f[i * m + k] = (f[i * m + k] as number) - ideal;
  }
  // Extreme points by the achievement scalarizing function.
  const extreme = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    let best = -1;
    let bestAsf = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      let asf = 0;
      for (let k = 0; k < m; k++) asf = Math.max(asf, (f[i * m + k] as number) * (k === j ? 1 : 1e6));
      if (asf < bestAsf) {
        bestAsf = asf;
        best = i;
      }
    }
    for (let k = 0; k < m; k++) extreme[j * m + k] = f[best * m + k] as number;
  }
  // The hyperplane Σ_k x_k / a_k = 1 through the extremes: solve E · (1/a) = 1.
  let inv = solve(extreme, m);
  if (inv === null || inv.some((v) => !(v > 0) || !Number.isFinite(1 / v))) {
    inv = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      let hi = 0;
      for (let i = 0; i < n; i++) hi = Math.max(hi, f[i * m + k] as number);
      inv[k] = hi > 0 ? 1 / hi : 1;
    }
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) f[i * m + k] = (f[i * m + k] as number) * (inv[k] as number);
  return f;
}

/** x with A x = 1 (A m × m, row-major) by Gaussian elimination with partial pivoting, or null when A is singular. */
function solve(a: Float64Array, m: number): Float64Array | null {
  const A = Float64Array.from(a);
  const b = new Float64Array(m).fill(1);
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r * m + c] as number) > Math.abs(A[piv * m + c] as number)) piv = r;
    const scale = Math.max(...Array.from(A.subarray(c * m, c * m + m), Math.abs), 1e-300);
    if (Math.abs(A[piv * m + c] as number) <= 1e-12 * scale) return null;
    if (piv !== c) {
      for (let k = 0; k < m; k++) {
        const t = A[c * m + k] as number;
        A[c * m + k] = A[piv * m + k] as number;
        A[piv * m + k] = t;
      }
      const t = b[c] as number;
      b[c] = b[piv] as number;
      b[piv] = t;
    }
    for (let r = c + 1; r < m; r++) {
      const f = (A[r * m + c] as number) / (A[c * m + c] as number);
      for (let k = c; k < m; k++) A[r * m + k] = (A[r * m + k] as number) - f * (A[c * m + k] as number);
      b[r] = (b[r] as number) - f * (b[c] as number);
    }
  }
  const x = new Float64Array(m);
  for (let r = m - 1; r >= 0; r--) {
    let s = b[r] as number;
    for (let k = r + 1; k < m; k++) s -= (A[r * m + k] as number) * (x[k] as number);
    x[r] = s / (A[r * m + r] as number);
  }
  return x;
}

/** For each normalized point, the nearest reference line and the perpendicular distance to it. */
export function associate(normalized: Float64Array, m: number, references: readonly (readonly number[])[]): { line: Int32Array; distance: Float64Array } {
  const n = normalized.length / m;
  const line = new Int32Array(n);
  const distance = new Float64Array(n);
  const norms = references.map((w) => w.reduce((s, v) => s + v * v, 0));
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let k = 0; k < m; k++) sq += (normalized[i * m + k] as number) ** 2;
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let j = 0; j < references.length; j++) {
      const w = references[j] as readonly number[];
      let dot = 0;
      for (let k = 0; k < m; k++) dot += (normalized[i * m + k] as number) * (w[k] as number);
      // |f|² − (f·w)² / |w|²: the squared distance from f to the line through w.
      const d = sq - (dot * dot) / (norms[j] as number);
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    line[i] = best;
    distance[i] = Math.sqrt(Math.max(0, bestD));
  }
  return { line, distance };
}

/**
 * Niche-preserving selection of k members of the last front (§IV-E). `line`
 * and `distance` cover the already selected members (the first `selected`
 * entries) followed by the last front's members. Returns positions into the
 * last front, in the order chosen.
 */
export function nichePreservingSelection(line: Int32Array, distance: Float64Array, selected: number, k: number, references: number, rng: Rng): number[] {
  const count = new Int32Array(references);
  for (let i = 0; i < selected; i++) count[line[i] as number]++;
  const members: number[][] = Array.from({ length: references }, () => []);
  for (let i = selected; i < line.length; i++) (members[line[i] as number] as number[]).push(i - selected);
  const open = new Set<number>();
  for (let j = 0; j < references; j++) if ((members[j] as number[]).length > 0) open.add(j);
  const chosen: number[] = [];
  while (chosen.length < k && open.size > 0) {
    let least = Number.POSITIVE_INFINITY;
    for (const j of open) least = Math.min(least, count[j] as number);
    const ties = [...open].filter((j) => count[j] === least).sort((a, b) => a - b);
    const j = ties[rng.int(ties.length)] as number;
    const cands = members[j] as number[];
    let pos: number;
    if (least === 0) {
      // An empty niche takes its nearest candidate.
      pos = 0;
      for (let c = 1; c < cands.length; c++) {
        const a = distance[selected + (cands[c] as number)] as number;
        const b = distance[selected + (cands[pos] as number)] as number;
        if (a < b) pos = c;
      }
    } else {
      pos = rng.int(cands.length);
    }
    chosen.push(cands[pos] as number);
    cands.splice(pos, 1);
    count[j]++;
    if (cands.length === 0) open.delete(j);
  }
  return chosen;
}
