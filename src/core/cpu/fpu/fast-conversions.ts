/**
 * A fast path for FLD m64fp (and m64fp arithmetic operands) and FST/FSTP m64fp
 * on normal values, identical in value, flags and C1 to conversions.ts but
 * working on the two 32-bit words of the memory image instead of bigints.
 *
 * Loads: a normal binary64 is exact in 80 bits and raises nothing. Stores: an
 * 80-bit normal whose exponent is in [-1022, 1022] rounds to a binary64 normal
 * (a carry out of the 53 bits reaches at most 2^1023), so only PE and C1 can
 * result. Everything else returns `undefined` / false without touching the
 * environment, and the caller takes the exact path.
 */
import {Ext80, EXP_BIAS, EXP_MAX} from './ext80.js'
import {type ArithEnv, PE, RC_DOWN, RC_NEAREST, RC_UP} from './rounding.js'

const bytes = new DataView(new ArrayBuffer(8))

const TWO_52 = 2 ** 52
const TWO_53 = 2 ** 53
const TWO_32 = 2 ** 32

/** A normal binary64 from its low and high dwords as an 80-bit value; undefined for zeros, denormals, infinities and NaNs. */
export function fastFromDouble(lo: number, hi: number): Ext80 | undefined {
  const biased = (hi >>> 20) & 0x7ff
  if (biased === 0 || biased === 0x7ff) return undefined
  // The significand: J, then the 52 fraction bits, then 11 zeros.
  bytes.setUint32(4, (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0, true)
  bytes.setUint32(0, (lo << 11) >>> 0, true)
  return new Ext80(hi >>> 31, biased - 1023 + EXP_BIAS, bytes.getBigUint64(0, true))
}

/** The binary64 image stored by the last successful fastToDouble. */
export const doubleImage = {lo: 0, hi: 0}

/** ST(0) rounded to binary64 into `doubleImage`; false (environment untouched) when the fast path does not apply. */
export function fastToDouble(env: ArithEnv, v: Ext80): boolean {
  if (v.exp === 0 || v.exp === EXP_MAX) return false
  let e = v.exp - EXP_BIAS
  if (e < -1022 || e > 1022) return false
  bytes.setBigUint64(0, v.sig, true)
  const high = bytes.getUint32(4, true)
  const low = bytes.getUint32(0, true)
  if (high < 0x80000000) return false
  // The 53 kept bits as an exact integer below 2^53, the 11 dropped bits as round bit and sticky bits.
  let kept = high * 2 ** 21 + (low >>> 11)
  const round = (low >>> 10) & 1
  const sticky = (low & 0x3ff) !== 0
  let up = false
  if (round !== 0 || sticky) {
    switch (env.rc) {
      case RC_NEAREST: up = round !== 0 && (sticky || kept % 2 === 1); break
      case RC_DOWN: up = v.sign === 1; break
      case RC_UP: up = v.sign === 0; break
      default: up = false
    }
    env.flags |= PE
  }
  env.c1 = up
  if (up) {
    kept += 1
    if (kept === TWO_53) {
      kept = TWO_52
      e += 1
    }
  }
  const fraction = kept - TWO_52
  const fractionHigh = Math.floor(fraction / TWO_32)
  doubleImage.lo = (fraction - fractionHigh * TWO_32) | 0
  doubleImage.hi = ((v.sign << 31) | ((e + 1023) << 20) | fractionHigh) | 0
  return true
}
