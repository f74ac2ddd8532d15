import { describe, expect, it } from 'vitest';
import { chi2Quantile1, normalCdf, normalQuantile } from './normal.js';

describe('normal distribution helpers', () => {
  it('matches tabulated values of the normal distribution function', () => {
    // Reference values (scipy.stats.norm.cdf / sf).
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220435, 14);
    expect(normalCdf(2.5)).toBeCloseTo(0.9937903346742238, 14);
    expect(normalCdf(-3) / 0.0013498980316300946).toBeCloseTo(1, 12);
    expect(normalCdf(-6) / 9.865876450376946e-10).toBeCloseTo(1, 12);
    expect(normalCdf(-10) / 7.61985302416047e-24).toBeCloseTo(1, 10);
  });

  it('inverts the distribution function over the range the margin uses', () => {
    for (const q of [1e-10, 1e-6, 0.001, 0.025, 0.2, 0.5, 0.7, 0.975, 1 - 1e-9]) {
      const x = normalQuantile(q);
      const back = normalCdf(x);
      expect(Math.abs(back - q) / Math.min(q, 1 - q)).toBeLessThan(1e-11);
    }
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('gives chi-squared(1) quantiles', () => {
    // scipy.stats.chi2.ppf(q, df=1)
    expect(chi2Quantile1(0.95)).toBeCloseTo(3.841458820694124, 12);
    expect(chi2Quantile1(0.5)).toBeCloseTo(0.454936423119572, 12);
    expect(chi2Quantile1(1 - 2 / 40)).toBeCloseTo(3.841458820694124, 12);
  });
});
