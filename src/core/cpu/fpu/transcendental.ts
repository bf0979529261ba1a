/**
 * The transcendental operations (SDM Vol. 2 F2XM1, FYL2X, FYL2XP1, FPATAN,
 * FPTAN, FSIN, FCOS, FSINCOS), computed in binary fixed point with far more
 * bits than the 64 kept (`WORK_BITS` beyond the leading bit of the result)
 * and then rounded once by the rounding control, so results are correctly
 * rounded but for astronomically rare cases.
 *
 * The trigonometric instructions reduce their argument the way the hardware
 * does: modulo π/2 with π held to 66 bits (SDM Vol. 1 §8.3.10), and only for
 * |x| < 2^63 (beyond, C2 = 1 and the operand is left alone). The reduction
 * itself is exact; only the 66-bit π departs from the true function, as it
 * does on Intel processors.
 */
import {isqrt} from './arithmetic.js'
import {bitLength, type Ext80, unbiasedLsbExponent} from './ext80.js'

/** Fraction bits of precision kept beyond what the result's magnitude needs. */
const WORK_BITS = 192

// ---- Fixed-point helpers: a value v is represented as the bigint round(v × 2^F) ----

/** a × b, truncated toward zero (a shift alone would floor, and a negative series term would never reach 0). */
function mul(a: bigint, b: bigint, f: number): bigint {
  const p = a * b
  return p >= 0n ? p >> BigInt(f) : -(-p >> BigInt(f))
}

function div(a: bigint, b: bigint, f: number): bigint {
  return (a << BigInt(f)) / b
}

/** |v| in fixed point with f fraction bits (truncated). */
export function toFixed(v: Ext80, f: number): bigint {
  const shift = unbiasedLsbExponent(v) + f
  return shift >= 0 ? v.sig << BigInt(shift) : v.sig >> BigInt(-shift)
}

/** The unbiased exponent of the leading bit of a finite nonzero value. */
export function leadingExponent(v: Ext80): number {
  return unbiasedLsbExponent(v) + bitLength(v.sig) - 1
}

function sqrtFixed(a: bigint, f: number): bigint {
  return isqrt(a << BigInt(f))
}

const piCache = new Map<number, bigint>()
const ln2Cache = new Map<number, bigint>()

/** atan(1/n) for integer n, by its series. */
function atanInverse(n: bigint, f: number): bigint {
  const one = 1n << BigInt(f)
  let term = one / n
  let sum = 0n
  const n2 = n * n
  for (let k = 1n, sign = 1n; term !== 0n; k += 2n, sign = -sign) {
    sum += (sign * term) / k
    term /= n2
  }
  return sum
}

/** π (Machin: 16 atan(1/5) - 4 atan(1/239)). */
export function piFixed(f: number): bigint {
  let v = piCache.get(f)
  if (v === undefined) {
    const g = f + 16
    v = (16n * atanInverse(5n, g) - 4n * atanInverse(239n, g)) >> 16n
    piCache.set(f, v)
  }
  return v
}

/** atanh(s) = s + s³/3 + s⁵/5 + ... for |s| < 1. */
function atanhFixed(s: bigint, f: number): bigint {
  const s2 = mul(s, s, f)
  let term = s
  let sum = 0n
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k
    term = mul(term, s2, f)
  }
  return sum
}

/** ln 2 = 2 atanh(1/3). */
function ln2Fixed(f: number): bigint {
  let v = ln2Cache.get(f)
  if (v === undefined) {
    const g = f + 8
    v = (2n * atanhFixed((1n << BigInt(g)) / 3n, g)) >> 8n
    ln2Cache.set(f, v)
  }
  return v
}

/** e^t - 1 for |t| <= 1, keeping relative precision for small t. */
function expm1Fixed(t: bigint, f: number): bigint {
  // Halve the argument until it is small, then square back: e^t - 1 = (e^(t/2) - 1)(e^(t/2) + 1).
  let halvings = 0
  let u = t
  const limit = 1n << BigInt(f - 8)
  while ((u < 0n ? -u : u) > limit) {
    u >>= 1n
    halvings++
  }
  let term = u
  let sum = 0n
  for (let k = 2n; term !== 0n; k++) {
    sum += term
    term = mul(term, u, f) / k
  }
  const two = 2n << BigInt(f)
  for (let n = 0; n < halvings; n++) sum = mul(sum, sum + two, f)
  return sum
}

/** Natural logarithm of m in fixed point, for m > 0 (m given in fixed point too). */
function lnFixed(m: bigint, f: number): bigint {
  const one = 1n << BigInt(f)
  // m = 2^k × r with r in [1/√2, √2): ln m = k ln2 + 2 atanh((r-1)/(r+1)).
  let k = bitLength(m) - 1 - f
  let r = k >= 0 ? m >> BigInt(k) : m << BigInt(-k)
  const sqrt2 = sqrtFixed(2n << BigInt(f), f)
  if (r > sqrt2) {
    r >>= 1n
    k += 1
  }
  const s = div(r - one, r + one, f)
  return BigInt(k) * ln2Fixed(f) + 2n * atanhFixed(s, f)
}

/** atan(z) for 0 <= z <= 1. */
function atanFixed(z: bigint, f: number): bigint {
  const one = 1n << BigInt(f)
  // atan(z) = 2 atan(z / (1 + √(1 + z²))): three halvings bring z below 0.1.
  let u = z
  for (let n = 0; n < 3; n++) u = div(u, one + sqrtFixed(one + mul(u, u, f), f), f)
  const u2 = mul(u, u, f)
  let term = u
  let sum = 0n
  for (let k = 1n, sign = 1n; term !== 0n; k += 2n, sign = -sign) {
    sum += (sign * term) / k
    term = mul(term, u2, f)
  }
  return sum << 3n
}

/** sin and cos of r, |r| <= π/4, by their series. */
function sinCosFixed(r: bigint, f: number): [bigint, bigint] {
  const one = 1n << BigInt(f)
  const r2 = mul(r, r, f)
  let sin = 0n
  let term = r
  for (let k = 1n; term !== 0n; k += 2n) {
    sin += term
    term = -mul(term, r2, f) / ((k + 1n) * (k + 2n))
  }
  let cos = 0n
  term = one
  for (let k = 0n; term !== 0n; k += 2n) {
    cos += term
    term = -mul(term, r2, f) / ((k + 1n) * (k + 2n))
  }
  return [sin, cos]
}

// ---------------------------------------------------------------------------
// The operations on finite operands. Each returns [sign, magnitude, f]: the
// result is sign × magnitude × 2^-f, to be rounded by the caller.
// ---------------------------------------------------------------------------

export type Approximation = [sign: number, magnitude: bigint, fractionBits: number]

/** Working fraction bits for a result whose leading bit is near 2^exponent. */
function bitsFor(exponent: number): number {
  return WORK_BITS + Math.max(0, -exponent)
}

/** F2XM1: 2^x - 1, for finite nonzero x (meant for |x| <= 1). */
export function twoToXMinusOne(x: Ext80): Approximation {
  const f = bitsFor(leadingExponent(x))
  const t = mul(toFixed(x, f), ln2Fixed(f), f)
  const r = expm1Fixed(x.sign === 1 ? -t : t, f)
  return r < 0n ? [1, -r, f] : [0, r, f]
}

/** log2(x) for finite x > 0. */
export function log2(x: Ext80): Approximation {
  // Exponent and significand apart, so that the fixed point needs only the significand's range.
  const e = leadingExponent(x)
  const f = WORK_BITS + 64
  const m = x.sig << BigInt(f - (bitLength(x.sig) - 1))
  const v = div(lnFixed(m, f), ln2Fixed(f), f) + (BigInt(e) << BigInt(f))
  return v < 0n ? [1, -v, f] : [0, v, f]
}

/** log2(1 + x) for finite nonzero x with |x| < 1. */
export function log2OnePlus(x: Ext80): Approximation {
  const f = bitsFor(leadingExponent(x))
  const one = 1n << BigInt(f)
  const xf = x.sign === 1 ? -toFixed(x, f) : toFixed(x, f)
  // ln(1 + x) = 2 atanh(x / (2 + x)).
  const s = div(xf, 2n * one + xf, f)
  const v = div(2n * atanhFixed(s, f), ln2Fixed(f), f)
  return v < 0n ? [1, -v, f] : [0, v, f]
}

/** atan2(y, x) for finite y, x, not both zero: the angle of (x, y) in (-π, π]. */
export function arctangent(y: Ext80, yZero: boolean, x: Ext80, xZero: boolean): Approximation {
  const f0 = yZero || xZero ? WORK_BITS : bitsFor(Math.min(0, leadingExponent(y) - leadingExponent(x)))
  const f = f0 + 2
  const pi = piFixed(f)
  let angle: bigint
  if (yZero) angle = 0n
  else if (xZero) angle = pi >> 1n
  else {
    // |y|/|x| as an exact quotient in fixed point, then atan on [0, 1] with the complement above 1.
    const ey = unbiasedLsbExponent(y)
    const ex = unbiasedLsbExponent(x)
    const ratio = scaledQuotient(y.sig, ey, x.sig, ex, f)
    const one = 1n << BigInt(f)
    angle = ratio <= one ? atanFixed(ratio, f) : (pi >> 1n) - atanFixed(scaledQuotient(x.sig, ex, y.sig, ey, f), f)
  }
  if (x.sign === 1) angle = pi - angle
  return [y.sign, angle, f]
}

/** (ma × 2^ea) / (mb × 2^eb) in fixed point with f fraction bits. */
function scaledQuotient(ma: bigint, ea: number, mb: bigint, eb: number, f: number): bigint {
  const shift = ea - eb + f
  return shift >= 0 ? (ma << BigInt(shift)) / mb : ma / (mb << BigInt(-shift))
}

/** π to 66 bits, as the hardware's reduction uses it: 0xC90FDAA22168C234C × 2^-66 × 4. */
const PI_66 = 0x3243f6a8885a308d3n
const PI_66_FRACTION_BITS = 64

/**
 * Reduce x (finite, |x| < 2^63) modulo π/2 with the 66-bit π: returns the
 * quadrant (0-3) and the remainder r in [-π/4, π/4] in fixed point.
 */
function reduce(x: Ext80, f: number): [quadrant: number, r: bigint] {
  const e = unbiasedLsbExponent(x)
  // Everything in units of 2^-(f + 64): x exact, π/2 exact at 66 bits.
  const unit = f + PI_66_FRACTION_BITS
  const xs = e + unit >= 0 ? x.sig << BigInt(e + unit) : x.sig >> BigInt(-(e + unit))
  const halfPi = PI_66 << BigInt(unit - PI_66_FRACTION_BITS - 1)
  let k = (xs + (halfPi >> 1n)) / halfPi
  const r = xs - k * halfPi
  if (x.sign === 1) k = -k
  return [Number(((k % 4n) + 4n) % 4n), (x.sign === 1 ? -r : r) >> BigInt(PI_66_FRACTION_BITS)]
}

/** sin(x) and cos(x) for finite x, |x| < 2^63, with the hardware's reduction. */
export function sineCosine(x: Ext80): [Approximation, Approximation] {
  const f = bitsFor(Math.min(0, leadingExponent(x)))
  const [quadrant, r] = reduce(x, f)
  const [s, c] = sinCosFixed(r, f)
  const values = [[s, c], [c, -s], [-s, -c], [-c, s]][quadrant]!
  const approx = (v: bigint): Approximation => (v < 0n ? [1, -v, f] : [0, v, f])
  return [approx(values[0]!), approx(values[1]!)]
}

/** tan(x) for finite x, |x| < 2^63. */
export function tangent(x: Ext80): Approximation {
  const [[ss, s, f], [cs, c]] = sineCosine(x)
  const g = f + 64
  return [ss ^ cs, div(s << 64n, c, g - 64) , g]
}
