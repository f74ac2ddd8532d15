import { describe, expect, it } from 'vitest';
import { hypervolume } from '../src/math/hypervolume.js';
import { loadMoProblems, loadMoSuite, type MoProblem } from './mo-problems.js';
import type { BenchParams } from './problems.js';

const suite = loadMoSuite();
const problems = loadMoProblems();
const byName = Object.fromEntries(problems.map((p) => [p.name, p])) as Record<string, MoProblem>;

/** |a − b| <= tol · max(1, |a|, |b|). */
function close(actual: number, expected: number, tol = 1e-12): boolean {
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(actual), Math.abs(expected));
}

function zdtParams(x0: number): BenchParams {
  const p: BenchParams = {};
  for (let i = 0; i < 10; i++) p[`x${i}`] = i === 0 ? x0 : 0;
  return p;
}

describe('multi-objective benchmark problems (../shared/bench/mo/problems_mo.json)', () => {
  it('loads the five problems of suite_version 1 in file order', () => {
    expect(suite.suite_version).toBe(1);
    expect(problems.map((p) => p.name)).toEqual(['zdt1', 'zdt2', 'zdt3', 'dtlz2_3obj', 'mixed_mo']);
    expect(problems.map((p) => p.nObjectives)).toEqual([2, 2, 2, 3, 2]);
    expect(problems.map((p) => p.space.length)).toEqual([10, 10, 10, 7, 4]);
    expect(byName.zdt1?.wideReference?.referencePoint).toEqual([11, 11]);
    expect(byName.mixed_mo?.wideReference).toBeNull();
  });

  for (const [i, problem] of problems.entries()) {
    const json = suite.problems[i]!;
    describe(problem.name, () => {
      it.each(json.test_vectors.map((tv, k) => [k, tv] as const))('test vector %i', (_k, tv) => {
        const got = problem.evaluate(tv.params);
        expect(got).toHaveLength(tv.values.length);
        got.forEach((v, k) => {
          if (!close(v, tv.values[k] as number)) expect.fail(`${problem.name}(${JSON.stringify(tv.params)})[${k}] = ${v}, expected ${tv.values[k]}`);
        });
      });

      it('test vectors use only in-range parameters of the space', () => {
        for (const tv of json.test_vectors) {
          expect(Object.keys(tv.params).sort()).toEqual(problem.space.map((e) => e.name).sort());
          for (const e of problem.space) {
            const v = tv.params[e.name];
            if (e.type === 'categorical') expect(e.choices).toContain(v);
            else {
              expect(typeof v).toBe('number');
              expect(v as number).toBeGreaterThanOrEqual(e.low);
              expect(v as number).toBeLessThanOrEqual(e.high);
              if (e.type === 'int') expect(Number.isInteger(v)).toBe(true);
            }
          }
        }
      });
    });
  }

  // Dense samples of each Pareto set, evaluated through the formulas, cover the front: their HV
  // approaches front_hv from below (this also checks src/math/hypervolume.ts against the suite's values).
  it('ZDT1, ZDT2 and ZDT3: 20,001 Pareto-optimal points reach the front HV within 1e-4', () => {
    for (const name of ['zdt1', 'zdt2', 'zdt3']) {
      const p = byName[name] as MoProblem;
      const pts = Array.from({ length: 20001 }, (_, k) => p.evaluate(zdtParams(k / 20000)));
      for (const [ref, front] of [
        [p.referencePoint, p.frontHv],
        [p.wideReference?.referencePoint as readonly number[], p.wideReference?.frontHv as number],
      ] as const) {
        const gap = front - hypervolume(pts, ref);
        expect(gap, `${name} ref ${ref.join(',')}`).toBeGreaterThanOrEqual(-1e-12);
        expect(gap, `${name} ref ${ref.join(',')}`).toBeLessThan(1e-4);
      }
    }
  });

  it('mixed_mo: kinds a and b at y = 0.5, n = 7 reach the front HV; kind a alone leaves a gap of about 0.0301', () => {
    const p = byName.mixed_mo as MoProblem;
    const grid = Array.from({ length: 2001 }, (_, k) => k / 2000);
    const kind = (c: string) => grid.map((x) => p.evaluate({ x, y: 0.5, n: 7, kind: c }));
    const both = p.frontHv - hypervolume([...kind('a'), ...kind('b'), ...kind('c')], p.referencePoint);
    expect(both).toBeGreaterThanOrEqual(0);
    expect(both).toBeLessThan(3e-4);
    const onlyA = p.frontHv - hypervolume(kind('a'), p.referencePoint);
    expect(onlyA).toBeGreaterThan(0.0295);
    expect(onlyA).toBeLessThan(0.0305);
  });

  it('dtlz2_3obj: Pareto-optimal grids approach 1.331 − π/6 at first order (Richardson within 2e-3)', () => {
    const p = byName.dtlz2_3obj as MoProblem;
    const hvOf = (k: number) => {
      const pts: number[][] = [];
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) pts.push(p.evaluate({ x0: i / (k - 1), x1: j / (k - 1), x2: 0.5, x3: 0.5, x4: 0.5, x5: 0.5, x6: 0.5 }));
      }
      for (const v of pts) expect(Math.hypot(...v)).toBeCloseTo(1, 12);
      return hypervolume(pts, p.referencePoint);
    };
    const h20 = hvOf(20);
    const h40 = hvOf(40);
    expect(h20).toBeLessThan(h40);
    expect(h40).toBeLessThan(p.frontHv);
    expect(Math.abs(2 * h40 - h20 - p.frontHv)).toBeLessThan(2e-3);
  });
});
