/**
 * Search-space distributions: float, int and categorical.
 *
 * Every distribution has an internal representation used by samplers and
 * storage: floats and ints are themselves, a categorical choice is its index.
 * `validate*` functions throw InvalidDistributionError naming the parameter
 * and the fix before anything is created.
 */
import { InvalidDistributionError } from '../errors.js';

export type CategoricalChoice = string | number | boolean | null;
export type ParamValue = CategoricalChoice;

export interface FloatDistribution {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number | null;
}

export interface IntDistribution {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

export interface CategoricalDistribution {
  readonly kind: 'categorical';
  readonly choices: readonly CategoricalChoice[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;
export type SearchSpace = Readonly<Record<string, Distribution>>;

/** Longest parameter, attribute or study name, in characters. */
export const MAX_NAME_LENGTH = 512;

/** The one name validator shared by every backend (PostgreSQL rejects NUL; SQLite has no length limit). */
export function validateName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidDistributionError(`${what} must be a non-empty string, got ${JSON.stringify(name) ?? String(name)}`, [String(name)]);
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidDistributionError(`${what} is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`, [name.slice(0, 40)]);
  }
  if (name.includes('\u0000')) {
    throw new InvalidDistributionError(`${what} ${JSON.stringify(name)} contains a NUL character, which no storage can keep; remove it`, [name]);
  }
  return name;
}

function fail(name: string, message: string): never {
  throw new InvalidDistributionError(`parameter ${JSON.stringify(name)}: ${message}`, [name]);
}

function checkBounds(name: string, low: unknown, high: unknown): asserts low is number {
  if (typeof low !== 'number' || typeof high !== 'number') fail(name, `low and high must be numbers, got ${typeof low} and ${typeof high}`);
  if (!Number.isFinite(low) || !Number.isFinite(high)) fail(name, `low and high must be finite, got low=${low}, high=${high}`);
  if (low > high) fail(name, `low (${low}) must not exceed high (${high}); swap them`);
}

export function floatDistribution(name: string, low: number, high: number, opts: { log?: boolean; step?: number | null } = {}): FloatDistribution {
  validateName(name, 'parameter name');
  checkBounds(name, low, high);
  const log = opts.log ?? false;
  const step = opts.step ?? null;
  if (log && step !== null) fail(name, 'log and step cannot be used together; drop one of them');
  if (log && low <= 0) fail(name, `a log scale needs low > 0, got low=${low}; use a positive lower bound or drop log`);
  if (step !== null) {
    if (typeof step !== 'number' || !Number.isFinite(step) || step <= 0) fail(name, `step must be a positive finite number, got ${step}`);
    const r = (high - low) / step;
    if (Math.abs(r - Math.round(r)) > 1e-8 * Math.max(1, Math.abs(r))) {
      fail(name, `step ${step} does not divide the range [${low}, ${high}]; choose high = low + k * step (for example ${low + Math.floor(r) * step})`);
    }
  }
  return { kind: 'float', low, high, log, step };
}

export function intDistribution(name: string, low: number, high: number, opts: { log?: boolean; step?: number } = {}): IntDistribution {
  validateName(name, 'parameter name');
  checkBounds(name, low, high);
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
    fail(name, `low and high must be integers within ±2^53, got low=${low}, high=${high}`);
  }
  const log = opts.log ?? false;
  const step = opts.step ?? 1;
  if (!Number.isSafeInteger(step) || step <= 0) fail(name, `step must be a positive integer, got ${step}`);
  if (log && step !== 1) fail(name, 'log and step > 1 cannot be used together; drop one of them');
  if (log && low < 1) fail(name, `a log scale needs low >= 1, got low=${low}`);
  if ((high - low) % step !== 0) {
    fail(name, `step ${step} does not divide the range [${low}, ${high}]; choose high = ${low + Math.floor((high - low) / step) * step}`);
  }
  return { kind: 'int', low, high, log, step };
}

function choiceType(c: CategoricalChoice): string {
  return c === null ? 'null' : typeof c;
}

export function categoricalDistribution(name: string, choices: readonly CategoricalChoice[]): CategoricalDistribution {
  validateName(name, 'parameter name');
  if (!Array.isArray(choices)) fail(name, 'choices must be an array');
  if (choices.length === 0) fail(name, 'choices must not be empty');
  const types = new Set<string>();
  const seen = new Set<string>();
  for (const c of choices) {
    const t = choiceType(c);
    if (t !== 'null' && t !== 'string' && t !== 'number' && t !== 'boolean') {
      fail(name, `choices must be strings, numbers, booleans or null; got a ${t}`);
    }
    if (typeof c === 'number' && !Number.isFinite(c)) fail(name, `numeric choices must be finite, got ${c}`);
    if (t !== 'null') types.add(t);
    const key = `${t}:${String(c === 0 ? 0 : c)}`;
    if (seen.has(key)) fail(name, `choice ${JSON.stringify(c)} appears twice; choices must be distinct`);
    seen.add(key);
  }
  if (types.size > 1) fail(name, `choices mix ${[...types].join(' and ')}; use one type (null may be added to any)`);
  return { kind: 'categorical', choices: choices.slice() };
}

/** Checks a distribution read from storage or a config file, returning a clean copy. */
export function parseDistribution(name: string, d: unknown): Distribution {
  const o = d as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object') fail(name, 'distribution must be an object');
  switch (o.kind) {
    case 'float':
      return floatDistribution(name, o.low as number, o.high as number, { log: Boolean(o.log), step: (o.step as number | null) ?? null });
    case 'int':
      return intDistribution(name, o.low as number, o.high as number, { log: Boolean(o.log), step: (o.step as number) ?? 1 });
    case 'categorical':
      return categoricalDistribution(name, o.choices as CategoricalChoice[]);
    default:
      return fail(name, `unknown distribution kind ${JSON.stringify(o.kind)}; use float, int or categorical`);
  }
}

/** Parses stored distribution JSON once per distinct text (storages and readers see the same few texts over and over). */
export class DistributionCache {
  private readonly byJson = new Map<string, Distribution>();

  /** `name` only labels a parse error. */
  parse(name: string, json: string): Distribution {
    let d = this.byJson.get(json);
    if (!d) {
      d = parseDistribution(name, JSON.parse(json));
      this.byJson.set(json, d);
    }
    return d;
  }
}

export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'categorical') {
    const bc = (b as CategoricalDistribution).choices;
    return a.choices.length === bc.length && a.choices.every((c, i) => Object.is(c, bc[i]) || (c === 0 && bc[i] === 0));
  }
  const bn = b as FloatDistribution | IntDistribution;
  return a.low === bn.low && a.high === bn.high && a.log === bn.log && a.step === bn.step;
}

/** True when the distribution has exactly one possible value. */
export function isSingle(d: Distribution): boolean {
  if (d.kind === 'categorical') return d.choices.length === 1;
  if (d.low === d.high) return true;
  return d.kind === 'float' && d.step !== null ? d.high - d.low < d.step : false;
}

function choiceIndex(d: CategoricalDistribution, value: unknown): number {
  for (let i = 0; i < d.choices.length; i++) {
    const c = d.choices[i];
    if (c === value || (typeof c === 'number' && typeof value === 'number' && c === value)) return i;
  }
  return -1;
}

/** True when `value` is one the distribution can produce. */
export function contains(d: Distribution, value: unknown): boolean {
  if (d.kind === 'categorical') return choiceIndex(d, value) >= 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (value < d.low || value > d.high) return false;
  if (d.kind === 'int') return Number.isInteger(value) && (value - d.low) % d.step === 0;
  if (d.step !== null) {
    const k = (value - d.low) / d.step;
    return Math.abs(k - Math.round(k)) <= 1e-8 * Math.max(1, Math.abs(k));
  }
  return true;
}

/** External value → internal representation (a categorical becomes its index). */
export function toInternal(d: Distribution, value: ParamValue): number {
  if (d.kind === 'categorical') {
    const i = choiceIndex(d, value);
    if (i < 0) throw new InvalidDistributionError(`value ${JSON.stringify(value)} is not one of the choices ${JSON.stringify(d.choices)}`, []);
    return i;
  }
  return value as number;
}

/** Internal representation → external value. */
export function fromInternal(d: Distribution, internal: number): ParamValue {
  if (d.kind === 'categorical') {
    const c = d.choices[internal];
    if (c === undefined) throw new InvalidDistributionError(`index ${internal} is outside the ${d.choices.length} choices`, []);
    return c;
  }
  return internal;
}

/** Rounds and clips a raw number onto the distribution's grid (step, int, bounds). */
export function snap(d: FloatDistribution | IntDistribution, x: number): number {
  let v = Math.min(d.high, Math.max(d.low, x));
  if (d.kind === 'int') {
    v = d.low + Math.round((v - d.low) / d.step) * d.step;
    return Math.min(d.high, Math.max(d.low, v));
  }
  if (d.step !== null) {
    const k = Math.round((v - d.low) / d.step);
    v = d.low + k * d.step;
    // Express the value with the step's decimals so 0.1 + 2*0.1 prints as 0.3.
    const decimals = stepDecimals(d.step, d.low);
    if (decimals !== null) v = Number(v.toFixed(decimals));
    return Math.min(d.high, Math.max(d.low, v));
  }
  return v;
}

function stepDecimals(step: number, low: number): number | null {
  const dec = (x: number): number | null => {
    const s = String(x);
    if (s.includes('e')) return null;
    const i = s.indexOf('.');
    return i < 0 ? 0 : s.length - i - 1;
  };
  const a = dec(step);
  const b = dec(low);
  if (a === null || b === null) return null;
  return Math.min(15, Math.max(a, b));
}

/**
 * Maps a point u in [0, 1] onto the distribution (the unit-cube transform
 * samplers use): log scales are uniform in log space; int and step
 * distributions split [0, 1] into equal cells, one per value; a categorical
 * picks choice floor(u * n).
 */
export function fromUnit(d: Distribution, u: number): ParamValue {
  const v = Math.min(1, Math.max(0, u));
  if (d.kind === 'categorical') return d.choices[Math.min(d.choices.length - 1, Math.floor(v * d.choices.length))] as ParamValue;
  if (d.kind === 'int' || d.step !== null) {
    const step = d.step as number;
    if (d.log) {
      const lo = Math.log(d.low - 0.5);
      const hi = Math.log(d.high + 0.5);
      return snap(d, Math.exp(lo + v * (hi - lo)));
    }
    const n = Math.round((d.high - d.low) / step) + 1;
    const k = Math.min(n - 1, Math.floor(v * n));
    return snap(d, d.low + k * step);
  }
  if (d.log) {
    const lo = Math.log(d.low);
    const hi = Math.log(d.high);
    return Math.min(d.high, Math.max(d.low, Math.exp(lo + v * (hi - lo))));
  }
  return Math.min(d.high, Math.max(d.low, d.low + v * (d.high - d.low)));
}

/** Number of distinct values, or Infinity for a continuous float. */
export function cardinality(d: Distribution): number {
  if (d.kind === 'categorical') return d.choices.length;
  if (d.kind === 'int') return Math.floor((d.high - d.low) / d.step) + 1;
  if (d.step !== null) return Math.round((d.high - d.low) / d.step) + 1;
  return d.low === d.high ? 1 : Number.POSITIVE_INFINITY;
}
