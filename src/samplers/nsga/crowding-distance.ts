/**
 * Crowding distance (Deb et al. 2002, §III-B): for each point of a front, the
 * sum over objectives of the gap between its two neighbours along that
 * objective, divided by the objective's range over the front. The extremes
 * of each objective get an infinite distance, so a front's boundary survives.
 *
 * Infinite losses: the range uses finite values only (1 when there are fewer
 * than two), and a gap between two equal infinities is 0. An objective on
 * which every point of the front is equal adds nothing.
 * Arrays in, arrays out.
 */

/** The crowding distance of each point of `front` (indices into the row-major `losses`), in the order of `front`. */
export function crowdingDistance(losses: ArrayLike<number>, m: number, front: readonly number[]): Float64Array {
  const n = front.length;
  const distance = new Float64Array(n);
  if (n === 0) return distance;
  const order = new Array<number>(n);
  for (let k = 0; k < m; k++) {
    const value = (i: number): number => losses[(front[i] as number) * m + k] as number;
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => value(a) - value(b) || a - b);
    const lo = value(order[0] as number);
    const hi = value(order[n - 1] as number);
    if (lo === hi) continue;
    let finiteMin = Number.POSITIVE_INFINITY;
    let finiteMax = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = value(i);
      if (Number.isFinite(v)) {
        finiteMin = Math.min(finiteMin, v);
        finiteMax = Math.max(finiteMax, v);
      }
    }
    const width = finiteMax > finiteMin ? finiteMax - finiteMin : 1;
    for (let s = 0; s < n; s++) {
      const below = s === 0 ? Number.NEGATIVE_INFINITY : value(order[s - 1] as number);
      const above = s === n - 1 ? Number.POSITIVE_INFINITY : value(order[s + 1] as number);
      const gap = below === above ? 0 : above - below;
      distance[order[s] as number] += gap / width;
    }
  }
  return distance;
}
