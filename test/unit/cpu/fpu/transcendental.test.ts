/**
 * The transcendental instructions against the host's libm on double
 * arguments: computed to 64 bits and stored as a double, each result must be
 * within one unit in the last place of the double the host returns (libm's
 * own error is below one ulp, so a larger difference is hv's). Also the
 * trigonometric range limit and the exact special cases.
 */
import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {NUM_RUNS} from '../../../property/arbitraries.js'
import {bytes80, doubleBytes, readDouble, runX87, st, X} from './x87-machine.js'

const A = 0x200
const B = 0x208
const OUT = 0x300

/** Distance in units of the last place between two doubles of the same sign. */
function ulps(a: number, b: number): number {
  if (a === b) return 0
  const view = new DataView(new ArrayBuffer(16))
  view.setFloat64(0, a)
  view.setFloat64(8, b)
  return Math.abs(Number(view.getBigInt64(0) - view.getBigInt64(8)))
}

function unary(op: number[], x: number): number {
  const r = runX87([X.fldM64(A), op, X.fstpM64(OUT)], [[A, doubleBytes(x)]])
  return readDouble(r.ram, OUT)
}

/** ST(1) = y, ST(0) = x, then the instruction (which leaves its result in ST(0) after popping). */
function binary(op: number[], y: number, x: number): number {
  const r = runX87([X.fldM64(B), X.fldM64(A), op, X.fstpM64(OUT)], [[A, doubleBytes(x)], [B, doubleBytes(y)]])
  return readDouble(r.ram, OUT)
}

const arg = (min: number, max: number): fc.Arbitrary<number> => fc.double({min, max, noNaN: true, noDefaultInfinity: true})

describe('within one ulp of libm on doubles', () => {
  const runs = Math.min(NUM_RUNS, 60)
  it('FSIN and FCOS on [-100, 100]', () => {
    fc.assert(fc.property(arg(-100, 100), (x) => {
      expect(ulps(unary(X.fsin, x), Math.sin(x))).toBeLessThanOrEqual(1)
      expect(ulps(unary(X.fcos, x), Math.cos(x))).toBeLessThanOrEqual(1)
    }), {numRuns: runs})
  })

  it('FPTAN on [-1.5, 1.5] (and it pushes 1.0)', () => {
    fc.assert(fc.property(arg(-1.5, 1.5), (x) => {
      const r = runX87([X.fldM64(A), X.fptan, X.fstpM64(OUT + 8), X.fstpM64(OUT)], [[A, doubleBytes(x)]])
      expect(readDouble(r.ram, OUT + 8)).toBe(1)
      expect(ulps(readDouble(r.ram, OUT), Math.tan(x))).toBeLessThanOrEqual(1)
    }), {numRuns: runs})
  })

  it('FPATAN is atan2(ST(1), ST(0)) in every quadrant', () => {
    fc.assert(fc.property(arg(-1e6, 1e6), arg(-1e6, 1e6), (y, x) => {
      fc.pre(x !== 0 || y !== 0)
      expect(ulps(binary(X.fpatan, y, x), Math.atan2(y, x))).toBeLessThanOrEqual(1)
    }), {numRuns: runs})
  })

  it('FYL2X with y = 1 is log2, F2XM1 is 2^x - 1', () => {
    fc.assert(fc.property(arg(1e-300, 1e300), arg(-1, 1), (x, e) => {
      expect(ulps(binary(X.fyl2x, 1, x), Math.log2(x))).toBeLessThanOrEqual(1)
      expect(ulps(unary(X.f2xm1, e), Math.expm1(e * Math.LN2))).toBeLessThanOrEqual(2)
    }), {numRuns: runs})
  })
})

describe('special cases', () => {
  it('FSIN of 2^63 or more sets C2 and leaves the operand', () => {
    const r = runX87([X.fldM80(A), X.fsin], [[A, bytes80(0x403e, 0x8000000000000000n)]])
    expect(r.cpu.fpu.statusWord & 0x400).toBe(0x400)
    expect(st(r.cpu, 0)).toBe('403e8000000000000000')
  })

  it('FSIN of ±0 is ±0, FCOS of 0 is 1, exactly (no precision exception)', () => {
    const r = runX87([X.fldz, X.fsin], [])
    expect(st(r.cpu, 0)).toBe('00000000000000000000')
    expect(r.cpu.fpu.statusWord & 0x20).toBe(0)
    const c = runX87([X.fldz, X.fcos], [])
    expect(st(c.cpu, 0)).toBe('3fff8000000000000000')
  })

  it('FYL2X of 8 is exactly 3; F2XM1 of 1 is exactly 1', () => {
    expect(binary(X.fyl2x, 1, 8)).toBe(3)
    expect(unary(X.f2xm1, 1)).toBe(1)
  })
})
