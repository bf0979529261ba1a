/**
 * ALU instructions against the reference model: ADD ADC SUB SBB AND OR XOR
 * CMP TEST and INC DEC NEG NOT, register forms at 8 (low and high byte
 * registers), 16 and 32 bits, random operands biased to the edges and random
 * input flags. Only the flags the SDM defines are compared.
 */
import {describe, it} from 'vitest'
import fc from 'fast-check'
import {SingleStepper, CODE_ADDRESS, type RegisterFile} from './harness.js'
import {alu, unary, type AluOp, type UnaryOp, type Width} from './model.js'
import {arithFlags, edgeOrAny, NUM_RUNS, width} from './arbitraries.js'
import {compare, part, withPart} from './check.js'

const ALU_OPCODE: Record<AluOp, number> = {
  add: 0x00, or: 0x08, adc: 0x10, sbb: 0x18, and: 0x20, sub: 0x28, xor: 0x30, cmp: 0x38, test: 0x84,
}
const UNARY: Record<UnaryOp, {opcode8: number; opcode: number; ext: number}> = {
  inc: {opcode8: 0xfe, opcode: 0xff, ext: 0},
  dec: {opcode8: 0xfe, opcode: 0xff, ext: 1},
  not: {opcode8: 0xf6, opcode: 0xf7, ext: 2},
  neg: {opcode8: 0xf6, opcode: 0xf7, ext: 3},
}

const cpu = new SingleStepper()

function regsFrom(a: number, b: number, c: number, d: number): RegisterFile {
  return {eax: a >>> 0, ebx: b >>> 0, ecx: c >>> 0, edx: d >>> 0, esp: 0x8000, ebp: 0x11111111, esi: 0x22222222, edi: 0x33333333}
}

describe('ALU binary operations: op r/m, reg (destination EAX/AX/AL or AH, source EBX/BX/BL or BH)', () => {
  for (const op of Object.keys(ALU_OPCODE) as AluOp[]) {
    it(op, () => {
      fc.assert(
        fc.property(width, edgeOrAny, edgeOrAny, edgeOrAny, arithFlags, fc.boolean(),
          (w: Width, a, b, c, flagsIn, high) => {
            const highByte = w === 8 && high
            // r/m = AL (0) or AH (4); reg = BL (3) or BH (7)
            const modrm = 0xc0 | ((highByte ? 7 : 3) << 3) | (highByte ? 4 : 0)
            const base = ALU_OPCODE[op] + (w === 8 ? 0 : 1)
            const bytes = w === 16 ? [0x66, base, modrm] : [base, modrm]
            const input = regsFrom(a, b, c, 0x44444444)
            const r = alu(op, part(a, w, highByte), part(b, w, highByte), flagsIn, w)
            const regs = {...input}
            if (r.writes) regs.eax = withPart(a, r.result, w, highByte)
            const got = cpu.step(bytes, input, flagsIn)
            compare(`${op}${w}`, bytes, input, flagsIn, got, {
              regs, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
            })
          }),
        {numRuns: NUM_RUNS},
      )
    })
  }

  it('add/sub with an 8-bit sign-extended immediate (83 /0, 83 /5)', () => {
    fc.assert(
      fc.property(fc.constantFrom(16 as const, 32 as const), edgeOrAny, fc.integer({min: -128, max: 127}), arithFlags, fc.constantFrom('add', 'sub', 'adc', 'sbb', 'cmp') as fc.Arbitrary<AluOp>,
        (w: Width, a, imm, flagsIn, op) => {
          const ext = {add: 0, or: 1, adc: 2, sbb: 3, and: 4, sub: 5, xor: 6, cmp: 7, test: 0}[op]
          const bytes = [...(w === 16 ? [0x66] : []), 0x83, 0xc0 | (ext << 3) | 0, imm & 0xff]
          const input = regsFrom(a, 0x5555aaaa, 0x12345678, 0x44444444)
          const r = alu(op, part(a, w), imm >>> 0, flagsIn, w)
          const regs = {...input}
          if (r.writes) regs.eax = withPart(a, r.result, w)
          const got = cpu.step(bytes, input, flagsIn)
          compare(`${op}${w} imm8`, bytes, input, flagsIn, got, {
            regs, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
          })
        }),
      {numRuns: NUM_RUNS},
    )
  })
})

describe('ALU unary operations on ECX/CX/CL or CH', () => {
  for (const op of Object.keys(UNARY) as UnaryOp[]) {
    it(op, () => {
      fc.assert(
        fc.property(width, edgeOrAny, arithFlags, fc.boolean(), (w: Width, c, flagsIn, high) => {
          const highByte = w === 8 && high
          const enc = UNARY[op]
          const modrm = 0xc0 | (enc.ext << 3) | (highByte ? 5 : 1) // CL = 1, CH = 5
          const bytes = [...(w === 16 ? [0x66] : []), w === 8 ? enc.opcode8 : enc.opcode, modrm]
          const input = regsFrom(0x9abcdef0, 0x5555aaaa, c, 0x44444444)
          const r = unary(op, part(c, w, highByte), flagsIn, w)
          const regs = {...input, ecx: withPart(c, r.result, w, highByte)}
          const got = cpu.step(bytes, input, flagsIn)
          compare(`${op}${w}`, bytes, input, flagsIn, got, {
            regs, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
          })
        }),
        {numRuns: NUM_RUNS},
      )
    })
  }

  it('inc/dec r32 short forms (40+r, 48+r)', () => {
    fc.assert(
      fc.property(edgeOrAny, arithFlags, fc.boolean(), (c, flagsIn, isInc) => {
        const bytes = [isInc ? 0x41 : 0x49]
        const input = regsFrom(0x9abcdef0, 0x5555aaaa, c, 0x44444444)
        const r = unary(isInc ? 'inc' : 'dec', c, flagsIn, 32)
        const got = cpu.step(bytes, input, flagsIn)
        compare(isInc ? 'inc ecx' : 'dec ecx', bytes, input, flagsIn, got, {
          regs: {...input, ecx: r.result}, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + 1,
        })
      }),
      {numRuns: NUM_RUNS},
    )
  })
})
