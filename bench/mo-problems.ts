/**
 * The public multi-objective suite (../shared/bench/mo, suite_version 1):
 * ZDT1, ZDT2, ZDT3 (d = 10), DTLZ2 (3 objectives, d = 7) and mixed_mo,
 * implemented exactly as PROBLEMS_MO.md / problems_mo.py define them (sums
 * and products in index order, 10·π·f1 as (10·π)·f1, x·π/2 as (x·π)/2), so
 * values agree with the reference to ~1e-12 relative. Every objective is
 * minimized.
 *
 * Spaces, reference points, front hypervolumes and test vectors are read at
 * runtime from ../shared/bench/mo/problems_mo.json; only the formulas live here,
 * keyed by the `formula` name in that file.
 */
import { readFileSync } from 'node:fs';
import type { BenchParams, SpaceEntry } from './problems.js';

export interface MoTestVector {
  params: BenchParams;
  values: number[];
}

export interface MoProblemJson {
  name: string;
  formula: string;
  description: string;
  tags: string[];
  dim: number;
  n_objectives: number;
  space: SpaceEntry[];
  reference_point: number[];
  front_hv: number;
  front_hv_method: string;
  pareto_set: string;
  pareto_front: string;
  ideal: number[];
  nadir: number[];
  test_vectors: MoTestVector[];
  wide_reference?: { reference_point: number[]; front_hv: number };
  front_segments_f1?: number[][];
}

export interface MoSuiteJson {
  suite_version: number;
  direction: string;
  notes: string;
  problems: MoProblemJson[];
}

export interface MoProblem {
  readonly name: string;
  readonly space: readonly SpaceEntry[];
  readonly nObjectives: number;
  readonly referencePoint: readonly number[];
  /** HV of the true Pareto front with respect to `referencePoint`. */
  readonly frontHv: number;
  /** ZDT only: BoTorch's (11, 11) and the front's HV with respect to it. */
  readonly wideReference: { readonly referencePoint: readonly number[]; readonly frontHv: number } | null;
  /** The objective vector (every objective minimized). */
  evaluate(params: BenchParams): number[];
}

export const MO_PROBLEMS_JSON_URL = new URL('../../shared/bench/mo/problems_mo.json', import.meta.url);

let cachedSuite: MoSuiteJson | undefined;

/** The parsed problems_mo.json (read once). */
export function loadMoSuite(): MoSuiteJson {
  cachedSuite ??= JSON.parse(readFileSync(MO_PROBLEMS_JSON_URL, 'utf8')) as MoSuiteJson;
  return cachedSuite;
}

// ---------------------------------------------------------------------------
// Formulas
// ---------------------------------------------------------------------------

/** g = 1 + 9 · (x1 + … + x_{d−1}) / (d − 1), the sum in index order. */
function zdtG(x: readonly number[]): number {
  let s = 0.0;
  for (let i = 1; i < x.length; i++) s += x[i] as number;
  return 1.0 + (9.0 * s) / (x.length - 1);
}

export function zdt1(x: readonly number[]): [number, number] {
  const f1 = x[0] as number;
  const g = zdtG(x);
  return [f1, g * (1.0 - Math.sqrt(f1 / g))];
}

export function zdt2(x: readonly number[]): [number, number] {
  const f1 = x[0] as number;
  const g = zdtG(x);
  const r = f1 / g;
  return [f1, g * (1.0 - r * r)];
}

export function zdt3(x: readonly number[]): [number, number] {
  const f1 = x[0] as number;
  const g = zdtG(x);
  return [f1, g * (1.0 - Math.sqrt(f1 / g) - (f1 / g) * Math.sin(10.0 * Math.PI * f1))];
}

/** DTLZ2 with m objectives; the last d − m + 1 variables are the distance variables. */
export function dtlz2(x: readonly number[], m: number): number[] {
  let g = 0.0;
  for (let i = m - 1; i < x.length; i++) {
    const t = (x[i] as number) - 0.5;
    g += t * t;
  }
  const theta: number[] = [];
  for (let i = 0; i < m - 1; i++) theta.push(((x[i] as number) * Math.PI) / 2.0);
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    let f = 1.0 + g;
    for (let j = 0; j < m - 1 - i; j++) f *= Math.cos(theta[j] as number);
    if (i > 0) f *= Math.sin(theta[m - 1 - i] as number);
    out.push(f);
  }
  return out;
}

const MIXED_SHAPES: Record<string, (x: number) => number> = {
  a: (x) => 1.0 - Math.sqrt(x),
  b: (x) => (1.0 - x) * (1.0 - x),
  c: (x) => 1.0 - x,
};

function num(p: BenchParams, name: string): number {
  const v = p[name];
  if (typeof v !== 'number') throw new TypeError(`parameter ${name} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function mixedBiobjective(p: BenchParams): [number, number] {
  const x = num(p, 'x');
  const y = num(p, 'y') - 0.5;
  const n = (num(p, 'n') - 7) / 3.0;
  const g = 1.0 + y * y + n * n;
  const shape = MIXED_SHAPES[String(p.kind)];
  if (shape === undefined) throw new TypeError(`parameter kind must be a, b or c, got ${JSON.stringify(p.kind)}`);
  return [x, g * shape(x)];
}

function vector(p: BenchParams, d: number): number[] {
  return Array.from({ length: d }, (_, i) => num(p, `x${i}`));
}

const FORMULAS: Record<string, (p: BenchParams, json: MoProblemJson) => number[]> = {
  zdt1: (p, j) => zdt1(vector(p, j.dim)),
  zdt2: (p, j) => zdt2(vector(p, j.dim)),
  zdt3: (p, j) => zdt3(vector(p, j.dim)),
  dtlz2: (p, j) => dtlz2(vector(p, j.dim), j.n_objectives),
  mixed_biobjective: (p) => mixedBiobjective(p),
};

/** The suite's problems, in file order. */
export function loadMoProblems(): MoProblem[] {
  return loadMoSuite().problems.map((json) => {
    const formula = FORMULAS[json.formula];
    if (formula === undefined) throw new Error(`problems_mo.json: unknown formula ${JSON.stringify(json.formula)} of problem ${json.name}`);
    return {
      name: json.name,
      space: json.space,
      nObjectives: json.n_objectives,
      referencePoint: json.reference_point,
      frontHv: json.front_hv,
      wideReference: json.wide_reference ? { referencePoint: json.wide_reference.reference_point, frontHv: json.wide_reference.front_hv } : null,
      evaluate: (params: BenchParams) => formula(params, json),
    };
  });
}
