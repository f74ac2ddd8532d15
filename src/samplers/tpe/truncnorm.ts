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
const ERX = 0.8450629115104675;
const PP0 = 0.12837916709551256;
const PP1 = -0.3250421072470015;
const PP2 = -0.02848174957559851;
const PP3 = -0.005770270296489442;
const PP4 = -0.000023763016656650163;
const QQ1 = 0.39791722395915535;
const QQ2 = 0.0650222499887673;
const QQ3 = 0.005081306281875766;
const QQ4 = 0.00013249473800432164;
const QQ5 = -0.000003960228278775368;
const PA0 = -0.0023621185607526594;
const PA1 = 0.41485611868374833;
const PA2 = -0.3722078760357013;
const PA3 = 0.31834661990116175;
const PA4 = -0.11089469428239668;
const PA5 = 0.035478304325618236;
const PA6 = -0.002166375594868791;
const QA1 = 0.10642088040084423;
const QA2 = 0.540397917702171;
const QA3 = 0.07182865441419627;
const QA4 = 0.12617121980876164;
const QA5 = 0.01363708391202905;
const QA6 = 0.011984499846799107;
const RA0 = -0.009864944034847148;
const RA1 = -0.6938585727071818;
const RA2 = -10.558626225323291;
const RA3 = -62.375332450326006;
const RA4 = -162.39666946257347;
const RA5 = -184.60509290671104;
const RA6 = -81.2874355063066;
const RA7 = -9.814329344169145;
const SA1 = 19.651271667439257;
const SA2 = 137.65775414351904;
const SA3 = 434.56587747522923;
const SA4 = 645.3872717332679;
const SA5 = 429.00814002756783;
const SA6 = 108.63500554177944;
const SA7 = 6.570249770319282;
const SA8 = -0.0604244152148581;
const RB0 = -0.0098649429247001;
const RB1 = -0.799283237680523;
const RB2 = -17.757954917754752;
const RB3 = -160.63638485582192;
const RB4 = -637.5664433683896;
const RB5 = -1025.0951316110772;
const RB6 = -483.5191916086514;
const SB1 = 30.33806074348246;
const SB2 = 325.7925129965739;
const SB3 = 1536.729586084437;
const SB4 = 3199.8582195085955;
const SB5 = 2553.0504064331644;
const SB6 = 474.52854120695537;
const SB7 = -22.44095244658582;

// Splitting x into a high part with a zeroed low word keeps exp(-x²) exact to the last bits.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

function truncated(x: number): number {
  f64[0] = x;
  u32[LOW_WORD] = 0;
  return f64[0] as number;
}

/**
 * erfc(x) = exp(hi) · exp(lo) / x for x ≥ 1.25 (fdlibm's tail form, extended
 * past 28): hi = −z² − 0.5625 with z = x cut to its high word, so neither
 * exponent loses bits to the other.
 */
let tailLo = 0;

/** The high part of the exponent of erfc(x)·x for x ≥ 0.84; the low part is left in `tailLo` (no allocation: this runs for every kernel). */
function erfcTail(x: number): number {
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
  tailLo = (z - x) * (z + x) + r / q;
  return -z * z - 0.5625;
}

/** log(erfc(x)) for x ≥ 1.25, without underflow. */
function logErfcTail(x: number): number {
  const hi = erfcTail(x);
  return hi + tailLo - Math.log(x);
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
  const hi = erfcTail(ax);
  const r = (Math.exp(hi) * Math.exp(tailLo)) / ax;
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
  // A tail beyond 8.5 is below 1e-17 and cannot change the sum: skip its erfc.
  return Math.log1p(-(a < -8.5 ? 0 : ndtr(a)) - (b > 8.5 ? 0 : ndtr(-b)));
}

/** log φ(z). */
export function logNormPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

const ACKLAM_A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const ACKLAM_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const ACKLAM_C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549671010135233, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

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

/** Φ⁻¹(exp(logP)) for log P ≤ log 0.5, also where exp(logP) underflows. */
function ndtriExp(logP: number): number {
  if (logP > -700) return ndtriLower(Math.exp(logP));
  // Newton on log Φ(z) = logP from the tail asymptote; log Φ is concave, so it converges from the right start.
  let z = -Math.sqrt(-2 * logP);
  for (let i = 0; i < 50; i++) {
    const f = logNdtr(z) - logP;
    const slope = Math.exp(logNormPdf(z) - logNdtr(z));
    const step = f / slope;
    z -= step;
    if (Math.abs(step) < 1e-14 * Math.abs(z)) break;
  }
  return z;
}

/**
 * A standard normal draw conditioned on [a, b], from one uniform r in
 * [0, 1), by the inverse CDF. Each tail is computed from its own side, in
 * log space, so an interval far out in a tail is sampled as well as one in the
 * middle.
 */
export function truncNormFromUniform(a: number, b: number, r: number): number {
  if (a > 0) return -truncNormFromUniform(-b, -a, 1 - r);
  let z: number;
  if (b <= 0) {
    // log u = log(Φ(a) + r·(Φ(b) − Φ(a))) = log Φ(b) + log(r + (1 − r)·Φ(a)/Φ(b)).
    const lb = logNdtr(b);
    const ratio = Math.exp(logNdtr(a) - lb);
    z = ndtriExp(lb + Math.log(r + (1 - r) * ratio));
  } else {
    const pa = ndtr(a);
    const pb = ndtr(b);
    const u = pa + r * (pb - pa);
    if (u <= 0.5) {
      z = ndtriLower(u);
    } else {
      const qa = ndtr(-a);
      const qb = ndtr(-b);
      z = -ndtriLower(qa - r * (qa - qb));
    }
  }
  return Math.min(b, Math.max(a, z));
}
