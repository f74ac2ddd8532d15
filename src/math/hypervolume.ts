/**
 * Exact hypervolume (minimization), each point's exclusive contribution, and
 * greedy hypervolume subset selection.
 *
 * Notation: S = {s_0 … s_{n−1}} ⊂ R^m (one array per point) and a reference
 * point r.
 *   HV(S)            = λ({ y ≤ r : ∃ s ∈ S, s ≤ y })      (λ the Lebesgue measure)
 *   contribution(p)  = HV(S) − HV(S \ {p})
 *                    = Π_k (r_k − p_k) − HV({ max(p, q) : q ∈ S, q ≠ p })
 * Only points strictly better than r in every objective count; points with a
 * NaN or infinite coordinate are ignored. Objectives are used raw.
 *
 * m = 2: sort by f1 and sweep, O(n log n). m ≥ 3: hypervolume by slicing
 * objectives (While, Hingston, Barone & Huband, IEEE TEC 10(1), 2006): slice
 * along the last objective; each slab's cross-section is the (m−1)-d HV of
 * the points below it. For m = 3 the slab's 2-d staircase is updated in place
 * (O(n²) overall): fine for a few hundred points.
 * Arrays in, numbers out; no domain imports.
 */

/** One objective vector. */
export type Point = readonly number[];
type Row = Point;

function checked(points: readonly Point[], reference: Point): Row {
  const m = reference.length;
  if (m === 0) throw new RangeError('hypervolume: the reference point has no coordinates');
  for (const p of points) {
    if (p.length !== m) throw new RangeError(`hypervolume: a point has ${p.length} coordinates, the reference point ${m}`);
  }
  return reference;
}

function isInside(p: Row, r: Row): boolean {
  for (let k = 0; k < r.length; k++) {
    const v = p[k] as number;
    if (!Number.isFinite(v) || !(v < (r[k] as number))) return false;
  }
  return true;
}

/** Volume of the box between p and r (p inside). */
function boxVolume(p: Row, r: Row): number {
  let v = 1;
  for (let k = 0; k < r.length; k++) v *= (r[k] as number) - (p[k] as number);
  return v;
}

/**
 * HV of the points with respect to `reference`.
 * @example hypervolume([[1, 2], [2, 1]], [3, 3]) // 3
 */
export function hypervolume(points: readonly Point[], reference: Point): number {
  const r = checked(points, reference);
  return volume(
    points.filter((p) => isInside(p, r)),
    r,
  );
}

/**
 * The exclusive contribution of each point, in input order: the volume only
 * it dominates. Dominated points, duplicates and points outside the box
 * contribute 0.
 */
export function hypervolumeContributions(points: readonly Point[], reference: Point): Float64Array {
  const r = checked(points, reference);
  const all = points;
  const n = all.length;
  const m = r.length;
  const out = new Float64Array(n);
  const ins = all.map((p) => isInside(p, r));
  for (let i = 0; i < n; i++) {
    if (!ins[i]) continue;
    const p = all[i] as Row;
    const limited: Row[] = [];
    let shadowed = false;
    for (let j = 0; j < n && !shadowed; j++) {
      if (j === i || !ins[j]) continue;
      const q = all[j] as Row;
      const v = new Array<number>(m);
      let same = true;
      for (let k = 0; k < m; k++) {
        v[k] = Math.max(p[k] as number, q[k] as number);
        if (v[k] !== p[k]) same = false;
      }
      // q weakly dominates p (or equals it): p owns nothing.
      if (same) shadowed = true;
      else limited.push(v);
    }
    out[i] = shadowed ? 0 : Math.max(0, boxVolume(p, r) - volume(limited, r));
  }
  return out;
}

/**
 * Indices of k of the n points chosen greedily to maximize the hypervolume of
 * the chosen set (a (1 − 1/e)-approximation of the hypervolume subset
 * selection problem; Guerreiro, Fonseca & Paquete, Evol. Comput. 24(3),
 * 2016), in the order chosen. Ties go to the earlier point (by f1 for m = 2).
 */
export function greedyHypervolumeSubset(points: readonly Point[], reference: Point, k: number): number[] {
  const r = checked(points, reference);
  const all = points;
  const n = all.length;
  const m = r.length;
  if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new RangeError(`greedyHypervolumeSubset: k=${k} must be in [0, ${n}]`);
  if (m === 2 && mutuallyNonDominated2d(all)) return greedy2d(all, r, k);
  // Contributions only shrink as the chosen set grows (HV is submodular), so a
  // stale value is an upper bound: re-evaluate the best candidate until it stays best.
  const chosen: Row[] = [];
  const picked: number[] = [];
  const bound = all.map((p) => (isInside(p, r) ? boxVolume(p, r) : 0));
  const fresh = new Array<boolean>(n).fill(true);
  const taken = new Array<boolean>(n).fill(false);
  while (picked.length < k) {
    let best = -1;
    for (let i = 0; i < n; i++) if (!taken[i] && (best < 0 || (bound[i] as number) > (bound[best] as number))) best = i;
    if (!fresh[best]) {
      const p = all[best] as Row;
      bound[best] = isInside(p, r)
        ? Math.max(
            0,
            boxVolume(p, r) -
              volume(
                chosen.map((q) => q.map((v, j) => Math.max(v, p[j] as number))),
                r,
              ),
          )
        : 0;
      fresh[best] = true;
      continue;
    }
    taken[best] = true;
    picked.push(best);
    if (isInside(all[best] as Row, r)) chosen.push(all[best] as Row);
    fresh.fill(false);
  }
  return picked;
}

/**
 * Optuna's MOTPE reference point: per objective, the worst value w pushed out
 * by 10% (max(1.1·w, 0.9·w)), and 1e-12 where that is 0.
 */
export function nadirReference(points: readonly Point[]): number[] {
  if (points.length === 0) throw new RangeError('nadirReference: no points');
  const m = (points[0] as Point).length;
  const ref = new Array<number>(m).fill(Number.NEGATIVE_INFINITY);
  for (const p of points) for (let k = 0; k < m; k++) ref[k] = Math.max(ref[k] as number, p[k] as number);
  return ref.map((w) => {
    const v = Math.max(1.1 * w, 0.9 * w);
    return v === 0 ? 1e-12 : v;
  });
}

/** Lexicographic order on (f1, f2). */
function byF1ThenF2(a: Row, b: Row): number {
  return (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number);
}

/** HV of points that are all strictly inside the box. */
function volume(pts: readonly Row[], r: Row): number {
  const m = r.length;
  if (pts.length === 0) return 0;
  if (m === 1) {
    let lo = Number.POSITIVE_INFINITY;
    for (const p of pts) lo = Math.min(lo, p[0] as number);
    return (r[0] as number) - lo;
  }
  if (m === 2) return area2d(pts.slice().sort(byF1ThenF2), r[0] as number, r[1] as number);
  const sorted = pts.slice().sort((a, b) => (a[m - 1] as number) - (b[m - 1] as number));
  const top = r[m - 1] as number;
  let hv = 0;
  if (m === 3) {
    const front = new Staircase(r[0] as number, r[1] as number);
    for (let i = 0; i < sorted.length; i++) {
      const p = sorted[i] as Row;
      front.add(p[0] as number, p[1] as number);
      const next = i + 1 < sorted.length ? ((sorted[i + 1] as Row)[2] as number) : top;
      if (next > (p[2] as number)) hv += (next - (p[2] as number)) * front.area;
    }
    return hv;
  }
  const lower = r.slice(0, m - 1);
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i] as Row;
    const next = i + 1 < sorted.length ? ((sorted[i + 1] as Row)[m - 1] as number) : top;
    if (next > (p[m - 1] as number)) {
      const below = nonDominated(sorted.slice(0, i + 1).map((q) => q.slice(0, m - 1)));
      hv += (next - (p[m - 1] as number)) * volume(below, lower);
    }
  }
  return hv;
}

/** Area dominated by 2-d points sorted by (f1, f2), all inside the box. */
function area2d(sorted: readonly Row[], r0: number, r1: number): number {
  let area = 0;
  let low = r1;
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i] as Row;
    if ((p[1] as number) < low) low = p[1] as number;
    const next = i + 1 < sorted.length ? ((sorted[i + 1] as Row)[0] as number) : r0;
    area += (next - (p[0] as number)) * (r1 - low);
  }
  return area;
}

/** A 2-d non-dominated staircase (f1 ascending, f2 descending) and its area. */
class Staircase {
  private readonly f1: number[] = [];
  private readonly f2: number[] = [];
  area = 0;

  constructor(
    private readonly r0: number,
    private readonly r1: number,
  ) {}

  add(a: number, b: number): void {
    const { f1, f2 } = this;
    // First index with f1 > a; the step before it (if any) has f1 <= a.
    let lo = 0;
    let hi = f1.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((f1[mid] as number) <= a) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && (f2[lo - 1] as number) <= b) return; // weakly dominated
    // Steps from lo on with f2 >= b are dominated by (a, b); so is the step at lo − 1 when it shares a's f1.
    let start = lo;
    if (start > 0 && f1[start - 1] === a) start--;
    let end = lo;
    while (end < f1.length && (f2[end] as number) >= b) end++;
    f1.splice(start, end - start, a);
    f2.splice(start, end - start, b);
    let area = 0;
    for (let i = 0; i < f1.length; i++) {
      const next = i + 1 < f1.length ? (f1[i + 1] as number) : this.r0;
      area += (next - (f1[i] as number)) * (this.r1 - (f2[i] as number));
    }
    this.area = area;
  }
}

/** The non-dominated subset (minimization), each distinct point once. */
function nonDominated(pts: readonly Row[]): Row[] {
  const sorted = pts.slice().sort((a, b) => {
    for (let k = 0; k < a.length; k++) {
      const d = (a[k] as number) - (b[k] as number);
      if (d !== 0) return d;
    }
    return 0;
  });
  const out: Row[] = [];
  // A point can only be weakly dominated by one that sorts before it.
  for (const p of sorted) {
    if (!out.some((q) => q.every((v, k) => v <= (p[k] as number)))) out.push(p);
  }
  return out;
}

/** True when, sorted by f1, the points' f2 strictly decreases (no point weakly dominates another). */
function mutuallyNonDominated2d(all: readonly Row[]): boolean {
  const sorted = all.slice().sort(byF1ThenF2);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as Row;
    const b = sorted[i] as Row;
    if (!((b[1] as number) < (a[1] as number)) || !((b[0] as number) > (a[0] as number))) return false;
  }
  return true;
}

/** Greedy HSSP for two mutually non-dominated objectives in O(k·n): each candidate's contribution is a rectangle whose corner shrinks as points are chosen. */
function greedy2d(all: readonly Row[], r: Row, k: number): number[] {
  const order = all.map((_, i) => i).sort((i, j) => ((all[i] as Row)[0] as number) - ((all[j] as Row)[0] as number) || i - j);
  const diag0 = order.map(() => r[0] as number);
  const diag1 = order.map(() => r[1] as number);
  const picked: number[] = [];
  for (let step = 0; step < k; step++) {
    let best = 0;
    let bestVal = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < order.length; s++) {
      const p = all[order[s] as number] as Row;
      const c = Math.max(0, (diag0[s] as number) - (p[0] as number)) * Math.max(0, (diag1[s] as number) - (p[1] as number));
      const v = Number.isNaN(c) ? 0 : c;
      if (v > bestVal) {
        bestVal = v;
        best = s;
      }
    }
    const chosen = all[order[best] as number] as Row;
    picked.push(order[best] as number);
    order.splice(best, 1);
    diag0.splice(best, 1);
    diag1.splice(best, 1);
    // Candidates left of the chosen point (smaller f1) lose the part right of it; those right of it, the part above it.
    for (let s = 0; s < best; s++) diag0[s] = Math.min(chosen[0] as number, diag0[s] as number);
    for (let s = best; s < order.length; s++) diag1[s] = Math.min(chosen[1] as number, diag1[s] as number);
  }
  return picked;
}
