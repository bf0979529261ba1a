/**
 * fast-check arbitraries for x87 properties: raw 80-bit encodings weighted
 * toward the values where implementations go wrong (zeros, denormals,
 * pseudo-denormals, unnormals, pseudo-infinities and pseudo-NaNs, infinities,
 * QNaNs and SNaNs, exponents at the edges of the 80-, 64- and 32-bit ranges,
 * significands with long runs of ones or zeros, values just around a rounding
 * halfway point), pairs of operands related so that sums cancel, products and
 * quotients overflow or underflow, and control words (every RC x PC, exception
 * masks all set or partly clear). Memory images of binary32/binary64 for
 * FLD m32/m64 likewise.
 */
import fc from 'fast-check'

const BIAS = 16383
const J = 1n << 63n
const MASK64 = (1n << 64n) - 1n

/** An 80-bit encoding from sign, biased exponent and the 64-bit significand field (J included). */
export function encode80(sign: number, biasedExponent: number, significand: bigint): bigint {
  return (BigInt(sign & 1) << 79n) | (BigInt(biasedExponent & 0x7fff) << 64n) | (significand & MASK64)
}

export const biasedExponentOf = (bits: bigint): number => Number((bits >> 64n) & 0x7fffn)
export const significandOf = (bits: bigint): bigint => bits & MASK64
export const signOf = (bits: bigint): number => Number(bits >> 79n) & 1
export const negate80 = (bits: bigint): bigint => bits ^ (1n << 79n)

const sign = fc.integer({min: 0, max: 1})
const bits63 = fc.bigInt({min: 0n, max: J - 1n})

/** Bits lo..hi (inclusive) set. */
const run = (lo: number, hi: number): bigint => ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo)

/**
 * 63-bit fractions: random, long runs of ones or zeros, a single bit, and
 * fractions at (or one unit either side of) the halfway point of rounding to
 * 24, 53 or 64 significant bits, and at half-integers for exponents 0..63.
 */
export const fraction: fc.Arbitrary<bigint> = fc.oneof(
  {weight: 4, arbitrary: bits63},
  {weight: 1, arbitrary: fc.constantFrom(0n, 1n, J - 1n, J >> 1n, (J >> 1n) - 1n, (J >> 1n) + 1n)},
  // a run of ones inside zeros, or a run of zeros inside ones
  {weight: 2, arbitrary: fc.tuple(fc.integer({min: 0, max: 62}), fc.integer({min: 0, max: 62}), fc.boolean())
    .map(([x, y, invert]) => {
      const r = run(Math.min(x, y), Math.max(x, y))
      return invert ? (J - 1n) ^ r : r
    })},
  {weight: 1, arbitrary: fc.integer({min: 0, max: 62}).map((i) => 1n << BigInt(i))},
  // near the rounding point of precision p: keep p-1 random fraction bits, then 1000... , nudged by -1/0/+1
  {weight: 3, arbitrary: fc.tuple(bits63, fc.constantFrom(24, 53, 64), fc.constantFrom(-1n, 0n, 1n), fc.boolean())
    .map(([r, p, nudge, exactTie]) => {
      const cut = 64 - p // fraction bits below the kept ones
      if (cut === 0) return (r + nudge) & (J - 1n)
      const kept = (r >> BigInt(cut)) << BigInt(cut)
      const half = 1n << BigInt(cut - 1)
      const low = exactTie ? 0n : r & (half - 1n) & 0xffn
      return ((kept | half | low) + nudge) & (J - 1n)
    })},
)

/**
 * Biased exponents: the bottom and top of the 80-bit range, around the bias
 * (values of integer size for FIST/FRNDINT), around the binary32 and binary64
 * overflow and underflow thresholds (for FST), and anything.
 */
export const biasedExponent: fc.Arbitrary<number> = fc.oneof(
  {weight: 2, arbitrary: fc.integer({min: 1, max: 70})},
  {weight: 2, arbitrary: fc.integer({min: 0x7ffe - 70, max: 0x7ffe})},
  {weight: 3, arbitrary: fc.integer({min: BIAS - 70, max: BIAS + 70})},
  {weight: 2, arbitrary: fc.tuple(fc.constantFrom(127, -126, -149, 1023, -1022, -1074), fc.integer({min: -3, max: 3}))
    .map(([e, d]) => BIAS + e + d)},
  {weight: 2, arbitrary: fc.integer({min: 1, max: 0x7ffe})},
)

const normal = fc.tuple(sign, biasedExponent, fraction).map(([s, e, f]) => encode80(s, e, J | f))
const denormal = fc.tuple(sign, fraction.filter((f) => f !== 0n)).map(([s, f]) => encode80(s, 0, f))
const pseudoDenormal = fc.tuple(sign, fraction).map(([s, f]) => encode80(s, 0, J | f))
const unnormal = fc.tuple(sign, biasedExponent, fraction).map(([s, e, f]) => encode80(s, e, f))
const zero = sign.map((s) => encode80(s, 0, 0n))
const infinity = sign.map((s) => encode80(s, 0x7fff, J))
const qnan = fc.tuple(sign, bits63).map(([s, f]) => encode80(s, 0x7fff, J | (1n << 62n) | f))
const snan = fc.tuple(sign, bits63.map((f) => f & ((1n << 62n) - 1n)).filter((f) => f !== 0n)).map(([s, f]) => encode80(s, 0x7fff, J | f))
/** Pseudo-infinity (J=0, fraction 0) and pseudo-NaNs (J=0, fraction nonzero). */
const pseudoNaNOrInfinity = fc.tuple(sign, fc.oneof(fc.constant(0n), bits63)).map(([s, f]) => encode80(s, 0x7fff, f))
const anyBits = fc.bigInt({min: 0n, max: (1n << 80n) - 1n})

/** Named encodings every run should meet. */
export const SPECIAL_80 = {
  plusZero: encode80(0, 0, 0n),
  minusZero: encode80(1, 0, 0n),
  one: encode80(0, BIAS, J),
  minusOne: encode80(1, BIAS, J),
  largest: encode80(0, 0x7ffe, MASK64),
  smallestNormal: encode80(0, 1, J),
  largestDenormal: encode80(0, 0, J - 1n),
  smallestDenormal: encode80(0, 0, 1n),
  smallestPseudoDenormal: encode80(0, 0, J),
  plusInfinity: encode80(0, 0x7fff, J),
  minusInfinity: encode80(1, 0x7fff, J),
  realIndefinite: encode80(1, 0x7fff, 0xc000000000000000n),
  pseudoInfinity: encode80(0, 0x7fff, 0n),
} as const

/** Any 80-bit encoding, weighted toward the interesting classes. */
export const extended80: fc.Arbitrary<bigint> = fc.oneof(
  {weight: 12, arbitrary: normal},
  {weight: 3, arbitrary: denormal},
  {weight: 1, arbitrary: pseudoDenormal},
  {weight: 1, arbitrary: unnormal},
  {weight: 1, arbitrary: zero},
  {weight: 1, arbitrary: infinity},
  {weight: 1, arbitrary: qnan},
  {weight: 1, arbitrary: snan},
  {weight: 1, arbitrary: pseudoNaNOrInfinity},
  {weight: 1, arbitrary: fc.constantFrom(...Object.values(SPECIAL_80))},
  {weight: 2, arbitrary: anyBits},
)

/** Finite, supported values only (normals, denormals, pseudo-denormals, zeros). */
export const finite80: fc.Arbitrary<bigint> = fc.oneof(
  {weight: 12, arbitrary: normal},
  {weight: 3, arbitrary: denormal},
  {weight: 1, arbitrary: pseudoDenormal},
  {weight: 1, arbitrary: zero},
)

/** A normal with a biased exponent near `target` (clamped into the normal range). */
function normalNear(target: number): fc.Arbitrary<bigint> {
  return fc.tuple(sign, fc.integer({min: -3, max: 3}), fraction)
    .map(([s, d, f]) => encode80(s, Math.min(0x7ffe, Math.max(1, target + d)), J | f))
}

/**
 * Operand pairs for the binary operations: independent pairs, a value with
 * itself and its negation (x - x, x + -x), exponents a few apart (cancellation
 * and carries) or far apart (alignment and sticky bits), and exponents whose
 * sum or difference sits at the overflow and underflow thresholds of products
 * and quotients.
 */
export const extendedPair: fc.Arbitrary<[bigint, bigint]> = fc.oneof(
  {weight: 6, arbitrary: fc.tuple(extended80, extended80)},
  {weight: 1, arbitrary: extended80.map((a): [bigint, bigint] => [a, a])},
  {weight: 1, arbitrary: extended80.map((a): [bigint, bigint] => [a, negate80(a)])},
  {weight: 2, arbitrary: normal.chain((a) => normalNear(biasedExponentOf(a)).map((b): [bigint, bigint] => [a, b]))},
  {weight: 1, arbitrary: fc.tuple(normal, fc.integer({min: 60, max: 70}), fc.boolean()).chain(([a, gap, below]) =>
    normalNear(biasedExponentOf(a) + (below ? -gap : gap)).map((b): [bigint, bigint] => [a, b]))},
  // product exponent near the top (a*b) or bottom, quotient likewise: pick a, derive b's exponent
  {weight: 2, arbitrary: fc.tuple(normal, fc.constantFrom(0x7ffe, 1, 0, -64)).chain(([a, target]) => {
    const ea = biasedExponentOf(a)
    return fc.oneof(
      normalNear(target - ea + BIAS), // a * b lands near target
      normalNear(ea - target + BIAS), // a / b lands near target
    ).map((b): [bigint, bigint] => [a, b])
  })},
  {weight: 1, arbitrary: fc.tuple(denormal, fc.oneof(denormal, normalNear(BIAS), normalNear(1)))},
)

/** Every rounding control (0..3) with every defined precision control (00 single, 10 double, 11 extended). */
export const ROUNDING_PRECISION: ReadonlyArray<{rc: number; pc: number}> =
  [0, 1, 2, 3].flatMap((rc) => [0, 2, 3].map((pc) => ({rc, pc})))

/** A control word from its fields; bit 6 is set as FINIT leaves it (0x037F). */
export function controlWord(rc: number, pc: number, masks = 0x3f): number {
  return 0x40 | (masks & 0x3f) | (pc << 8) | (rc << 10)
}

/** Exception masks: all set (the usual case), one exception unmasked, or any combination. */
export const exceptionMasks: fc.Arbitrary<number> = fc.oneof(
  {weight: 3, arbitrary: fc.constant(0x3f)},
  {weight: 2, arbitrary: fc.integer({min: 0, max: 5}).map((i) => 0x3f & ~(1 << i))},
  {weight: 2, arbitrary: fc.integer({min: 0, max: 0x3f})},
)

/** Control words: every RC x PC, with the masks above. */
export const controlWords: fc.Arbitrary<number> = fc.tuple(fc.constantFrom(...ROUNDING_PRECISION), exceptionMasks)
  .map(([{rc, pc}, masks]) => controlWord(rc, pc, masks))

/** Control words with every exception masked. */
export const maskedControlWords: fc.Arbitrary<number> = fc.constantFrom(...ROUNDING_PRECISION).map(({rc, pc}) => controlWord(rc, pc))

/**
 * binary32 (expBits 8, fracBits 23) or binary64 (11, 52) memory images:
 * zeros, denormals, normals at the exponent edges, infinities, QNaNs, SNaNs,
 * and any bits.
 */
function memoryFloat(expBits: number, fracBits: number): fc.Arbitrary<bigint> {
  const maxExp = (1 << expBits) - 1
  const fracMax = (1n << BigInt(fracBits)) - 1n
  const frac = fc.oneof(
    fc.bigInt({min: 0n, max: fracMax}),
    fc.constantFrom(0n, 1n, fracMax, 1n << BigInt(fracBits - 1)),
    fc.tuple(fc.integer({min: 0, max: fracBits - 1}), fc.integer({min: 0, max: fracBits - 1}))
      .map(([x, y]) => run(Math.min(x, y), Math.max(x, y))),
  )
  const image = (s: number, e: number, f: bigint): bigint => (BigInt(s) << BigInt(expBits + fracBits)) | (BigInt(e) << BigInt(fracBits)) | f
  const quiet = 1n << BigInt(fracBits - 1)
  return fc.oneof(
    {weight: 6, arbitrary: fc.tuple(sign, fc.oneof(fc.integer({min: 1, max: 4}), fc.integer({min: maxExp - 4, max: maxExp - 1}), fc.integer({min: 1, max: maxExp - 1})), frac)
      .map(([s, e, f]) => image(s, e, f))},
    {weight: 2, arbitrary: fc.tuple(sign, frac.filter((f) => f !== 0n)).map(([s, f]) => image(s, 0, f))},
    {weight: 1, arbitrary: sign.map((s) => image(s, 0, 0n))},
    {weight: 1, arbitrary: sign.map((s) => image(s, maxExp, 0n))},
    {weight: 1, arbitrary: fc.tuple(sign, frac).map(([s, f]) => image(s, maxExp, quiet | f))},
    {weight: 1, arbitrary: fc.tuple(sign, frac.map((f) => f & (quiet - 1n)).filter((f) => f !== 0n)).map(([s, f]) => image(s, maxExp, f))},
    {weight: 1, arbitrary: fc.bigInt({min: 0n, max: (1n << BigInt(1 + expBits + fracBits)) - 1n})},
  )
}

export const float32Image: fc.Arbitrary<bigint> = memoryFloat(8, 23)
export const float64Image: fc.Arbitrary<bigint> = memoryFloat(11, 52)
