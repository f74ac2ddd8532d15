/** Non-dominated trials (the Pareto front) of a study's COMPLETE trials. */
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';

/** True when a is at least as good as b everywhere and better somewhere. */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly StudyDirection[]): boolean {
  let better = false;
  for (let k = 0; k < directions.length; k++) {
    const x = directions[k] === 'minimize' ? (a[k] as number) : -(a[k] as number);
    const y = directions[k] === 'minimize' ? (b[k] as number) : -(b[k] as number);
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

export function paretoFront(trials: readonly FrozenTrial[], directions: readonly StudyDirection[]): FrozenTrial[] {
  const done = trials.filter((t) => t.state === 'COMPLETE' && t.values !== null);
  // Sorting by the first objective lets each trial be compared only with the front so far.
  const sign = directions[0] === 'minimize' ? 1 : -1;
  const sorted = done.slice().sort((a, b) => sign * ((a.values as number[])[0] as number) - sign * ((b.values as number[])[0] as number) || a.number - b.number);
  const front: FrozenTrial[] = [];
  for (const t of sorted) {
    const v = t.values as readonly number[];
    if (!front.some((f) => dominates(f.values as readonly number[], v, directions))) front.push(t);
  }
  // Equal first objectives may leave a dominated trial in; a last pass removes it.
  return front.filter((t) => !front.some((f) => f !== t && dominates(f.values as readonly number[], t.values as readonly number[], directions))).sort((a, b) => a.number - b.number);
}
