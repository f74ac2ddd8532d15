import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { LogEhvi, LogEi, nonDominatedBoxes, LogProbabilityOfFeasibility, standardLogEi, standardLogEiGrad, SumAcquisition } from './acquisition.js';
import { hypervolume } from '../../math/hypervolume.js';
import { GaussianProcess } from './gp.js';

/** log(z·Φ(z) + φ(z)) and Φ(z)/(z·Φ(z) + φ(z)) from mpmath at 80 digits. */
const REFERENCE: [number, number, number][] = [
  [-1e6, -500000000028.55, 1000000.000002],
  [-1e4, -50000019.33961931, 10000.000199999993],
  [-300, -45012.32653681455, 300.0066664444617],
  [-40, -808.29856835662, 40.04990665764852],
  [-25.5, -332.525884462205, 25.578073358175352],
  [-25, -319.86146358149597, 25.07962023426653],
  [-24.5, -307.4462538577302, 24.581229341151868],
  [-12, -77.90910054500735, 12.16335257158574],
  [-6.5, -25.853424209777895, 6.788803524407328],
  [-4.2, -12.753935113720098, 4.6164336239253405],
  [-4, -11.849061577550662, 4.432483741873118],
  [-3.8, -10.980865364434877, 4.2496780320517145],
  [-2.5, -6.212541645443513, 3.098423296791162],
  [-1.2, -2.8805757826097245, 2.051063166595427],
  [-1, -2.4851210257126413, 1.9042712333296918],
  [-0.8, -2.118538076539113, 1.7624180485582428],
  [-0.3, -1.3214012449190435, 1.4323241816484151],
  [0, -0.9189385332046728, 1.2533141373155003],
  [0.4, -0.46133913550320205, 1.0396278008249569],
  [1.7, 0.5413283244849005, 0.556038716226492],
  [5, 1.6094379231264313, 0.19999994053122006],
  [9, 2.1972245773362196, 0.1111111111111111],
  [40, 3.6888794541139363, 0.025],
];

describe('log expected improvement', () => {
  it('matches an 80-digit reference from z = −10⁶ to 40', () => {
    for (const [z, logH, dLogH] of REFERENCE) {
      expect(Math.abs(standardLogEi(z) - logH) / Math.max(1, Math.abs(logH)), `log h(${z})`).toBeLessThan(2e-15);
      expect(Math.abs(standardLogEiGrad(z) - dLogH) / dLogH, `d log h(${z})`).toBeLessThan(2e-14);
    }
  });

  it('is finite, increasing and smooth across the branch points', () => {
    let prev = Number.NEGATIVE_INFINITY;
    for (let z = -60; z <= 10; z += 0.01) {
      const v = standardLogEi(z);
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(prev);
      prev = v;
    }
    for (const z of [-4, -1]) {
      expect(standardLogEi(z - 1e-12)).toBeCloseTo(standardLogEi(z + 1e-12), 10);
      expect(standardLogEiGrad(z - 1e-12)).toBeCloseTo(standardLogEiGrad(z + 1e-12), 9);
    }
  });
});

function fitted(seed: number, n: number, d: number, categorical: number[] = []): GaussianProcess {
  const rng = new Rng(seed);
  const isCat = new Uint8Array(d);
  for (const j of categorical) isCat[j] = 1;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = isCat[i % d] ? rng.int(3) : rng.random();
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(5 * (x[i * d] as number)) + (x[i * d + 1] as number) + 0.1 * rng.normal());
  return GaussianProcess.build(
    { x, y, n, d, isCategorical: isCat },
    { invSqLengthscales: Float64Array.from({ length: d }, (_, j) => 2 + j), signalVar: 1.3, noiseVar: 1e-3 },
  );
}

describe('acquisition gradients', () => {
  it('log EI, log P(feasible) and their sum match central differences, and batch values match single ones', () => {
    const seed = 77;
    const d = 4;
    const gp = fitted(seed, 30, d, [3]);
    const rng = new Rng(seed + 1);
    const gp2 = fitted(seed + 5, 30, d, [3]);
    const ys = new Float64Array(2 * 12);
    for (let i = 0; i < 24; i++) ys[i] = rng.normal();
    const xi = Float64Array.from({ length: 2 * 64 }, () => rng.normal());
    const acqs = [
      new LogEi(gp, 1.2),
      new LogProbabilityOfFeasibility(gp, 0.3),
      new SumAcquisition([new LogEi(gp, 0.5), new LogProbabilityOfFeasibility(gp, -0.2)]),
      new LogEhvi([gp, gp2], ys, xi),
      new LogEhvi(
        [gp, gp2, gp],
        Float64Array.from({ length: 3 * 15 }, () => rng.normal()),
        Float64Array.from({ length: 3 * 32 }, () => rng.normal()),
      ),
    ];
    for (const acq of acqs) {
      for (let trial = 0; trial < 5; trial++) {
        const x = Float64Array.from({ length: d }, (_, j) => (j === 3 ? rng.int(3) : rng.random()));
        const g = new Float64Array(d);
        const v = acq.valueAndGrad(x, g);
        const batch = new Float64Array(1);
        acq.values(x, 1, batch);
        expect(batch[0]).toBeCloseTo(v, 9);
        for (let j = 0; j < 3; j++) {
          const h = 1e-6;
          const xp = x.slice();
          const xm = x.slice();
          xp[j] = (xp[j] as number) + h;
          xm[j] = (xm[j] as number) - h;
          const gp2 = new Float64Array(d);
          const fd = (acq.valueAndGrad(xp, gp2) - acq.valueAndGrad(xm, gp2)) / (2 * h);
          expect(Math.abs((g[j] as number) - fd), `seed ${seed} coord ${j}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
        }
        expect(g[3]).toBe(0);
      }
    }
  });
});

describe('non-dominated boxes', () => {
  it('sum to the exact hypervolume improvement of any point, in 2, 3 and 4 objectives', () => {
    const rng = new Rng(11);
    for (const m of [2, 3, 4]) {
      for (let rep = 0; rep < 5; rep++) {
        // A random front (maximized) on the sphere's positive orthant, reference at the origin.
        const front: number[][] = [];
        for (let i = 0; i < 6; i++) {
          const v = Array.from({ length: m }, () => Math.abs(rng.normal()));
          const norm = Math.hypot(...v);
          front.push(v.map((x) => x / norm));
        }
        const ref = new Float64Array(m);
        const boxes = nonDominatedBoxes(front, ref);
        for (let t = 0; t < 20; t++) {
          const y = Array.from({ length: m }, () => rng.uniform(-0.2, 1.1));
          let hvi = 0;
          for (let b = 0; b < boxes.count; b++) {
            let vol = 1;
            for (let k = 0; k < m; k++) {
              const l = boxes.lower[m * b + k] as number;
              const u = boxes.upper[m * b + k] as number;
              vol *= Math.min(Math.max((y[k] as number) - l, 0), u - l);
            }
            hvi += vol;
          }
          // hypervolume() minimizes: negate everything.
          const neg = (p: number[]) => p.map((v) => -v);
          const exact =
            hypervolume(
              [...front, y].map(neg),
              Array.from(ref, (v) => -v),
            ) -
            hypervolume(
              front.map(neg),
              Array.from(ref, (v) => -v),
            );
          expect(hvi, `m=${m}`).toBeCloseTo(exact, 10);
        }
      }
    }
  });
});
