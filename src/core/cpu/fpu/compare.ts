/**
 * Ordered and unordered comparison of 80-bit values (SDM Vol. 2 FCOM, FUCOM,
 * FCOMI, FTST): every NaN makes an ordered compare invalid, only an SNaN an
 * unordered one; unsupported formats are always invalid; +0 equals -0.
 */
import {bitLength, type Ext80, isDenormalOperand, Kind, kindOf, unbiasedLsbExponent} from './ext80.js'
import {type ArithEnv, DE, IE} from './rounding.js'

export const GREATER = 0
export const LESS = 1
export const EQUAL = 2
export const UNORDERED = 3
/** An unmasked exception: the condition codes are left as they were. */
export const NO_RESULT = -1

/** Compare a with b. `quiet` (FUCOM) lets QNaNs compare unordered without IE. */
export function compare(env: ArithEnv, a: Ext80, b: Ext80, quiet: boolean): number {
  const ka = kindOf(a)
  const kb = kindOf(b)
  if (ka === Kind.Unsupported || kb === Kind.Unsupported || ka === Kind.SNaN || kb === Kind.SNaN ||
    (!quiet && (ka === Kind.QNaN || kb === Kind.QNaN))) {
    env.flags |= IE
    return env.masked(IE) ? UNORDERED : NO_RESULT
  }
  if (ka === Kind.QNaN || kb === Kind.QNaN) return UNORDERED
  if (isDenormalOperand(a) || isDenormalOperand(b)) {
    env.flags |= DE
    if (!env.masked(DE)) return NO_RESULT
  }
  const c = compareValues(a, ka, b, kb)
  return c < 0 ? LESS : c > 0 ? GREATER : EQUAL
}

/** -1, 0, 1 as a < b, a = b, a > b, for non-NaN operands. */
function compareValues(a: Ext80, ka: Kind, b: Ext80, kb: Kind): number {
  const aZero = ka === Kind.Zero
  const bZero = kb === Kind.Zero
  if (aZero && bZero) return 0
  if (a.sign !== b.sign) return a.sign === 1 ? -1 : 1
  const magnitude = compareMagnitudes(a, ka, b, kb)
  return a.sign === 1 ? -magnitude : magnitude
}

function compareMagnitudes(a: Ext80, ka: Kind, b: Ext80, kb: Kind): number {
  if (ka === Kind.Infinity || kb === Kind.Infinity) return ka === kb ? 0 : ka === Kind.Infinity ? 1 : -1
  if (ka === Kind.Zero || kb === Kind.Zero) return ka === kb ? 0 : ka === Kind.Zero ? -1 : 1
  const ea = unbiasedLsbExponent(a)
  const eb = unbiasedLsbExponent(b)
  const ta = ea + bitLength(a.sig)
  const tb = eb + bitLength(b.sig)
  if (ta !== tb) return ta > tb ? 1 : -1
  const e = Math.min(ea, eb)
  const xa = a.sig << BigInt(ea - e)
  const xb = b.sig << BigInt(eb - e)
  return xa > xb ? 1 : xa < xb ? -1 : 0
}
