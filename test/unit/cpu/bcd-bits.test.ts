/** BCD adjustments, bit instructions, SETcc, BSWAP, CMPXCHG, XADD, CMPXCHG8B, data moves (SDM Vol. 2). */
import {describe, expect, it} from 'vitest'
import {AF, CF, ExitReason, get32, le32, movImm, Reg, run32, ZF} from './machine.js'

const al = (cpu: {getReg(r: Reg): number}): number => cpu.getReg(Reg.EAX) & 0xff
const ax = (cpu: {getReg(r: Reg): number}): number => cpu.getReg(Reg.EAX) & 0xffff

describe('BCD', () => {
  it('DAA after adding packed BCD 79 + 35 = 114', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x79), 0x04, 0x35, 0x27])
    expect(al(cpu)).toBe(0x14)
    expect(cpu.getEflags() & (CF | AF)).toBe(CF | AF)
  })
  it('DAS after subtracting packed BCD 35 - 47 = -12 (88 with borrow)', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x35), 0x2c, 0x47, 0x2f])
    expect(al(cpu)).toBe(0x88)
    expect(cpu.getEflags() & CF).toBe(CF)
  })
  it('AAA after adding unpacked 8 + 5', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x0008), 0x04, 0x05, 0x37])
    expect(ax(cpu)).toBe(0x0103)
    expect(cpu.getEflags() & (CF | AF)).toBe(CF | AF)
  })
  it('AAS borrows from AH', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x0203), 0x2c, 0x05, 0x3f])
    expect(ax(cpu)).toBe(0x0108)
    expect(cpu.getEflags() & CF).toBe(CF)
  })
  it('AAM splits AL into digits; AAD joins them', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 63), 0xd4, 0x0a])
    expect(ax(cpu)).toBe(0x0603)
    const b = run32([...movImm(Reg.EAX, 0x0603), 0xd5, 0x0a]).cpu
    expect(ax(b)).toBe(63)
  })
  it('AAM with base 0 is #DE', () => {
    const {exit} = run32([0xd4, 0x00])
    expect([exit.reason, exit.vector]).toEqual([ExitReason.Exception, 0])
  })
})

describe('bit instructions', () => {
  it('BT/BTS/BTR/BTC on a register copy the bit to CF and change it', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0b1010), ...movImm(Reg.ECX, 1), 0x0f, 0xab, 0xc8, 0x0f, 0xba, 0xf0, 0x03])
    // bts eax, ecx (bit 1 was 1) -> CF=1; btr eax, 3 (bit 3 was 1) -> CF=1, cleared
    expect(cpu.getReg(Reg.EAX)).toBe(0b0010)
    expect(cpu.getEflags() & CF).toBe(CF)
  })
  it('BT with a register offset addresses memory beyond the operand (negative too)', () => {
    // bts [0x20010], ecx with ecx = -1: bit 31 of the dword at 0x2000c
    const {mem} = run32([...movImm(Reg.ECX, -1 >>> 0), 0x0f, 0xab, 0x0d, ...le32(0x20010)])
    expect(get32(mem.ram, 0x2000c)).toBe(0x80000000)
  })
  it('BSF/BSR find the lowest/highest set bit; a zero source sets ZF and leaves the destination', () => {
    const {cpu} = run32([...movImm(Reg.EBX, 0x00f0_0100), 0x0f, 0xbc, 0xc3, 0x0f, 0xbd, 0xcb, ...movImm(Reg.EDX, 77), ...movImm(Reg.ESI, 0), 0x0f, 0xbc, 0xd6])
    expect(cpu.getReg(Reg.EAX)).toBe(8)
    expect(cpu.getReg(Reg.ECX)).toBe(23)
    expect(cpu.getReg(Reg.EDX)).toBe(77)
    expect(cpu.getEflags() & ZF).toBe(ZF)
  })
  it('SETcc writes 0 or 1', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 1), 0x83, 0xf8, 0x02, 0x0f, 0x9c, 0xc3, 0x0f, 0x97, 0xc1])
    expect(cpu.getReg(Reg.EBX) & 0xff).toBe(1) // setl: 1 < 2
    expect(cpu.getReg(Reg.ECX) & 0xff).toBe(0) // seta: 1 > 2 unsigned? no
  })
  it('BSWAP reverses bytes', () => {
    const {cpu} = run32([...movImm(Reg.EDX, 0x12345678), 0x0f, 0xca])
    expect(cpu.getReg(Reg.EDX)).toBe(0x78563412)
  })
  it('CMPXCHG stores the source when the accumulator matches, else loads the destination', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 5), ...movImm(Reg.EBX, 5), ...movImm(Reg.ECX, 9), 0x0f, 0xb1, 0xcb])
    expect(cpu.getReg(Reg.EBX)).toBe(9)
    expect(cpu.getEflags() & ZF).toBe(ZF)
    const b = run32([...movImm(Reg.EAX, 4), ...movImm(Reg.EBX, 5), ...movImm(Reg.ECX, 9), 0x0f, 0xb1, 0xcb]).cpu
    expect([b.getReg(Reg.EAX), b.getReg(Reg.EBX)]).toEqual([5, 5])
    expect(b.getEflags() & ZF).toBe(0)
  })
  it('XADD exchanges and adds', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 10), ...movImm(Reg.EBX, 3), 0x0f, 0xc1, 0xd8])
    expect([cpu.getReg(Reg.EAX), cpu.getReg(Reg.EBX)]).toEqual([13, 10])
  })
  it('CMPXCHG8B compares EDX:EAX with m64', () => {
    const code = [...movImm(Reg.EAX, 1), ...movImm(Reg.EDX, 2), ...movImm(Reg.EBX, 3), ...movImm(Reg.ECX, 4), 0x0f, 0xc7, 0x0d, ...le32(0x20000)]
    const {cpu, mem} = run32(code, (c) => (c['ram'] as Uint8Array).set([1, 0, 0, 0, 2, 0, 0, 0], 0x20000))
    expect([get32(mem.ram, 0x20000), get32(mem.ram, 0x20004)]).toEqual([3, 4])
    expect(cpu.getEflags() & ZF).toBe(ZF)
  })
  it('CMPXCHG8B with a register operand is #UD', () => {
    expect(run32([0x0f, 0xc7, 0xc8]).exit.vector).toBe(6)
  })
})

describe('data movement', () => {
  it('MOVZX and MOVSX', () => {
    const {cpu} = run32([...movImm(Reg.EBX, 0x80ff), 0x0f, 0xb6, 0xc3, 0x0f, 0xbe, 0xcb, 0x0f, 0xbf, 0xd3])
    expect(cpu.getReg(Reg.EAX)).toBe(0xff)
    expect(cpu.getReg(Reg.ECX)).toBe(0xffffffff)
    expect(cpu.getReg(Reg.EDX)).toBe(0xffff80ff)
  })
  it('CBW, CWDE, CWD, CDQ', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 0x80), 0x66, 0x98, 0x98, 0x99])
    expect(cpu.getReg(Reg.EAX)).toBe(0xffffff80)
    expect(cpu.getReg(Reg.EDX)).toBe(0xffffffff)
  })
  it('XLAT, XCHG, LAHF', () => {
    // xlat (AL = [EBX + 2]); xchg ecx, ebx; stc; lahf
    const {cpu} = run32([...movImm(Reg.EBX, 0x20000), ...movImm(Reg.EAX, 2), 0xd7, 0x87, 0xd9, 0xf9, 0x9f], (c) => (c['ram'] as Uint8Array).set([9, 8, 7], 0x20000))
    expect(cpu.getReg(Reg.EAX) & 0xff).toBe(7)
    expect(cpu.getReg(Reg.ECX)).toBe(0x20000)
    expect(cpu.getReg(Reg.EBX)).toBe(0)
    expect((cpu.getReg(Reg.EAX) >> 8) & 0x03).toBe(0x03) // CF and the always-1 bit
  })
  it('PUSHA/POPA round trip and ENTER/LEAVE build and drop a frame', () => {
    const {cpu} = run32([...movImm(Reg.EAX, 1), ...movImm(Reg.EBX, 2), 0x60, ...movImm(Reg.EAX, 0), ...movImm(Reg.EBX, 0), 0x61, 0xc8, 0x10, 0x00, 0x00, 0xc9])
    expect([cpu.getReg(Reg.EAX), cpu.getReg(Reg.EBX), cpu.getReg(Reg.ESP)]).toEqual([1, 2, 0x80000])
  })
  it('BOUND raises #BR outside the bounds', () => {
    const code = [...movImm(Reg.EAX, 11), 0x62, 0x05, ...le32(0x20000)]
    const {exit} = run32(code, (c) => (c['ram'] as Uint8Array).set([0, 0, 0, 0, 10, 0, 0, 0], 0x20000))
    expect([exit.reason, exit.vector]).toEqual([ExitReason.Exception, 5])
  })
})
