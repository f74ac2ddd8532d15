/**
 * Shared by the PBT tests and demos: the lineage invariants every PBT study
 * must hold, checked against what the storage recorded.
 */
import { expect } from 'vitest';
import type { PbtSegmentInfo } from '../../src/pbt/records.js';

/**
 * Each member's COMPLETE segments form a chain from step 0 to totalSteps;
 * a segment without exploit continues its parent's checkpoint with its
 * parent's hyperparameters; an exploit names a COMPLETE segment of the
 * copied member that ended where this one starts, whose hyperparameters
 * are the ones explored from, with a change recorded for every mutable
 * hyperparameter (`mutable`, default all) and the others copied unchanged.
 */
export function checkLineage(
  segments: readonly PbtSegmentInfo[],
  population: number,
  readyEvery: number,
  totalSteps: number,
  synchronous = true,
  mutable?: readonly string[],
): void {
  const byNumber = new Map(segments.map((s) => [s.trialNumber, s]));
  for (let m = 0; m < population; m++) {
    const chain = segments.filter((s) => s.member === m && s.state === 'COMPLETE');
    expect(chain.length, `member ${m} has segments`).toBeGreaterThan(0);
    expect(chain[0]?.start).toBe(0);
    expect(chain[0]?.parent).toBeNull();
    expect(chain[0]?.checkpointIn).toBeNull();
    for (const [i, s] of chain.entries()) expect(s.generation).toBe(i);
    expect(chain.at(-1)?.end).toBe(totalSteps);
    for (let i = 1; i < chain.length; i++) {
      const s = chain[i] as PbtSegmentInfo;
      const prev = chain[i - 1] as PbtSegmentInfo;
      expect(s.parent, `trial ${s.trialNumber}'s parent`).toBe(prev.trialNumber);
      expect(s.end - s.start).toBe(Math.min(readyEvery, totalSteps - s.start));
      if (s.exploit === null) {
        expect(s.start).toBe(prev.end);
        expect(s.checkpointIn).toBe(prev.checkpointOut);
        expect(s.params).toEqual(prev.params);
      } else {
        const src = byNumber.get(s.exploit.fromTrial) as PbtSegmentInfo;
        expect(src.member).toBe(s.exploit.fromMember);
        expect(src.state).toBe('COMPLETE');
        expect(src.end).toBe(s.exploit.fromStep);
        if (synchronous) expect(s.start).toBe(prev.end);
        expect(s.start).toBe(s.exploit.fromStep);
        expect(src.score).toBe(s.exploit.fromScore);
        expect(src.params).toEqual(s.exploit.paramsCopied);
        expect(s.exploit.paramsBefore).toEqual(prev.params);
        expect(s.exploit.score).toBe(prev.score);
        expect(s.checkpointIn).toMatch(new RegExp(`^m${m}-s${prev.end}-copy-t${src.trialNumber}\\.ckpt$`));
        const changed = mutable ?? Object.keys(s.params);
        expect(s.exploit.changes.map((c) => c.name).sort()).toEqual([...changed].sort());
        for (const k of Object.keys(s.params)) if (!changed.includes(k)) expect(s.params[k], `${k} is not mutable`).toBe(s.exploit.paramsCopied[k]);
        for (const c of s.exploit.changes) {
          expect(c.from).toBe(s.exploit.paramsCopied[c.name]);
          expect(c.to).toBe(s.params[c.name]);
        }
      }
    }
  }
}
