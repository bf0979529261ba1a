/**
 * The x87 fast paths (src/core/cpu/fpu/fast-arithmetic.ts, fast-conversions.ts)
 * against the exact bigint operations they stand in for: wherever a fast path
 * gives a result, it must be the same 80-bit value (or memory image) with the
 * same exception flags and C1, under every rounding control and precision
 * control. Operands are normal values with random, tie-prone and run-of-ones
 * significands, at exponent distances that make sums carry, cancel, or leave
 * the smaller operand as a sticky bit, and near the ends of the exponent range
 * where the fast path must step aside. Each property also counts how often the
 * fast path applied, so that it cannot pass by always declining.
 */
import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {add, divide, multiply, squareRoot} from '../../src/core/cpu/fpu/arithmetic.js'
import {fromDouble, toDouble} from '../../src/core/cpu/fpu/conversions.js'
import {Ext80, toHex} from '../../src/core/cpu/fpu/ext80.js'
import {fastAdd, fastDivide, fastMultiply, fastSquareRoot} from '../../src/core/cpu/fpu/fast-arithmetic.js'
import {doubleImage, fastFromDouble, fastToDouble} from '../../src/core/cpu/fpu/fast-conversions.js'
import {ArithEnv, precisionFormat} from '../../src/core/cpu/fpu/rounding.js'
import {NUM_RUNS} from './arbitraries.js'
import {biasedExponent, controlWords, float64Image, fraction} from './fpu-arbitraries.js'

const J = 1n << 63n
const BIAS = 16383

const sign = fc.integer({min: 0, max: 1})
const normal = fc.tuple(sign, biasedExponent, fraction).map(([s, e, f]) => new Ext80(s, e, J | f))
/** A normal whose exponent is `distance` from a's (clamped into the normal range). */
const near = (a: Ext80, distance: fc.Arbitrary<number>): fc.Arbitrary<Ext80> =>
  fc.tuple(sign, distance, fraction).map(([s, d, f]) => new Ext80(s, Math.min(0x7ffe, Math.max(1, a.exp + d)), J | f))

const pair: fc.Arbitrary<[Ext80, Ext80]> = fc.oneof(
  {weight: 3, arbitrary: fc.tuple(normal, normal)},
  // carries and cancellation
  {weight: 3, arbitrary: normal.chain((a) => near(a, fc.integer({min: -2, max: 2})).map((b): [Ext80, Ext80] => [a, b]))},
  // alignment: within the window, at its edge (80) and beyond (the sticky replacement)
  {weight: 3, arbitrary: normal.chain((a) => near(a, fc.integer({min: -100, max: 100})).map((b): [Ext80, Ext80] => [a, b]))},
  {weight: 1, arbitrary: normal.chain((a) => near(a, fc.constantFrom(-81, -80, -79, -66, -65, -64, -63, 63, 64, 65, 79, 80, 81))
    .map((b): [Ext80, Ext80] => [a, b]))},
  // x - x and x + -x
  {weight: 1, arbitrary: normal.map((a): [Ext80, Ext80] => [a, new Ext80(a.sign ^ 1, a.exp, a.sig)])},
  {weight: 1, arbitrary: normal.map((a): [Ext80, Ext80] => [a, a])},
  // products and quotients near the ends of the range
  {weight: 1, arbitrary: normal.chain((a) => fc.tuple(sign, fc.integer({min: -3, max: 3}), fraction, fc.constantFrom(0x7ffe, 1))
    .map(([s, d, f, target]): [Ext80, Ext80] => [a, new Ext80(s, Math.min(0x7ffe, Math.max(1, target - a.exp + BIAS + d)), J | f)]))},
)

interface Outcome {
  value: string
  flags: number
  c1: boolean
}

function outcome(env: ArithEnv, value: Ext80 | bigint | null): Outcome {
  const shown = value === null ? 'none' : typeof value === 'bigint' ? value.toString(16) : toHex(value)
  return {value: shown, flags: env.flags, c1: env.c1}
}

/** Run fast and exact under control word cw; the outcome of each, or null when the fast path declined. */
function compare<T extends Ext80 | bigint>(cw: number, fast: (env: ArithEnv) => T | undefined, exact: (env: ArithEnv) => T | null): [Outcome, Outcome] | null {
  const fastEnv = new ArithEnv()
  fastEnv.reset(cw)
  const f = fast(fastEnv)
  if (f === undefined) {
    // Declining must leave the environment untouched, for the exact path to start from.
    expect(outcome(fastEnv, null)).toEqual({value: 'none', flags: 0, c1: false})
    return null
  }
  const exactEnv = new ArithEnv()
  exactEnv.reset(cw)
  return [outcome(fastEnv, f), outcome(exactEnv, exact(exactEnv))]
}

/** Assert agreement over the runs, and that the fast path applied in at least `share` of them. */
function agree<T>(arbitrary: fc.Arbitrary<T>, check: (input: T) => [Outcome, Outcome] | null, share = 0.5): void {
  let applied = 0
  let runs = 0
  fc.assert(fc.property(arbitrary, (input) => {
    runs++
    const r = check(input)
    if (r === null) return
    applied++
    expect(r[0]).toEqual(r[1])
  }), {numRuns: NUM_RUNS * 4})
  expect(applied / runs).toBeGreaterThan(share)
}

const imageOf = ({lo, hi}: {lo: number; hi: number}): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)

describe('x87 fast paths agree with the exact bigint operations', () => {
  it('FADD and FSUB', () => {
    agree(fc.tuple(pair, fc.boolean(), controlWords), ([[a, b], subtract, cw]) =>
      compare(cw, (env) => fastAdd(env, a, b, subtract, precisionFormat(cw)), (env) => add(env, a, b, subtract, precisionFormat(cw))))
  })

  it('FMUL', () => {
    agree(fc.tuple(pair, controlWords), ([[a, b], cw]) =>
      compare(cw, (env) => fastMultiply(env, a, b, precisionFormat(cw)), (env) => multiply(env, a, b, precisionFormat(cw))))
  })

  it('FDIV', () => {
    agree(fc.tuple(pair, controlWords), ([[a, b], cw]) =>
      compare(cw, (env) => fastDivide(env, a, b, precisionFormat(cw)), (env) => divide(env, a, b, precisionFormat(cw))))
  })

  it('FSQRT', () => {
    // Positive operands mostly; a negative one must be declined (it is invalid).
    const operand = fc.tuple(normal, fc.integer({min: 0, max: 9})).map(([a, k]) => (k === 0 ? a : new Ext80(0, a.exp, a.sig)))
    agree(fc.tuple(operand, controlWords), ([a, cw]) =>
      compare(cw, (env) => fastSquareRoot(env, a, precisionFormat(cw)), (env) => squareRoot(env, a, precisionFormat(cw))))
  })

  it('FSQRT of perfect squares (exact roots)', () => {
    const square = fc.tuple(fc.bigInt({min: 1n << 31n, max: (1n << 32n) - 1n}), fc.integer({min: -200, max: 200}))
      .map(([r, e]) => new Ext80(0, BIAS + e, (r * r) << (64n - BigInt((r * r).toString(2).length))))
    agree(fc.tuple(square, controlWords), ([a, cw]) =>
      compare(cw, (env) => fastSquareRoot(env, a, precisionFormat(cw)), (env) => squareRoot(env, a, precisionFormat(cw))))
  })

  it('FLD m64fp', () => {
    agree(fc.tuple(float64Image, controlWords), ([bits, cw]) => {
      const lo = Number(bits & 0xffffffffn) | 0
      const hi = Number(bits >> 32n) | 0
      return compare(cw, () => fastFromDouble(lo, hi), (env) => fromDouble(env, lo, hi, true))
    }, 0.3)
  })

  it('FST m64fp', () => {
    // Values of every binary64 exponent and around its limits, where the fast path must decline.
    const value = fc.tuple(sign, fc.oneof(fc.integer({min: BIAS - 1030, max: BIAS + 1030}), biasedExponent), fraction)
      .map(([s, e, f]) => new Ext80(s, e, J | f))
    agree(fc.tuple(value, controlWords), ([v, cw]) =>
      compare(cw, (env) => (fastToDouble(env, v) ? imageOf(doubleImage) : undefined), (env) => toDouble(env, v)), 0.3)
  })
})
