/**
 * The public benchmark suite (../shared/bench, suite_version 1): 14
 * minimization problems with known optima, implemented exactly as
 * PROBLEMS.md / problems.py define them (same constants, same operation and
 * summation order), so values agree with the reference to ~1e-12 relative.
 *
 * Spaces, optima and test vectors are read at runtime from
 * ../shared/bench/problems.json (relative to the repository root); only the
 * formulas live here, keyed by the `formula` name in that file.
 */
import { readFileSync } from 'node:fs';

export type BenchValue = number | string | boolean | null;
export type BenchParams = Record<string, BenchValue>;

export interface SpaceCondition {
  param: string;
  in: BenchValue[];
}

export interface FloatEntry {
  name: string;
  type: 'float';
  low: number;
  high: number;
  log: boolean;
  condition?: SpaceCondition;
}

export interface IntEntry {
  name: string;
  type: 'int';
  low: number;
  high: number;
  log: boolean;
  step: number;
  condition?: SpaceCondition;
}

export interface CategoricalEntry {
  name: string;
  type: 'categorical';
  choices: BenchValue[];
  condition?: SpaceCondition;
}

export type SpaceEntry = FloatEntry | IntEntry | CategoricalEntry;

export interface NoiseSpec {
  type: 'gaussian';
  sigma: number;
  rng: string;
  seed: string;
  draws: string;
  regret_on: string;
}

export interface TestVector {
  params: BenchParams;
  value: number;
}

export interface ProblemJson {
  name: string;
  formula: string;
  description: string;
  tags: string[];
  dim: number;
  space: SpaceEntry[];
  optimum: number;
  optimum_params: BenchParams;
  noise: NoiseSpec | null;
  test_vectors: TestVector[];
}

export interface NoiseRngTestVector {
  seed: number;
  first_uint64: string;
  first_uniform: number;
  gaussians: number[];
}

export interface SuiteJson {
  suite_version: number;
  direction: 'minimize';
  notes: string;
  noise_rng_test_vectors: NoiseRngTestVector[];
  problems: ProblemJson[];
}

export interface BenchProblem {
  name: string;
  formula: string;
  space: SpaceEntry[];
  optimum: number;
  optimumParams: BenchParams;
  noisy: boolean;
  /** noise-free value */
  evaluate(params: BenchParams): number;
  /**
   * Observed value: evaluate + sigma * z, z drawn from the problem's noise
   * stream seeded with the run seed (the i-th call uses the i-th gaussian).
   * Present only on noisy problems.
   */
  makeNoisyEvaluator?(seed: number): (params: BenchParams) => number;
}

export const PROBLEMS_JSON_URL = new URL('../../shared/bench/problems.json', import.meta.url);

let cachedSuite: SuiteJson | undefined;

/** The parsed problems.json (read once). */
export function loadSuite(): SuiteJson {
  cachedSuite ??= JSON.parse(readFileSync(PROBLEMS_JSON_URL, 'utf8')) as SuiteJson;
  return cachedSuite;
}

/** True when the entry's condition (if any) holds for the parameters chosen so far. */
export function isActive(entry: SpaceEntry, params: BenchParams): boolean {
  const c = entry.condition;
  if (c === undefined) return true;
  return Object.hasOwn(params, c.param) && c.in.includes(params[c.param] as BenchValue);
}

// ---------------------------------------------------------------------------
// Noise stream: SplitMix64 -> uniform (53 bits) -> Box-Muller (cosine branch)
// ---------------------------------------------------------------------------

const MASK64 = 0xffffffffffffffffn;
const GOLDEN = 0x9e3779b97f4a7c15n;
const MIX1 = 0xbf58476d1ce4e5b9n;
const MIX2 = 0x94d049bb133111ebn;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

export class NoiseStream {
  private state: bigint;

  constructor(seed: number | bigint) {
    this.state = BigInt(seed) & MASK64;
  }

  nextUint64(): bigint {
    this.state = (this.state + GOLDEN) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * MIX1) & MASK64;
    z = ((z ^ (z >> 27n)) * MIX2) & MASK64;
    return z ^ (z >> 31n);
  }

  /** In [0, 1): the top 53 bits of the next uint64, times 2^-53 (exact). */
  nextUniform(): number {
    return Number(this.nextUint64() >> 11n) * TWO_POW_MINUS_53;
  }

  /**
   * sqrt(-2 ln(1 - u1)) * cos(2 pi u2). `ln` and `cos` are correctly rounded
   * (see crLog/crCos): V8's Math.log/Math.cos are off by one ulp on some
   * inputs where glibc (the reference's libm) is not, which would break the
   * bit-exact test vectors.
   */
  nextGaussian(): number {
    const u1 = this.nextUniform();
    const u2 = this.nextUniform();
    return Math.sqrt(-2.0 * crLog(1.0 - u1)) * crCos(2.0 * Math.PI * u2);
  }
}

// ---------------------------------------------------------------------------
// Correctly rounded ln and cos via double-double arithmetic (~105 bits), so the
// noise stream is bit-identical to the reference's glibc results.
// ---------------------------------------------------------------------------

type DD = readonly [number, number];

const SPLITTER = 134217729; // 2^27 + 1

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [s1, e1] = quickTwoSum(s, e + t);
  return quickTwoSum(s1, e1 + f);
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

function ddDiv(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  let r = ddAdd(a, ddMul([-q1, 0], b));
  const q2 = r[0] / b[0];
  r = ddAdd(r, ddMul([-q2, 0], b));
  const q3 = r[0] / b[0];
  const [q, e] = quickTwoSum(q1, q2);
  return ddAdd([q, e], [q3, 0]);
}

const LN2_DD: DD = [Math.LN2, 2.3190468138462996e-17];
const PIO2_1 = 1.5707963267948966;
const PIO2_2 = 6.123233995736766e-17;
const PIO2_3 = -1.4973849048591698e-33;
/** 1/(2k+1), k = 0..24, for atanh. */
const ATANH_COEF: DD[] = Array.from({ length: 25 }, (_, k) => ddDiv([1, 0], [2 * k + 1, 0]));
/** 1/n!, n = 0..32. */
const INV_FACT: DD[] = [[1, 0]];
for (let n = 1; n <= 32; n++) INV_FACT.push(ddDiv(INV_FACT[n - 1] as DD, [n, 0]));

/** ln(x) for finite x > 0, correctly rounded (barring ~2^-100-close ties). */
export function crLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log(x);
  if (x === 1) return 0;
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); scaling by powers of two is exact.
  let e = Math.round(Math.log2(x));
  let m = x / 2 ** e;
  while (m >= Math.SQRT2) {
    m /= 2;
    e++;
  }
  while (m < Math.SQRT1_2) {
    m *= 2;
    e--;
  }
  // ln m = 2 atanh(s), s = (m - 1) / (m + 1); m - 1 is exact (Sterbenz).
  const s = ddDiv([m - 1, 0], twoSum(m, 1));
  const s2 = ddMul(s, s);
  let acc = ATANH_COEF[ATANH_COEF.length - 1] as DD;
  for (let k = ATANH_COEF.length - 2; k >= 0; k--) acc = ddAdd(ddMul(acc, s2), ATANH_COEF[k] as DD);
  const lnM = ddMul(ddMul(s, acc), [2, 0]);
  const eLn2 = ddAdd(twoProd(e, LN2_DD[0]), [e * LN2_DD[1], 0]);
  const r = ddAdd(eLn2, lnM);
  return r[0] + r[1];
}

/** Taylor series sum_{n} (-1)^n r^(2n+offset)/(2n+offset)! in double-double, |r| <= pi/4. */
function ddTrigSeries(r: DD, offset: 0 | 1): DD {
  const r2 = ddMul(r, r);
  let acc: DD = [0, 0];
  for (let n = 15; n >= 0; n--) {
    const c = INV_FACT[2 * n + offset] as DD;
    acc = ddAdd(ddMul(acc, r2), n % 2 === 0 ? c : [-c[0], -c[1]]);
  }
  return offset === 1 ? ddMul(acc, r) : acc;
}

/** cos(t) for |t| <= 1e6, correctly rounded (barring ~2^-100-close ties). */
export function crCos(t: number): number {
  if (!Number.isFinite(t) || Math.abs(t) > 1e6) return Math.cos(t);
  const k = Math.round(t / PIO2_1);
  // r = t - k * pi/2 with pi/2 as a triple-double.
  let r = ddAdd([t, 0], twoProd(-k, PIO2_1));
  r = ddAdd(r, twoProd(-k, PIO2_2));
  r = ddAdd(r, [-k * PIO2_3, 0]);
  let v: DD;
  switch (((k % 4) + 4) % 4) {
    case 0:
      v = ddTrigSeries(r, 0);
      break;
    case 1:
      v = ddTrigSeries(r, 1);
      v = [-v[0], -v[1]];
      break;
    case 2:
      v = ddTrigSeries(r, 0);
      v = [-v[0], -v[1]];
      break;
    default:
      v = ddTrigSeries(r, 1);
  }
  return v[0] + v[1];
}

// ---------------------------------------------------------------------------
// Formulas (noise-free), in the reference's operation order
// ---------------------------------------------------------------------------

export function branin(x: readonly number[]): number {
  const x1 = x[0] as number;
  const x2 = x[1] as number;
  const a = 1.0;
  const b = 5.1 / (4.0 * Math.PI ** 2);
  const c = 5.0 / Math.PI;
  const r = 6.0;
  const s = 10.0;
  const t = 1.0 / (8.0 * Math.PI);
  return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1.0 - t) * Math.cos(x1) + s;
}

const HART_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HART3_A = [
  [3.0, 10.0, 30.0],
  [0.1, 10.0, 35.0],
  [3.0, 10.0, 30.0],
  [0.1, 10.0, 35.0],
];
const HART3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
];
const HART6_A = [
  [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
  [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
  [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
  [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
];
const HART6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];

function hartmann(x: readonly number[], a: number[][], p: number[][]): number {
  let total = 0.0;
  for (let i = 0; i < 4; i++) {
    const ai = a[i] as number[];
    const pi = p[i] as number[];
    let inner = 0.0;
    for (let j = 0; j < x.length; j++) {
      inner += (ai[j] as number) * ((x[j] as number) - (pi[j] as number) * 1e-4) ** 2;
    }
    total += (HART_ALPHA[i] as number) * Math.exp(-inner);
  }
  return -total;
}

export function hartmann3(x: readonly number[]): number {
  return hartmann(x, HART3_A, HART3_P);
}

export function hartmann6(x: readonly number[]): number {
  return hartmann(x, HART6_A, HART6_P);
}

export function rosenbrock(x: readonly number[]): number {
  let total = 0.0;
  for (let i = 0; i < x.length - 1; i++) {
    const xi = x[i] as number;
    total += 100.0 * ((x[i + 1] as number) - xi ** 2) ** 2 + (xi - 1.0) ** 2;
  }
  return total;
}

export function ackley(x: readonly number[]): number {
  const d = x.length;
  let sumSq = 0.0;
  let sumCos = 0.0;
  for (const v of x) {
    sumSq += v * v;
    sumCos += Math.cos(2.0 * Math.PI * v);
  }
  return -20.0 * Math.exp(-0.2 * Math.sqrt(sumSq / d)) - Math.exp(sumCos / d) + 20.0 + Math.E;
}

export function levy(x: readonly number[]): number {
  const w = x.map((v) => 1.0 + (v - 1.0) / 4.0);
  let total = Math.sin(Math.PI * (w[0] as number)) ** 2;
  for (let i = 0; i < w.length - 1; i++) {
    const wi = w[i] as number;
    total += (wi - 1.0) ** 2 * (1.0 + 10.0 * Math.sin(Math.PI * wi + 1.0) ** 2);
  }
  const wd = w[w.length - 1] as number;
  total += (wd - 1.0) ** 2 * (1.0 + Math.sin(2.0 * Math.PI * wd) ** 2);
  return total;
}

export function styblinskiTang(x: readonly number[]): number {
  let total = 0.0;
  for (const v of x) total += v ** 4 - 16.0 * v ** 2 + 5.0 * v;
  return 0.5 * total;
}

export function rastrigin(x: readonly number[]): number {
  let total = 10.0 * x.length;
  for (const v of x) total += v * v - 10.0 * Math.cos(2.0 * Math.PI * v);
  return total;
}

export function griewank(x: readonly number[]): number {
  let sumSq = 0.0;
  let prod = 1.0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    sumSq += v * v;
    prod *= Math.cos(v / Math.sqrt(i + 1.0));
  }
  return sumSq / 4000.0 - prod + 1.0;
}

const MIXED_SHIFT: Record<string, number> = { red: -2.0, green: 1.5, blue: 3.0, yellow: 0.0 };
const MIXED_OFFSET: Record<string, number> = { red: 0.5, green: 0.0, blue: 0.25, yellow: 1.0 };

function num(p: BenchParams, name: string): number {
  const v = p[name];
  if (typeof v !== 'number') throw new TypeError(`parameter ${name} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function lookup(table: Record<string, number>, p: BenchParams, name: string): number {
  const v = p[name];
  const r = typeof v === 'string' && Object.hasOwn(table, v) ? table[v] : undefined;
  if (r === undefined) throw new TypeError(`parameter ${name}: unknown choice ${JSON.stringify(v)}`);
  return r;
}

export function mixedQuadratic(p: BenchParams): number {
  return (
    (num(p, 'x1') - lookup(MIXED_SHIFT, p, 'color')) ** 2 +
    (num(p, 'x2') + 0.5) ** 2 +
    ((num(p, 'n') - 7) / 4.0) ** 2 +
    0.5 * Math.abs(num(p, 'k') - 3) +
    0.25 * (Math.log2(num(p, 'batch')) - 6.0) ** 2 +
    lookup(MIXED_OFFSET, p, 'color')
  );
}

const MLP_ACTIVATION_PENALTY: Record<string, number> = { relu: 0.0, tanh: 0.02, sigmoid: 0.08 };

export function conditionalModels(p: BenchParams): number {
  const model = p.model;
  if (model === 'svm') {
    const lc = Math.log10(num(p, 'svm_C'));
    if (p.svm_kernel === 'linear') return 0.3 + 0.02 * (lc - 0.5) ** 2;
    const lg = Math.log10(num(p, 'svm_gamma'));
    return 0.12 + 0.02 * (lc - 1.5) ** 2 + 0.03 * (lg + 2.0) ** 2;
  }
  if (model === 'rf') {
    return (
      0.15 +
      0.02 * Math.log(num(p, 'rf_n_estimators') / 300.0) ** 2 +
      0.002 * (num(p, 'rf_max_depth') - 12) ** 2 +
      0.2 * (num(p, 'rf_max_features') - 0.35) ** 2
    );
  }
  if (model === 'mlp') {
    return (
      0.05 +
      0.03 * (Math.log10(num(p, 'mlp_lr')) + 2.5) ** 2 +
      0.02 * (num(p, 'mlp_n_layers') - 3) ** 2 +
      0.01 * (Math.log2(num(p, 'mlp_units')) - 7.0) ** 2 +
      lookup(MLP_ACTIVATION_PENALTY, p, 'mlp_activation')
    );
  }
  throw new TypeError(`unknown model ${JSON.stringify(model)}`);
}

export function logQuadratic(p: BenchParams): number {
  const u = Math.log10(num(p, 'lr')) + 3.5;
  const v = Math.log10(num(p, 'weight_decay')) + 4.2;
  const w = Math.log(num(p, 'batch_size') / 200.0);
  return u * u + 0.5 * v * v + 0.5 * u * v + 0.1 * w * w;
}

type VectorFormula = (x: readonly number[]) => number;
type DictFormula = (p: BenchParams) => number;

const VECTOR_FORMULAS: Record<string, VectorFormula> = {
  branin,
  hartmann3,
  hartmann6,
  rosenbrock,
  ackley,
  levy,
  styblinski_tang: styblinskiTang,
  rastrigin,
  griewank,
};

const DICT_FORMULAS: Record<string, DictFormula> = {
  mixed_quadratic: mixedQuadratic,
  conditional_models: conditionalModels,
  log_quadratic: logQuadratic,
};

function buildEvaluate(p: ProblemJson): DictFormula {
  const vf = VECTOR_FORMULAS[p.formula];
  if (vf !== undefined) {
    const names = Array.from({ length: p.dim }, (_, i) => `x${i}`);
    return (params) => vf(names.map((n) => num(params, n)));
  }
  const df = DICT_FORMULAS[p.formula];
  if (df !== undefined) return df;
  throw new Error(`problem ${p.name}: unknown formula ${JSON.stringify(p.formula)}`);
}

function buildProblem(p: ProblemJson): BenchProblem {
  const evaluate = buildEvaluate(p);
  const problem: BenchProblem = {
    name: p.name,
    formula: p.formula,
    space: p.space,
    optimum: p.optimum,
    optimumParams: p.optimum_params,
    noisy: p.noise !== null,
    evaluate,
  };
  const noise = p.noise;
  if (noise !== null) {
    if (noise.type !== 'gaussian' || noise.rng !== 'splitmix64-boxmuller') {
      throw new Error(`problem ${p.name}: unsupported noise ${JSON.stringify(noise)}`);
    }
    const sigma = noise.sigma;
    problem.makeNoisyEvaluator = (seed: number) => {
      const stream = new NoiseStream(seed);
      return (params) => evaluate(params) + sigma * stream.nextGaussian();
    };
  }
  return problem;
}

/** All problems of problems.json, in file order. */
export function loadProblems(): BenchProblem[] {
  return loadSuite().problems.map(buildProblem);
}
