/**
 * A trial's parameters as a genome: each numeric parameter becomes a
 * coordinate in [0, 1] (log parameters in log space; an int or stepped float
 * gets a cell of equal width per value, as `fromUnit` does), and each
 * categorical parameter the index of its choice. Decoding snaps a coordinate
 * back onto the distribution, so every decoded value is one it can produce.
 */
import {
  type CategoricalDistribution,
  contains,
  type Distribution,
  type FloatDistribution,
  type IntDistribution,
  type ParamValue,
  snap,
  toInternal,
} from '../../space/distributions.js';

export interface NumericGene {
  readonly kind: 'numeric';
  readonly name: string;
  readonly distribution: FloatDistribution | IntDistribution;
  /** The transformed range (log-space for log parameters, widened by half a step for discrete ones). */
  readonly lo: number;
  readonly hi: number;
}

export interface CategoricalGene {
  readonly kind: 'categorical';
  readonly name: string;
  readonly distribution: CategoricalDistribution;
}

export type Gene = NumericGene | CategoricalGene;

export function geneOf(name: string, d: Distribution): Gene {
  if (d.kind === 'categorical') return { kind: 'categorical', name, distribution: d };
  const discrete = d.kind === 'int' || d.step !== null;
  const half = discrete ? 0.5 * (d.step as number) : 0;
  if (d.log) return { kind: 'numeric', name, distribution: d, lo: Math.log(d.low - half), hi: Math.log(d.high + half) };
  return { kind: 'numeric', name, distribution: d, lo: d.low - half, hi: d.high + half };
}

/** A parameter value → its coordinate in [0, 1] (numeric) or choice index (categorical). */
export function encode(gene: Gene, value: ParamValue): number {
  if (gene.kind === 'categorical') return toInternal(gene.distribution, value);
  const v = value as number;
  const t = gene.distribution.log ? Math.log(v) : v;
  if (!(gene.hi > gene.lo)) return 0.5;
  return Math.min(1, Math.max(0, (t - gene.lo) / (gene.hi - gene.lo)));
}

/** A coordinate (clipped to [0, 1]) or choice index → a value the distribution contains. */
export function decode(gene: Gene, x: number): ParamValue {
  if (gene.kind === 'categorical') {
    const choices = gene.distribution.choices;
    return choices[Math.min(choices.length - 1, Math.max(0, Math.floor(x)))] as ParamValue;
  }
  const d = gene.distribution;
  const u = Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0.5;
  const t = gene.lo + u * (gene.hi - gene.lo);
  const v = d.log ? Math.exp(t) : t;
  const out = d.kind === 'int' || d.step !== null ? snap(d, v) : Math.min(d.high, Math.max(d.low, v));
  return contains(d, out) ? out : snap(d, d.low);
}
