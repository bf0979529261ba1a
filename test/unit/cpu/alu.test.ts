/** ADD, ADC, SUB, SBB, AND, OR, XOR, CMP, INC, DEC, NEG, NOT, TEST: results and flags (SDM Vol. 2). */
import {describe, expect, it} from 'vitest'
import {AF, CF, ExitReason, movImm, OF, OSZAPC, PF, Reg, run32, SF, ZF} from './machine.js'

const STC = 0xf9
const CLC = 0xf8

interface Case {
  name: string
  /** Instructions to run after EAX = a, EBX = b. */
  code: number[]
  a: number
  b: number
  result: number
  flags: number
  /** Flags the SDM leaves undefined for this instruction. */
  undefinedFlags?: number
}

const cases: Case[] = [
  {name: 'ADD carry out and zero', code: [0x01, 0xd8], a: 0xffffffff, b: 1, result: 0, flags: CF | PF | AF | ZF},
  {name: 'ADD signed overflow', code: [0x01, 0xd8], a: 0x7fffffff, b: 1, result: 0x80000000, flags: OF | SF | AF | PF},
  {name: 'ADD no flags', code: [0x01, 0xd8], a: 1, b: 2, result: 3, flags: PF},
  {name: 'SUB borrow', code: [0x29, 0xd8], a: 0, b: 1, result: 0xffffffff, flags: CF | SF | AF | PF},
  {name: 'SUB signed overflow', code: [0x29, 0xd8], a: 0x80000000, b: 1, result: 0x7fffffff, flags: OF | AF | PF},
  {name: 'CMP equal leaves the operand', code: [0x39, 0xd8], a: 5, b: 5, result: 5, flags: ZF | PF},
  {name: 'CMP below', code: [0x39, 0xd8], a: 3, b: 5, result: 3, flags: CF | SF | AF},
  {name: 'AND', code: [0x21, 0xd8], a: 0xf0f0, b: 0x0ff0, result: 0x00f0, flags: PF, undefinedFlags: AF},
  {name: 'OR sign', code: [0x09, 0xd8], a: 0x80000000, b: 1, result: 0x80000001, flags: SF, undefinedFlags: AF},
  {name: 'XOR self', code: [0x31, 0xc0], a: 0x1234, b: 0, result: 0, flags: ZF | PF, undefinedFlags: AF},
  {name: 'ADC with carry in', code: [STC, 0x11, 0xd8], a: 0xffffffff, b: 0, result: 0, flags: CF | PF | AF | ZF},
  {name: 'ADC 0xFFFFFFFF + 0xFFFFFFFF + 1', code: [STC, 0x11, 0xd8], a: 0xffffffff, b: 0xffffffff, result: 0xffffffff, flags: CF | SF | AF | PF},
  {name: 'SBB with borrow in', code: [STC, 0x19, 0xd8], a: 0, b: 0, result: 0xffffffff, flags: CF | SF | AF | PF},
  {name: 'SBB equal operands with borrow in', code: [STC, 0x19, 0xd8], a: 7, b: 7, result: 0xffffffff, flags: CF | SF | AF | PF},
  {name: 'ADD 8-bit', code: [0x00, 0xd8], a: 0x11111180, b: 0x80, result: 0x11111100, flags: CF | ZF | OF | PF},
  {name: 'ADD 16-bit', code: [0x66, 0x01, 0xd8], a: 0x2222ffff, b: 1, result: 0x22220000, flags: CF | ZF | AF | PF},
  {name: 'SUB 8-bit AH', code: [0x28, 0xdc], a: 0x0000_1000, b: 0x20, result: 0x0000f000, flags: CF | SF | PF},
  {name: 'INC keeps CF', code: [STC, 0x40], a: 0x7fffffff, b: 0, result: 0x80000000, flags: CF | OF | SF | AF | PF},
  {name: 'DEC keeps CF clear', code: [CLC, 0x48], a: 0, b: 0, result: 0xffffffff, flags: SF | AF | PF},
  {name: 'NEG 0 clears CF', code: [0xf7, 0xd8], a: 0, b: 0, result: 0, flags: ZF | PF},
  {name: 'NEG 1', code: [0xf7, 0xd8], a: 1, b: 0, result: 0xffffffff, flags: CF | SF | AF | PF},
  {name: 'NEG most negative overflows', code: [0xf7, 0xd8], a: 0x80000000, b: 0, result: 0x80000000, flags: CF | OF | SF | PF},
  {name: 'NOT changes no flags', code: [STC, 0xf7, 0xd0], a: 0x0f0f0f0f, b: 0, result: 0xf0f0f0f0, flags: CF},
  {name: 'TEST', code: [0x85, 0xd8], a: 0x80, b: 0x80, result: 0x80, flags: 0, undefinedFlags: AF},
  {name: 'ADD imm8 sign-extended (83 /0)', code: [0x83, 0xc0, 0xff], a: 1, b: 0, result: 0, flags: CF | ZF | AF | PF},
  {name: 'CMP imm32 (81 /7)', code: [0x81, 0xf8, 0x00, 0x00, 0x00, 0x80], a: 0, b: 0, result: 0, flags: CF | OF | SF | PF},
  {name: 'ADD AL, imm8 (04)', code: [0x04, 0x01], a: 0xff, b: 0, result: 0, flags: CF | ZF | AF | PF},
  {name: 'SUB EAX, imm32 (2D)', code: [0x2d, 1, 0, 0, 0], a: 1, b: 0, result: 0, flags: ZF | PF},
]

describe('integer ALU', () => {
  it.each(cases)('$name', (c) => {
    const {cpu, exit} = run32([...movImm(Reg.EAX, c.a), ...movImm(Reg.EBX, c.b), ...c.code])
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(c.result >>> 0)
    const mask = OSZAPC & ~(c.undefinedFlags ?? 0)
    expect(cpu.getEflags() & mask).toBe(c.flags & mask)
  })

  it('ADD to memory writes the result and sets flags', () => {
    // mov dword [0x20000], 0xffffffff; add dword [0x20000], 1
    const {cpu, mem} = run32([0xc7, 0x05, 0x00, 0x00, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff, 0x83, 0x05, 0x00, 0x00, 0x02, 0x00, 0x01])
    expect(mem.ram[0x20000]).toBe(0)
    expect(cpu.getEflags() & (CF | ZF)).toBe(CF | ZF)
  })

  it('LOCK on a register destination is #UD', () => {
    const {exit} = run32([0xf0, 0x01, 0xd8])
    expect(exit.reason).toBe(ExitReason.Exception)
    expect(exit.vector).toBe(6)
  })

  it('LOCK ADD to memory is allowed', () => {
    const {exit, mem} = run32([0xf0, 0x83, 0x05, 0x00, 0x00, 0x02, 0x00, 0x05])
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(mem.ram[0x20000]).toBe(5)
  })
})
