/**
 * Shifts and rotates: results and flags for counts of 0, 1, several, and more than
 * the operand width (the count is masked to 5 bits; RCL/RCR rotate through CF
 * modulo width + 1). SDM Vol. 2, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD.
 */
import {describe, expect, it} from 'vitest'
import {CF, ExitReason, movImm, OF, PF, Reg, run32, SF, ZF} from './machine.js'

const STC = 0xf9
const CLC = 0xf8
/** Set every arithmetic flag (so that "unchanged" is visible): push 0x8d7; popfd. */
const ALL_FLAGS = [0x68, 0xd7, 0x08, 0, 0, 0x9d]

interface Case {
  name: string
  code: number[]
  a: number
  result: number
  /** Flags compared, and their expected values. */
  mask: number
  flags: number
}

// Encodings: C1 /n ib (by imm8), D1 /n (by 1), D3 /n (by CL); r/m = EAX -> ModRM 0xC0 | n << 3.
const by = (n: number, count: number): number[] => [0xc1, 0xc0 | (n << 3), count]
const ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAR = 7

const cases: Case[] = [
  {name: 'SHL by 0 changes nothing', code: [...ALL_FLAGS, ...by(SHL, 0)], a: 0x80000001, result: 0x80000001, mask: CF | OF | ZF | SF | PF, flags: CF | OF | ZF | SF | PF},
  {name: 'SHL by 32 is masked to 0', code: [...ALL_FLAGS, ...by(SHL, 32)], a: 0x12345678, result: 0x12345678, mask: CF | OF | ZF | SF, flags: CF | OF | ZF | SF},
  {name: 'SHL by 1: CF = old MSB, OF = MSB xor CF', code: [0xd1, 0xe0], a: 0x80000001, result: 2, mask: CF | OF | ZF | SF, flags: CF | OF},
  {name: 'SHL by 1 without overflow', code: [0xd1, 0xe0], a: 0xc0000000, result: 0x80000000, mask: CF | OF | SF, flags: CF | SF},
  {name: 'SHL by 4', code: by(SHL, 4), a: 0x1000000f, result: 0xf0, mask: CF | ZF | SF | PF, flags: CF | PF},
  {name: 'SHR by 1: OF = old MSB', code: [0xd1, 0xe8], a: 0x80000001, result: 0x40000000, mask: CF | OF | SF | ZF, flags: CF | OF},
  {name: 'SHR by 31', code: by(SHR, 31), a: 0x80000000, result: 1, mask: CF | ZF, flags: 0},
  {name: 'SAR by 1: OF = 0', code: [0xd1, 0xf8], a: 0x80000001, result: 0xc0000000, mask: CF | OF | SF, flags: CF | SF},
  {name: 'SAR by 31 of a negative number', code: by(SAR, 31), a: 0x80000000, result: 0xffffffff, mask: CF | SF | ZF, flags: SF},
  {name: 'SHL 8-bit by 9 (> width): result 0, CF 0', code: [0xc0, 0xe0, 9], a: 0xff, result: 0, mask: CF | ZF, flags: ZF},
  {name: 'SHR 8-bit by 8: CF = bit 7', code: [0xc0, 0xe8, 8], a: 0x80, result: 0, mask: CF | ZF, flags: CF | ZF},
  {name: 'SAR 8-bit by 12 fills with sign', code: [0xc0, 0xf8, 12], a: 0x80, result: 0xff, mask: CF | SF, flags: CF | SF},
  {name: 'ROL by 1', code: [0xd1, 0xc0], a: 0x80000001, result: 3, mask: CF | OF, flags: CF | OF},
  {name: 'ROL by 0 keeps flags', code: [...ALL_FLAGS, ...by(ROL, 0)], a: 1, result: 1, mask: CF | OF, flags: CF | OF},
  {name: 'ROL leaves SF/ZF/PF alone', code: [...ALL_FLAGS, ...by(ROL, 4)], a: 0x10000000, result: 1, mask: CF | ZF | SF | PF, flags: CF | ZF | SF | PF},
  {name: 'ROL 8-bit by 8: CF = LSB', code: [0xc0, 0xc0, 8], a: 0x81, result: 0x81, mask: CF, flags: CF},
  {name: 'ROR by 1: OF = two top bits differ', code: [0xd1, 0xc8], a: 1, result: 0x80000000, mask: CF | OF, flags: CF | OF},
  {name: 'ROR by 4', code: by(ROR, 4), a: 0x12345678, result: 0x81234567, mask: CF, flags: CF},
  {name: 'RCL by 1 through CF', code: [STC, 0xd1, 0xd0], a: 0x80000000, result: 1, mask: CF | OF, flags: CF | OF},
  {name: 'RCR by 1 through CF', code: [STC, 0xd1, 0xd8], a: 1, result: 0x80000000, mask: CF | OF, flags: CF | OF},
  {name: 'RCL 8-bit by 9 is the identity', code: [CLC, 0xc0, 0xd0, 9], a: 0x5a, result: 0x5a, mask: CF, flags: 0},
  {name: 'RCR 16-bit by 17 is the identity', code: [STC, 0x66, 0xc1, 0xd8, 17], a: 0x1234, result: 0x1234, mask: CF, flags: CF},
  {name: 'RCL by 33 is masked to 1', code: [CLC, ...by(RCL, 33)], a: 0x80000000, result: 0, mask: CF, flags: CF},
  {name: 'RCR 32-bit by 2', code: [STC, ...by(RCR, 2)], a: 0x6, result: 0x40000001, mask: CF, flags: CF},
  {name: 'SHL by CL', code: [0xb1, 3, 0xd3, 0xe0], a: 1, result: 8, mask: CF | ZF, flags: 0},
]

describe('shifts and rotates', () => {
  it.each(cases)('$name', (c) => {
    const {cpu, exit} = run32([...movImm(Reg.EAX, c.a), ...c.code])
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(c.result >>> 0)
    expect(cpu.getEflags() & c.mask).toBe(c.flags)
  })

  it('SHLD fills from the source register', () => {
    // shld eax, ebx, 8
    const {cpu} = run32([...movImm(Reg.EAX, 0x12345678), ...movImm(Reg.EBX, 0xabcdef01), 0x0f, 0xa4, 0xd8, 8])
    expect(cpu.getReg(Reg.EAX)).toBe(0x345678ab)
    expect(cpu.getEflags() & CF).toBe(0) // last bit out of EAX: bit 24 of 0x12345678 = 0
  })

  it('SHRD by CL', () => {
    // mov cl, 4; shrd eax, ebx, cl
    const {cpu} = run32([...movImm(Reg.EAX, 0x12345678), ...movImm(Reg.EBX, 0xabcdef01), 0xb1, 4, 0x0f, 0xad, 0xd8])
    expect(cpu.getReg(Reg.EAX)).toBe(0x11234567)
    expect(cpu.getEflags() & CF).toBe(CF)
  })

  it('SHLD by 0 changes nothing', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x12345678), ...ALL_FLAGS, 0x0f, 0xa4, 0xd8, 0])
    expect(cpu.getReg(Reg.EAX)).toBe(0x12345678)
    expect(cpu.getEflags() & (CF | ZF)).toBe(CF | ZF)
  })
})
