/**
 * hv's x87 arithmetic (src/core/cpu/fpu) against the independent BigInt
 * reference model (fpu-reference.ts): for every operation the model covers,
 * generated operands and control words must give the same stored value (or
 * the same "nothing stored"), the same exception flags and the same C1.
 * The implementation is seen through the model's interface by the adapter in
 * fpu-implementation.ts.
 *
 * Then hand-checked vectors, each run through both, for the choices where the
 * two could part: the NaN of two equal significands, PE and C1 on overflow and
 * underflow (masked, unmasked to a register, unmasked to memory), ZE over DE,
 * pseudo-denormal operands, FIST of a QNaN, and the reserved PC = 01.
 */
import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {implementation} from './fpu-implementation.js'
import {reference, type RefOp, type RefResult} from './fpu-reference.js'
import {controlWords, extended80, extendedPair, float32Image, float64Image} from './fpu-arbitraries.js'
import {NUM_RUNS} from './arbitraries.js'

// ---------------------------------------------------------------------------
// Comparing the two.

const FLAG_NAMES = ['IE', 'DE', 'ZE', 'OE', 'UE', 'PE']
const hex = (n: bigint): string => '0x' + n.toString(16)

function show(r: RefResult): string {
  const flags = FLAG_NAMES.filter((_, i) => r.flags & (1 << i)).join('|') || '-'
  return `${r.value === null ? 'nothing stored' : hex(r.value)} ${flags} c1=${r.c1 ? 1 : 0}`
}

/** Throws, naming the operands in hex, when the implementation and the model differ. */
function agree(op: RefOp, a: bigint, b: bigint, controlWord: number): void {
  const want = show(reference(op, a, b, controlWord))
  const got = show(implementation(op, a, b, controlWord))
  if (got !== want) {
    const operands = ['add', 'sub', 'mul', 'div'].includes(op) ? `${hex(a)}, ${hex(b)}` : hex(a)
    throw new Error(`${op}(${operands}) cw=0x${controlWord.toString(16)}\n  model:          ${want}\n  implementation: ${got}`)
  }
}

const binary: RefOp[] = ['add', 'sub', 'mul', 'div']
const unary: RefOp[] = ['sqrt', 'round', 'toF32', 'toF64', 'toI16', 'toI32', 'toI64']

describe('x87 arithmetic against the reference model', () => {
  for (const op of binary) {
    it(`${op}: value, flags and C1 agree for generated operand pairs and control words`, () => {
      fc.assert(fc.property(extendedPair, controlWords, ([a, b], cw) => agree(op, a, b, cw)), {numRuns: NUM_RUNS})
    })
  }
  for (const op of unary) {
    it(`${op}: value, flags and C1 agree for generated operands and control words`, () => {
      fc.assert(fc.property(extended80, controlWords, (a, cw) => agree(op, a, 0n, cw)), {numRuns: NUM_RUNS})
    })
  }
  it('fromF32: FLD m32fp agrees for generated memory images and control words', () => {
    fc.assert(fc.property(float32Image, controlWords, (a, cw) => agree('fromF32', a, 0n, cw)), {numRuns: NUM_RUNS})
  })
  it('fromF64: FLD m64fp agrees for generated memory images and control words', () => {
    fc.assert(fc.property(float64Image, controlWords, (a, cw) => agree('fromF64', a, 0n, cw)), {numRuns: NUM_RUNS})
  })
})

// ---------------------------------------------------------------------------
// Hand-checked vectors for the questions the properties raised, each run
// through the implementation and the model.

const RN = 0x037f
const unmasking = (flag: number, rc = 0): number => (RN & ~flag) | (rc << 10)
const IE = 0x01
const DE = 0x02
const ZE = 0x04
const OE = 0x08
const UE = 0x10
const PE = 0x20

const ONE = 0x3fff8000000000000000n
const THREE = 0x4000c000000000000000n
const HALF = 0x3ffe8000000000000000n
const LARGEST = 0x7ffeffffffffffffffffn
const SMALLEST_NORMAL = 0x00018000000000000000n

interface Vector {
  why: string
  op: RefOp
  a: bigint
  b?: bigint
  cw: number
  want: RefResult
}

const vectors: Vector[] = [
  // NaNs of equal significand (only the signs differ): the SDM's Table 4-7 names neither; both sides take the
  // positive one, as the QEMU oracle does in either operand order.
  {why: '+QNaN + -QNaN', op: 'add', a: 0x7fffc000000000001234n, b: 0xffffc000000000001234n, cw: RN, want: {value: 0x7fffc000000000001234n, flags: 0, c1: false}},
  {why: '-QNaN + +QNaN', op: 'add', a: 0xffffc000000000001234n, b: 0x7fffc000000000001234n, cw: RN, want: {value: 0x7fffc000000000001234n, flags: 0, c1: false}},
  {why: '-SNaN * +SNaN', op: 'mul', a: 0xffff8000000000001234n, b: 0x7fff8000000000001234n, cw: RN, want: {value: 0x7fffc000000000001234n, flags: IE, c1: false}},

  // Unmasked overflow to memory stores nothing and reports OE alone: no PE, C1 clear (SDM Vol. 1 8.5.4). The
  // value is 1.1000...01b x 2^128, inexact in binary32 as well as too large.
  {why: 'FST m32 unmasked overflow', op: 'toF32', a: 0x407fc000000000000001n, cw: unmasking(OE), want: {value: null, flags: OE, c1: false}},
  {why: 'FST m32 masked overflow', op: 'toF32', a: 0x407fc000000000000001n, cw: RN, want: {value: 0x7f800000n, flags: OE | PE, c1: true}},
  {why: 'FST m64 unmasked overflow rounding up', op: 'toF64', a: LARGEST, cw: unmasking(OE, 2), want: {value: null, flags: OE, c1: false}},
  {why: 'FST m32 unmasked underflow', op: 'toF32', a: 0x3f69c000000000000001n, cw: unmasking(UE), want: {value: null, flags: UE, c1: false}},
  // ...while a register destination gets the result rounded, exponent less 24576, with PE and C1 as rounded:
  // 3 x (2^64 - 1) = 0x2_FFFF_FFFF_FFFF_FFFD; its top 64 bits BFFF...FF leave 01b, under half; rounding up gives
  // C000...00. The exponent 16385 + 16383 - 24576 = 0x2000.
  {why: 'FMUL unmasked overflow, nearest', op: 'mul', a: LARGEST, b: THREE, cw: unmasking(OE), want: {value: 0x2000bfffffffffffffffn, flags: OE | PE, c1: false}},
  {why: 'FMUL unmasked overflow, up', op: 'mul', a: LARGEST, b: THREE, cw: unmasking(OE, 2), want: {value: 0x2000c000000000000000n, flags: OE | PE, c1: true}},
  // Masked overflow: C1 says whether the delivered value (infinity, or the largest finite) is above the exact one.
  {why: 'FMUL masked overflow to infinity', op: 'mul', a: LARGEST, b: THREE, cw: RN, want: {value: 0x7fff8000000000000000n, flags: OE | PE, c1: true}},
  {why: 'FMUL masked overflow chopped', op: 'mul', a: LARGEST, b: THREE, cw: RN | 0xc00, want: {value: LARGEST, flags: OE | PE, c1: false}},
  // Unmasked underflow to a register: 2^-16383 exact, tiny, so UE without PE; exponent plus 24576 = 0x6000.
  {why: 'FMUL unmasked exact underflow', op: 'mul', a: SMALLEST_NORMAL, b: HALF, cw: unmasking(UE), want: {value: 0x60008000000000000000n, flags: UE, c1: false}},
  // Divide-by-zero ranks above the denormal operand (SDM Vol. 1 4.9.2): a denormal over zero reports ZE alone.
  {why: 'denormal / 0', op: 'div', a: 0x00000000000000000001n, b: 0n, cw: RN, want: {value: 0x7fff8000000000000000n, flags: ZE, c1: false}},
  {why: 'denormal / 0, ZE unmasked', op: 'div', a: 0x00000000000000000001n, b: 0n, cw: unmasking(ZE), want: {value: null, flags: ZE, c1: false}},
  // A pseudo-denormal is read with exponent 1 and signals DE (SDM Vol. 1 8.2.2).
  {why: 'pseudo-denormal + 0', op: 'add', a: 0x00008000000000000000n, b: 0n, cw: RN, want: {value: SMALLEST_NORMAL, flags: DE, c1: false}},
  {why: 'pseudo-denormal, DE unmasked', op: 'sqrt', a: 0x0000c000000000000000n, cw: unmasking(DE), want: {value: null, flags: DE, c1: false}},
  // FIST of a QNaN is invalid (Vol. 2 FIST: "#IA ... is a NaN value"), unlike arithmetic on one.
  {why: 'FIST m32 of a QNaN', op: 'toI32', a: 0x7fffc000000000000000n, cw: RN, want: {value: 0x80000000n, flags: IE, c1: false}},
  {why: 'FIST m16 of a QNaN, IE unmasked', op: 'toI16', a: 0x7fffc000000000000000n, cw: unmasking(IE), want: {value: null, flags: IE, c1: false}},
]

describe('x87 arithmetic: hand-checked vectors, implementation and model alike', () => {
  for (const v of vectors) {
    it(v.why, () => {
      const b = v.b ?? 0n
      expect(show(implementation(v.op, v.a, b, v.cw)), 'implementation').toBe(show(v.want))
      expect(show(reference(v.op, v.a, b, v.cw)), 'model').toBe(show(v.want))
    })
  }

  // The reserved precision control 01 (SDM Vol. 1 Table 8-2) has no documented meaning. The implementation
  // rounds to 64 bits under it, as the QEMU oracle does (1/3 there gives 3FFD AAAAAAAAAAAAAAAB); the model
  // refuses to guess and the arbitraries never generate it, so it is checked here on the implementation alone.
  it('PC = 01 rounds as 64-bit precision (implementation only)', () => {
    const pc01 = (RN & ~0x300) | 0x100
    expect(show(implementation('div', ONE, THREE, pc01))).toBe(show({value: 0x3ffdaaaaaaaaaaaaaaabn, flags: PE, c1: true}))
    expect(() => reference('div', ONE, THREE, pc01)).toThrow(/reserved/)
  })
})
