/**
 * A reference model of the x87 arithmetic, written from the Intel SDM volume 1
 * (chapter 4, "Data Types", and chapter 8, "Programming with the x87 FPU") and
 * IEEE 754. It is deliberately simple rather than fast: every operand becomes
 * an exact value n * 2^q (BigInt n), the arithmetic is exact (a rational
 * num/den * 2^exp for division, an integer square root with its remainder for
 * FSQRT), and one rounding function turns the exact value into the
 * destination format. Nothing here shares code with the implementation in
 * src/core/cpu/fpu, so the properties can compare the two.
 *
 * Values are raw encodings as bigint: 80-bit double extended (bit 79 sign,
 * 78-64 biased exponent, 63 explicit integer bit J, 62-0 fraction), 32- and
 * 64-bit IEEE binary32/binary64 for FLD/FST m32/m64, two's complement
 * integers of 16, 32 and 64 bits for FIST.
 *
 * Decisions the SDM leaves open, and how this model takes them, are marked
 * "Model choice" below.
 */

export type RefOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'sqrt'
  | 'round' /* FRNDINT */
  | 'toF32' | 'toF64' /* FST m32/m64: result is the 32/64-bit memory image */
  | 'toI16' | 'toI32' | 'toI64' /* FIST: result is the two's complement memory image */
  | 'fromF32' | 'fromF64' /* FLD m32/m64: operand a is the 32/64-bit memory image */

export interface RefResult {
  /** What is written to the destination; null when an unmasked exception leaves it unchanged (nothing stored). */
  value: bigint | null
  /** The status-word exception bits the operation sets (IE DE ZE OE UE PE). */
  flags: number
  /** C1 after the operation: set when an inexact result was rounded up in magnitude (SDM 8.1.3.1). */
  c1: boolean
}

// Status-word exception flags and the matching control-word mask bits (SDM 8.1.3, 8.1.5).
export const IE = 0x01
export const DE = 0x02
export const ZE = 0x04
export const OE = 0x08
export const UE = 0x10
export const PE = 0x20

// Rounding control, control word bits 11-10 (SDM 4.8.4, Table 4-8).
export const RC_NEAREST = 0
export const RC_DOWN = 1 // toward -infinity
export const RC_UP = 2 // toward +infinity
export const RC_ZERO = 3
// Precision control, control word bits 9-8 (SDM 8.1.5.2, Table 8-2); 01 is reserved.
export const PC_SINGLE = 0
export const PC_DOUBLE = 2
export const PC_EXTENDED = 3

/** The real indefinite: the QNaN an invalid operation returns when no operand is a NaN (SDM 4.8.3.7, Table 4-3). */
export const REAL_INDEFINITE = 0xffffc000000000000000n

/** The bias by which an unmasked overflow/underflow result's exponent is adjusted on a register destination (SDM 8.5.4, 8.5.5). */
const UNMASKED_BIAS_ADJUST = 24576

// ---------------------------------------------------------------------------
// Formats. A value of a format with precision p and minimum exponent emin is
// a multiple of 2^(max(e, emin) - p + 1) where e is its own exponent; that
// one rule covers normals and the gradual underflow of denormals.

interface Format {
  /** Significand bits, including the integer bit. */
  p: number
  emin: number
  emax: number
  expBits: number
  /** Bits of the stored significand field below the integer bit. */
  fracBits: number
  /** The integer bit is stored (double extended) rather than implied. */
  explicitInteger: boolean
}

const EXTENDED: Format = {p: 64, emin: -16382, emax: 16383, expBits: 15, fracBits: 63, explicitInteger: true}
const DOUBLE: Format = {p: 53, emin: -1022, emax: 1023, expBits: 11, fracBits: 52, explicitInteger: false}
const SINGLE: Format = {p: 24, emin: -126, emax: 127, expBits: 8, fracBits: 23, explicitInteger: false}

/**
 * The register format an arithmetic result is rounded to under precision
 * control: the significand is cut to 24, 53 or 64 bits but the exponent range
 * stays that of double extended (SDM 8.1.5.2: "the exponent range is not
 * reduced"), so denormal results of a PC-limited operation are quantised at
 * 2^(-16382 - p + 1).
 */
function registerFormat(pc: number): Format {
  if (pc === PC_SINGLE) return {...EXTENDED, p: 24}
  if (pc === PC_DOUBLE) return {...EXTENDED, p: 53}
  if (pc === PC_EXTENDED) return EXTENDED
  // Model choice: PC=01 is reserved (Table 8-2); the SDM gives it no meaning, so the model refuses to guess and the
  // arbitraries never generate it. (The implementation, like the QEMU oracle, rounds to 64 bits under it;
  // fpu-arith.test.ts checks that on the implementation alone.)
  throw new Error('precision control 01 is reserved')
}

const width = (f: Format): number => 1 + f.expBits + (f.explicitInteger ? 1 : 0) + f.fracBits
const bias = (f: Format): number => f.emax
const maxBiased = (f: Format): number => (1 << f.expBits) - 1

// ---------------------------------------------------------------------------
// Exact values.

/** (-1)^sign * num / den * 2^exp with num > 0 and den > 0: the exact result of an operation before rounding. */
interface Exact {
  sign: number
  num: bigint
  den: bigint
  exp: number
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length
}

const shiftUp = (n: bigint, by: number): bigint => (by >= 0 ? n << BigInt(by) : n)
const shiftDown = (n: bigint, by: number): bigint => (by < 0 ? n << BigInt(-by) : n)

/** floor(log2(num / den * 2^exp)), for num, den > 0. */
function floorLog2(x: Exact): number {
  let e = bitLength(x.num) - bitLength(x.den) + x.exp
  // x / 2^e >= 1  <=>  num * 2^(exp - e) >= den
  if (shiftUp(x.num, x.exp - e) < shiftDown(x.den, x.exp - e)) e -= 1
  return e
}

/** The result of rounding: |result| = n * 2^q. */
interface Rounded {
  sign: number
  n: bigint
  q: number
  inexact: boolean
  /** |result| > |exact| */
  up: boolean
}

/**
 * The one rounding function: rounds x to an integer multiple of 2^q in
 * rounding mode rc (IEEE 754 4.3, SDM 4.8.4). Round-to-nearest breaks a tie
 * toward the even multiple; the directed modes round by the sign of x.
 */
function roundToMultiple(x: Exact, q: number, rc: number): Rounded {
  // |x| / 2^q = N / D
  const N = shiftUp(x.num, x.exp - q)
  const D = shiftDown(x.den, x.exp - q)
  const whole = N / D
  const rest = N % D
  if (rest === 0n) return {sign: x.sign, n: whole, q, inexact: false, up: false}
  let up: boolean
  if (rc === RC_NEAREST) up = 2n * rest > D || (2n * rest === D && (whole & 1n) === 1n)
  else if (rc === RC_ZERO) up = false
  else if (rc === RC_DOWN) up = x.sign === 1
  else up = x.sign === 0
  return {sign: x.sign, n: up ? whole + 1n : whole, q, inexact: true, up}
}

/**
 * Rounds x to p significant bits. With emin set the quantum never falls below
 * 2^(emin - p + 1) (denormals); with emin null the exponent is unbounded, as
 * IEEE 754 7.4/7.5 define for detecting overflow and tininess.
 */
function roundToPrecision(x: Exact, p: number, emin: number | null, rc: number): Rounded {
  const e = floorLog2(x)
  return roundToMultiple(x, (emin === null ? e : Math.max(e, emin)) - p + 1, rc)
}

/** Exponent of a nonzero n * 2^q: floor(log2). */
const exponentOf = (r: {n: bigint; q: number}): number => bitLength(r.n) - 1 + r.q

// ---------------------------------------------------------------------------
// Encodings.

function encodeFinite(f: Format, sign: number, n: bigint, q: number): bigint {
  const signBit = BigInt(sign) << BigInt(width(f) - 1)
  const fieldBits = f.fracBits + (f.explicitInteger ? 1 : 0)
  if (n === 0n) return signBit
  const e = exponentOf({n, q})
  let biased: number
  let sig: bigint // the significand scaled so that the integer bit is bit fracBits
  if (e < f.emin) {
    biased = 0
    sig = n << BigInt(q - (f.emin - f.fracBits)) // q >= emin - p + 1 >= emin - fracBits for every caller
  } else {
    if (e > f.emax) throw new Error(`encodeFinite: exponent ${e} out of range`)
    biased = e + bias(f)
    const s = q - (e - f.fracBits)
    sig = s >= 0 ? n << BigInt(s) : n >> BigInt(-s) // the bits dropped by >> are zero: n has at most fracBits+1 significant bits
    if (!f.explicitInteger) sig -= 1n << BigInt(f.fracBits)
  }
  return signBit | (BigInt(biased) << BigInt(fieldBits)) | sig
}

function encodeInfinity(f: Format, sign: number): bigint {
  const fieldBits = f.fracBits + (f.explicitInteger ? 1 : 0)
  const integerBit = f.explicitInteger ? 1n << BigInt(f.fracBits) : 0n
  return (BigInt(sign) << BigInt(width(f) - 1)) | (BigInt(maxBiased(f)) << BigInt(fieldBits)) | integerBit
}

/** A NaN of format f from a sign and a fraction of f.fracBits bits (the quiet bit being its top bit). */
function encodeNaN(f: Format, sign: number, fraction: bigint): bigint {
  return encodeInfinity(f, sign) | fraction
}

function indefinite(f: Format): bigint {
  return encodeNaN(f, 1, 1n << BigInt(f.fracBits - 1))
}

/** The largest finite value of f at precision p (with PC, the significand is p ones). */
function largestFinite(f: Format, p: number, sign: number): bigint {
  return encodeFinite(f, sign, (1n << BigInt(p)) - 1n, f.emax - p + 1)
}

// ---------------------------------------------------------------------------
// Decoding. Operand classes follow SDM 4.2.2 (Table 4-3), 8.2.2 (Table 8-3) for
// double extended and 4.8.3 for binary32/64.

type Operand =
  | {cls: 'zero'; sign: number}
  /** |value| = n * 2^q, n > 0; denormal says the DE exception applies to it (SDM 8.5.2). */
  | {cls: 'finite'; sign: number; n: bigint; q: number; denormal: boolean}
  | {cls: 'inf'; sign: number}
  /** fraction: the fraction field below the integer bit; its top bit is the quiet bit. */
  | {cls: 'nan'; sign: number; quiet: boolean; fraction: bigint}
  /** Unnormals, pseudo-NaNs, pseudo-infinities (SDM 8.2.2): invalid operands since the 387. */
  | {cls: 'unsupported'}

function decode(f: Format, bits: bigint): Operand {
  const fieldBits = f.fracBits + (f.explicitInteger ? 1 : 0)
  const sign = Number((bits >> BigInt(width(f) - 1)) & 1n)
  const biased = Number((bits >> BigInt(fieldBits)) & BigInt(maxBiased(f)))
  const field = bits & ((1n << BigInt(fieldBits)) - 1n)
  const fraction = field & ((1n << BigInt(f.fracBits)) - 1n)
  const integerBit = f.explicitInteger ? field >> BigInt(f.fracBits) === 1n : biased !== 0
  const quietBit = 1n << BigInt(f.fracBits - 1)
  if (biased === maxBiased(f)) {
    // Double extended with J=0 here: pseudo-infinity (fraction 0) or pseudo-NaN, unsupported (Table 8-3).
    if (!integerBit) return {cls: 'unsupported'}
    if (fraction === 0n) return {cls: 'inf', sign}
    return {cls: 'nan', sign, quiet: (fraction & quietBit) !== 0n, fraction}
  }
  if (biased === 0) {
    if (field === 0n) return {cls: 'zero', sign}
    // Denormal (J=0) or, in double extended, pseudo-denormal (J=1). A pseudo-denormal is taken as the value its
    // bits give with exponent 1 - bias, which is exactly this formula (SDM 8.2.2: the 387 and later "use" it and
    // signal DE; they never produce one). Its value may equal a normal's, n then has 64 significant bits.
    return {cls: 'finite', sign, n: field, q: f.emin - f.fracBits, denormal: true}
  }
  // Biased exponent 1..max-1 with J=0 in double extended: an unnormal, unsupported.
  if (!integerBit) return {cls: 'unsupported'}
  const n = f.explicitInteger ? field : field | (1n << BigInt(f.fracBits))
  return {cls: 'finite', sign, n, q: biased - bias(f) - f.fracBits, denormal: false}
}

const decodeExtended = (bits: bigint): Operand => decode(EXTENDED, bits)

// ---------------------------------------------------------------------------
// The control word and the results of exceptions.

interface Control {
  masks: number
  rc: number
  pc: number
}

function control(cw: number): Control {
  return {masks: cw & 0x3f, rc: (cw >> 10) & 3, pc: (cw >> 8) & 3}
}

const masked = (c: Control, flag: number): boolean => (c.masks & flag) !== 0

/**
 * An exception that stops the operation when unmasked: the destination is
 * unchanged and nothing is stored (IE: SDM 8.5.1; DE: 8.5.2; ZE: 8.5.3).
 * Masked, the flag is set and the given masked response is delivered.
 */
function stopOrDeliver(c: Control, flag: number, maskedValue: bigint, moreFlags = 0): RefResult {
  return {value: masked(c, flag) ? maskedValue : null, flags: flag | moreFlags, c1: false}
}

const exactResult = (value: bigint, flags = 0): RefResult => ({value, flags, c1: false})

/**
 * Table 4-7, x87 column: the NaN delivered when operands are NaNs. An SNaN is
 * quieted by setting the top fraction bit; a QNaN beats an SNaN; of two NaNs
 * of the same kind the one with the larger significand wins (as the quiet bit
 * is the top fraction bit, this is the same as comparing raw significands; the
 * rule is written out as the SDM states it). Model choice:
 * with equal significands (only the signs differ) the SDM names neither; the
 * model returns the positive one, as the QEMU oracle does (checked there with
 * +QNaN/-QNaN and +SNaN/-SNaN in both operand orders) and as the
 * implementation chose.
 */
function chooseNaN(a: Operand, b: Operand | null): {sign: number; fraction: bigint; signaling: boolean} {
  const nans = [a, b].filter((o): o is Extract<Operand, {cls: 'nan'}> => o !== null && o.cls === 'nan')
  const signaling = nans.some((o) => !o.quiet)
  let pick = nans[0]!
  const other = nans[1]
  if (other) {
    if (pick.quiet !== other.quiet) pick = pick.quiet ? pick : other
    else if (other.fraction > pick.fraction || (other.fraction === pick.fraction && other.sign < pick.sign)) pick = other
  }
  const quietBit = 1n << BigInt(EXTENDED.fracBits - 1)
  return {sign: pick.sign, fraction: pick.fraction | quietBit, signaling}
}

/**
 * NaN operands of an arithmetic instruction (SDM 4.8.3.5): a QNaN passes
 * through without an exception; an SNaN raises IE, and when IE is masked the
 * quieted NaN is delivered, when unmasked nothing is stored.
 */
function propagateNaN(c: Control, a: Operand, b: Operand | null): RefResult {
  const pick = chooseNaN(a, b)
  const value = encodeNaN(EXTENDED, pick.sign, pick.fraction)
  return pick.signaling ? stopOrDeliver(c, IE, value) : exactResult(value)
}

/** An invalid operation without NaN operands: the masked response is the real indefinite (SDM 8.5.1.2, Table 8-10). */
const invalid = (c: Control): RefResult => stopOrDeliver(c, IE, REAL_INDEFINITE)

/**
 * Delivers a nonzero exact result to a destination of format f (SDM 4.9.1.4,
 * 4.9.1.5, 4.9.1.6, 8.5.4, 8.5.5, 8.5.6).
 *
 * Tininess is detected after rounding: the SDM (4.9.1.5) says the processor
 * detects underflow "whenever the result of rounding with unbounded exponent
 * (taking into account precision control for x87) is non-zero and tiny",
 * which is IEEE 754's "after rounding" choice (7.5 a). Overflow likewise tests
 * the result rounded with unbounded exponent against the format's range.
 *
 * Masked overflow returns infinity or the largest finite value of the
 * destination at its precision, by RC and sign (Table 4-10), and sets OE and
 * PE. Masked underflow returns the denormalized (gradually underflowed)
 * result; UE is set only when that result is also inexact (4.9.1.5). Unmasked,
 * a register destination receives the result rounded to its precision with
 * the exponent adjusted by 24576 (divided by 2^24576 on overflow, multiplied
 * on underflow), OE/UE set and PE too when that rounding was inexact (17.17.6.2
 * of vol. 3 notes the 32-bit FPUs flag PE here); underflow is then reported on
 * tininess alone, exact or not. A memory destination (FST) receives nothing.
 * For an unmasked overflow/underflow on a memory destination the model
 * reports OE/UE only, no PE and C1 clear, since nothing is rounded into the
 * destination: 8.5.4/8.5.5 speak only of the OE/UE flag there, and AMD's x87
 * exception table (AMD64 APM vol. 1, Table 6-21) says outright that PE is not
 * set.
 */
function deliver(c: Control, x: Exact, f: Format, toMemory: boolean): RefResult {
  const unbounded = roundToPrecision(x, f.p, null, c.rc)
  const e = exponentOf(unbounded)
  const finish = (r: Rounded, extra: number): RefResult => ({
    value: encodeFinite(f, r.sign, r.n, r.q),
    flags: extra | (r.inexact ? PE : 0),
    c1: r.up,
  })
  if (e > f.emax) {
    if (masked(c, OE)) {
      const toInfinity = c.rc === RC_NEAREST || (c.rc === RC_UP && x.sign === 0) || (c.rc === RC_DOWN && x.sign === 1)
      const value = toInfinity ? encodeInfinity(f, x.sign) : largestFinite(f, f.p, x.sign)
      return {value, flags: OE | PE, c1: toInfinity}
    }
    if (toMemory) return {value: null, flags: OE, c1: false}
    return finish({...unbounded, q: unbounded.q - UNMASKED_BIAS_ADJUST}, OE)
  }
  if (e < f.emin) {
    if (masked(c, UE)) {
      const denormalized = roundToPrecision(x, f.p, f.emin, c.rc)
      return finish(denormalized, denormalized.inexact ? UE : 0)
    }
    if (toMemory) return {value: null, flags: UE, c1: false}
    return finish({...unbounded, q: unbounded.q + UNMASKED_BIAS_ADJUST}, UE)
  }
  return finish(unbounded, 0)
}

// ---------------------------------------------------------------------------
// The operations.

type Numeric = Extract<Operand, {cls: 'zero' | 'finite' | 'inf'}>

const isDenormal = (o: Operand): boolean => o.cls === 'finite' && o.denormal
const zeroOf = (sign: number): bigint => encodeFinite(EXTENDED, sign, 0n, 0)

type FiniteOrZero = Extract<Operand, {cls: 'zero' | 'finite'}>

/** Exact sum of two finite-or-zero operands; null when it is exactly zero. */
function exactSum(a: FiniteOrZero, b: FiniteOrZero): Exact | null {
  const na = a.cls === 'finite' ? a.n : 0n
  const nb = b.cls === 'finite' ? b.n : 0n
  const qa = a.cls === 'finite' ? a.q : 0
  const qb = b.cls === 'finite' ? b.q : 0
  const q = Math.min(qa, qb)
  const sa = shiftUp(na, qa - q) * (a.sign ? -1n : 1n)
  const sb = shiftUp(nb, qb - q) * (b.sign ? -1n : 1n)
  const s = sa + sb
  if (s === 0n) return null
  return {sign: s < 0n ? 1 : 0, num: s < 0n ? -s : s, den: 1n, exp: q}
}

/**
 * FADD/FSUB/FMUL/FDIV (SDM vol. 2 and Table 8-10 / 4-7). The checks run in the
 * precedence of SDM 4.9.2: unsupported operand and SNaN (IE), QNaN operand,
 * other invalid operations and divide-by-zero, then the denormal operand
 * (DE), then overflow/underflow and inexact from delivering the result.
 * Model choice: a denormal dividend over zero reports ZE only, since
 * divide-by-zero ranks above the denormal operand exception (4.9.2 item 1c
 * before item 2), and the higher exception alone is handled.
 */
function arithmetic(op: 'add' | 'sub' | 'mul' | 'div', a: Operand, b: Operand, c: Control): RefResult {
  if (a.cls === 'unsupported' || b.cls === 'unsupported') return invalid(c)
  if (a.cls === 'nan' || b.cls === 'nan') return propagateNaN(c, a, b)
  // Subtraction is addition of the negated subtrahend (its NaN, above, is not negated).
  const y: Numeric = op === 'sub' ? {...b, sign: b.sign ^ 1} : b
  const x: Numeric = a
  const sign = x.sign ^ y.sign
  if (op === 'add' || op === 'sub') {
    if (x.cls === 'inf' && y.cls === 'inf' && x.sign !== y.sign) return invalid(c)
  } else if (op === 'mul') {
    if ((x.cls === 'inf' && y.cls === 'zero') || (x.cls === 'zero' && y.cls === 'inf')) return invalid(c)
  } else {
    if ((x.cls === 'inf' && y.cls === 'inf') || (x.cls === 'zero' && y.cls === 'zero')) return invalid(c)
    // SDM 8.5.3: a finite nonzero dividend over zero; masked, the infinity signed by the XOR of the signs.
    if (x.cls === 'finite' && y.cls === 'zero') return stopOrDeliver(c, ZE, encodeInfinity(EXTENDED, sign))
  }
  // SDM 8.5.2: masked, DE is set and the operation proceeds with the denormal's value; unmasked, nothing changes.
  const de = isDenormal(x) || isDenormal(y) ? DE : 0
  if (de && !masked(c, DE)) return {value: null, flags: DE, c1: false}
  const withDE = (r: RefResult): RefResult => ({...r, flags: r.flags | de})

  if (op === 'add' || op === 'sub') {
    if (x.cls === 'inf') return withDE(exactResult(encodeInfinity(EXTENDED, x.sign)))
    if (y.cls === 'inf') return withDE(exactResult(encodeInfinity(EXTENDED, y.sign)))
    const sum = exactSum(x, y)
    if (sum === null) {
      // IEEE 754 6.3: an exact zero sum of opposite-signed operands (x - x, or +0 + -0) is +0 in every mode but
      // round toward -infinity, where it is -0; zeros of the same sign keep it.
      const zeroSign = x.cls === 'zero' && y.cls === 'zero' && x.sign === y.sign ? x.sign : c.rc === RC_DOWN ? 1 : 0
      return withDE(exactResult(zeroOf(zeroSign)))
    }
    return withDE(deliver(c, sum, registerFormat(c.pc), false))
  }
  if (op === 'mul') {
    if (x.cls === 'inf' || y.cls === 'inf') return withDE(exactResult(encodeInfinity(EXTENDED, sign)))
    if (x.cls === 'zero' || y.cls === 'zero') return withDE(exactResult(zeroOf(sign)))
    return withDE(deliver(c, {sign, num: x.n * y.n, den: 1n, exp: x.q + y.q}, registerFormat(c.pc), false))
  }
  if (x.cls === 'inf') return withDE(exactResult(encodeInfinity(EXTENDED, sign)))
  if (y.cls === 'inf' || x.cls === 'zero') return withDE(exactResult(zeroOf(sign)))
  // A finite dividend over zero returned ZE above, so the divisor is finite here.
  if (y.cls !== 'finite') throw new Error('unreachable: finite / zero is ZE')
  return withDE(deliver(c, {sign, num: x.n, den: y.n, exp: x.q - y.q}, registerFormat(c.pc), false))
}

/** floor(sqrt(n)) for n >= 0, by Newton's iteration from above. */
function integerSqrt(n: bigint): bigint {
  if (n < 2n) return n
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2))
  for (;;) {
    const next = (x + n / x) >> 1n
    if (next >= x) return x
    x = next
  }
}

/**
 * FSQRT (SDM vol. 2): -0 gives -0 (IEEE 754 5.4.1), a negative nonzero
 * operand (including -infinity and negative denormals) is invalid, +infinity
 * gives +infinity. Precision control applies.
 *
 * The root is computed as s = floor(sqrt(M)) with remainder r = M - s^2 for an
 * integer M scaled to at least 140 bits, so s has at least 70 bits and the
 * rounding point (at most 64 bits) lies at least 6 bits above s's last bit.
 * When r > 0 the true root lies strictly inside (s, s + 1), which contains no
 * multiple of half a quantum, so rounding s + 1/2 in its place gives the same
 * result, the same inexactness and the same direction in every mode; s + 1/2
 * is the exact value handed to the rounding function. A root is never tiny or
 * huge, so only PE can follow.
 */
function squareRoot(a: Operand, c: Control): RefResult {
  if (a.cls === 'unsupported') return invalid(c)
  if (a.cls === 'nan') return propagateNaN(c, a, null)
  if (a.cls === 'zero') return exactResult(zeroOf(a.sign))
  if (a.sign === 1) return invalid(c)
  if (a.cls === 'inf') return exactResult(encodeInfinity(EXTENDED, 0))
  const de = a.denormal ? DE : 0
  if (de && !masked(c, DE)) return {value: null, flags: DE, c1: false}
  let n = a.n
  let q = a.q
  if (q % 2 !== 0) {
    n <<= 1n
    q -= 1
  }
  const k = Math.max(0, Math.ceil((140 - bitLength(n)) / 2))
  const M = n << BigInt(2 * k)
  const half = (q - 2 * k) / 2
  const s = integerSqrt(M)
  const exact: Exact = M === s * s ? {sign: 0, num: s, den: 1n, exp: half} : {sign: 0, num: 2n * s + 1n, den: 1n, exp: half - 1}
  const r = deliver(c, exact, registerFormat(c.pc), false)
  return {...r, flags: r.flags | de}
}

/**
 * FRNDINT (SDM vol. 2): rounds to an integer by RC, at full 64-bit precision
 * (PC does not apply, 8.1.5.2). A value that rounds to zero keeps its sign.
 * Denormal operands signal DE; inexact results set PE and C1 by direction.
 */
function roundToInteger(a: Operand, c: Control): RefResult {
  if (a.cls === 'unsupported') return invalid(c)
  if (a.cls === 'nan') return propagateNaN(c, a, null)
  if (a.cls === 'zero') return exactResult(zeroOf(a.sign))
  if (a.cls === 'inf') return exactResult(encodeInfinity(EXTENDED, a.sign))
  const de = a.denormal ? DE : 0
  if (de && !masked(c, DE)) return {value: null, flags: DE, c1: false}
  const r = roundToMultiple({sign: a.sign, num: a.n, den: 1n, exp: a.q}, Math.max(a.q, 0), c.rc)
  return {value: encodeFinite(EXTENDED, r.sign, r.n, r.q), flags: de | (r.inexact ? PE : 0), c1: r.up}
}

/**
 * FIST/FISTP m16/m32/m64 (SDM vol. 2, 8.5.1.2): rounds by RC to an integer.
 * Any NaN (QNaN too), infinity, unsupported operand, or a rounded value
 * outside the destination's range is invalid; masked, the integer indefinite
 * (only the top bit set) is stored, unmasked nothing is. FIST lists no
 * denormal operand exception: a denormal simply rounds to 0 or +-1.
 */
function toInteger(a: Operand, bits: 16 | 32 | 64, c: Control): RefResult {
  const integerIndefinite = 1n << BigInt(bits - 1)
  if (a.cls === 'unsupported' || a.cls === 'nan' || a.cls === 'inf') return stopOrDeliver(c, IE, integerIndefinite)
  if (a.cls === 'zero') return exactResult(0n)
  const r = roundToMultiple({sign: a.sign, num: a.n, den: 1n, exp: a.q}, Math.max(a.q, 0), c.rc)
  const magnitude = r.n << BigInt(r.q) // q >= 0: an integer
  const v = r.sign ? -magnitude : magnitude
  if (v < -integerIndefinite || v >= integerIndefinite) return stopOrDeliver(c, IE, integerIndefinite)
  return {value: BigInt.asUintN(bits, v), flags: r.inexact ? PE : 0, c1: r.up}
}

/**
 * FST m32/m64 (SDM vol. 2, 4.8.3.5, 8.5): rounds by RC (not PC) to the memory
 * format. An SNaN is invalid (masked: stored quieted); a QNaN is stored as
 * is; a NaN keeps the high bits of its fraction (the low ones are dropped). An
 * unsupported operand is invalid, masked storing the memory format's
 * indefinite. FST lists no denormal operand exception. Overflow and underflow
 * follow deliver() with a memory destination.
 */
function toMemoryFloat(a: Operand, f: Format, c: Control): RefResult {
  if (a.cls === 'unsupported') return stopOrDeliver(c, IE, indefinite(f))
  if (a.cls === 'nan') {
    const value = encodeNaN(f, a.sign, (a.fraction >> BigInt(EXTENDED.fracBits - f.fracBits)) | (1n << BigInt(f.fracBits - 1)))
    return a.quiet ? exactResult(value) : stopOrDeliver(c, IE, value)
  }
  if (a.cls === 'zero') return exactResult(encodeFinite(f, a.sign, 0n, 0))
  if (a.cls === 'inf') return exactResult(encodeInfinity(f, a.sign))
  return deliver(c, {sign: a.sign, num: a.n, den: 1n, exp: a.q}, f, true)
}

/**
 * FLD m32/m64 (SDM vol. 2, 8.5.2): every value is exact in double extended.
 * An SNaN is invalid (masked: loaded quieted, its fraction in the high bits);
 * a denormal signals DE (masked: loaded normalized; unmasked: nothing loaded).
 */
function fromMemoryFloat(bits: bigint, f: Format, c: Control): RefResult {
  const a = decode(f, bits)
  if (a.cls === 'nan') {
    const value = encodeNaN(EXTENDED, a.sign, (a.fraction << BigInt(EXTENDED.fracBits - f.fracBits)) | (1n << 62n))
    return a.quiet ? exactResult(value) : stopOrDeliver(c, IE, value)
  }
  if (a.cls === 'zero') return exactResult(zeroOf(a.sign))
  if (a.cls === 'inf') return exactResult(encodeInfinity(EXTENDED, a.sign))
  if (a.cls === 'unsupported') throw new Error('binary32/64 have no unsupported encodings')
  const value = encodeFinite(EXTENDED, a.sign, a.n, a.q)
  return a.denormal ? stopOrDeliver(c, DE, value) : exactResult(value)
}

/** The reference result of one x87 operation on raw encodings under control word controlWord. */
export function reference(op: RefOp, a: bigint, b: bigint, controlWord: number): RefResult {
  const c = control(controlWord)
  switch (op) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      return arithmetic(op, decodeExtended(a), decodeExtended(b), c)
    case 'sqrt':
      return squareRoot(decodeExtended(a), c)
    case 'round':
      return roundToInteger(decodeExtended(a), c)
    case 'toF32':
      return toMemoryFloat(decodeExtended(a), SINGLE, c)
    case 'toF64':
      return toMemoryFloat(decodeExtended(a), DOUBLE, c)
    case 'toI16':
      return toInteger(decodeExtended(a), 16, c)
    case 'toI32':
      return toInteger(decodeExtended(a), 32, c)
    case 'toI64':
      return toInteger(decodeExtended(a), 64, c)
    case 'fromF32':
      return fromMemoryFloat(a, SINGLE, c)
    case 'fromF64':
      return fromMemoryFloat(a, DOUBLE, c)
  }
}

// ---------------------------------------------------------------------------
// Helpers for tests and properties: building and reading encodings.

/** An 80-bit encoding from its fields. */
export function extended(sign: number, biasedExponent: number, significand: bigint): bigint {
  return (BigInt(sign & 1) << 79n) | (BigInt(biasedExponent & 0x7fff) << 64n) | (significand & 0xffffffffffffffffn)
}

/** The exact value of a zero or finite 80-bit encoding as num/den (den a power of two); null for infinities, NaNs and unsupported encodings. */
export function exactValue(bits: bigint): {num: bigint; den: bigint} | null {
  const o = decodeExtended(bits)
  if (o.cls === 'zero') return {num: 0n, den: 1n}
  if (o.cls !== 'finite') return null
  const num = o.sign ? -o.n : o.n
  return o.q >= 0 ? {num: num << BigInt(o.q), den: 1n} : {num, den: 1n << BigInt(-o.q)}
}

export type ExtendedClass = 'zero' | 'normal' | 'denormal' | 'pseudo-denormal' | 'infinity' | 'qnan' | 'snan' | 'unsupported'

/** The class of an 80-bit encoding (SDM Table 8-3). */
export function classify(bits: bigint): ExtendedClass {
  const o = decodeExtended(bits)
  if (o.cls === 'finite') {
    if (!o.denormal) return 'normal'
    return bitLength(o.n) === 64 ? 'pseudo-denormal' : 'denormal'
  }
  if (o.cls === 'nan') return o.quiet ? 'qnan' : 'snan'
  if (o.cls === 'inf') return 'infinity'
  return o.cls
}
