/**
 * A fast path for FADD/FSUB, FMUL, FDIV and FSQRT on normal operands, with
 * results identical to arithmetic.ts (value, flags and C1) but without bigint
 * arithmetic: significands are handled as 16-bit digits held in doubles, so
 * that every product of two digits (< 2^32) and every column sum stays exact.
 *
 * It applies only where nothing special can happen: both operands normal
 * (exponent 1-7FFE with the integer bit set), a register destination, and an
 * exact result whose leading bit lies in [EMIN, EMAX - 1], so that rounding
 * (with a carry of at most one exponent step) can neither underflow nor
 * overflow. Then the only flag an operation raises is PE, and C1 says whether
 * it rounded up. Everything else (zeros, denormals, infinities, NaNs,
 * unsupported encodings, results near the range limits) returns `undefined`
 * before touching the environment, and the caller takes the exact bigint path.
 *
 * Each operation forms its exact result, or an integer truncation of it with a
 * "sticky" flag saying that the discarded part is nonzero, in a window of
 * digits wide enough that at least two bits lie below the rounding position;
 * roundWindow then rounds it as rounding.ts would.
 */
import {EMAX, EMIN, Ext80, EXP_BIAS, EXP_MAX, zero} from './ext80.js'
import {type ArithEnv, type Format, PE, RC_DOWN, RC_NEAREST, RC_UP} from './rounding.js'

const DIGIT = 65536
/** Exact: multiplying by a power of two only changes the exponent (the values here are far from the double range's ends). */
const INVERSE_DIGIT = 1 / 65536

// ---- Significands as digits --------------------------------------------------------------------

/** A 64-bit scratch word seen as a bigint and as four 16-bit digits (in the host's byte order). */
const word = new BigUint64Array(1)
const halves = new Uint16Array(word.buffer)
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
/** Index in `halves` of digit k (k = 0 least significant). */
const D0 = littleEndian ? 0 : 3
const D1 = littleEndian ? 1 : 2
const D2 = littleEndian ? 2 : 1
const D3 = littleEndian ? 3 : 0

/**
 * The 64-bit significand as four 16-bit digits, least significant first, into
 * out[0..3]; false when it lacks the integer bit (a denormal or unnormal).
 */
function loadDigits(sig: bigint, out: Float64Array): boolean {
  word[0] = sig
  out[0] = halves[D0]!
  out[1] = halves[D1]!
  out[2] = halves[D2]!
  out[3] = halves[D3]!
  return halves[D3]! >= 0x8000
}

/** Exponent 1-7FFE: with the integer bit (checked by loadDigits), a normal value. */
function hasNormalExponent(v: Ext80): boolean {
  return v.exp !== 0 && v.exp !== EXP_MAX
}

function significandOf(d3: number, d2: number, d1: number, d0: number): bigint {
  halves[D0] = d0
  halves[D1] = d1
  halves[D2] = d2
  halves[D3] = d3
  return word[0]!
}

/** Digit j of w shifted left by k bits (0-15); digits below w[0] are zero. */
function shiftedDigit(w: Float64Array, j: number, k: number): number {
  if (j < 0) return 0
  const below = j > 0 ? w[j - 1]! >>> (16 - k) : 0
  return ((w[j]! << k) | (k === 0 ? 0 : below)) & 0xffff
}

/** Place the four digits of `src` into the zeroed `dst`, shifted left by `offset` bits. */
function placeDigits(src: Float64Array, dst: Float64Array, offset: number): void {
  const ds = offset >>> 4
  const bs = offset & 15
  for (let i = 0; i < 4; i++) {
    const v = src[i]! << bs
    dst[i + ds] = dst[i + ds]! | (v & 0xffff)
    dst[i + ds + 1] = dst[i + ds + 1]! | (v >>> 16)
  }
}

// ---- Rounding --------------------------------------------------------------------------------

/**
 * Round the nonzero value sign × (w[0..n-1] + ε) × 2^lsb, where ε is in (0, 1)
 * when `sticky` and 0 otherwise, to `precision` bits (64, 53 or 24) with the
 * extended exponent range. Undefined when its leading bit is outside
 * [EMIN, EMAX - 1] (the caller then takes the exact path).
 */
function roundWindow(env: ArithEnv, sign: number, w: Float64Array, n: number, sticky: boolean, lsb: number, precision: number): Ext80 | undefined {
  let t = n - 1
  while (w[t] === 0) t--
  const lead = 31 - Math.clz32(w[t]!)
  let exponent = lsb + 16 * t + lead
  if (exponent < EMIN || exponent > EMAX - 1) return undefined
  // Left-align the leading bit: s3..s0 are the first 64 bits, r the next 16, rest whatever is below.
  const k = 15 - lead
  let s3 = shiftedDigit(w, t, k)
  let s2 = shiftedDigit(w, t - 1, k)
  let s1 = shiftedDigit(w, t - 2, k)
  let s0 = shiftedDigit(w, t - 3, k)
  const r = shiftedDigit(w, t - 4, k)
  let rest = sticky
  if (!rest && t >= 5) {
    rest = ((w[t - 5]! << k) & 0xffff) !== 0
    for (let j = t - 6; j >= 0 && !rest; j--) rest = w[j] !== 0
  }
  let round: number
  let below: boolean
  if (precision === 64) {
    round = r >>> 15
    below = (r & 0x7fff) !== 0 || rest
  } else if (precision === 53) {
    round = (s0 >>> 10) & 1
    below = (s0 & 0x3ff) !== 0 || r !== 0 || rest
    s0 &= 0xf800
  } else {
    round = (s2 >>> 7) & 1
    below = (s2 & 0x7f) !== 0 || s1 !== 0 || s0 !== 0 || r !== 0 || rest
    s2 &= 0xff00
    s1 = 0
    s0 = 0
  }
  const inexact = round !== 0 || below
  let up = false
  if (inexact) {
    switch (env.rc) {
      case RC_NEAREST: {
        const lastKept = precision === 64 ? s0 & 1 : precision === 53 ? (s0 >>> 11) & 1 : (s2 >>> 8) & 1
        up = round !== 0 && (below || lastKept !== 0)
        break
      }
      case RC_DOWN: up = sign === 1; break
      case RC_UP: up = sign === 0; break
      default: up = false
    }
    env.flags |= PE
  }
  env.c1 = up
  if (up) {
    if (precision === 64) s0 += 1
    else if (precision === 53) s0 += 0x800
    else s2 += 0x100
    if (s0 === DIGIT) { s0 = 0; s1 += 1 }
    if (s1 === DIGIT) { s1 = 0; s2 += 1 }
    if (s2 === DIGIT) { s2 = 0; s3 += 1 }
    if (s3 === DIGIT) {
      // Carried out of the top: the significand is a power of two, one exponent step up.
      s3 = 0x8000
      exponent += 1
    }
  }
  return new Ext80(sign, exponent + EXP_BIAS, significandOf(s3, s2, s1, s0))
}

/** Register formats only: a memory format's exponent range is not the one roundWindow checks. */
function isRegisterFormat(format: Format): boolean {
  return format.emin === EMIN && format.emax === EMAX
}

// ---- Addition and subtraction --------------------------------------------------------------------

const X = new Float64Array(4)
const Y = new Float64Array(4)
/** x < y, for four-digit significands. */
function digitsBelow(x: Float64Array, y: Float64Array): boolean {
  for (let i = 3; i >= 0; i--) if (x[i] !== y[i]) return x[i]! < y[i]!
  return false
}

/** The sum window: the larger operand at digits 5-8 (bits 80-143), a carry digit 9 above. */
const SUM = new Float64Array(10)
const ADDEND = new Float64Array(10)

/**
 * a + b (or a - b). The larger magnitude goes to bits 80-143 of the window;
 * the smaller, d = exponent difference bits lower. For d ≤ 80 it fits whole and
 * the sum is exact. For d > 80 it is below 2^63 window units while the result's
 * rounding bit is at bit 78 or higher (the result keeps its leading bit at 142
 * or above): it is replaced by one unit at bit 0, which leaves the rounding
 * bit and the sticky bits below it as they are, for a sum and for a difference.
 */
export function fastAdd(env: ArithEnv, a: Ext80, b: Ext80, subtract: boolean, format: Format): Ext80 | undefined {
  if (!hasNormalExponent(a) || !hasNormalExponent(b) || !isRegisterFormat(format)) return undefined
  if (!loadDigits(a.sig, X) || !loadDigits(b.sig, Y)) return undefined
  const bSign = b.sign ^ (subtract ? 1 : 0)
  const aLarger = a.exp > b.exp || (a.exp === b.exp && !digitsBelow(X, Y))
  const large = aLarger ? X : Y
  const small = aLarger ? Y : X
  const sign = aLarger ? a.sign : bSign
  const largeExp = aLarger ? a.exp : b.exp
  const d = aLarger ? a.exp - b.exp : b.exp - a.exp
  // Bit 80 is a digit boundary: the larger operand is copied digit for digit.
  for (let i = 0; i < 10; i++) {
    SUM[i] = i >= 5 && i <= 8 ? large[i - 5]! : 0
    ADDEND[i] = 0
  }
  if (d <= 80) placeDigits(small, ADDEND, 80 - d)
  else ADDEND[0] = 1
  if (a.sign === bSign) {
    let carry = 0
    for (let i = 0; i < 10; i++) {
      const s = SUM[i]! + ADDEND[i]! + carry
      SUM[i] = s & 0xffff
      carry = s >>> 16
    }
  } else {
    let borrow = 0
    let any = 0
    for (let i = 0; i < 10; i++) {
      let s = SUM[i]! - ADDEND[i]! - borrow
      borrow = s < 0 ? 1 : 0
      if (borrow !== 0) s += DIGIT
      SUM[i] = s
      any |= s
    }
    // x - x: an exact zero, +0 unless rounding down; no flags.
    if (any === 0) return zero(env.rc === RC_DOWN ? 1 : 0)
  }
  return roundWindow(env, sign, SUM, 10, false, largeExp - EXP_BIAS - 63 - 80, format.precision)
}

// ---- Multiplication ------------------------------------------------------------------------------

const COLUMNS = new Float64Array(8)
const PRODUCT = new Float64Array(8)

/** a × b: the 128-bit product of the significands, exactly. */
export function fastMultiply(env: ArithEnv, a: Ext80, b: Ext80, format: Format): Ext80 | undefined {
  if (!hasNormalExponent(a) || !hasNormalExponent(b) || !isRegisterFormat(format)) return undefined
  if (!loadDigits(a.sig, X) || !loadDigits(b.sig, Y)) return undefined
  COLUMNS.fill(0)
  for (let i = 0; i < 4; i++) {
    const x = X[i]!
    for (let j = 0; j < 4; j++) COLUMNS[i + j] = COLUMNS[i + j]! + x * Y[j]!
  }
  // Each column is below 4 × 2^32, so the carries stay exact in doubles.
  let carry = 0
  for (let k = 0; k < 8; k++) {
    const s = COLUMNS[k]! + carry
    carry = Math.floor(s * INVERSE_DIGIT)
    PRODUCT[k] = s - carry * DIGIT
  }
  const lsb = (a.exp - EXP_BIAS - 63) + (b.exp - EXP_BIAS - 63)
  return roundWindow(env, a.sign ^ b.sign, PRODUCT, 8, false, lsb, format.precision)
}

// ---- Division ------------------------------------------------------------------------------------

/**
 * Long division in 16-bit digits: q[0..un-vn] = floor(u / v), u[0..un-1]
 * replaced by the remainder (u[un] is used as the extra top digit). v has vn ≥ 2
 * digits and a nonzero top digit.
 *
 * Each quotient digit is estimated from the top three digits of the partial
 * remainder over the top two of v, plus one: with U the partial remainder and
 * V the divisor, U < (num + 1) × 2^(16(vn-2)) and V ≥ den × 2^(16(vn-2)), so
 * floor((num + 1) / den) ≥ floor(U / V), and the double division of integers
 * below 2^49 never rounds below an integer it reaches. The estimate is thus
 * never too small (clamped to the digit range, which the true digit is in
 * since U < V × 2^16), and adding v back while the remainder is negative
 * brings it to the true digit.
 */
function divideDigits(u: Float64Array, un: number, v: Float64Array, vn: number, q: Float64Array): void {
  u[un] = 0
  const den = v[vn - 1]! * DIGIT + v[vn - 2]!
  for (let j = un - vn; j >= 0; j--) {
    const num = u[j + vn]! * 4294967296 + u[j + vn - 1]! * DIGIT + u[j + vn - 2]!
    let qh = Math.floor((num + 1) / den)
    if (qh > 0xffff) qh = 0xffff
    let carry = 0
    let borrow = 0
    for (let i = 0; i < vn; i++) {
      const p = qh * v[i]! + carry
      carry = Math.floor(p * INVERSE_DIGIT)
      let s = u[j + i]! - (p - carry * DIGIT) - borrow
      borrow = s < 0 ? 1 : 0
      if (borrow !== 0) s += DIGIT
      u[j + i] = s
    }
    let top = u[j + vn]! - carry - borrow
    while (top < 0) {
      qh -= 1
      let c = 0
      for (let i = 0; i < vn; i++) {
        const s = u[j + i]! + v[i]! + c
        u[j + i] = s & 0xffff
        c = s >>> 16
      }
      top += c
    }
    u[j + vn] = top
    q[j] = qh
  }
}

const DIVIDEND = new Float64Array(12)
const QUOTIENT = new Float64Array(8)

/**
 * a ÷ b: floor(sigA × 2^80 / sigB), which lies in [2^79, 2^81), and whether the
 * remainder is nonzero.
 */
export function fastDivide(env: ArithEnv, a: Ext80, b: Ext80, format: Format): Ext80 | undefined {
  if (!hasNormalExponent(a) || !hasNormalExponent(b) || !isRegisterFormat(format)) return undefined
  if (!loadDigits(a.sig, X) || !loadDigits(b.sig, Y)) return undefined
  // sigA × 2^80: the digits of sigA moved five places up.
  for (let i = 0; i < 10; i++) DIVIDEND[i] = i >= 5 && i <= 8 ? X[i - 5]! : 0
  divideDigits(DIVIDEND, 9, Y, 4, QUOTIENT)
  const inexact = DIVIDEND[0] !== 0 || DIVIDEND[1] !== 0 || DIVIDEND[2] !== 0 || DIVIDEND[3] !== 0
  const lsb = (a.exp - EXP_BIAS) - (b.exp - EXP_BIAS) - 80
  return roundWindow(env, a.sign ^ b.sign, QUOTIENT, 6, inexact, lsb, format.precision)
}

// ---- Square root ---------------------------------------------------------------------------------

/** out[0..xn+yn-1] = x[0..xn-1] × y[0..yn-1]. Column sums stay below 2^35, exact in doubles. */
function multiplyDigits(x: Float64Array, xn: number, y: Float64Array, yn: number, out: Float64Array): void {
  const n = xn + yn
  for (let k = 0; k < n; k++) out[k] = 0
  for (let i = 0; i < xn; i++) {
    const xi = x[i]!
    for (let j = 0; j < yn; j++) out[i + j] = out[i + j]! + xi * y[j]!
  }
  let carry = 0
  for (let k = 0; k < n; k++) {
    const s = out[k]! + carry
    carry = Math.floor(s * INVERSE_DIGIT)
    out[k] = s - carry * DIGIT
  }
}

/** out = x - y over n digits (out may be x); returns the final borrow (1 when x < y: out then holds x - y + 2^(16n)). */
function subtractDigits(x: Float64Array, y: Float64Array, out: Float64Array, n: number): number {
  let borrow = 0
  for (let i = 0; i < n; i++) {
    let s = x[i]! - y[i]! - borrow
    borrow = s < 0 ? 1 : 0
    if (borrow !== 0) s += DIGIT
    out[i] = s
  }
  return borrow
}

/** x += (a signed integer of magnitude below 2^48), over n digits, assuming the result stays non-negative. */
function addSmall(x: Float64Array, n: number, delta: number): void {
  let carry = delta
  for (let i = 0; i < n && carry !== 0; i++) {
    const s = x[i]! + carry
    carry = Math.floor(s * INVERSE_DIGIT)
    x[i] = s - carry * DIGIT
  }
}

/** The value of n digits as a double (rounded). */
function digitsValue(x: Float64Array, n: number): number {
  let v = 0
  for (let i = n - 1; i >= 0; i--) v = v * DIGIT + x[i]!
  return v
}

/** x > y, over n digits. */
function digitsAbove(x: Float64Array, y: Float64Array, n: number): boolean {
  for (let i = n - 1; i >= 0; i--) if (x[i] !== y[i]) return x[i]! > y[i]!
  return false
}

/** Digits of the radicand and of the square and difference compared with it. */
const ROOT_WINDOW = 10
const RADICAND = new Float64Array(ROOT_WINDOW)
const ROOT = new Float64Array(5)
const SQUARE = new Float64Array(ROOT_WINDOW)
const DIFFERENCE = new Float64Array(ROOT_WINDOW)
const TWICE_ROOT = new Float64Array(ROOT_WINDOW)

/** Corrections after which the root search gives up to the exact path (it needs one or two). */
const ROOT_CORRECTIONS = 8

/**
 * √a for a positive normal a = sigA × 2^(e-63): N = sigA × 2^s with s = 72 or 73
 * so that e - 63 - s is even; R = floor(√N) lies in [2^67, 2^69) (two bits and
 * more below the rounding bit), and the root is exact when N = R².
 *
 * R is first estimated in doubles: x = round(√(sigA × 2^(s-32))) × 2^16, good to
 * about 2^-52 relative, then one Newton step x + (N - x²) / 2x, with N - x²
 * exact and the quotient in doubles, brings it within a unit or two. The exact
 * test 0 ≤ N - R² ≤ 2R (that is, R² ≤ N < (R + 1)²) then decides, stepping R
 * by one until it holds: R is floor(√N) however good the estimate was.
 */
export function fastSquareRoot(env: ArithEnv, a: Ext80, format: Format): Ext80 | undefined {
  if (!hasNormalExponent(a) || a.sign !== 0 || !isRegisterFormat(format)) return undefined
  if (!loadDigits(a.sig, X)) return undefined
  const e = a.exp - EXP_BIAS
  const s = (e & 1) === 0 ? 73 : 72
  RADICAND.fill(0)
  placeDigits(X, RADICAND, s)
  // The estimate: an integer below 2^53, as digits; x² = estimate² × 2^32, two digits up.
  const sigApprox = ((X[3]! * DIGIT + X[2]!) * DIGIT + X[1]!) * DIGIT + X[0]!
  let estimate = Math.round(Math.sqrt(sigApprox * 2 ** (s - 32)))
  const twiceX = estimate * 2 ** 17
  for (let i = 0; i < 4; i++) {
    const higher = Math.floor(estimate * INVERSE_DIGIT)
    Y[i] = estimate - higher * DIGIT
    estimate = higher
  }
  DIFFERENCE[0] = 0
  DIFFERENCE[1] = 0
  multiplyDigits(Y, 4, Y, 4, SQUARE)
  for (let i = 0; i < 8; i++) DIFFERENCE[i + 2] = SQUARE[i]!
  let negative = subtractDigits(RADICAND, DIFFERENCE, DIFFERENCE, ROOT_WINDOW) !== 0
  if (negative) {
    SQUARE.fill(0)
    subtractDigits(SQUARE, DIFFERENCE, DIFFERENCE, ROOT_WINDOW)
  }
  const step = Math.round(digitsValue(DIFFERENCE, ROOT_WINDOW) / twiceX)
  ROOT[0] = 0
  for (let i = 0; i < 4; i++) ROOT[i + 1] = Y[i]!
  addSmall(ROOT, 5, negative ? -step : step)
  for (let correction = 0; ; correction++) {
    if (correction === ROOT_CORRECTIONS) return undefined
    multiplyDigits(ROOT, 5, ROOT, 5, SQUARE)
    negative = subtractDigits(RADICAND, SQUARE, DIFFERENCE, ROOT_WINDOW) !== 0
    if (negative) {
      addSmall(ROOT, 5, -1)
      continue
    }
    let carry = 0
    for (let i = 0; i < 5; i++) {
      const d = ROOT[i]! * 2 + carry
      carry = d >>> 16
      TWICE_ROOT[i] = d & 0xffff
    }
    TWICE_ROOT[5] = carry
    if (digitsAbove(DIFFERENCE, TWICE_ROOT, ROOT_WINDOW)) {
      addSmall(ROOT, 5, 1)
      continue
    }
    break
  }
  let exact = true
  for (let i = 0; i < ROOT_WINDOW && exact; i++) exact = DIFFERENCE[i] === 0
  return roundWindow(env, 0, ROOT, 5, !exact, (e - 63 - s) / 2, format.precision)
}
