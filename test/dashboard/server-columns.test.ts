/**
 * The dashboard's typed-array columns follow their rows: a trial rewritten
 * (running → complete, a parameter dropped, objectives changed) leaves no
 * stale cell behind, and the counters kept beside the columns (baselines,
 * PBT segments) stay equal to a count over the rows.
 */
import { describe, expect, it } from 'vitest';
import { STATE_CODES, STATES, TrialColumns } from '../../src/dashboard/server/columns.js';
import type { SlimTrial } from '../../src/dashboard/server/trial-loader.js';
import { Rng } from '../../src/math/rng.js';
import { floatDistribution } from '../../src/space/distributions.js';

const dists = { a: floatDistribution('a', 0, 1), b: floatDistribution('b', 0, 1), c: floatDistribution('c', 0, 1) };

function row(number: number, rng: Rng): SlimTrial {
  const internal: Record<string, number> = {};
  for (const name of ['a', 'b', 'c']) if (rng.random() < 0.7) internal[name] = rng.random();
  const nValues = Math.floor(rng.random() * 3);
  return {
    trialId: number + 1,
    number,
    state: STATES[Math.floor(rng.random() * STATES.length)] as SlimTrial['state'],
    values: nValues === 0 ? null : Array.from({ length: nValues }, () => (rng.random() < 0.1 ? Number.NaN : rng.random())),
    params: { ...internal },
    internal,
    distributions: dists,
    start: rng.random() < 0.8 ? Math.floor(rng.random() * 1e6) : null,
    complete: rng.random() < 0.5 ? Math.floor(rng.random() * 1e6) : null,
    failReason: null,
    retryOf: rng.random() < 0.1 ? Math.floor(rng.random() * number) : null,
    lastStep: rng.random() < 0.5 ? Math.floor(rng.random() * 20) : null,
    folds: rng.random() < 0.2 ? [0, Math.floor(rng.random() * 4)] : null,
    worker: rng.random() < 0.5 ? `w${Math.floor(rng.random() * 3)}` : null,
    pbt: rng.random() < 0.2 ? { member: 0 } : null,
    baseline: rng.random() < 0.1 ? 'adam-default@1' : null,
  };
}

const nanOr = (x: number | null | undefined) => (x === null || x === undefined ? Number.NaN : x);

describe('TrialColumns', () => {
  it('holds exactly what the latest row of every trial says, after thousands of random rewrites (seed 21)', () => {
    const rng = new Rng(21);
    const cols = new TrialColumns();
    const rows: SlimTrial[] = [];
    for (let step = 0; step < 5000; step++) {
      // Mostly rewrites of existing trials, sometimes a new (possibly far) number: growth and holes.
      const n = rows.length > 0 && rng.random() < 0.7 ? Math.floor(rng.random() * rows.length) : rows.length + Math.floor(rng.random() * 3);
      const t = row(n, rng);
      cols.set(t, rows[n]);
      rows[n] = t;
    }
    expect(cols.length).toBe(rows.length);
    let pbt = 0;
    const baselines: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const t = rows[i];
      expect(cols.present[i], `trial ${i}`).toBe(t ? 1 : 0);
      if (!t) continue;
      if (t.pbt !== null) pbt++;
      if (t.baseline !== null) baselines.push(i);
      expect(cols.state[i]).toBe(STATE_CODES[t.state]);
      expect(cols.nValues[i]).toBe(t.values?.length ?? 0);
      for (let k = 0; k < cols.values.length; k++) expect(cols.values[k]?.[i]).toBe(nanOr(t.values?.[k]));
      expect([cols.start[i], cols.complete[i], cols.retryOf[i], cols.lastStep[i]]).toEqual([t.start, t.complete, t.retryOf, t.lastStep].map(nanOr));
      expect([cols.fold0[i], cols.fold1[i]]).toEqual(t.folds === null ? [Number.NaN, Number.NaN] : [...t.folds]);
      expect(cols.worker(i)).toBe(t.worker);
      for (const name of ['a', 'b', 'c']) expect(cols.param(name)?.[i], `${name} of trial ${i}`).toBe(nanOr(t.internal[name]));
      const scored = t.state === 'COMPLETE' && t.values !== null && t.values.length > 0 && !Number.isNaN(t.values[0]);
      expect(Number.isNaN(cols.scored(i, 0))).toBe(!scored);
    }
    expect(cols.pbtCount).toBe(pbt);
    expect([...cols.baselines].sort((x, y) => x - y)).toEqual(baselines);
    expect(Array.from(cols.scoredNumbers(0))).toEqual(
      rows.flatMap((t, i) => (t && t.state === 'COMPLETE' && t.values && t.values.length > 0 && !Number.isNaN(t.values[0]) ? [i] : [])),
    );
  });
});
