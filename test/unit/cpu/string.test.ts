/** String instructions: REP/REPE/REPNE, direction, segment overrides, 16- and 32-bit addressing (SDM Vol. 2). */
import {describe, expect, it} from 'vitest'
import {ExitReason, GDT, get32, movImm, putDescriptor, Reg, run32, ZF} from './machine.js'

const SRC = 0x20000
const DST = 0x30000

function fill(ram: Uint8Array, at: number, bytes: number[]): void {
  ram.set(bytes, at)
}

describe('string instructions', () => {
  it('REP MOVSD copies ECX dwords forward and leaves ESI/EDI past the end', () => {
    const {cpu, mem} = run32([...movImm(Reg.ESI, SRC), ...movImm(Reg.EDI, DST), ...movImm(Reg.ECX, 3), 0xf3, 0xa5], (c) => {
      fill(c['ram'] as Uint8Array, SRC, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0])
    })
    expect([get32(mem.ram, DST), get32(mem.ram, DST + 8), get32(mem.ram, DST + 12)]).toEqual([1, 3, 0])
    expect([cpu.getReg(Reg.ECX), cpu.getReg(Reg.ESI), cpu.getReg(Reg.EDI)]).toEqual([0, SRC + 12, DST + 12])
  })

  it('STD makes MOVSB go backwards', () => {
    const {cpu, mem} = run32([0xfd, ...movImm(Reg.ESI, SRC + 2), ...movImm(Reg.EDI, DST + 2), ...movImm(Reg.ECX, 3), 0xf3, 0xa4], (c) => {
      fill(c['ram'] as Uint8Array, SRC, [7, 8, 9])
    })
    expect(Array.from(mem.ram.subarray(DST, DST + 3))).toEqual([7, 8, 9])
    expect(cpu.getReg(Reg.ESI)).toBe(SRC - 1)
  })

  it('REP with ECX = 0 does nothing', () => {
    const {cpu, mem} = run32([...movImm(Reg.EDI, DST), ...movImm(Reg.ECX, 0), ...movImm(Reg.EAX, 0xff), 0xf3, 0xaa])
    expect(mem.ram[DST]).toBe(0)
    expect(cpu.getReg(Reg.EDI)).toBe(DST)
  })

  it('REP STOSW fills words', () => {
    const {mem} = run32([...movImm(Reg.EDI, DST), ...movImm(Reg.ECX, 2), ...movImm(Reg.EAX, 0xbeef), 0xf3, 0x66, 0xab])
    expect(get32(mem.ram, DST)).toBe(0xbeefbeef)
  })

  it('REPE CMPSB stops at the first difference with the flags of that comparison', () => {
    const {cpu} = run32([...movImm(Reg.ESI, SRC), ...movImm(Reg.EDI, DST), ...movImm(Reg.ECX, 10), 0xf3, 0xa6], (c) => {
      const ram = c['ram'] as Uint8Array
      fill(ram, SRC, [1, 2, 3, 4])
      fill(ram, DST, [1, 2, 9, 4])
    })
    expect(cpu.getReg(Reg.ECX)).toBe(7)
    expect(cpu.getReg(Reg.ESI)).toBe(SRC + 3)
    expect(cpu.getEflags() & ZF).toBe(0)
  })

  it('REPNE SCASB finds a byte', () => {
    const {cpu} = run32([...movImm(Reg.EDI, DST), ...movImm(Reg.ECX, 100), ...movImm(Reg.EAX, 0x42), 0xf2, 0xae], (c) => {
      fill(c['ram'] as Uint8Array, DST, [0, 0, 0, 0, 0x42])
    })
    expect(cpu.getReg(Reg.EDI)).toBe(DST + 5)
    expect(cpu.getReg(Reg.ECX)).toBe(95)
    expect(cpu.getEflags() & ZF).toBe(ZF)
  })

  it('LODSD loads through a segment override; the destination of MOVS is always ES', () => {
    // FS = a data segment based at SRC: fs: lodsd with ESI = 0
    const {cpu} = run32([0x66, 0xb8, 0x30, 0x00, 0x8e, 0xe0, ...movImm(Reg.ESI, 0), 0x64, 0xad], (c) => {
      const ram = c['ram'] as Uint8Array
      putDescriptor(ram, GDT + 0x30, SRC, 0xffff, 0x93, 0x4)
      fill(ram, SRC, [0x78, 0x56, 0x34, 0x12])
    })
    expect(cpu.getReg(Reg.EAX)).toBe(0x12345678)
  })

  it('with a 16-bit address size, SI/DI/CX are used and wrap at 64 KiB', () => {
    // ESI = 0x1_FFFF (SI = FFFF), a16 movsb copies from DS:FFFF and SI wraps to 0
    const {cpu, mem} = run32([...movImm(Reg.ESI, 0x1ffff), ...movImm(Reg.EDI, 0x38000), ...movImm(Reg.ECX, 0x10001), 0x67, 0xf3, 0xa4], (c) => {
      ;(c['ram'] as Uint8Array)[0xffff] = 0x5a
    })
    expect(mem.ram[0x8000]).toBe(0x5a) // ES:DI = 0:8000
    expect(cpu.getReg(Reg.EDI)).toBe(0x38001)
    expect(cpu.getReg(Reg.ESI)).toBe(0x10000) // SI wrapped, upper half kept
    expect(cpu.getReg(Reg.ECX)).toBe(0x10000) // CX went 1 -> 0
  })

  it('a fault in the middle of REP MOVS leaves the registers at the faulting element', () => {
    // Destination runs into the limit of a small ES.
    const {cpu, exit} = run32([0x66, 0xb8, 0x30, 0x00, 0x8e, 0xc0, ...movImm(Reg.ESI, SRC), ...movImm(Reg.EDI, 0xffe), ...movImm(Reg.ECX, 8), 0xf3, 0xa4], (c) => {
      putDescriptor(c['ram'] as Uint8Array, GDT + 0x30, DST, 0xfff, 0x93, 0x4)
    })
    expect(exit.reason).toBe(ExitReason.Exception)
    expect(exit.vector).toBe(13)
    expect(cpu.getReg(Reg.ECX)).toBe(6)
    expect(cpu.getReg(Reg.EDI)).toBe(0x1000)
  })
})
