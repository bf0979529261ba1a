/**
 * The x87 double extended-precision format (SDM Vol. 1 §4.2.2, §8.2): a sign,
 * a 15-bit biased exponent and a 64-bit significand whose top bit is the
 * explicit integer bit J. Values are immutable `Ext80` records; the register
 * file holds references to them.
 *
 * Classes as a 387 and later see them (SDM Vol. 1 Table 8-3):
 *   exp 0,      J=0, fraction 0   zero
 *   exp 0,      J=0, fraction ≠ 0 denormal
 *   exp 0,      J=1               pseudo-denormal (a valid operand: its value uses exponent 1)
 *   exp 1-7FFE, J=1               normal
 *   exp 1-7FFE, J=0               unnormal (unsupported: invalid operand)
 *   exp 7FFF,   J=1, fraction 0   infinity
 *   exp 7FFF,   J=1, bit 62 set   quiet NaN; bit 62 clear, fraction ≠ 0: signalling NaN
 *   exp 7FFF,   J=0               pseudo-infinity / pseudo-NaN (unsupported)
 */

export const EXP_BIAS = 16383
export const EXP_MAX = 0x7fff
/** The smallest exponent of a normal number, unbiased. */
export const EMIN = 1 - EXP_BIAS
/** The largest exponent of a finite number, unbiased. */
export const EMAX = 0x7ffe - EXP_BIAS

export const J_BIT = 1n << 63n
export const QUIET_BIT = 1n << 62n
export const SIG_MASK = (1n << 64n) - 1n

export class Ext80 {
  constructor(
    /** 0 or 1. */
    readonly sign: number,
    /** Biased exponent, 0-0x7FFF. */
    readonly exp: number,
    /** The 64-bit significand including J, as an unsigned bigint. */
    readonly sig: bigint,
  ) {}
}

export const enum Kind { Zero, Denormal, PseudoDenormal, Normal, Infinity, QNaN, SNaN, Unsupported }

export function kindOf(v: Ext80): Kind {
  const j = (v.sig & J_BIT) !== 0n
  if (v.exp === 0) return v.sig === 0n ? Kind.Zero : j ? Kind.PseudoDenormal : Kind.Denormal
  if (v.exp === EXP_MAX) {
    if (!j) return Kind.Unsupported
    if (v.sig === J_BIT) return Kind.Infinity
    return (v.sig & QUIET_BIT) !== 0n ? Kind.QNaN : Kind.SNaN
  }
  return j ? Kind.Normal : Kind.Unsupported
}

export function isNaN80(v: Ext80): boolean {
  return v.exp === EXP_MAX && (v.sig & J_BIT) !== 0n && v.sig !== J_BIT
}

export function isSignalling(v: Ext80): boolean {
  return isNaN80(v) && (v.sig & QUIET_BIT) === 0n
}

/** Denormal or pseudo-denormal: raises the denormal-operand exception when used as an operand. */
export function isDenormalOperand(v: Ext80): boolean {
  return v.exp === 0 && v.sig !== 0n
}

export const POSITIVE_ZERO = new Ext80(0, 0, 0n)
export const NEGATIVE_ZERO = new Ext80(1, 0, 0n)
export const ONE = new Ext80(0, EXP_BIAS, J_BIT)
/** The real indefinite: the QNaN every masked invalid operation produces (SDM Vol. 1 §4.8.3.7). */
export const INDEFINITE = new Ext80(1, EXP_MAX, 0xc000000000000000n)

export function zero(sign: number): Ext80 {
  return sign === 0 ? POSITIVE_ZERO : NEGATIVE_ZERO
}

export function infinity(sign: number): Ext80 {
  return new Ext80(sign, EXP_MAX, J_BIT)
}

export function negate(v: Ext80): Ext80 {
  return new Ext80(v.sign ^ 1, v.exp, v.sig)
}

export function withSign(v: Ext80, sign: number): Ext80 {
  return v.sign === sign ? v : new Ext80(sign, v.exp, v.sig)
}

export function quiet(v: Ext80): Ext80 {
  return new Ext80(v.sign, v.exp, v.sig | QUIET_BIT)
}

/**
 * A finite value as `significand × 2^exponent` with an integer significand
 * (the significand of a pseudo-denormal or denormal is read with exponent 1, SDM
 * Vol. 1 §8.2.2). Unnormals must not be passed in.
 */
export function unbiasedLsbExponent(v: Ext80): number {
  return (v.exp === 0 ? 1 : v.exp) - EXP_BIAS - 63
}

/** Bit length of a non-negative bigint. */
export function bitLength(n: bigint): number {
  if (n === 0n) return 0
  // toString(16) is much faster than repeated shifts for the sizes used here.
  const hex = n.toString(16)
  const top = parseInt(hex[0]!, 16)
  return (hex.length - 1) * 4 + (32 - Math.clz32(top))
}

// ---- Encoding to and from the ten bytes in memory (little-endian: significand, then sign|exponent) ----

export function fromWords(lo: number, hi: number, signExp: number): Ext80 {
  const sig = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)
  return new Ext80((signExp >> 15) & 1, signExp & EXP_MAX, sig)
}

export function significandLow(v: Ext80): number {
  return Number(v.sig & 0xffffffffn) | 0
}

export function significandHigh(v: Ext80): number {
  return Number(v.sig >> 32n) | 0
}

export function signExponent(v: Ext80): number {
  return (v.sign << 15) | v.exp
}

/** A readable form for saved state and diagnostics: 20 hex digits, sign|exponent then significand. */
export function toHex(v: Ext80): string {
  return signExponent(v).toString(16).padStart(4, '0') + v.sig.toString(16).padStart(16, '0')
}

export function fromHex(s: string): Ext80 {
  if (!/^[0-9a-f]{20}$/i.test(s)) throw new Error(`not an 80-bit value: ${JSON.stringify(s)}`)
  const signExp = parseInt(s.slice(0, 4), 16)
  return new Ext80(signExp >> 15, signExp & EXP_MAX, BigInt('0x' + s.slice(4)))
}
