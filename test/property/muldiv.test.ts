/**
 * Multiplication and division against the reference model: MUL and IMUL with
 * one operand, IMUL with two and three operands, DIV and IDIV with #DE where
 * the SDM requires it (zero divisor, quotient out of range). After a #DE the
 * registers and EIP are unchanged. Flags: only CF/OF after multiplication,
 * none after division.
 */
import {describe, it} from 'vitest'
import fc from 'fast-check'
import {SingleStepper, CODE_ADDRESS, VECTOR_DE, type RegisterFile} from './harness.js'
import {div, imulTrunc, mul1, signed, type Width} from './model.js'
import {arithFlags, edgeOrAny, NUM_RUNS, width} from './arbitraries.js'
import {compare, part, withPart} from './check.js'

const cpu = new SingleStepper()

function input(a: number, b: number, d: number): RegisterFile {
  return {eax: a >>> 0, ebx: b >>> 0, ecx: 0x0badf00d, edx: d >>> 0, esp: 0x8000, ebp: 0x11111111, esi: 0x22222222, edi: 0x33333333}
}

describe('MUL and IMUL with one operand (source EBX/BX/BL)', () => {
  for (const isSigned of [false, true]) {
    const name = isSigned ? 'imul' : 'mul'
    it(name, () => {
      fc.assert(
        fc.property(width, edgeOrAny, edgeOrAny, edgeOrAny, arithFlags, (w: Width, a, b, d, flagsIn) => {
          const modrm = 0xc0 | ((isSigned ? 5 : 4) << 3) | 3
          const bytes = [...(w === 16 ? [0x66] : []), w === 8 ? 0xf6 : 0xf7, modrm]
          const inp = input(a, b, d)
          const r = mul1(isSigned, part(a, w), part(b, w), w)
          const regs = {...inp}
          if (w === 8) regs.eax = withPart(a, (r.hi << 8) | r.lo, 16)
          else {
            regs.eax = withPart(a, r.lo, w)
            regs.edx = withPart(d, r.hi, w)
          }
          const got = cpu.step(bytes, inp, flagsIn)
          compare(`${name}${w}`, bytes, inp, flagsIn, got, {regs, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length})
        }),
        {numRuns: NUM_RUNS},
      )
    })
  }
})

describe('IMUL with two and three operands', () => {
  it('imul r, r/m (0F AF)', () => {
    fc.assert(
      fc.property(fc.constantFrom(16 as const, 32 as const), edgeOrAny, edgeOrAny, arithFlags, (w: Width, a, b, flagsIn) => {
        const bytes = [...(w === 16 ? [0x66] : []), 0x0f, 0xaf, 0xc3] // eax = eax * ebx
        const inp = input(a, b, 0x44444444)
        const r = imulTrunc(part(a, w), part(b, w), w)
        const got = cpu.step(bytes, inp, flagsIn)
        compare(`imul${w} r,r/m`, bytes, inp, flagsIn, got, {
          regs: {...inp, eax: withPart(a, r.result, w)}, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
        })
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('imul r, r/m, imm8 (6B) and imm16/32 (69)', () => {
    fc.assert(
      fc.property(fc.constantFrom(16 as const, 32 as const), edgeOrAny, edgeOrAny, fc.boolean(), arithFlags, (w: Width, a, imm, short, flagsIn) => {
        const immValue = short ? signed(imm, 8) : signed(imm, w)
        const immBytes = short ? [imm & 0xff] : w === 16 ? [imm & 0xff, (imm >>> 8) & 0xff] : [imm & 0xff, (imm >>> 8) & 0xff, (imm >>> 16) & 0xff, imm >>> 24]
        const bytes = [...(w === 16 ? [0x66] : []), short ? 0x6b : 0x69, 0xc3, ...immBytes] // eax = ebx * imm
        const inp = input(0x5a5a5a5a, a, 0x44444444)
        const r = imulTrunc(part(a, w), immValue >>> 0, w)
        const got = cpu.step(bytes, inp, flagsIn)
        compare(`imul${w} r,r/m,imm${short ? 8 : w}`, bytes, inp, flagsIn, got, {
          regs: {...inp, eax: withPart(0x5a5a5a5a, r.result, w)}, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
        })
      }),
      {numRuns: NUM_RUNS},
    )
  })
})

describe('DIV and IDIV (divisor EBX/BX/BL)', () => {
  // Divisors: small values make in-range quotients likely; edges and zero give #DE
  const divisor = fc.oneof(edgeOrAny, fc.integer({min: 0, max: 0xffffffff}).map((v) => v >>> 28), fc.constantFrom(0, 1, 0xff, 0xffff, 0xffffffff))
  for (const isSigned of [false, true]) {
    const name = isSigned ? 'idiv' : 'div'
    it(name, () => {
      fc.assert(
        fc.property(width, edgeOrAny, edgeOrAny, divisor, arithFlags, fc.boolean(), (w: Width, a, d, b, flagsIn, smallHigh) => {
          // Make the high half small (or its sign extension) half of the time so that most divisions succeed
          if (smallHigh) {
            if (w === 8) a = (a & ~0xff00) | (isSigned && a & 0x80 ? 0xff00 : 0)
            else d = isSigned && part(a, w) & (w === 16 ? 0x8000 : 0x80000000) ? 0xffffffff : 0
          }
          const modrm = 0xc0 | ((isSigned ? 7 : 6) << 3) | 3
          const bytes = [...(w === 16 ? [0x66] : []), w === 8 ? 0xf6 : 0xf7, modrm]
          const inp = input(a, b, d)
          const hi = w === 8 ? (a >>> 8) & 0xff : part(d, w)
          const r = div(isSigned, hi, part(a, w), part(b, w), w)
          const got = cpu.step(bytes, inp, flagsIn)
          if (r.fault === 'DE') {
            compare(`${name}${w}`, bytes, inp, flagsIn, got, {regs: inp, flags: 0, defined: 0, exception: VECTOR_DE, eip: CODE_ADDRESS})
            return
          }
          const regs = {...inp}
          if (w === 8) regs.eax = withPart(a, (r.remainder << 8) | r.quotient, 16)
          else {
            regs.eax = withPart(a, r.quotient, w)
            regs.edx = withPart(d, r.remainder, w)
          }
          compare(`${name}${w}`, bytes, inp, flagsIn, got, {regs, flags: 0, defined: 0, exception: null, eip: CODE_ADDRESS + bytes.length})
        }),
        {numRuns: NUM_RUNS},
      )
    })
  }

  it('the SDM #DE cases: zero divisor and quotient overflow, including the most negative dividend by -1', () => {
    const cases: Array<[boolean, Width, number, number, number]> = [
      // signed, width, eax, edx, ebx
      [false, 8, 0x0100, 0, 1], [false, 8, 0x1234, 0, 0], [true, 8, 0xff80, 0, 0xff], [true, 8, 0x0080, 0, 1],
      [false, 16, 0x0000, 0x0001, 1], [true, 16, 0x0000, 0x8000, 0xffff], [true, 16, 0x8000, 0, 0xffff] /* 32768 / -1 fits: no fault */,
      [false, 32, 0, 1, 1], [true, 32, 0, 0x80000000, 0xffffffff], [true, 32, 0x80000000, 0xffffffff, 0xffffffff], [true, 32, 5, 0, 0],
    ]
    for (const [isSigned, w, a, d, b] of cases) {
      const modrm = 0xc0 | ((isSigned ? 7 : 6) << 3) | 3
      const bytes = [...(w === 16 ? [0x66] : []), w === 8 ? 0xf6 : 0xf7, modrm]
      const inp = input(a, b, d)
      const hi = w === 8 ? (a >>> 8) & 0xff : part(d, w)
      const r = div(isSigned, hi, part(a, w), part(b, w), w)
      const got = cpu.step(bytes, inp, 0x2)
      if (r.fault === 'DE') {
        compare(`${isSigned ? 'idiv' : 'div'}${w}`, bytes, inp, 0x2, got, {regs: inp, flags: 0, defined: 0, exception: VECTOR_DE, eip: CODE_ADDRESS})
      } else {
        const regs = {...inp}
        if (w === 8) regs.eax = withPart(a, (r.remainder << 8) | r.quotient, 16)
        else {
          regs.eax = withPart(a, r.quotient, w)
          regs.edx = withPart(d, r.remainder, w)
        }
        compare(`${isSigned ? 'idiv' : 'div'}${w}`, bytes, inp, 0x2, got, {regs, flags: 0, defined: 0, exception: null, eip: CODE_ADDRESS + bytes.length})
      }
    }
  })
})
