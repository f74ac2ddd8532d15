/**
 * Special functions of the normal distribution, to double precision.
 *
 * Notation: φ(z) = exp(−z²/2)/√(2π) is the standard normal density, Φ(z) its
 * distribution function, Φ(z) = erfc(−z/√2)/2, and erfcx(x) = exp(x²)·erfc(x)
 * the scaled complementary error function, finite where erfc underflows.
 *
 * erf, erfc and erfcx use W. J. Cody's rational Chebyshev approximations,
 * "Rational Chebyshev approximations for the error function", Math. Comp. 23
 * (1969) 631-637, on the intervals |x| ≤ 0.46875, ≤ 4 and > 4 (relative error
 * below 1e-16 on each), with exp(−x²) split as exp(−⌊16x⌋²/256)·exp(−δ) so
 * that no precision is lost in x².
 */

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_PI = 0.56418958354775628695;
const LOG_SQRT_2PI = 0.91893853320467274178;
const INV_SQRT_2PI = 0.39894228040143267794;

const A = [3.1611237438705656, 113.86415415105016, 377.48523768530202, 3209.3775891384695, 0.18577770618460315];
const B = [23.601290952344121, 244.02463793444417, 1282.6165260773723, 2844.2368334391706];
const C = [
  0.56418849698867009, 8.8831497943883759, 66.11919063714163, 298.63513819740013, 881.95222124176909, 1712.0476126340706, 2051.0783778260715,
  1230.3393547979973, 2.1531153547440385e-8,
];
const D = [
  15.744926110709835, 117.6939508913125, 537.18110186200986, 1621.3895745666902, 3290.7992357334596, 4362.6190901432472, 3439.3676741437216, 1230.3393548037494,
];
const P = [0.30532663496123234, 0.36034489994980444, 0.12578172611122925, 0.016083785148742277, 6.587491615298378e-4, 0.016315387137302098];
const Q = [2.5685201922898224, 1.8729528499234605, 0.52790510295142841, 0.060518341312441319, 0.0023352049762686918];

/** exp(−y²) without the rounding error of y² (Cody's split). */
function expNegSquare(y: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del);
}

/** erf(y) for |y| ≤ 0.46875. */
function erfSmall(x: number): number {
  const ysq = x * x;
  let num = (A[4] as number) * ysq;
  let den = ysq;
  for (let i = 0; i < 3; i++) {
    num = (num + (A[i] as number)) * ysq;
    den = (den + (B[i] as number)) * ysq;
  }
  return (x * (num + (A[3] as number))) / (den + (B[3] as number));
}

/** erfcx(y) = exp(y²) erfc(y) for y > 0.46875. */
function erfcxLarge(y: number): number {
  if (y <= 4) {
    let num = (C[8] as number) * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + (C[i] as number)) * y;
      den = (den + (D[i] as number)) * y;
    }
    return (num + (C[7] as number)) / (den + (D[7] as number));
  }
  if (y >= 6.71e7) return INV_SQRT_PI / y;
  const ysq = 1 / (y * y);
  let num = (P[5] as number) * ysq;
  let den = ysq;
  for (let i = 0; i < 4; i++) {
    num = (num + (P[i] as number)) * ysq;
    den = (den + (Q[i] as number)) * ysq;
  }
  const r = (ysq * (num + (P[4] as number))) / (den + (Q[4] as number));
  return (INV_SQRT_PI - r) / y;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x);
  const r = y >= 26.543 ? 0 : expNegSquare(y) * erfcxLarge(y);
  const v = 0.5 - r + 0.5;
  return x < 0 ? -v : v;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const r = y >= 26.543 ? 0 : expNegSquare(y) * erfcxLarge(y);
  return x < 0 ? 2 - r : r;
}

/** exp(x²)·erfc(x); overflows to Infinity only for x < −26.628. */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  let r: number;
  if (y <= 0.46875) r = Math.exp(x * x) * (1 - erfSmall(x));
  else r = erfcxLarge(y);
  if (x >= -0.46875) return r;
  if (x < -26.628) return Number.POSITIVE_INFINITY;
  const e = 1 / expNegSquare(y);
  return e + e - r;
}

/** φ(z), the standard normal density. */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** Φ(z), the standard normal distribution function. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT_HALF);
}

/** log Φ(z), accurate in both tails (no underflow for very negative z). */
export function logNormalCdf(z: number): number {
  if (z > 0) return Math.log1p(-0.5 * erfc(z * SQRT_HALF));
  if (z > -1) return Math.log(0.5 * erfc(-z * SQRT_HALF));
  // Φ(z) = exp(−z²/2)·erfcx(−z/√2)/2 for z < 0.
  return -0.5 * z * z + Math.log(0.5 * erfcx(-z * SQRT_HALF));
}

/** d/dz log Φ(z) = φ(z)/Φ(z) (the inverse Mills ratio), stable for very negative z. */
export function logNormalCdfGrad(z: number): number {
  if (z > -1) return normalPdf(z) / normalCdf(z);
  return INV_SQRT_2PI / (0.5 * erfcx(-z * SQRT_HALF));
}

/** log φ(z). */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** log(1 − exp(−a)) for a > 0 (Mächler's log1mexp), accurate for small and large a. */
export function log1mexp(a: number): number {
  return a <= Math.LN2 ? Math.log(-Math.expm1(-a)) : Math.log1p(-Math.exp(-a));
}

const QA = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const QB = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const QC = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const QD = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/**
 * Φ⁻¹(p), the standard normal quantile: P. J. Acklam's rational
 * approximation (relative error < 1.2e-9) refined by one Halley step on
 * Φ(x) − p, which brings it to full double precision.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  const pLow = 0.02425;
  let x: number;
  if (p < pLow || p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(p < pLow ? p : 1 - p));
    const c = QC as [number, number, number, number, number, number];
    const d = QD as [number, number, number, number];
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p > 1 - pLow) x = -x;
  } else {
    const q = p - 0.5;
    const r = q * q;
    const a = QA as [number, number, number, number, number, number];
    const b = QB as [number, number, number, number, number];
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // Halley: e = Φ(x) − p (from the tail that keeps precision), u = e/φ(x).
  const e = x < 0 ? 0.5 * erfc(-x * SQRT_HALF) - p : 1 - p - 0.5 * erfc(x * SQRT_HALF);
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}
