/**
 * The basic operations on 80-bit values, exactly: addition, subtraction,
 * multiplication, division, square root, remainders, scaling, exponent
 * extraction and rounding to an integer (SDM Vol. 1 §4.8, §8.3, and the
 * instruction pages of Vol. 2).
 *
 * Each computes the exact result as an integer significand and an exponent
 * (bigint arithmetic, so nothing rounds early) and hands it to rounding.ts.
 * Special operands are dealt with first, in the SDM's order of precedence
 * (§4.9.2): unsupported formats and SNaNs (invalid), QNaNs, the other invalid
 * operations and division by zero, then denormal operands.
 *
 * Results are `Ext80`, or null when an unmasked exception leaves the
 * destination unchanged.
 */
import {
  bitLength, Ext80, EXP_MAX, INDEFINITE, infinity, isDenormalOperand, J_BIT, Kind, kindOf, quiet, unbiasedLsbExponent,
  withSign, zero,
} from './ext80.js'
import {type ArithEnv, DE, EXTENDED, type Format, IE, PE, RC_DOWN, RC_NEAREST, RC_UP, roundToRegister, ZE} from './rounding.js'

/** The masked response to an invalid operation is the real indefinite; unmasked, nothing is stored. */
export function invalid(env: ArithEnv): Ext80 | null {
  env.flags |= IE
  return env.masked(IE) ? INDEFINITE : null
}

/**
 * NaN operands (SDM Vol. 1 Table 4-7): an SNaN raises IE and is quieted; of an
 * SNaN and a QNaN the QNaN wins, of two of a kind the one with the larger
 * significand. When the significands are equal (only the signs differ) the SDM
 * names neither; the positive one is taken, as the QEMU oracle does in either
 * operand order (the reference model in test/property makes the same choice).
 */
export function propagateNaN(env: ArithEnv, a: Ext80, b: Ext80 | null): Ext80 | null {
  const ka = kindOf(a)
  const kb = b === null ? Kind.Zero : kindOf(b)
  if (ka === Kind.SNaN || kb === Kind.SNaN) {
    env.flags |= IE
    if (!env.masked(IE)) return null
  }
  const aNaN = ka === Kind.QNaN || ka === Kind.SNaN
  const bNaN = kb === Kind.QNaN || kb === Kind.SNaN
  let pick: Ext80
  if (aNaN && bNaN && (ka === Kind.SNaN) !== (kb === Kind.SNaN)) {
    pick = ka === Kind.QNaN ? a : b!
  } else if (aNaN && bNaN) {
    pick = a.sig > b!.sig ? a : b!.sig > a.sig ? b! : a.sign <= b!.sign ? a : b!
  } else {
    pick = aNaN ? a : b!
  }
  return quiet(pick)
}

/**
 * Checks shared by the two-operand operations. Returns a result when the
 * operands decide it (unsupported format or NaN), `undefined` to go on.
 */
function specialOperands(env: ArithEnv, a: Ext80, b: Ext80): Ext80 | null | undefined {
  const ka = kindOf(a)
  const kb = kindOf(b)
  if (ka === Kind.Unsupported || kb === Kind.Unsupported) return invalid(env)
  if (ka === Kind.SNaN || ka === Kind.QNaN || kb === Kind.SNaN || kb === Kind.QNaN) return propagateNaN(env, a, b)
  return undefined
}

/** Raise the denormal-operand exception for denormal or pseudo-denormal operands; false when it is unmasked (nothing is computed). */
function checkDenormals(env: ArithEnv, a: Ext80, b: Ext80 | null): boolean {
  if (isDenormalOperand(a) || (b !== null && isDenormalOperand(b))) {
    env.flags |= DE
    return env.masked(DE)
  }
  return true
}

function isInfinity(v: Ext80): boolean {
  return v.exp === EXP_MAX && v.sig === J_BIT
}

function isZero(v: Ext80): boolean {
  return v.exp === 0 && v.sig === 0n
}

/** The sign of an exact zero sum of operands with opposite signs (or of x - x): -0 only when rounding down. */
function zeroSumSign(env: ArithEnv): number {
  return env.rc === RC_DOWN ? 1 : 0
}

/** Operands further apart than this contribute only a sticky bit to a sum. */
const STICKY_DISTANCE = 160

/** a + b (or a - b), rounded to `format`. */
export function add(env: ArithEnv, a: Ext80, b: Ext80, subtract: boolean, format: Format): Ext80 | null {
  const special = specialOperands(env, a, b)
  if (special !== undefined) return special
  const bSign = b.sign ^ (subtract ? 1 : 0)
  const aInf = isInfinity(a)
  const bInf = isInfinity(b)
  if (aInf || bInf) {
    if (aInf && bInf && a.sign !== bSign) return invalid(env)
    if (!checkDenormals(env, a, b)) return null
    return aInf ? a : infinity(bSign)
  }
  if (!checkDenormals(env, a, b)) return null
  const aZero = isZero(a)
  const bZero = isZero(b)
  if (aZero && bZero) return zero(a.sign === bSign ? a.sign : zeroSumSign(env))
  let ma = a.sig
  let ea = unbiasedLsbExponent(a)
  let mb = b.sig
  let eb = unbiasedLsbExponent(b)
  if (aZero) return roundToRegister(env, bSign, mb, eb, format)
  if (bZero) return roundToRegister(env, a.sign, ma, ea, format)
  // Far apart: the smaller one only decides rounding; keep it as a sticky bit well below the larger's last bit.
  const msbA = ea + bitLength(ma)
  const msbB = eb + bitLength(mb)
  if (msbA - msbB > STICKY_DISTANCE) {
    mb = 1n
    eb = msbA - STICKY_DISTANCE - 64
  } else if (msbB - msbA > STICKY_DISTANCE) {
    ma = 1n
    ea = msbB - STICKY_DISTANCE - 64
  }
  const e = Math.min(ea, eb)
  const xa = ma << BigInt(ea - e)
  const xb = mb << BigInt(eb - e)
  const va = a.sign === 0 ? xa : -xa
  const vb = bSign === 0 ? xb : -xb
  const sum = va + vb
  if (sum === 0n) return zero(zeroSumSign(env))
  return sum > 0n ? roundToRegister(env, 0, sum, e, format) : roundToRegister(env, 1, -sum, e, format)
}

/** a × b, rounded to `format`. */
export function multiply(env: ArithEnv, a: Ext80, b: Ext80, format: Format): Ext80 | null {
  const special = specialOperands(env, a, b)
  if (special !== undefined) return special
  const sign = a.sign ^ b.sign
  const aInf = isInfinity(a)
  const bInf = isInfinity(b)
  if (aInf || bInf) {
    if (isZero(a) || isZero(b)) return invalid(env)
    if (!checkDenormals(env, a, b)) return null
    return infinity(sign)
  }
  if (!checkDenormals(env, a, b)) return null
  if (isZero(a) || isZero(b)) return zero(sign)
  return roundToRegister(env, sign, a.sig * b.sig, unbiasedLsbExponent(a) + unbiasedLsbExponent(b), format)
}

/** Bits of quotient and root computed beyond the 64 that can be kept, before the sticky bit. */
const GUARD_BITS = 66

/** a ÷ b, rounded to `format`. */
export function divide(env: ArithEnv, a: Ext80, b: Ext80, format: Format): Ext80 | null {
  const special = specialOperands(env, a, b)
  if (special !== undefined) return special
  const sign = a.sign ^ b.sign
  const aInf = isInfinity(a)
  const bInf = isInfinity(b)
  if (aInf && bInf) return invalid(env)
  if (isZero(a) && isZero(b)) return invalid(env)
  if (isZero(b) && !aInf) {
    env.flags |= ZE
    return env.masked(ZE) ? infinity(sign) : null
  }
  if (!checkDenormals(env, a, b)) return null
  if (aInf) return infinity(sign)
  if (bInf || isZero(a)) return zero(sign)
  const ma = a.sig
  const mb = b.sig
  const shift = Math.max(0, GUARD_BITS + bitLength(mb) - bitLength(ma))
  const n = ma << BigInt(shift)
  let q = n / mb
  let e = unbiasedLsbExponent(a) - unbiasedLsbExponent(b) - shift
  if (n % mb !== 0n) {
    q = (q << 1n) | 1n
    e -= 1
  }
  return roundToRegister(env, sign, q, e, format)
}

/** Integer square root (floor) of a non-negative bigint, by Newton's method. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n
  let x = 1n << BigInt((bitLength(n) >> 1) + 1)
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) return x
    x = y
  }
}

/** √a, rounded to `format`. */
export function squareRoot(env: ArithEnv, a: Ext80, format: Format): Ext80 | null {
  const k = kindOf(a)
  if (k === Kind.Unsupported) return invalid(env)
  if (k === Kind.SNaN || k === Kind.QNaN) return propagateNaN(env, a, null)
  if (k === Kind.Zero) return a
  if (a.sign === 1) return invalid(env)
  if (k === Kind.Infinity) return a
  if (!checkDenormals(env, a, null)) return null
  let m = a.sig
  let e = unbiasedLsbExponent(a)
  // Scale so that the root has GUARD_BITS + 64 bits and the exponent is even.
  let shift = Math.max(0, 2 * (GUARD_BITS + 64) - bitLength(m))
  if ((e - shift) % 2 !== 0) shift += 1
  m <<= BigInt(shift)
  e -= shift
  let root = isqrt(m)
  let re = e / 2
  if (root * root !== m) {
    root = (root << 1n) | 1n
    re -= 1
  }
  return roundToRegister(env, 0, root, re, format)
}

// ---------------------------------------------------------------------------
// Rounding to an integer (FRNDINT, FIST, FBSTP)
// ---------------------------------------------------------------------------

/** The integer nearest a finite value under the rounding control; `inexact` and `roundedUp` say how. */
export const integerResult = {value: 0n, inexact: false, roundedUp: false}

export function roundToIntegerValue(env: ArithEnv, a: Ext80): void {
  const e = unbiasedLsbExponent(a)
  const m = a.sig
  integerResult.inexact = false
  integerResult.roundedUp = false
  if (m === 0n) {
    integerResult.value = 0n
    return
  }
  if (e >= 0) {
    integerResult.value = a.sign === 1 ? -(m << BigInt(e)) : m << BigInt(e)
    return
  }
  const s = BigInt(-e)
  let q = -e > 64 ? 0n : m >> s
  const rem = -e > 64 ? m : m & ((1n << s) - 1n)
  if (rem !== 0n) {
    integerResult.inexact = true
    let up: boolean
    if (env.rc === RC_NEAREST) {
      const half = 1n << (s - 1n)
      up = rem > half || (rem === half && (q & 1n) === 1n)
    } else if (env.rc === RC_UP) up = a.sign === 0
    else if (env.rc === RC_DOWN) up = a.sign === 1
    else up = false
    if (up) q += 1n
    integerResult.roundedUp = up
  }
  integerResult.value = a.sign === 1 ? -q : q
}

/** An exact integer as an 80-bit value (FILD, FBLD, and integer results). */
export function fromInteger(n: bigint, negativeZero = false): Ext80 {
  if (n === 0n) return zero(negativeZero ? 1 : 0)
  const sign = n < 0n ? 1 : 0
  const mag = sign === 1 ? -n : n
  const len = bitLength(mag)
  return new Ext80(sign, 16383 + len - 1, mag << BigInt(64 - len))
}

/** FRNDINT: ST(0) rounded to an integer by the rounding control. */
export function roundToInteger(env: ArithEnv, a: Ext80): Ext80 | null {
  const k = kindOf(a)
  if (k === Kind.Unsupported) return invalid(env)
  if (k === Kind.SNaN || k === Kind.QNaN) return propagateNaN(env, a, null)
  if (k === Kind.Zero || k === Kind.Infinity) return a
  if (!checkDenormals(env, a, null)) return null
  roundToIntegerValue(env, a)
  if (integerResult.inexact) {
    env.flags |= PE
    env.c1 = integerResult.roundedUp
  }
  // The sign of a zero result is the operand's.
  return withSign(fromInteger(integerResult.value), a.sign)
}

// ---------------------------------------------------------------------------
// Remainders (FPREM, FPREM1)
// ---------------------------------------------------------------------------

export const remainderResult = {quotientLow: 0, partial: false}

/**
 * FPREM (truncating quotient) and FPREM1 (IEEE: nearest, ties to even). When
 * the exponents differ by 64 or more only a partial remainder is produced
 * (C2 = 1): the exponent drops by a number N between 32 and 63, here
 * 32 + (difference mod 32), so that repeating the instruction converges.
 * The low three bits of the quotient go to C0, C3 and C1 (complete remainders only).
 */
export function remainder(env: ArithEnv, a: Ext80, b: Ext80, ieee: boolean): Ext80 | null {
  remainderResult.partial = false
  remainderResult.quotientLow = 0
  const special = specialOperands(env, a, b)
  if (special !== undefined) return special
  if (isInfinity(a) || isZero(b)) return invalid(env)
  if (!checkDenormals(env, a, b)) return null
  if (isInfinity(b) || isZero(a)) return a
  const ea = unbiasedLsbExponent(a)
  const eb = unbiasedLsbExponent(b)
  const ma = a.sig
  const mb = b.sig
  const msbA = ea + bitLength(ma) - 1
  const msbB = eb + bitLength(mb) - 1
  const difference = msbA - msbB
  if (difference >= 64) {
    // Partial: reduce by b × 2^(difference - N) times the truncated quotient.
    const n = 32 + (difference % 32)
    const scale = difference - n
    const e = Math.min(ea, eb + scale)
    const xa = ma << BigInt(ea - e)
    const xb = mb << BigInt(eb + scale - e)
    const r = xa % xb
    remainderResult.partial = true
    if (r === 0n) return zero(a.sign)
    return roundToRegister(env, a.sign, r, e, EXTENDED)
  }
  const e = Math.min(ea, eb)
  const xa = ma << BigInt(ea - e)
  const xb = mb << BigInt(eb - e)
  let q = xa / xb
  let r = xa - q * xb
  let sign = a.sign
  if (ieee) {
    const twice = r << 1n
    if (twice > xb || (twice === xb && (q & 1n) === 1n)) {
      q += 1n
      r = xb - r
      sign ^= 1
    }
  }
  remainderResult.quotientLow = Number(q & 7n)
  if (r === 0n) return zero(a.sign)
  return roundToRegister(env, sign, r, e, EXTENDED)
}

// ---------------------------------------------------------------------------
// FSCALE and FXTRACT
// ---------------------------------------------------------------------------

/** FSCALE: a × 2^trunc(b). */
export function scale(env: ArithEnv, a: Ext80, b: Ext80): Ext80 | null {
  const special = specialOperands(env, a, b)
  if (special !== undefined) return special
  const aInf = isInfinity(a)
  if (isInfinity(b)) {
    if (b.sign === 0) {
      if (isZero(a)) return invalid(env)
      if (!checkDenormals(env, a, b)) return null
      return aInf ? a : infinity(a.sign)
    }
    if (aInf) return invalid(env)
    if (!checkDenormals(env, a, b)) return null
    return zero(a.sign)
  }
  if (!checkDenormals(env, a, b)) return null
  if (aInf || isZero(a)) return a
  // trunc(b); beyond ±2^20 the result over- or underflows whatever the exact amount, so clamp.
  const eb = unbiasedLsbExponent(b)
  let n: number
  if (isZero(b)) n = 0
  else if (eb + bitLength(b.sig) > 21) n = 1 << 20
  else n = Number(eb >= 0 ? b.sig << BigInt(eb) : b.sig >> BigInt(-eb))
  if (b.sign === 1) n = -n
  return roundToRegister(env, a.sign, a.sig, unbiasedLsbExponent(a) + n, EXTENDED)
}

/**
 * FXTRACT: the unbiased exponent of a (as a value) and its significand with
 * exponent 0. Returns [exponent, significand], or null when nothing is stored.
 */
export function extract(env: ArithEnv, a: Ext80): [Ext80, Ext80] | null {
  const k = kindOf(a)
  if (k === Kind.Unsupported) {
    const r = invalid(env)
    return r === null ? null : [r, r]
  }
  if (k === Kind.SNaN || k === Kind.QNaN) {
    const r = propagateNaN(env, a, null)
    return r === null ? null : [r, r]
  }
  if (k === Kind.Zero) {
    env.flags |= ZE
    if (!env.masked(ZE)) return null
    return [infinity(1), a]
  }
  if (k === Kind.Infinity) return [infinity(0), a]
  if (!checkDenormals(env, a, null)) return null
  const len = bitLength(a.sig)
  const msb = unbiasedLsbExponent(a) + len - 1
  return [fromInteger(BigInt(msb)), new Ext80(a.sign, 16383, a.sig << BigInt(64 - len))]
}
