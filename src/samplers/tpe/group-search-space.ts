/**
 * The search space split into groups of parameters that always appear
 * together (Optuna's _GroupDecomposedSearchSpace): in every finished trial a
 * group is either wholly present or wholly absent, so each branch of a
 * conditional space is one group that can be modelled jointly.
 *
 * Two names share a group exactly when the same finished trials have them,
 * so the result does not depend on the order in which trials are added: a
 * decomposition can be carried from one trial's history to the next and
 * only refined by the trials that finished since.
 */
import { type Distribution, isSingle, type SearchSpace } from '../../space/distributions.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';

export class GroupDecomposition {
  private groups: Set<string>[] = [];
  /** Per name, the distribution of the highest-numbered trial that has it. */
  private readonly latest = new Map<string, { number: number; distribution: Distribution }>();
  /** The trials added, by identity: a frozen trial never changes, so the same object means the same data. */
  private readonly seen = new Set<FrozenTrial>();

  /** Refines the groups with one finished trial (adding the same trial object twice is a no-op). */
  add(t: FrozenTrial): void {
    if (this.seen.has(t)) return;
    this.seen.add(t);
    const names = Object.keys(t.distributions);
    for (const name of names) {
      const prev = this.latest.get(name);
      if (prev === undefined || prev.number < t.number) this.latest.set(name, { number: t.number, distribution: t.distributions[name] as Distribution });
    }
    if (names.length === 0) return;
    const present = new Set(names);
    const next: Set<string>[] = [];
    for (const g of this.groups) {
      const inside = new Set<string>();
      const outside = new Set<string>();
      for (const name of g) {
        if (present.has(name)) {
          inside.add(name);
          present.delete(name);
        } else {
          outside.add(name);
        }
      }
      if (inside.size > 0) next.push(inside);
      if (outside.size > 0) next.push(outside);
    }
    if (present.size > 0) next.push(present);
    this.groups = next;
  }

  /** True when every trial added so far is among `finished` (the decomposition can be carried on). */
  covers(finished: readonly FrozenTrial[]): boolean {
    let found = 0;
    for (const t of finished) if (this.seen.has(t)) found++;
    return found === this.seen.size;
  }

  /** The groups as search spaces (names sorted, single-valued ones left out), ordered by their first name. */
  spaces(): SearchSpace[] {
    const out: SearchSpace[] = [];
    for (const g of this.groups) {
      const space: Record<string, Distribution> = {};
      for (const name of [...g].sort()) {
        const d = (this.latest.get(name) as { distribution: Distribution }).distribution;
        if (!isSingle(d)) space[name] = d;
      }
      if (Object.keys(space).length > 0) out.push(space);
    }
    return out.sort((a, b) => {
      const x = Object.keys(a)[0] as string;
      const y = Object.keys(b)[0] as string;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
}

/** The groups of the COMPLETE and PRUNED trials' parameters (see GroupDecomposition). */
export function groupDecomposedSearchSpace(trials: readonly FrozenTrial[]): SearchSpace[] {
  const g = new GroupDecomposition();
  for (const t of trials) if (t.state === 'COMPLETE' || t.state === 'PRUNED') g.add(t);
  return g.spaces();
}
