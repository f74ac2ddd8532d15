/**
 * The standard normal distribution and its truncation to [a, b], as the
 * Parzen estimator's kernels need them: CDF, log-CDF far into the tails, the
 * log of the mass between two points, the inverse CDF, and draws.
 *
 * Notation: z is a standardized point (x − μ) / σ; Φ is the standard normal
 * CDF, φ its density; a ≤ b are the standardized truncation bounds.
 *
 * erfc follows the rational approximations of Sun's fdlibm (s_erf.c,
 * "Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use,
 * copy, modify, and distribute this software is freely granted, provided that
 * this notice is preserved."); the inverse CDF is Acklam's approximation
 * refined by one Halley step against that erfc.
 */

const LN2 = Math.LN2;
const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

// fdlibm s_erf.c coefficients.
const ERX = 8.45062911510467529297e-1;
const PP0 = 1.28379167095512558561e-1;
const PP1 = -3.25042107247001499370e-1;
const PP2 = -2.84817495755985104766e-2;
const PP3 = -5.77027029648944159157e-3;
const PP4 = -2.37630166566501626084e-5;
const QQ1 = 3.97917223959155352819e-1;
const QQ2 = 6.50222499887672944485e-2;
const QQ3 = 5.08130628187576562776e-3;
const QQ4 = 1.32494738004321644526e-4;
const QQ5 = -3.96022827877536812320e-6;
const PA0 = -2.36211856075265944077e-3;
const PA1 = 4.14856118683748331666e-1;
const PA2 = -3.72207876035701323847e-1;
const PA3 = 3.18346619901161753674e-1;
const PA4 = -1.10894694282396677476e-1;
const PA5 = 3.54783043256182359371e-2;
const PA6 = -2.16637559486879084300e-3;
const QA1 = 1.06420880400844228286e-1;
const QA2 = 5.40397917702171048937e-1;
const QA3 = 7.18286544141962662868e-2;
const QA4 = 1.26171219808761642112e-1;
const QA5 = 1.36370839120290507362e-2;
const QA6 = 1.19844998467991074170e-2;
const RA0 = -9.86494403484714822705e-3;
const RA1 = -6.93858572707181764372e-1;
const RA2 = -1.05586262253232909814e1;
const RA3 = -6.23753324503260060396e1;
const RA4 = -1.62396669462573470355e2;
const RA5 = -1.84605092906711035994e2;
const RA6 = -8.12874355063065934246e1;
const RA7 = -9.81432934416914548592;
const SA1 = 1.96512716674392571292e1;
const SA2 = 1.37657754143519042600e2;
const SA3 = 4.34565877475229228821e2;
const SA4 = 6.45387271733267880336e2;
const SA5 = 4.29008140027567833386e2;
const SA6 = 1.08635005541779435134e2;
const SA7 = 6.57024977031928170135;
const SA8 = -6.04244152148580987438e-2;
const RB0 = -9.86494292470009928597e-3;
const RB1 = -7.99283237680523006574e-1;
const RB2 = -1.77579549177547519889e1;
const RB3 = -1.60636384855821916062e2;
const RB4 = -6.37566443368389627722e2;
const RB5 = -1.02509513161107724954e3;
const RB6 = -4.83519191608651397019e2;
const SB1 = 3.03380607434824582924e1;
const SB2 = 3.25792512996573918826e2;
const SB3 = 1.53672958608443695994e3;
const SB4 = 3.19985821950859553908e3;
const SB5 = 2.55305040643316442583e3;
const SB6 = 4.74528541206955367215e2;
const SB7 = -2.24409524465858183362e1;

// Splitting x into a high part with a zeroed low word keeps exp(-x²) exact to the last bits.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

function truncated(x: number): number {
  f64[0] = x;
  u32[LOW_WORD] = 0;
  return f64[0] as number;
}

/** log(erfc(x)) for x ≥ 1.25, without underflow (fdlibm's tail form, extended past 28). */
function logErfcTail(x: number): number {
  const s = 1 / (x * x);
  let r: number;
  let q: number;
  if (x < 1 / 0.35) {
    r = RA0 + s * (RA1 + s * (RA2 + s * (RA3 + s * (RA4 + s * (RA5 + s * (RA6 + s * RA7))))));
    q = 1 + s * (SA1 + s * (SA2 + s * (SA3 + s * (SA4 + s * (SA5 + s * (SA6 + s * (SA7 + s * SA8)))))));
  } else {
    r = RB0 + s * (RB1 + s * (RB2 + s * (RB3 + s * (RB4 + s * (RB5 + s * RB6)))));
    q = 1 + s * (SB1 + s * (SB2 + s * (SB3 + s * (SB4 + s * (SB5 + s * (SB6 + s * SB7))))));
  }
  const z = truncated(x);
  return -z * z - 0.5625 + ((z - x) * (z + x) + r / q) - Math.log(x);
}

/** The complementary error function, relative error ~1e-16 (0 below about -6, underflows past 26.5). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 1.3877787807814457e-17) return 1 - x;
    const z = x * x;
    const r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
    const s = 1 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
    const y = r / s;
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
    const q = 1 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
    return x >= 0 ? 1 - ERX - p / q : 1 + (ERX + p / q);
  }
  if (x <= -6) return 2;
  if (ax >= 28) return x > 0 ? 0 : 2;
  const r = Math.exp(logErfcTail(ax));
  return x > 0 ? r : 2 - r;
}

/** Φ(z), the standard normal CDF. */
export function ndtr(z: number): number {
  return 0.5 * erfc(-z * SQRT1_2);
}

/** log Φ(z), accurate far into the lower tail (z = −1e4 is fine). */
export function logNdtr(z: number): number {
  if (z > 6) return -ndtr(-z); // log(1 − ε) = −ε to double precision
  if (z > -1.25 * Math.SQRT2) return Math.log(ndtr(z));
  if (z === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return logErfcTail(-z * SQRT1_2) - LN2;
}

/** log(1 − exp(x)) for x ≤ 0, accurate near both ends. */
function log1mexp(x: number): number {
  return x > -LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** log(Φ(b) − Φ(a)) for a ≤ b: the log of a standard normal's mass on [a, b]. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) {
    const lb = logNdtr(b);
    return lb + log1mexp(logNdtr(a) - lb);
  }
  if (a >= 0) {
    const la = logNdtr(-a);
    return la + log1mexp(logNdtr(-b) - la);
  }
  // a < 0 < b: both tails are at most one half, so 1 − Φ(a) − Φ(−b) keeps its precision.
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/** log φ(z). */
export function logNormPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549671010135233, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Φ⁻¹(p) for p in [0, 0.5], where the lower tail keeps full relative precision. */
function ndtriLower(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    const [c0, c1, c2, c3, c4, c5] = ACKLAM_C as [number, number, number, number, number, number];
    const [d0, d1, d2, d3] = ACKLAM_D as [number, number, number, number];
    x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    const [a0, a1, a2, a3, a4, a5] = ACKLAM_A as [number, number, number, number, number, number];
    const [b0, b1, b2, b3, b4] = ACKLAM_B as [number, number, number, number, number];
    x = ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  }
  // One Halley step on Φ(x) − p (relative form, so it works deep in the tail).
  const e = ndtr(x) - p;
  const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/** Φ⁻¹(p), the standard normal quantile. */
export function ndtri(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p <= 0.5) return ndtriLower(p);
  return -ndtriLower(1 - p);
}

/**
 * A standard normal draw conditioned on [a, b] (a ≤ 0 ≤ b, as for a kernel
 * centred inside its domain), from one uniform r in [0, 1), by the inverse
 * CDF: the side nearer r's quantile is computed from its own tail.
 */
export function truncNormFromUniform(a: number, b: number, r: number): number {
  const pa = ndtr(a);
  const pb = ndtr(b);
  const u = pa + r * (pb - pa);
  let z: number;
  if (u <= 0.5) {
    z = ndtriLower(u);
  } else {
    const qa = ndtr(-a);
    const qb = ndtr(-b);
    z = -ndtriLower(qa - r * (qa - qb));
  }
  return z < a ? a : z > b ? b : z;
}
