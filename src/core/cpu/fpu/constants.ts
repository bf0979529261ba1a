/**
 * The constants the FPU loads (FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2,
 * FLDZ), held to 128 bits and rounded to 64 by the rounding control as a 387
 * and later do (without raising the precision exception).
 */
import {Ext80, EXP_BIAS, ONE, POSITIVE_ZERO} from './ext80.js'
import {RC_NEAREST, RC_UP} from './rounding.js'

interface Constant128 {
  /** Unbiased exponent of the leading bit. */
  exponent: number
  /** The first 128 significand bits. */
  bits: bigint
}

/** π, log2 e, log2 10, log10 2, ln 2 (computed from their series, to 128 bits). */
export const PI: Constant128 = {exponent: 1, bits: 0xc90fdaa22168c234c4c6628b80dc1cd1n}
export const LOG2_E: Constant128 = {exponent: 0, bits: 0xb8aa3b295c17f0bbbe87fed0691d3e88n}
export const LOG2_10: Constant128 = {exponent: 1, bits: 0xd49a784bcd1b8afe492bf6ff4dafdb4cn}
export const LOG10_2: Constant128 = {exponent: -2, bits: 0x9a209a84fbcff7988f8959ac0b7c9178n}
export const LN_2: Constant128 = {exponent: -1, bits: 0xb17217f7d1cf79abc9e3b39803f2f6afn}

/** A positive irrational constant rounded to 64 bits (never a tie, so the lower bits decide only their side). */
export function roundConstant(c: Constant128, rc: number): Ext80 {
  let sig = c.bits >> 64n
  const rest = c.bits & ((1n << 64n) - 1n)
  const up = rc === RC_UP || (rc === RC_NEAREST && rest >= 1n << 63n)
  let exponent = c.exponent
  if (up) {
    sig += 1n
    if (sig >> 64n !== 0n) {
      sig >>= 1n
      exponent += 1
    }
  }
  return new Ext80(0, exponent + EXP_BIAS, sig)
}

/** The constant of D9 E8+n. */
export function loadConstant(n: number, rc: number): Ext80 {
  switch (n) {
    case 0: return ONE
    case 1: return roundConstant(LOG2_10, rc)
    case 2: return roundConstant(LOG2_E, rc)
    case 3: return roundConstant(PI, rc)
    case 4: return roundConstant(LOG10_2, rc)
    case 5: return roundConstant(LN_2, rc)
    default: return POSITIVE_ZERO
  }
}
