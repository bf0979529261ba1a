/**
 * The x87 reference model checked on its own: hand-computed vectors from the
 * SDM and IEEE 754 rules (each exception's masked and unmasked response,
 * NaN propagation, unsupported encodings, pseudo-denormals, signed zeros,
 * halfway cases in each rounding mode, overflow by RC, gradual underflow,
 * precision control, FIST/FRNDINT/FST/FLD), then properties: agreement with
 * the host's IEEE binary64/binary32 arithmetic where that is a valid oracle,
 * a rounding check against exact rationals, ties, identities and the
 * relations between masked and unmasked responses. Nothing here uses the
 * FPU implementation in src/core/cpu/fpu.
 */
import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {classify, DE, exactValue, IE, OE, PE, reference, REAL_INDEFINITE, UE, ZE, RC_DOWN, RC_NEAREST, RC_UP, RC_ZERO, PC_DOUBLE, PC_EXTENDED, PC_SINGLE, type RefOp, type RefResult} from './fpu-reference.js'
import {
  biasedExponentOf, controlWord, controlWords, encode80, extended80, extendedPair, finite80, float32Image, float64Image,
  maskedControlWords, negate80, ROUNDING_PRECISION, significandOf, signOf, SPECIAL_80,
} from './fpu-arbitraries.js'
import {NUM_RUNS} from './arbitraries.js'

const J = 1n << 63n
const RN = controlWord(RC_NEAREST, PC_EXTENDED)
const cw = (rc: number, pc = PC_EXTENDED, masks = 0x3f): number => controlWord(rc, pc, masks)
const unmasking = (flag: number, rc = RC_NEAREST, pc = PC_EXTENDED): number => cw(rc, pc, 0x3f & ~flag)

const ONE = SPECIAL_80.one
const TWO = 0x40008000000000000000n
const THREE = 0x4000c000000000000000n
const HALF = 0x3ffe8000000000000000n
const QNAN_1 = 0x7fffc000000000000001n
const QNAN_2 = 0x7fffc000000000000002n
const SNAN_1 = 0x7fff8000000000000001n
const SNAN_5 = 0x7fff8000000000000005n
const UNNORMAL = 0x3fff4000000000000000n
const PSEUDO_NAN = 0x7fff4000000000000000n

function run(op: RefOp, a: bigint, b: bigint, controlWord: number): RefResult {
  return reference(op, a, b, controlWord)
}

/** value/flags/c1 as one comparable string, values in hex. */
function show(r: RefResult): string {
  const flags = ['IE', 'DE', 'ZE', 'OE', 'UE', 'PE'].filter((_, i) => r.flags & (1 << i)).join('|') || '-'
  return `${r.value === null ? 'none' : r.value.toString(16)} ${flags} c1=${r.c1 ? 1 : 0}`
}
const want = (value: bigint | null, flags: number, c1 = false): string => show({value, flags, c1})

function vector(op: RefOp, a: bigint, b: bigint, controlWord: number, value: bigint | null, flags: number, c1 = false): void {
  expect(show(run(op, a, b, controlWord)), `${op} ${a.toString(16)} ${b.toString(16)} cw=${controlWord.toString(16)}`).toBe(want(value, flags, c1))
}

// Host IEEE values and their memory images.
function f64Image(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  return view.getBigUint64(0)
}
function f64FromImage(bits: bigint): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, bits)
  return view.getFloat64(0)
}
function f32Image(x: number): bigint {
  const view = new DataView(new ArrayBuffer(4))
  view.setFloat32(0, x)
  return BigInt(view.getUint32(0))
}
function f32FromImage(bits: bigint): number {
  const view = new DataView(new ArrayBuffer(4))
  view.setUint32(0, Number(bits))
  return view.getFloat32(0)
}

/** An integer as an 80-bit encoding, normalised here rather than by the model. */
function integer80(i: bigint): bigint {
  if (i === 0n) return 0n
  const sign = i < 0n ? 1 : 0
  const m = i < 0n ? -i : i
  const len = m.toString(2).length
  return encode80(sign, 16383 + len - 1, m << BigInt(64 - len))
}

describe('x87 reference model: hand-checked vectors', () => {
  it('exact and rounded basics: 1+1, 1/3 in each RC and PC, sqrt(2)', () => {
    vector('add', ONE, ONE, RN, TWO, 0)
    // 1/3 = 1.0101...b x 2^-2: after 64 bits the rest is 0.1010...b of an ulp, above half, so nearest rounds up.
    vector('div', ONE, THREE, RN, 0x3ffdaaaaaaaaaaaaaaabn, PE, true)
    vector('div', ONE, THREE, cw(RC_UP), 0x3ffdaaaaaaaaaaaaaaabn, PE, true)
    vector('div', ONE, THREE, cw(RC_DOWN), 0x3ffdaaaaaaaaaaaaaaaan, PE)
    vector('div', ONE, THREE, cw(RC_ZERO), 0x3ffdaaaaaaaaaaaaaaaan, PE)
    // At 53 bits the rest is 0.0101...b of an ulp (1/3 as a double, 0x3FD5555555555555, rounds down); at 24 bits up
    // (1/3 as a float, 0x3EAAAAAB).
    vector('div', ONE, THREE, cw(RC_NEAREST, PC_DOUBLE), 0x3ffdaaaaaaaaaaaaa800n, PE)
    vector('div', ONE, THREE, cw(RC_NEAREST, PC_SINGLE), 0x3ffdaaaaab0000000000n, PE, true)
    vector('toF64', 0x3ffdaaaaaaaaaaaaa800n, 0n, RN, 0x3fd5555555555555n, 0)
    vector('toF32', 0x3ffdaaaaab0000000000n, 0n, RN, 0x3eaaaaabn, 0)
    // sqrt(2) = 1.6A09E667F3BCC908B2FB...h; the 64-bit significand B504F333F9DE6484 is followed by 0101b...
    vector('sqrt', TWO, 0n, RN, 0x3fffb504f333f9de6484n, PE)
    vector('sqrt', TWO, 0n, cw(RC_UP), 0x3fffb504f333f9de6485n, PE, true)
    vector('sqrt', 0x40018000000000000000n, 0n, RN, TWO, 0)
    vector('sub', THREE, ONE, RN, TWO, 0)
    vector('mul', THREE, HALF, RN, 0x3fffc000000000000000n, 0)
  })

  it('signed zeros: x-x is +0 except -0 rounding down; zeros of one sign keep it; sqrt(-0) = -0', () => {
    for (const rc of [RC_NEAREST, RC_UP, RC_ZERO]) vector('sub', THREE, THREE, cw(rc), SPECIAL_80.plusZero, 0)
    vector('sub', THREE, THREE, cw(RC_DOWN), SPECIAL_80.minusZero, 0)
    vector('add', THREE, negate80(THREE), cw(RC_DOWN), SPECIAL_80.minusZero, 0)
    vector('add', SPECIAL_80.minusZero, SPECIAL_80.minusZero, RN, SPECIAL_80.minusZero, 0)
    vector('add', SPECIAL_80.plusZero, SPECIAL_80.minusZero, RN, SPECIAL_80.plusZero, 0)
    vector('add', SPECIAL_80.plusZero, SPECIAL_80.minusZero, cw(RC_DOWN), SPECIAL_80.minusZero, 0)
    vector('sub', SPECIAL_80.minusZero, SPECIAL_80.plusZero, RN, SPECIAL_80.minusZero, 0)
    vector('mul', SPECIAL_80.plusZero, negate80(THREE), RN, SPECIAL_80.minusZero, 0)
    vector('div', SPECIAL_80.minusZero, THREE, RN, SPECIAL_80.minusZero, 0)
    vector('div', ONE, SPECIAL_80.minusInfinity, RN, SPECIAL_80.minusZero, 0)
    vector('sqrt', SPECIAL_80.minusZero, 0n, RN, SPECIAL_80.minusZero, 0)
  })

  it('invalid operations: masked, the real indefinite; unmasked, nothing stored', () => {
    expect(REAL_INDEFINITE).toBe(0xffffc000000000000000n)
    const cases: Array<[RefOp, bigint, bigint]> = [
      ['mul', SPECIAL_80.plusZero, SPECIAL_80.plusInfinity],
      ['mul', SPECIAL_80.minusInfinity, SPECIAL_80.plusZero],
      ['add', SPECIAL_80.plusInfinity, SPECIAL_80.minusInfinity],
      ['sub', SPECIAL_80.plusInfinity, SPECIAL_80.plusInfinity],
      ['div', SPECIAL_80.plusZero, SPECIAL_80.minusZero],
      ['div', SPECIAL_80.plusInfinity, SPECIAL_80.minusInfinity],
      ['sqrt', SPECIAL_80.minusOne, 0n],
      ['sqrt', SPECIAL_80.minusInfinity, 0n],
      // invalid ranks above the denormal operand: no DE
      ['sqrt', negate80(SPECIAL_80.smallestDenormal), 0n],
    ]
    for (const [op, a, b] of cases) {
      vector(op, a, b, RN, REAL_INDEFINITE, IE)
      vector(op, a, b, unmasking(IE), null, IE)
    }
    vector('add', SPECIAL_80.plusInfinity, SPECIAL_80.plusInfinity, RN, SPECIAL_80.plusInfinity, 0)
    vector('sqrt', SPECIAL_80.plusInfinity, 0n, RN, SPECIAL_80.plusInfinity, 0)
  })

  it('divide by zero: masked, infinity signed by the XOR of the signs; unmasked, nothing stored', () => {
    vector('div', ONE, SPECIAL_80.plusZero, RN, SPECIAL_80.plusInfinity, ZE)
    vector('div', SPECIAL_80.minusOne, SPECIAL_80.plusZero, RN, SPECIAL_80.minusInfinity, ZE)
    vector('div', ONE, SPECIAL_80.minusZero, RN, SPECIAL_80.minusInfinity, ZE)
    vector('div', ONE, SPECIAL_80.plusZero, unmasking(ZE), null, ZE)
    // infinity / 0 is an exact infinity, not a division by zero
    vector('div', SPECIAL_80.minusInfinity, SPECIAL_80.plusZero, RN, SPECIAL_80.minusInfinity, 0)
    // model choice: a denormal over zero reports ZE alone (divide-by-zero ranks above DE, SDM 4.9.2)
    vector('div', SPECIAL_80.smallestDenormal, SPECIAL_80.plusZero, RN, SPECIAL_80.plusInfinity, ZE)
  })

  it('NaNs (Table 4-7): QNaN passes, SNaN quieted with IE, QNaN beats SNaN, larger significand between equals', () => {
    vector('add', QNAN_1, ONE, RN, QNAN_1, 0)
    vector('add', ONE, QNAN_1, RN, QNAN_1, 0)
    vector('sub', ONE, QNAN_1, RN, QNAN_1, 0) // the subtrahend's NaN is not negated
    vector('mul', negate80(QNAN_1), ONE, RN, negate80(QNAN_1), 0)
    vector('add', SNAN_1, ONE, RN, 0x7fffc000000000000001n, IE)
    vector('add', SNAN_1, ONE, unmasking(IE), null, IE)
    vector('add', QNAN_1, QNAN_2, RN, QNAN_2, 0)
    vector('add', QNAN_2, QNAN_1, RN, QNAN_2, 0)
    vector('div', SNAN_5, QNAN_1, RN, QNAN_1, IE) // the QNaN wins although its significand is smaller
    vector('div', QNAN_1, SNAN_5, RN, QNAN_1, IE)
    vector('mul', SNAN_1, SNAN_5, RN, 0x7fffc000000000000005n, IE)
    vector('add', QNAN_1, SPECIAL_80.smallestDenormal, RN, QNAN_1, 0) // a NaN result reports no DE
    vector('add', REAL_INDEFINITE, ONE, RN, REAL_INDEFINITE, 0)
    vector('sqrt', SNAN_1, 0n, RN, 0x7fffc000000000000001n, IE)
    vector('round', QNAN_2, 0n, RN, QNAN_2, 0)
    vector('div', QNAN_1, SPECIAL_80.plusZero, RN, QNAN_1, 0) // no ZE for a NaN dividend
  })

  it('unsupported encodings (unnormal, pseudo-NaN, pseudo-infinity) are invalid operands', () => {
    for (const bad of [UNNORMAL, PSEUDO_NAN, SPECIAL_80.pseudoInfinity, 0x00011234000000000000n]) {
      expect(classify(bad)).toBe('unsupported')
      vector('add', bad, ONE, RN, REAL_INDEFINITE, IE)
      vector('mul', ONE, bad, unmasking(IE), null, IE)
      vector('add', bad, SNAN_1, RN, REAL_INDEFINITE, IE)
      vector('sqrt', bad, 0n, RN, REAL_INDEFINITE, IE)
      vector('round', bad, 0n, RN, REAL_INDEFINITE, IE)
      vector('toF32', bad, 0n, RN, 0xffc00000n, IE)
      vector('toF64', bad, 0n, RN, 0xfff8000000000000n, IE)
      vector('toI16', bad, 0n, RN, 0x8000n, IE)
      vector('toF64', bad, 0n, unmasking(IE), null, IE)
    }
  })

  it('denormal operands: DE masked proceeds with the value, unmasked stops; pseudo-denormals have exponent 1', () => {
    vector('add', SPECIAL_80.smallestDenormal, SPECIAL_80.plusZero, RN, SPECIAL_80.smallestDenormal, DE)
    vector('add', SPECIAL_80.smallestDenormal, ONE, RN, ONE, DE | PE)
    vector('add', SPECIAL_80.smallestDenormal, ONE, unmasking(DE), null, DE)
    vector('mul', SPECIAL_80.plusInfinity, SPECIAL_80.smallestDenormal, RN, SPECIAL_80.plusInfinity, DE)
    // a pseudo-denormal (exponent field 0, J=1) is 2^-16382 x 1.f and comes out normalised
    expect(classify(SPECIAL_80.smallestPseudoDenormal)).toBe('pseudo-denormal')
    vector('add', SPECIAL_80.smallestPseudoDenormal, SPECIAL_80.plusZero, RN, SPECIAL_80.smallestNormal, DE)
    vector('mul', 0x0000c000000000000000n, ONE, RN, 0x0001c000000000000000n, DE)
    vector('sub', SPECIAL_80.smallestPseudoDenormal, SPECIAL_80.smallestNormal, RN, SPECIAL_80.plusZero, DE)
    vector('sqrt', SPECIAL_80.smallestPseudoDenormal, 0n, unmasking(DE), null, DE)
    // FLD m32/m64 of a denormal signals DE; the extended value is normalised
    vector('fromF32', 1n, 0n, RN, 0x3f6a8000000000000000n, DE)
    vector('fromF64', 1n, 0n, RN, encode80(0, 16383 - 1074, J), DE)
    vector('fromF32', 1n, 0n, unmasking(DE), null, DE)
  })

  it('overflow: masked by RC and sign (Table 4-10), unmasked on a register with the exponent less 24576', () => {
    const max = SPECIAL_80.largest
    const minusMax = negate80(max)
    vector('mul', max, TWO, cw(RC_NEAREST), SPECIAL_80.plusInfinity, OE | PE, true)
    vector('mul', max, TWO, cw(RC_ZERO), max, OE | PE)
    vector('mul', max, TWO, cw(RC_DOWN), max, OE | PE)
    vector('mul', max, TWO, cw(RC_UP), SPECIAL_80.plusInfinity, OE | PE, true)
    vector('mul', minusMax, TWO, cw(RC_DOWN), SPECIAL_80.minusInfinity, OE | PE, true)
    vector('mul', minusMax, TWO, cw(RC_UP), minusMax, OE | PE)
    vector('mul', minusMax, TWO, cw(RC_ZERO), minusMax, OE | PE)
    // the largest finite value at PC=24 has 24 significant bits
    vector('mul', max, TWO, cw(RC_ZERO, PC_SINGLE), 0x7ffeffffff0000000000n, OE | PE)
    // 2 x max = 2^16384 x (2 - 2^-63) is exact at 64 bits: biased exponent 32767 less 24576 is 0x1FFF, no PE
    vector('mul', max, TWO, unmasking(OE), 0x1fffffffffffffffffffn, OE)
    // at PC=24 the same product rounds up to 2^16385 before the adjustment: 0x2000 with PE and C1
    vector('mul', max, TWO, unmasking(OE, RC_NEAREST, PC_SINGLE), 0x20008000000000000000n, OE | PE, true)
    vector('add', max, max, unmasking(OE), 0x1fffffffffffffffffffn, OE)
    // just below the threshold: no overflow, the largest finite is exact
    vector('add', max, SPECIAL_80.plusZero, RN, max, 0)
  })

  it('underflow: masked gives gradual underflow (UE only if inexact), unmasked on a register the exponent plus 24576', () => {
    const minNormal = SPECIAL_80.smallestNormal
    // 2^-16382 / 2 = 2^-16383 is an exact denormal: no UE, no PE
    vector('div', minNormal, TWO, RN, 0x00004000000000000000n, 0)
    vector('div', minNormal, TWO, unmasking(UE), 0x60008000000000000000n, UE)
    // (1 + 2^-63) x 2^-16383 loses its last bit: a tie at the denormal quantum 2^-16445
    vector('div', 0x00018000000000000001n, TWO, RN, 0x00004000000000000000n, UE | PE)
    vector('div', 0x00018000000000000001n, TWO, cw(RC_UP), 0x00004000000000000001n, UE | PE, true)
    vector('div', 0x00018000000000000001n, TWO, unmasking(UE), 0x60008000000000000001n, UE)
    // the smallest denormal halved: a tie between 0 and itself, even is 0
    vector('mul', SPECIAL_80.smallestDenormal, HALF, RN, SPECIAL_80.plusZero, DE | UE | PE)
    vector('mul', SPECIAL_80.smallestDenormal, HALF, cw(RC_UP), SPECIAL_80.smallestDenormal, DE | UE | PE, true)
    vector('mul', negate80(SPECIAL_80.smallestDenormal), HALF, cw(RC_UP), SPECIAL_80.minusZero, DE | UE | PE)
    // unmasked: 2^-16446 x 2^24576 = 2^8130, biased 0x5FC1
    vector('mul', SPECIAL_80.smallestDenormal, HALF, unmasking(UE), 0x5fc18000000000000000n, DE | UE)
    // under PC=24 the denormal quantum is 2^(-16382-23): (1 + 2^-23) x 2^-16383 is a tie there
    vector('div', 0x00018000010000000000n, TWO, cw(RC_NEAREST, PC_SINGLE), 0x00004000000000000000n, UE | PE)
    vector('div', 0x00018000010000000000n, TWO, cw(RC_NEAREST, PC_EXTENDED), 0x00004000008000000000n, 0)
    // tininess after rounding: at PC=24, (2 - 2^-24) x 2^-16383 (25 ones) is below 2^-16382, but rounded to 24 bits
    // with unbounded exponent it is a tie that goes up to 2^-16382: not tiny, so PE alone (before rounding: UE)
    const justBelow = 0x0001ffffff8000000000n
    vector('mul', justBelow, HALF, cw(RC_NEAREST, PC_SINGLE), minNormal, PE, true)
    vector('mul', justBelow, HALF, unmasking(UE, RC_NEAREST, PC_SINGLE), minNormal, PE, true)
    // ... rounding toward zero it stays below 2^-16382: tiny, and inexact at the PC=24 denormal quantum 2^-16405
    vector('mul', justBelow, HALF, cw(RC_ZERO, PC_SINGLE), 0x00007fffff0000000000n, UE | PE)
    vector('mul', justBelow, HALF, cw(RC_ZERO, PC_EXTENDED), 0x00007fffffc000000000n, 0)
  })

  it('precision control rounds the significand of add/sub/mul/div/sqrt, not the exponent range', () => {
    const onePlus2m30 = encode80(0, 16383 - 30, J)
    vector('add', ONE, onePlus2m30, cw(RC_NEAREST, PC_SINGLE), ONE, PE)
    vector('add', ONE, onePlus2m30, cw(RC_UP, PC_SINGLE), 0x3fff8000010000000000n, PE, true)
    vector('add', ONE, onePlus2m30, cw(RC_NEAREST, PC_DOUBLE), 0x3fff8000000200000000n, 0)
    // x + 0 and x * 1 round a 64-bit significand to the precision too
    vector('add', 0x3fffffffffffffffffffn, SPECIAL_80.plusZero, cw(RC_ZERO, PC_SINGLE), 0x3fffffffff0000000000n, PE)
    vector('mul', 0x3fffffffffffffffffffn, ONE, cw(RC_NEAREST, PC_DOUBLE), TWO, PE, true)
    vector('sqrt', TWO, 0n, cw(RC_NEAREST, PC_SINGLE), 0x3fffb504f30000000000n, PE)
    // FRNDINT and the conversions ignore PC
    vector('round', 0x403effffffffffffffffn, 0n, cw(RC_NEAREST, PC_SINGLE), 0x403effffffffffffffffn, 0)
    vector('fromF64', 0x3fb999999999999an, 0n, cw(RC_NEAREST, PC_SINGLE), 0x3ffbccccccccccccd000n, 0)
  })

  it('halfway cases in each mode, at every precision', () => {
    // 1 + half an ulp is a tie between 1 (even) and 1 + ulp; 1 + ulp + half an ulp is a tie whose even side is up
    for (const [pc, p] of [[PC_SINGLE, 24], [PC_DOUBLE, 53], [PC_EXTENDED, 64]] as const) {
      const ulp = 1n << BigInt(64 - p)
      const half = encode80(0, 16383 - p, J)
      const onePlusUlp = encode80(0, 16383, J | ulp)
      const onePlus2Ulp = encode80(0, 16383, J | (2n * ulp))
      vector('add', ONE, half, cw(RC_NEAREST, pc), ONE, PE)
      vector('add', ONE, half, cw(RC_ZERO, pc), ONE, PE)
      vector('add', ONE, half, cw(RC_DOWN, pc), ONE, PE)
      vector('add', ONE, half, cw(RC_UP, pc), onePlusUlp, PE, true)
      vector('add', onePlusUlp, half, cw(RC_NEAREST, pc), onePlus2Ulp, PE, true)
      vector('add', negate80(onePlusUlp), negate80(half), cw(RC_NEAREST, pc), negate80(onePlus2Ulp), PE, true)
      vector('add', SPECIAL_80.minusOne, negate80(half), cw(RC_DOWN, pc), negate80(onePlusUlp), PE, true)
      vector('add', SPECIAL_80.minusOne, negate80(half), cw(RC_UP, pc), SPECIAL_80.minusOne, PE)
      vector('add', SPECIAL_80.minusOne, negate80(half), cw(RC_ZERO, pc), SPECIAL_80.minusOne, PE)
    }
  })

  it('FIST: rounding by RC, integer indefinite when out of range or not a number, no DE', () => {
    const v2_5 = 0x4000a000000000000000n
    const v3_5 = 0x4000e000000000000000n
    vector('toI32', v2_5, 0n, cw(RC_NEAREST), 2n, PE)
    vector('toI32', v3_5, 0n, cw(RC_NEAREST), 4n, PE, true)
    vector('toI32', negate80(v2_5), 0n, cw(RC_DOWN), 0xfffffffdn, PE, true)
    vector('toI32', negate80(v2_5), 0n, cw(RC_ZERO), 0xfffffffen, PE)
    vector('toI32', v2_5, 0n, cw(RC_UP), 3n, PE, true)
    const v32767_5 = 0x400dffff000000000000n
    const vMinus32768_5 = 0xc00e8000800000000000n
    vector('toI16', v32767_5, 0n, cw(RC_NEAREST), 0x8000n, IE)
    vector('toI16', v32767_5, 0n, cw(RC_ZERO), 0x7fffn, PE)
    vector('toI16', v32767_5, 0n, unmasking(IE), null, IE)
    vector('toI16', vMinus32768_5, 0n, cw(RC_NEAREST), 0x8000n, PE) // ties to even -32768, in range
    vector('toI16', vMinus32768_5, 0n, cw(RC_DOWN), 0x8000n, IE)
    vector('toI64', 0x403e8000000000000000n, 0n, RN, 0x8000000000000000n, IE) // 2^63
    vector('toI64', 0xc03e8000000000000000n, 0n, RN, 0x8000000000000000n, 0) // -2^63 fits
    vector('toI32', SPECIAL_80.plusInfinity, 0n, RN, 0x80000000n, IE)
    vector('toI32', QNAN_1, 0n, RN, 0x80000000n, IE) // QNaN too
    vector('toI32', SPECIAL_80.minusZero, 0n, RN, 0n, 0)
    vector('toI32', SPECIAL_80.smallestDenormal, 0n, RN, 0n, PE)
    vector('toI32', SPECIAL_80.smallestDenormal, 0n, cw(RC_UP), 1n, PE, true)
    vector('toI16', negate80(SPECIAL_80.smallestDenormal), 0n, cw(RC_DOWN), 0xffffn, PE, true)
  })

  it('FRNDINT: rounding by RC at full precision, signed zero, DE for denormals', () => {
    const minusHalf = negate80(HALF)
    vector('round', minusHalf, 0n, cw(RC_NEAREST), SPECIAL_80.minusZero, PE)
    vector('round', minusHalf, 0n, cw(RC_DOWN), SPECIAL_80.minusOne, PE, true)
    vector('round', minusHalf, 0n, cw(RC_UP), SPECIAL_80.minusZero, PE)
    vector('round', 0x4000a000000000000000n, 0n, RN, TWO, PE)
    vector('round', 0x4000e000000000000000n, 0n, RN, 0x40018000000000000000n, PE, true)
    vector('round', 0x40458000000000000001n, 0n, RN, 0x40458000000000000001n, 0)
    vector('round', SPECIAL_80.smallestDenormal, 0n, RN, SPECIAL_80.plusZero, DE | PE)
    vector('round', SPECIAL_80.smallestDenormal, 0n, cw(RC_UP), ONE, DE | PE, true)
    vector('round', SPECIAL_80.smallestDenormal, 0n, unmasking(DE), null, DE)
    vector('round', SPECIAL_80.minusInfinity, 0n, RN, SPECIAL_80.minusInfinity, 0)
  })

  it('FST m32/m64: rounding by RC, overflow and underflow to memory, NaNs keep their high fraction bits', () => {
    const p2_128 = encode80(0, 16383 + 128, J)
    vector('toF32', p2_128, 0n, cw(RC_NEAREST), 0x7f800000n, OE | PE, true)
    vector('toF32', p2_128, 0n, cw(RC_ZERO), 0x7f7fffffn, OE | PE)
    vector('toF32', p2_128, 0n, cw(RC_DOWN), 0x7f7fffffn, OE | PE)
    vector('toF32', negate80(p2_128), 0n, cw(RC_DOWN), 0xff800000n, OE | PE, true)
    vector('toF32', negate80(p2_128), 0n, cw(RC_UP), 0xff7fffffn, OE | PE)
    vector('toF32', p2_128, 0n, unmasking(OE), null, OE)
    vector('toF64', SPECIAL_80.largest, 0n, cw(RC_NEAREST), 0x7ff0000000000000n, OE | PE, true)
    // 2^-150 is half the smallest binary32 denormal: a tie, even is 0
    const p2_m150 = encode80(0, 16383 - 150, J)
    vector('toF32', p2_m150, 0n, cw(RC_NEAREST), 0n, UE | PE)
    vector('toF32', p2_m150, 0n, cw(RC_UP), 1n, UE | PE, true)
    vector('toF32', encode80(0, 16383 - 149, 0xc000000000000000n), 0n, RN, 2n, UE | PE, true)
    vector('toF32', encode80(0, 16383 - 149, J), 0n, RN, 1n, 0) // tiny but exact: no UE when masked
    vector('toF32', encode80(0, 16383 - 149, J), 0n, unmasking(UE), null, UE) // unmasked: tininess alone
    vector('toF64', SPECIAL_80.smallestDenormal, 0n, RN, 0n, UE | PE) // no DE for FST
    vector('toF32', encode80(1, 16383 - 126, J), 0n, RN, 0x80800000n, 0)
    vector('toF64', 0x3ffbccccccccccccd000n, 0n, RN, 0x3fb999999999999an, 0)
    vector('toF64', 0x3ffbcccccccccccccccdn, 0n, RN, 0x3fb999999999999an, PE, true)
    vector('toF64', 0x3ffbcccccccccccccccdn, 0n, cw(RC_ZERO), 0x3fb9999999999999n, PE)
    vector('toF32', QNAN_1, 0n, RN, 0x7fc00000n, 0)
    vector('toF64', QNAN_1, 0n, RN, 0x7ff8000000000000n, 0)
    vector('toF32', 0x7fffa000000000000000n, 0n, RN, 0x7fe00000n, IE) // SNaN, quieted
    vector('toF32', 0x7fffa000000000000000n, 0n, unmasking(IE), null, IE)
    vector('toF32', SPECIAL_80.minusInfinity, 0n, RN, 0xff800000n, 0)
    vector('toF64', SPECIAL_80.minusZero, 0n, RN, 0x8000000000000000n, 0)
  })

  it('FLD m32/m64: exact widening; SNaN quieted with IE', () => {
    vector('fromF32', 0x3f800000n, 0n, RN, ONE, 0)
    vector('fromF64', 0x3fb999999999999an, 0n, RN, 0x3ffbccccccccccccd000n, 0)
    vector('fromF32', 0x7f800001n, 0n, RN, 0x7fffc000010000000000n, IE)
    vector('fromF32', 0x7f800001n, 0n, unmasking(IE), null, IE)
    vector('fromF64', 0xfff8000000000000n, 0n, RN, REAL_INDEFINITE, 0)
    vector('fromF64', 0xfff0000000000000n, 0n, RN, SPECIAL_80.minusInfinity, 0)
    vector('fromF32', 0x80000000n, 0n, RN, SPECIAL_80.minusZero, 0)
    vector('fromF32', 0x7f7fffffn, 0n, RN, encode80(0, 16383 + 127, 0xffffff0000000000n), 0)
  })

  it('rejects the reserved precision control 01 rather than guess', () => {
    expect(() => run('add', ONE, ONE, controlWord(RC_NEAREST, 1))).toThrow(/reserved/)
  })
})

// ---------------------------------------------------------------------------
// Properties.

const ARITH: ReadonlyArray<'add' | 'sub' | 'mul' | 'div'> = ['add', 'sub', 'mul', 'div']
const hostOp = {add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y}
const options = {numRuns: NUM_RUNS}

/** Rationals with bigint parts for the exact checks. */
interface Q {
  num: bigint
  den: bigint
}
const exact = (bits: bigint): Q => {
  const v = exactValue(bits)
  if (!v) throw new Error(`not finite: ${bits.toString(16)}`)
  return v
}
function exactOp(op: 'add' | 'sub' | 'mul' | 'div', a: Q, b: Q): Q {
  if (op === 'add') return {num: a.num * b.den + b.num * a.den, den: a.den * b.den}
  if (op === 'sub') return {num: a.num * b.den - b.num * a.den, den: a.den * b.den}
  if (op === 'mul') return {num: a.num * b.num, den: a.den * b.den}
  return b.num < 0n ? {num: -a.num * b.den, den: a.den * -b.num} : {num: a.num * b.den, den: a.den * b.num}
}
const cmpQ = (a: Q, b: Q): number => {
  const d = a.num * b.den - b.num * a.den
  return d < 0n ? -1 : d > 0n ? 1 : 0
}
const absQ = (a: Q): Q => ({num: a.num < 0n ? -a.num : a.num, den: a.den})
/** 2^k as a rational. */
const pow2 = (k: number): Q => (k >= 0 ? {num: 1n << BigInt(k), den: 1n} : {num: 1n, den: 1n << BigInt(-k)})
/** floor(log2 |a|) for a != 0. */
function log2Q(a: Q): number {
  const m = absQ(a)
  let e = m.num.toString(2).length - m.den.toString(2).length
  if (cmpQ(m, pow2(e)) < 0) e -= 1
  return e
}
const isFinite80 = (bits: bigint): boolean => ['zero', 'normal', 'denormal', 'pseudo-denormal'].includes(classify(bits))
const PRECISION: Record<number, number> = {[PC_SINGLE]: 24, [PC_DOUBLE]: 53, [PC_EXTENDED]: 64}
/** Any combination of exception masks. */
const exceptionMasksOf = fc.integer({min: 0, max: 0x3f})

describe('x87 reference model: properties', () => {
  it('agrees with host binary64 arithmetic at PC=53, round to nearest, for results in the normal range', () => {
    // With PC=53 the register holds the 53-bit correctly rounded result in a wider exponent range, so storing it
    // as a double is exact whenever the host's result is a normal double (or an overflowed infinity).
    const host = fc.oneof(fc.double({noNaN: true}), float64Image.map(f64FromImage).filter((x) => !Number.isNaN(x)))
    fc.assert(fc.property(fc.constantFrom(...ARITH), host, host, (op, x, y) => {
      const z = hostOp[op](x, y)
      if (Number.isNaN(z)) return
      if (Math.abs(z) <= 2 ** -1022 && !(z === 0 && (op === 'add' || op === 'sub' || x === 0 || Math.abs(x) === Infinity || Math.abs(y) === Infinity))) return
      const c = controlWord(RC_NEAREST, PC_DOUBLE)
      const inRegister = run(op, run('fromF64', f64Image(x), 0n, c).value!, run('fromF64', f64Image(y), 0n, c).value!, c)
      const stored = run('toF64', inRegister.value!, 0n, c)
      expect(stored.value!.toString(16), `${x} ${op} ${y}`).toBe(f64Image(z).toString(16))
    }), options)
  })

  it('agrees with host sqrt, and with binary32 arithmetic at PC=24 (Math.fround of the double result)', () => {
    fc.assert(fc.property(fc.oneof(fc.double({min: 0, noNaN: true}), float64Image.map(f64FromImage).filter((x) => x >= 0)), (x) => {
      const c = controlWord(RC_NEAREST, PC_DOUBLE)
      const r = run('sqrt', run('fromF64', f64Image(x), 0n, c).value!, 0n, c)
      expect(run('toF64', r.value!, 0n, c).value!.toString(16), `sqrt ${x}`).toBe(f64Image(Math.sqrt(x)).toString(16))
    }), options)
    // binary64 holds every exact +-*/ of two binary32 values to within a rounding that fround cannot double-round
    // (53 >= 2 x 24 + 2), so fround(x op y) is the correctly rounded binary32 result.
    const host = float32Image.map(f32FromImage).filter((x) => !Number.isNaN(x))
    fc.assert(fc.property(fc.constantFrom(...ARITH), host, host, (op, x, y) => {
      const z = Math.fround(hostOp[op](x, y))
      if (Number.isNaN(z) || (Math.abs(z) <= 2 ** -126 && z !== 0) || (z === 0 && (op === 'mul' || op === 'div') && x !== 0 && Math.abs(y) !== Infinity)) return
      const c = controlWord(RC_NEAREST, PC_SINGLE)
      const inRegister = run(op, run('fromF32', f32Image(x), 0n, c).value!, run('fromF32', f32Image(y), 0n, c).value!, c)
      expect(run('toF32', inRegister.value!, 0n, c).value!.toString(16), `${x} ${op} ${y}`).toBe(f32Image(z).toString(16))
    }), options)
  })

  it('FIST and FRNDINT agree with floor/ceil/trunc/round-half-even of host doubles', () => {
    const halfEven = (x: number): number => {
      const f = Math.floor(x)
      const d = x - f
      return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1
    }
    const byRc: Record<number, (x: number) => number> = {[RC_NEAREST]: halfEven, [RC_DOWN]: Math.floor, [RC_UP]: Math.ceil, [RC_ZERO]: Math.trunc}
    const values = fc.oneof(
      fc.double({min: -(2 ** 31), max: 2 ** 31, noNaN: true}),
      fc.integer({min: -(2 ** 20), max: 2 ** 20}).map((i) => i / 2),
      fc.integer({min: -(2 ** 20), max: 2 ** 20}).map((i) => i / 4),
    )
    fc.assert(fc.property(values, fc.constantFrom(RC_NEAREST, RC_DOWN, RC_UP, RC_ZERO), (x, rc) => {
      const c = controlWord(rc, PC_EXTENDED)
      const v = run('fromF64', f64Image(x), 0n, c).value!
      const n = byRc[rc]!(x)
      const inexact = n !== x
      const up = Math.abs(n) > Math.abs(x)
      const asInteger = run('toI32', v, 0n, c)
      if (n >= -(2 ** 31) && n < 2 ** 31) {
        expect(show(asInteger), `fist ${x}`).toBe(want(BigInt.asUintN(32, BigInt(n)), inexact ? PE : 0, up))
      } else {
        expect(show(asInteger), `fist ${x}`).toBe(want(0x80000000n, IE))
      }
      const rounded = run('round', v, 0n, c)
      expect(rounded.flags & ~DE).toBe(inexact ? PE : 0)
      expect(rounded.c1).toBe(up)
      expect(f64FromImage(run('toF64', rounded.value!, 0n, c).value!)).toBe(n === 0 && (x < 0 || Object.is(x, -0)) ? -0 : n)
    }), options)
  })

  it('rounds correctly: against the exact rational result, for finite operands in every RC and PC', () => {
    fc.assert(fc.property(fc.constantFrom(...ARITH), fc.tuple(finite80, finite80), maskedControlWords, (op, [a, b], c) => {
      const r = run(op, a, b, c)
      if (op === 'div' && classify(b) === 'zero') return
      const x = exactOp(op, exact(a), exact(b))
      if (x.num === 0n) return // signed-zero rules are checked separately
      if (r.flags & OE) return
      const value = r.value!
      expect(isFinite80(value)).toBe(true)
      const got = exact(value)
      const rc = (c >> 10) & 3
      const p = PRECISION[(c >> 8) & 3]!
      const e = Math.max(log2Q(x), -16382)
      const quantum = pow2(e - p + 1)
      const diff = absQ(exactOp('sub', got, x))
      const inexact = cmpQ(got, x) !== 0
      expect(Boolean(r.flags & PE), 'PE iff inexact').toBe(inexact)
      expect(r.c1, 'C1 iff rounded up in magnitude').toBe(cmpQ(absQ(got), absQ(x)) > 0)
      if (rc === RC_NEAREST) expect(cmpQ(exactOp('mul', diff, {num: 2n, den: 1n}), quantum) <= 0, 'within half a quantum').toBe(true)
      else expect(cmpQ(diff, quantum) < 0, 'within a quantum').toBe(true)
      if (rc === RC_DOWN) expect(cmpQ(got, x) <= 0).toBe(true)
      if (rc === RC_UP) expect(cmpQ(got, x) >= 0).toBe(true)
      if (rc === RC_ZERO) expect(cmpQ(absQ(got), absQ(x)) <= 0).toBe(true)
      // representable: a multiple of its own quantum at precision p (denormals included)
      if (got.num !== 0n) {
        const own = pow2(Math.max(log2Q(got), -16382) - p + 1)
        const units = exactOp('div', got, own)
        expect(units.num % units.den).toBe(0n)
      }
      // underflow is only ever reported with a result at or below the smallest normal, and with PE (masked)
      if (r.flags & UE) {
        expect(r.flags & PE).toBe(PE)
        expect(cmpQ(absQ(got), pow2(-16382)) <= 0).toBe(true)
      }
    }), options)
  })

  it('breaks exact ties to even under round to nearest, and by direction otherwise', () => {
    fc.assert(fc.property(fc.constantFrom(...ROUNDING_PRECISION), fc.integer({min: 0, max: 1}), fc.bigInt({min: 0n, max: (1n << 63n) - 1n}), fc.integer({min: 100, max: 0x7ffe - 100}),
      ({rc, pc}, sign, frac, exponent) => {
        const p = PRECISION[pc]!
        const cut = BigInt(64 - p)
        const sig = J | ((frac >> cut) << cut) // p significant bits
        const a = encode80(sign, exponent, sig)
        const half = encode80(sign, exponent - p, J) // half of a's ulp at precision p, same sign
        const r = run('add', a, half, controlWord(rc, pc))
        const lastKeptOdd = ((sig >> cut) & 1n) === 1n
        const towardUp = rc === RC_NEAREST ? lastKeptOdd : rc === RC_ZERO ? false : rc === RC_UP ? sign === 0 : sign === 1
        let expected = a
        if (towardUp) {
          const bumped = sig + (1n << cut)
          expected = bumped >> 64n ? encode80(sign, exponent + 1, J) : encode80(sign, exponent, bumped)
        }
        expect(show(r)).toBe(want(expected, PE, towardUp))
      }), options)
  })

  it('add and mul are commutative; sub is add of the negation; x*1, x/1 and x+0 give x at PC=64', () => {
    fc.assert(fc.property(extendedPair, controlWords, ([a, b], c) => {
      const bothNaN = ['qnan', 'snan'].includes(classify(a)) && ['qnan', 'snan'].includes(classify(b))
      if (!(bothNaN && significandOf(a) === significandOf(b))) {
        expect(show(run('add', a, b, c))).toBe(show(run('add', b, a, c)))
        expect(show(run('mul', a, b, c))).toBe(show(run('mul', b, a, c)))
      }
      if (!['qnan', 'snan'].includes(classify(b))) expect(show(run('sub', a, b, c))).toBe(show(run('add', a, negate80(b), c)))
    }), options)
    fc.assert(fc.property(extended80.filter((x) => classify(x) === 'normal'), fc.constantFrom(0, 1, 2, 3), exceptionMasksOf, (x, rc, masks) => {
      const c = controlWord(rc, PC_EXTENDED, masks)
      expect(show(run('mul', x, ONE, c))).toBe(want(x, 0))
      expect(show(run('div', x, ONE, c))).toBe(want(x, 0))
      expect(show(run('add', x, signOf(x) ? SPECIAL_80.minusZero : SPECIAL_80.plusZero, c))).toBe(want(x, 0))
      expect(show(run('add', x, signOf(x) ? SPECIAL_80.plusZero : SPECIAL_80.minusZero, c))).toBe(want(x, 0))
      expect(show(run('sub', x, x, c))).toBe(want(rc === RC_DOWN ? SPECIAL_80.minusZero : SPECIAL_80.plusZero, 0))
    }), options)
  })

  it('small integers are exact in every RC and PC', () => {
    const small = fc.bigInt({min: -(1n << 12n), max: 1n << 12n})
    fc.assert(fc.property(small, small, controlWords, (i, j, c) => {
      const a = integer80(i)
      const b = integer80(j)
      const zero = ((c >> 10) & 3) === RC_DOWN ? SPECIAL_80.minusZero : SPECIAL_80.plusZero
      const sum = i + j === 0n ? (i === 0n && j === 0n ? 0n : zero) : integer80(i + j)
      expect(show(run('add', a, b, c))).toBe(want(sum, 0))
      if (i * j !== 0n) expect(show(run('mul', a, b, c))).toBe(want(integer80(i * j), 0))
      if (j !== 0n) expect(show(run('div', integer80(i * j), b, c))).toBe(want(i === 0n ? ((j < 0n) ? SPECIAL_80.minusZero : 0n) : a, 0))
      if (i >= 0n) expect(show(run('sqrt', integer80(i * i), 0n, c))).toBe(want(integer80(i), 0))
      expect(show(run('toI16', a, 0n, c))).toBe(want(BigInt.asUintN(16, i), 0))
    }), options)
  })

  it('conversions round-trip: FLD m32/m64 then FST m32/m64 gives the image back (SNaNs come back quieted)', () => {
    fc.assert(fc.property(float64Image, float32Image, maskedControlWords, (d, s, c) => {
      const d80 = run('fromF64', d, 0n, c)
      const dQuiet = classify(d80.value!) === 'qnan' && (d80.flags & IE) ? d | (1n << 51n) : d
      expect(run('toF64', d80.value!, 0n, c).value).toBe(dQuiet)
      const s80 = run('fromF32', s, 0n, c)
      const sQuiet = classify(s80.value!) === 'qnan' && (s80.flags & IE) ? s | (1n << 22n) : s
      expect(run('toF32', s80.value!, 0n, c).value).toBe(sQuiet)
    }), options)
  })

  it('masked and unmasked responses are related as the SDM says', () => {
    const ops: RefOp[] = ['add', 'sub', 'mul', 'div', 'sqrt', 'round', 'toF32', 'toF64', 'toI16', 'toI32', 'toI64']
    fc.assert(fc.property(fc.constantFrom(...ops), extendedPair, fc.constantFrom(...ROUNDING_PRECISION), exceptionMasksOf, (op, [a, b], {rc, pc}, masks) => {
      const allMasked = run(op, a, b, controlWord(rc, pc))
      const r = run(op, a, b, controlWord(rc, pc, masks))
      const toMemory = op.startsWith('to')
      // masked, there is always a result; C1 only accompanies an inexact one; OE and masked UE come with PE
      expect(allMasked.value).not.toBeNull()
      if (allMasked.c1) expect(allMasked.flags & PE).toBe(PE)
      if (allMasked.flags & (OE | UE)) expect(allMasked.flags & PE).toBe(PE)
      if (allMasked.flags & IE && !['qnan', 'snan'].includes(classify(a)) && !['qnan', 'snan'].includes(classify(b)) && !toMemory) {
        expect(allMasked.value).toBe(REAL_INDEFINITE)
      }
      if (allMasked.flags & ZE) expect(allMasked.value).toBe(encode80(signOf(a) ^ signOf(b), 0x7fff, J))
      const unmaskedRaised = allMasked.flags & ~masks
      const stopping = unmaskedRaised & (IE | DE | ZE)
      if (stopping) {
        // IE, DE and ZE exclude one another; unmasked, the operation stops with that flag alone
        expect(show(r)).toBe(want(null, stopping))
        return
      }
      // Unmasked UE is reported on tininess alone, so an exact tiny result raises it although the masked run did not.
      const underflowed = (masks & UE) === 0 && (r.flags & UE) !== 0
      if (underflowed && (allMasked.flags & UE) === 0) expect(allMasked.flags & PE).toBe(0)
      if ((unmaskedRaised & OE) || underflowed) {
        if (toMemory) {
          expect(show(r)).toBe(want(null, r.flags & (OE | UE)))
          return
        }
        // A register receives the result with its exponent brought back into range by 24576. The most extreme
        // results of two 80-bit operands are max / smallest denormal < 2^(16384 + 16445) and the smallest denormal
        // squared, 2^(-2 x 16445); overflow starts at 2^16384, underflow below 2^-16382.
        expect(classify(r.value!)).toBe('normal')
        const e = biasedExponentOf(r.value!) - 16383
        if (r.flags & OE) expect(e >= 16384 - 24576 && e < 16384 + 16445 - 24576, `OE exponent ${e}`).toBe(true)
        else expect(e >= -2 * 16445 + 24576 && e <= -16382 + 24576, `UE exponent ${e}`).toBe(true)
        return
      }
      // nothing unmasked happened, or only PE: the same result, since an unmasked PE still stores the rounded result
      expect(show(r)).toBe(show(allMasked))
    }), options)
  })
})
