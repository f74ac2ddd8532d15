/**
 * The Wilcoxon signed-rank test (Wilcoxon 1945) of paired differences d,
 * as scipy.stats.wilcoxon with zero_method='zsplit', correction=False and
 * method='auto': the exact null distribution when n ≤ 50 and no d is zero,
 * else the normal approximation with the tie correction.
 *
 * Notation: ranks r_i of |d_i| (ties get their mean rank); T+ = Σ_{d_i>0} r_i
 * plus half the ranks of the zeros; under H0, E[T+] = n(n+1)/4 and
 * Var[T+] = (n(n+1)(2n+1) − ½ Σ t(t²−1)) / 24 over tie groups of size t.
 */
import { normalCdf } from '../math/special.js';

export type Alternative = 'two-sided' | 'greater' | 'less';

export interface WilcoxonResult {
  /** T+ (for 'two-sided', min(T+, T−) as scipy reports it). */
  readonly statistic: number;
  readonly pValue: number;
  readonly method: 'exact' | 'approx';
}

/** Ranks 1..n of xs with ties sharing their mean rank. */
export function rankData(xs: readonly number[]): number[] {
  const idx = xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1] as number] === xs[idx[i] as number]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k] as number] = r;
    i = j + 1;
  }
  return ranks;
}

/** Counts of each value of T+ (0..n(n+1)/2) over the 2^n sign patterns. */
function exactDistribution(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  for (let k = 1; k <= n; k++) for (let s = (k * (k + 1)) / 2; s >= k; s--) (c[s] as number) += c[s - k] as number;
  return c;
}

/**
 * The one- or two-sided p-value of H0 "d is symmetric about 0"; 'greater'
 * means the alternative "d tends to be positive".
 * @example wilcoxonSignedRank([1.2, 0.4, 2.1], 'greater').pValue // 0.125
 */
export function wilcoxonSignedRank(d: readonly number[], alternative: Alternative = 'two-sided'): WilcoxonResult {
  const n = d.length;
  if (n === 0 || d.some((x) => !Number.isFinite(x))) throw new RangeError('wilcoxonSignedRank needs at least one finite difference');
  const ranks = rankData(d.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const x = d[i] as number;
    const r = ranks[i] as number;
    if (x > 0) rPlus += r;
    else if (x < 0) rMinus += r;
    else {
      zeros++;
      rPlus += r / 2;
      rMinus += r / 2;
    }
  }
  const statistic = alternative === 'two-sided' ? Math.min(rPlus, rMinus) : rPlus;
  if (n <= 50 && zeros === 0) {
    const cnt = exactDistribution(n);
    const total = 2 ** n;
    const sum = (from: number, to: number): number => {
      let s = 0;
      for (let i = Math.max(0, from); i <= Math.min(cnt.length - 1, to); i++) s += cnt[i] as number;
      return s;
    };
    const top = cnt.length - 1;
    let p: number;
    if (alternative === 'greater') p = sum(Math.ceil(rPlus), top) / total;
    else if (alternative === 'less') p = sum(0, Math.floor(rPlus)) / total;
    else {
      const mn = (n * (n + 1)) / 4;
      p = rPlus > mn ? sum(Math.ceil(rPlus), top) / total : sum(0, Math.floor(rPlus)) / total;
      p = Math.min(2 * p, 1);
    }
    return { statistic, pValue: p, method: 'exact' };
  }
  const mn = (n * (n + 1)) / 4;
  let se = n * (n + 1) * (2 * n + 1);
  const sorted = ranks.slice().sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    if (t > 1) se -= 0.5 * t * (t * t - 1);
    i = j + 1;
  }
  se = Math.sqrt(se / 24);
  const z = se > 0 ? (statistic - mn) / se : 0;
  let p: number;
  if (alternative === 'greater') p = 1 - normalCdf(z);
  else if (alternative === 'less') p = normalCdf(z);
  else p = Math.min(2 * normalCdf(-Math.abs(z)), 1);
  return { statistic, pValue: p, method: 'approx' };
}
