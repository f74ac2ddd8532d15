/**
 * Mapping earlier studies' trials onto a new study's space: parameters
 * renamed, dropped, added at a default value, and ranges rescaled. Only
 * COMPLETE trials with finite values are kept (they are what a warm start
 * learns from).
 */
import { InvalidArgumentError } from '../errors.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { validateName } from '../space/distributions.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';

export interface RescaleRule {
  /** The earlier study's range (default: its distribution's low and high). */
  readonly from?: readonly [number, number];
  /** The new study's range. */
  readonly to: readonly [number, number];
  /** Map linearly in log space (default: the earlier distribution's log flag). Both ranges must be positive. */
  readonly log?: boolean;
}

export interface ParamMapping {
  /** Earlier name → new name. */
  readonly rename?: Readonly<Record<string, string>>;
  /** Earlier names to forget (applied before renaming). */
  readonly drop?: readonly string[];
  /** Parameters the earlier studies lacked, with the value they implicitly had (new names). */
  readonly defaults?: Readonly<Record<string, ParamValue>>;
  /** Per new name, how its earlier range maps to the new one (x ↦ to₀ + (x − from₀)·(to₁ − to₀)/(from₁ − from₀)). */
  readonly rescale?: Readonly<Record<string, RescaleRule>>;
}

export function checkMapping(m: ParamMapping | undefined): void {
  if (m === undefined) return;
  if (m === null || typeof m !== 'object') throw new InvalidArgumentError('mapping must be an object { rename?, drop?, defaults?, rescale? }', ['mapping']);
  for (const [a, b] of Object.entries(m.rename ?? {})) {
    if (typeof b !== 'string') throw new InvalidArgumentError(`mapping.rename.${a} must be the new parameter name (a string)`, ['mapping', 'rename', a]);
    validateName(b, 'parameter name');
  }
  if (m.drop !== undefined && (!Array.isArray(m.drop) || m.drop.some((d) => typeof d !== 'string'))) {
    throw new InvalidArgumentError('mapping.drop must be an array of parameter names', ['mapping', 'drop']);
  }
  for (const [k, r] of Object.entries(m.rescale ?? {})) {
    const bad = (what: string): never => {
      throw new InvalidArgumentError(`mapping.rescale.${k}: ${what}`, ['mapping', 'rescale', k]);
    };
    if (r === null || typeof r !== 'object' || !Array.isArray(r.to) || r.to.length !== 2) bad('give { to: [low, high] } (and optionally from: [low, high])');
    const ranges = [r.to, ...(r.from !== undefined ? [r.from] : [])];
    for (const [lo, hi] of ranges)
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) bad(`ranges must be finite with low < high, got [${lo}, ${hi}]`);
    if (r.log === true) for (const [lo] of ranges) if (!(lo > 0)) bad('a log rescale needs positive ranges');
  }
}

/** The trials with their parameters mapped; COMPLETE ones with finite values only. */
export function mapTrials(trials: readonly FrozenTrial[], mapping: ParamMapping | undefined): FrozenTrial[] {
  checkMapping(mapping);
  const out: FrozenTrial[] = [];
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.values === null || !t.values.every((v) => Number.isFinite(v))) continue;
    out.push(mapping === undefined ? t : mapTrial(t, mapping));
  }
  return out;
}

function mapTrial(t: FrozenTrial, m: ParamMapping): FrozenTrial {
  const drop = new Set(m.drop ?? []);
  const params: Record<string, ParamValue> = {};
  const distributions: Record<string, Distribution> = {};
  for (const [k, v] of Object.entries(t.params)) {
    if (drop.has(k)) continue;
    const name = m.rename?.[k] ?? k;
    params[name] = v;
    const d = t.distributions[k];
    if (d !== undefined) distributions[name] = d;
  }
  for (const [k, v] of Object.entries(m.defaults ?? {})) if (!Object.hasOwn(params, k)) params[k] = v;
  for (const [k, r] of Object.entries(m.rescale ?? {})) {
    const v = params[k];
    if (typeof v !== 'number') continue;
    const d = distributions[k];
    const from = r.from ?? (d !== undefined && d.kind !== 'categorical' ? ([d.low, d.high] as const) : undefined);
    if (from === undefined) {
      throw new InvalidArgumentError(`mapping.rescale.${k}: the earlier trials have no numeric range for ${k}; give from: [low, high]`, [
        'mapping',
        'rescale',
        k,
      ]);
    }
    const log = r.log ?? (d !== undefined && d.kind !== 'categorical' && d.log);
    const f = log ? Math.log : (x: number) => x;
    const u = (f(v) - f(from[0])) / (f(from[1]) - f(from[0]));
    let x = f(r.to[0]) + u * (f(r.to[1]) - f(r.to[0]));
    if (log) x = Math.exp(x);
    x = Math.min(r.to[1], Math.max(r.to[0], x));
    const isInt = d !== undefined && d.kind === 'int';
    params[k] = isInt ? Math.round(x) : x;
    distributions[k] = isInt
      ? { kind: 'int', low: Math.ceil(r.to[0]), high: Math.floor(r.to[1]), log, step: 1 }
      : { kind: 'float', low: r.to[0], high: r.to[1], log, step: null };
  }
  return { ...t, params, distributions };
}
