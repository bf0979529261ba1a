/** MUL, IMUL (one, two, three operands), DIV, IDIV with #DE (SDM Vol. 2). */
import {describe, expect, it} from 'vitest'
import {CF, ExitReason, movImm, OF, Reg, run32} from './machine.js'

describe('multiplication', () => {
  it('MUL r/m32 gives EDX:EAX and sets CF/OF when EDX is non-zero', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0xffffffff), ...movImm(Reg.EBX, 0xffffffff), 0xf7, 0xe3])
    expect(cpu.getReg(Reg.EAX)).toBe(1)
    expect(cpu.getReg(Reg.EDX)).toBe(0xfffffffe)
    expect(cpu.getEflags() & (CF | OF)).toBe(CF | OF)
  })
  it('MUL r/m8 fits in AL: CF/OF clear', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x10), ...movImm(Reg.EBX, 0x0f), 0xf6, 0xe3])
    expect(cpu.getReg(Reg.EAX)).toBe(0xf0)
    expect(cpu.getEflags() & (CF | OF)).toBe(0)
  })
  it('IMUL r/m32 one operand, negative product', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0xfffffffe), ...movImm(Reg.EBX, 3), 0xf7, 0xeb])
    expect(cpu.getReg(Reg.EAX)).toBe(0xfffffffa)
    expect(cpu.getReg(Reg.EDX)).toBe(0xffffffff)
    expect(cpu.getEflags() & (CF | OF)).toBe(0)
  })
  it('IMUL r/m16 overflow into DX', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x4000), ...movImm(Reg.EBX, 4), 0x66, 0xf7, 0xeb])
    expect(cpu.getReg(Reg.EAX) & 0xffff).toBe(0)
    expect(cpu.getReg(Reg.EDX) & 0xffff).toBe(1)
    expect(cpu.getEflags() & (CF | OF)).toBe(CF | OF)
  })
  it('IMUL reg, r/m (0F AF) truncates and reports overflow', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x10000), ...movImm(Reg.EBX, 0x10000), 0x0f, 0xaf, 0xc3])
    expect(cpu.getReg(Reg.EAX)).toBe(0)
    expect(cpu.getEflags() & (CF | OF)).toBe(CF | OF)
  })
  it('IMUL reg, r/m, imm8 (6B)', () => {
    const {cpu} = run32([...movImm(Reg.EBX, 7), 0x6b, 0xc3, 0xfd])
    expect(cpu.getReg(Reg.EAX)).toBe((-21) >>> 0)
    expect(cpu.getEflags() & (CF | OF)).toBe(0)
  })
  it('IMUL reg, r/m, imm32 (69)', () => {
    const {cpu} = run32([...movImm(Reg.EBX, 0x12345), 0x69, 0xc3, 0x10, 0, 0, 0])
    expect(cpu.getReg(Reg.EAX)).toBe(0x123450)
  })
})

describe('division', () => {
  it('DIV r/m32 with a 64-bit dividend', () => {
    // EDX:EAX = 0x00000001_00000000 / 2
    const {cpu} = run32([...movImm(Reg.EDX, 1), ...movImm(Reg.EAX, 0), ...movImm(Reg.EBX, 2), 0xf7, 0xf3])
    expect(cpu.getReg(Reg.EAX)).toBe(0x80000000)
    expect(cpu.getReg(Reg.EDX)).toBe(0)
  })
  it('DIV r/m32 large quotient and remainder', () => {
    const {cpu} = run32([...movImm(Reg.EDX, 0x12345678), ...movImm(Reg.EAX, 0x9abcdef0), ...movImm(Reg.EBX, 0x87654321), 0xf7, 0xf3])
    const dividend = (0x12345678n << 32n) | 0x9abcdef0n
    expect(BigInt(cpu.getReg(Reg.EAX))).toBe(dividend / 0x87654321n)
    expect(BigInt(cpu.getReg(Reg.EDX))).toBe(dividend % 0x87654321n)
  })
  it('DIV r/m8', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x0107), ...movImm(Reg.EBX, 0x10), 0xf6, 0xf3])
    expect(cpu.getReg(Reg.EAX) & 0xffff).toBe(0x0710)
  })
  it('IDIV r/m32 truncates toward zero; remainder takes the dividend sign', () => {
    const {cpu} = run32([...movImm(Reg.EAX, (-7) >>> 0), 0x99, ...movImm(Reg.EBX, 2), 0xf7, 0xfb])
    expect(cpu.getReg(Reg.EAX) | 0).toBe(-3)
    expect(cpu.getReg(Reg.EDX) | 0).toBe(-1)
  })
  it('IDIV r/m16', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 1000), ...movImm(Reg.EDX, 0), ...movImm(Reg.EBX, (-7) >>> 0), 0x66, 0xf7, 0xfb])
    expect((cpu.getReg(Reg.EAX) << 16) >> 16).toBe(-142)
    expect((cpu.getReg(Reg.EDX) << 16) >> 16).toBe(6)
  })
  const faults: Array<[string, number[]]> = [
    ['DIV by zero', [...movImm(Reg.EAX, 1), ...movImm(Reg.EBX, 0), 0xf7, 0xf3]],
    ['DIV quotient too large', [...movImm(Reg.EDX, 2), ...movImm(Reg.EAX, 0), ...movImm(Reg.EBX, 2), 0xf7, 0xf3]],
    ['DIV r/m8 quotient too large', [...movImm(Reg.EAX, 0x1000), ...movImm(Reg.EBX, 2), 0xf6, 0xf3]],
    ['IDIV most negative by -1', [...movImm(Reg.EAX, 0x80000000), 0x99, ...movImm(Reg.EBX, 0xffffffff), 0xf7, 0xfb]],
    ['IDIV r/m8 -128 by -1', [...movImm(Reg.EAX, 0xff80), ...movImm(Reg.EBX, 0xff), 0xf6, 0xfb]],
    ['IDIV r/m16 positive overflow', [...movImm(Reg.EAX, 0), ...movImm(Reg.EDX, 1), ...movImm(Reg.EBX, 1), 0x66, 0xf7, 0xfb]],
  ]
  it.each(faults)('%s raises #DE with EIP at the instruction and registers intact', (_, code) => {
    const {cpu, exit} = run32(code)
    expect(exit.reason).toBe(ExitReason.Exception)
    expect(exit.vector).toBe(0)
    expect(exit.hasErrorCode).toBe(false)
    expect(cpu.eip).toBe(0x10000 + code.length - (code[code.length - 3] === 0x66 ? 3 : 2))
  })
})
