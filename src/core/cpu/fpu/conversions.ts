/**
 * Conversions between the 80-bit register format and the memory formats the
 * x87 loads and stores (SDM Vol. 1 §4.2, §4.7, §8.1; Vol. 2 FLD, FST, FILD,
 * FIST, FISTTP, FBLD, FBSTP): single and double precision, 16/32/64-bit
 * integers and 18-digit packed BCD.
 *
 * Loads from single and double precision are exact (an SNaN raises IE and is
 * quieted, a denormal raises DE); stores round by the rounding control and
 * never by precision control.
 */
import {type ArithEnv, DE, DOUBLE, type Format, IE, PE, rounded, roundExact, SINGLE} from './rounding.js'
import {bitLength, Ext80, EXP_BIAS, EXP_MAX, infinity, J_BIT, Kind, kindOf, QUIET_BIT, zero} from './ext80.js'
import {fromInteger, integerResult, roundToIntegerValue} from './arithmetic.js'

interface MemoryFormat extends Format {
  exponentBits: number
  /** Fraction bits (the integer bit is implicit in memory). */
  fractionBits: number
}

const SINGLE_FORMAT: MemoryFormat = {...SINGLE, exponentBits: 8, fractionBits: 23}
const DOUBLE_FORMAT: MemoryFormat = {...DOUBLE, exponentBits: 11, fractionBits: 52}

// ---------------------------------------------------------------------------
// Loads
// ---------------------------------------------------------------------------

/**
 * A single or double as an 80-bit value. A load (`forLoad`) quiets an SNaN and
 * raises IE for it; an arithmetic operand keeps it signalling so that the
 * operation applies the NaN rules to both operands.
 */
function fromBinary(env: ArithEnv, bits: bigint, f: MemoryFormat, forLoad: boolean): Ext80 {
  const fb = BigInt(f.fractionBits)
  const sign = Number(bits >> (fb + BigInt(f.exponentBits)))
  const expField = Number((bits >> fb) & ((1n << BigInt(f.exponentBits)) - 1n))
  const fraction = bits & ((1n << fb) - 1n)
  const maxExp = (1 << f.exponentBits) - 1
  const bias = maxExp >> 1
  if (expField === maxExp) {
    if (fraction === 0n) return infinity(sign)
    const sig = J_BIT | (fraction << (63n - fb))
    if (!forLoad) return new Ext80(sign, EXP_MAX, sig)
    if ((sig & QUIET_BIT) === 0n) env.flags |= IE
    return new Ext80(sign, EXP_MAX, sig | QUIET_BIT)
  }
  if (expField === 0) {
    if (fraction === 0n) return zero(sign)
    env.flags |= DE
    const len = bitLength(fraction)
    // value = fraction × 2^(1 - bias - fractionBits)
    const msb = 1 - bias - f.fractionBits + len - 1
    return new Ext80(sign, msb + EXP_BIAS, fraction << BigInt(64 - len))
  }
  return new Ext80(sign, expField - bias + EXP_BIAS, J_BIT | (fraction << (63n - fb)))
}

/** FLD m32fp (forLoad) or an m32fp arithmetic operand. */
export function fromSingle(env: ArithEnv, bits: number, forLoad: boolean): Ext80 {
  return fromBinary(env, BigInt(bits >>> 0), SINGLE_FORMAT, forLoad)
}

/** FLD m64fp (forLoad) or an m64fp arithmetic operand, from its two dwords. */
export function fromDouble(env: ArithEnv, lo: number, hi: number, forLoad: boolean): Ext80 {
  return fromBinary(env, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), DOUBLE_FORMAT, forLoad)
}

// ---------------------------------------------------------------------------
// Stores to single and double precision
// ---------------------------------------------------------------------------

function indefiniteBits(f: MemoryFormat): bigint {
  // Sign set, exponent all ones, the top fraction bit set.
  const width = BigInt(1 + f.exponentBits + f.fractionBits)
  return ((1n << width) - 1n) ^ ((1n << BigInt(f.fractionBits - 1)) - 1n)
}

/** The memory image of ST(0) in format f, or null when an unmasked exception stores nothing. */
function toBinary(env: ArithEnv, v: Ext80, f: MemoryFormat): bigint | null {
  const fb = BigInt(f.fractionBits)
  const eb = BigInt(f.exponentBits)
  const maxExp = (1 << f.exponentBits) - 1
  const bias = maxExp >> 1
  const signBit = BigInt(v.sign) << (fb + eb)
  const k = kindOf(v)
  switch (k) {
    case Kind.Zero:
      return signBit
    case Kind.Infinity:
      return signBit | (BigInt(maxExp) << fb)
    case Kind.Unsupported:
      env.flags |= IE
      return env.masked(IE) ? indefiniteBits(f) : null
    case Kind.SNaN:
    case Kind.QNaN: {
      if (k === Kind.SNaN) {
        env.flags |= IE
        if (!env.masked(IE)) return null
      }
      // The NaN's fraction keeps its top bits; the quiet bit is forced on.
      const fraction = ((v.sig & ~J_BIT) >> (63n - fb)) | (1n << (fb - 1n))
      return signBit | (BigInt(maxExp) << fb) | fraction
    }
  }
  const lsb = (v.exp === 0 ? 1 : v.exp) - EXP_BIAS - 63
  if (!roundExact(env, v.sign, v.sig, lsb, f, false)) return null
  if (rounded.infinite) return signBit | (BigInt(maxExp) << fb)
  const sig = rounded.sig
  if (sig === 0n) return signBit
  const n = bitLength(sig)
  const msb = rounded.lsb + n - 1
  if (msb >= f.emin) {
    const fraction = (sig << BigInt(f.precision - n)) & ((1n << fb) - 1n)
    return signBit | (BigInt(msb + bias) << fb) | fraction
  }
  // Denormal in the memory format: the least significant fraction bit is 2^(emin - fractionBits).
  return signBit | (sig << BigInt(rounded.lsb - (f.emin - f.fractionBits)))
}

/** FST m32fp: the single-precision bits, or null when nothing is stored. */
export function toSingle(env: ArithEnv, v: Ext80): number | null {
  const bits = toBinary(env, v, SINGLE_FORMAT)
  return bits === null ? null : Number(bits) | 0
}

/** FST m64fp: the double-precision bits as a bigint, or null when nothing is stored. */
export function toDouble(env: ArithEnv, v: Ext80): bigint | null {
  return toBinary(env, v, DOUBLE_FORMAT)
}

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

/** FILD: every 16-, 32- and 64-bit integer is exact in 80 bits. */
export function fromInt(n: bigint): Ext80 {
  return fromInteger(n)
}

/**
 * FIST/FISTP to an integer of `bits` bits (rounded by RC), or with `truncate`
 * (FISTTP) toward zero. Out of range, NaN, infinity and unsupported values are
 * invalid: masked, the integer indefinite (only the sign bit set) is stored.
 * Returns the two's-complement value as a bigint, or null when nothing is stored.
 */
export function toInt(env: ArithEnv, v: Ext80, bits: number, truncate = false): bigint | null {
  const k = kindOf(v)
  const indefinite = 1n << BigInt(bits - 1)
  if (k === Kind.Zero) return 0n
  if (k === Kind.Unsupported || k === Kind.SNaN || k === Kind.QNaN || k === Kind.Infinity) {
    env.flags |= IE
    return env.masked(IE) ? indefinite : null
  }
  const savedRc = env.rc
  if (truncate) env.rc = 3
  roundToIntegerValue(env, v)
  env.rc = savedRc
  const n = integerResult.value
  if (n >= indefinite || n < -indefinite) {
    env.flags |= IE
    return env.masked(IE) ? indefinite : null
  }
  if (integerResult.inexact) {
    env.flags |= PE
    env.c1 = integerResult.roundedUp
  }
  return n < 0n ? n + (1n << BigInt(bits)) : n
}

// ---------------------------------------------------------------------------
// Packed BCD: nine bytes of two digits each (least significant first), then a sign byte
// ---------------------------------------------------------------------------

/** FBLD: digits that are not decimal give an undefined value on hardware; here each nibble counts as its value. */
export function fromBcd(bytes: Uint8Array): Ext80 {
  let n = 0n
  for (let i = 8; i >= 0; i--) {
    const b = bytes[i]!
    n = n * 100n + BigInt((b >> 4) * 10 + (b & 0xf))
  }
  const negative = (bytes[9]! & 0x80) !== 0
  return fromInteger(negative ? -n : n, negative)
}

const BCD_LIMIT = 10n ** 18n

/** FBSTP: ST(0) rounded to an integer as 18 BCD digits, or null when nothing is stored (unmasked invalid). */
export function toBcd(env: ArithEnv, v: Ext80): Uint8Array | null {
  const out = new Uint8Array(10)
  const k = kindOf(v)
  let n = 0n
  if (k !== Kind.Zero) {
    let valid = k !== Kind.Unsupported && k !== Kind.SNaN && k !== Kind.QNaN && k !== Kind.Infinity
    if (valid) {
      roundToIntegerValue(env, v)
      n = integerResult.value < 0n ? -integerResult.value : integerResult.value
      valid = n < BCD_LIMIT
    }
    if (!valid) {
      env.flags |= IE
      if (!env.masked(IE)) return null
      // The packed BCD indefinite: FFFF C000 0000 0000 0000 (SDM Vol. 1 Table 4-5).
      out.set([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff])
      return out
    }
    if (integerResult.inexact) {
      env.flags |= PE
      env.c1 = integerResult.roundedUp
    }
  }
  for (let i = 0; i < 9; i++) {
    const two = Number(n % 100n)
    n /= 100n
    out[i] = ((Math.floor(two / 10)) << 4) | (two % 10)
  }
  out[9] = v.sign === 1 ? 0x80 : 0
  return out
}
