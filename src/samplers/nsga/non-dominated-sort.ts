/**
 * Non-dominated sorting (Deb, Pratap, Agarwal & Meyarivan, "A fast and elitist
 * multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), 2002, §III-A),
 * with constrained domination (§VI).
 *
 * Notation: n points of m losses, row-major in `losses` (every objective
 * minimized: negate the maximized ones first). a ≺ b (a dominates b) when
 * a_k ≤ b_k for every k and a_k < b_k for some k. Front F_0 holds the points
 * nobody dominates, F_1 those dominated only by F_0, and so on.
 *
 * Constrained domination: with violations v (0 = feasible), a feasible point
 * beats an infeasible one, of two infeasible points the smaller violation
 * wins, and two feasible points compare by ≺. Points without constraint
 * values (v = NaN) rank after every point that has them.
 * Arrays in, arrays out.
 */

/** True when row a dominates row b. */
export function dominatesRow(losses: ArrayLike<number>, m: number, a: number, b: number): boolean {
  let better = false;
  const oa = a * m;
  const ob = b * m;
  for (let k = 0; k < m; k++) {
    const x = losses[oa + k] as number;
    const y = losses[ob + k] as number;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * The fronts F_0, F_1, … of the points listed in `members` (indices into
 * `losses`), each in the order of `members`. Sorting stops once `limit`
 * points are ranked; the rest are left out.
 */
export function nonDominatedFronts(losses: ArrayLike<number>, m: number, members: readonly number[], limit = members.length): number[][] {
  const n = members.length;
  if (n === 0) return [];
  if (m === 1) return singleObjectiveFronts(losses, members, limit);
  // S_p: the points p dominates; n_p: how many dominate p.
  const dominatedBy = new Int32Array(n);
  const dominates: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const a = members[i] as number;
    for (let j = i + 1; j < n; j++) {
      const b = members[j] as number;
      if (dominatesRow(losses, m, a, b)) {
        (dominates[i] as number[]).push(j);
        dominatedBy[j]++;
      } else if (dominatesRow(losses, m, b, a)) {
        (dominates[j] as number[]).push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  let ranked = 0;
  while (current.length > 0 && ranked < limit) {
    current.sort((a, b) => a - b);
    fronts.push(current.map((i) => members[i] as number));
    ranked += current.length;
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominates[i] as number[]) {
        if (--dominatedBy[j] === 0) next.push(j);
      }
    }
    current = next;
  }
  return fronts;
}

/** One objective: fronts are groups of equal loss, in increasing order. */
function singleObjectiveFronts(losses: ArrayLike<number>, members: readonly number[], limit: number): number[][] {
  const order = members.map((_, i) => i).sort((i, j) => (losses[members[i] as number] as number) - (losses[members[j] as number] as number) || i - j);
  const fronts: number[][] = [];
  let ranked = 0;
  for (let s = 0; s < order.length && ranked < limit; ) {
    const v = losses[members[order[s] as number] as number] as number;
    const front: number[] = [];
    while (s < order.length && losses[members[order[s] as number] as number] === v) front.push(order[s++] as number);
    front.sort((a, b) => a - b);
    fronts.push(front.map((i) => members[i] as number));
    ranked += front.length;
  }
  return fronts;
}

/**
 * Fronts under constrained domination. `violation[p]` is 0 for a feasible
 * point, the total violation (> 0) for an infeasible one, NaN when the point
 * has no constraint values; null means no constraints at all.
 */
export function constrainedFronts(
  losses: ArrayLike<number>,
  m: number,
  members: readonly number[],
  violation: ArrayLike<number> | null,
  limit = members.length,
): number[][] {
  if (violation === null) return nonDominatedFronts(losses, m, members, limit);
  const feasible: number[] = [];
  const infeasible: number[] = [];
  const unknown: number[] = [];
  for (const p of members) {
    const v = violation[p] as number;
    if (Number.isNaN(v)) unknown.push(p);
    else if (v <= 0) feasible.push(p);
    else infeasible.push(p);
  }
  const fronts = nonDominatedFronts(losses, m, feasible, limit);
  let ranked = feasible.length;
  // Between infeasible points only the violation counts: equal violations share a front.
  const order = infeasible
    .map((_, i) => i)
    .sort((i, j) => (violation[infeasible[i] as number] as number) - (violation[infeasible[j] as number] as number) || i - j);
  for (let s = 0; s < order.length && ranked < limit; ) {
    const v = violation[infeasible[order[s] as number] as number];
    const front: number[] = [];
    while (s < order.length && violation[infeasible[order[s] as number] as number] === v) front.push(order[s++] as number);
    front.sort((a, b) => a - b);
    fronts.push(front.map((i) => infeasible[i] as number));
    ranked += front.length;
  }
  if (ranked < limit) fronts.push(...nonDominatedFronts(losses, m, unknown, limit - ranked));
  return fronts;
}
