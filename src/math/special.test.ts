import { describe, expect, it } from 'vitest';
import { erf, erfc, erfcx, logNormalCdf, logNormalCdfGrad, normalCdf, normalPdf, normalQuantile } from './special.js';

/** References computed with mpmath at 50 digits. */
const ERFC: [number, number][] = [
  [-5.5, 1.9999999999999927],
  [-3.2, 1.9999939742388482],
  [-1.0, 1.8427007929497148],
  [-0.5, 1.5204998778130465],
  [-0.3, 1.3286267594591274],
  [-0.001, 1.0011283787909693],
  [0, 1.0],
  [1e-8, 0.9999999887162083],
  [0.2, 0.7772974107895215],
  [0.46875, 0.507386526782062],
  [0.47, 0.5062549491139179],
  [1.3, 0.06599205505934755],
  [2.5, 0.0004069520174449589],
  [3.99, 1.6739211364520814e-8],
  [4.01, 1.4196939421371052e-8],
  [6.3, 5.124221687395715e-19],
  [9.9, 1.5431200214053075e-44],
  [15, 7.212994172451207e-100],
  [26, 5.663192408856143e-296],
];
const ERFCX: [number, number][] = [
  [-26, 7.657724931490568e293],
  [-10, 5.376234283632271e43],
  [-5.5, 27443409954929.71],
  [-3.2, 56002.0831243663],
  [-1.0, 5.008980080762283],
  [-0.5, 1.952360489182557],
  [-0.3, 1.4537492328427655],
  [-0.001, 1.0011293799198486],
  [0, 1.0],
  [1e-8, 0.9999999887162084],
  [0.2, 0.8090195199015807],
  [0.46875, 0.6320696892495561],
  [0.47, 0.6314005166600343],
  [1.3, 0.3576426690860903],
  [2.5, 0.2108063640611436],
  [3.99, 0.1373240409142297],
  [4.01, 0.13667636742994915],
  [6.3, 0.08846589935285219],
  [9.9, 0.05670245693883227],
  [15, 0.03752960638850576],
  [26, 0.021683584850562907],
];
const ERF: [number, number][] = [
  [-5.5, -0.9999999999999927],
  [-3.2, -0.9999939742388483],
  [-1.0, -0.8427007929497149],
  [-0.001, -0.0011283787909692365],
  [0, 0],
  [1e-8, 1.1283791670955126e-8],
  [0.2, 0.22270258921047847],
  [0.46875, 0.49261347321793797],
  [1.3, 0.9340079449406524],
  [3.99, 0.9999999832607886],
];
const LOG_CDF: [number, number][] = [
  [-40, -804.6084420137538],
  [-38.5, -745.695270290411],
  [-20, -203.91715537109727],
  [-10, -53.23128515051247],
  [-6, -20.736768949974707],
  [-3, -6.607726221510349],
  [-1.5, -2.7059444008238898],
  [-0.7, -1.4189677615315315],
  [0, -Math.LN2],
  [0.5, -0.3689464152886564],
  [2, -0.02301290932896349],
  [5, -2.866516129637636e-7],
  [12, -1.776482112077679e-33],
];

function relErr(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
}

describe('special functions', () => {
  it('erfc, erfcx and erf match 50-digit references to a few ulps', () => {
    for (const [x, v] of ERFC) expect(relErr(erfc(x), v), `erfc(${x})`).toBeLessThan(1e-15 * Math.max(1, Math.abs(x)));
    for (const [x, v] of ERFCX) expect(relErr(erfcx(x), v), `erfcx(${x})`).toBeLessThan(2e-15 * Math.max(1, x * x));
    for (const [x, v] of ERF) expect(relErr(erf(x), v), `erf(${x})`).toBeLessThan(4e-16);
    expect(erfcx(-30)).toBe(Number.POSITIVE_INFINITY);
    expect(erfc(40)).toBe(0);
    expect(Number.isNaN(erf(Number.NaN))).toBe(true);
  });

  it('log Φ is accurate far into the lower tail where Φ underflows', () => {
    for (const [z, v] of LOG_CDF) expect(relErr(logNormalCdf(z), v), `logΦ(${z})`).toBeLessThan(1e-15 * Math.max(4, z * z));
    expect(Number.isFinite(logNormalCdf(-1e3))).toBe(true);
  });

  it('d/dz log Φ = φ/Φ, matching a central difference', () => {
    for (const z of [-50, -8, -1.2, -0.5, 0, 1, 4]) {
      const h = 1e-5 * Math.max(1, Math.abs(z));
      const fd = (logNormalCdf(z + h) - logNormalCdf(z - h)) / (2 * h);
      expect(relErr(logNormalCdfGrad(z), fd), `z=${z}`).toBeLessThan(1e-6);
    }
    expect(relErr(logNormalCdfGrad(0.3), normalPdf(0.3) / normalCdf(0.3))).toBeLessThan(1e-15);
  });

  it('inverts Φ to full precision from 1e-20 to 1 − 1e-9', () => {
    const ref: [number, number][] = [
      [1e-20, -9.262340089798407],
      [1e-8, -5.612001244174789],
      [0.001, -3.0902323061678136],
      [0.02425, -1.972961051311885],
      [0.1, -1.2815515655446004],
      [0.3, -0.5244005127080408],
      [0.5, 0],
      [0.7, 0.5244005127080408],
      [0.97575, 1.972961051311885],
      [0.999, 3.0902323061678136],
      [0.999999999, 5.9978070150076865],
    ];
    for (const [p, x] of ref) expect(Math.abs(normalQuantile(p) - x), `p=${p}`).toBeLessThan(1e-14 * Math.max(1, Math.abs(x)) * (p > 0.99 ? 1e6 : 1));
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(normalQuantile(1.5))).toBe(true);
  });
});
