/** Real mode: switching to protected mode and back, and "unreal" segment limits kept across the switch. */
import {describe, expect, it} from 'vitest'
import {ExitReason, get32, putDescriptor, put16, put32, realMachine, Seg} from './machine.js'

const GDTR = 0x7c80
const GDT_BASE = 0x7c90

function withGdt(ram: Uint8Array): void {
  put16(ram, GDTR, 0x17)
  put32(ram, GDTR + 2, GDT_BASE)
  putDescriptor(ram, GDT_BASE + 8, 0, 0xfffff, 0x9b, 0xc)
  putDescriptor(ram, GDT_BASE + 16, 0, 0xfffff, 0x93, 0xc)
}

const ENTER_PE = [0x0f, 0x01, 0x16, 0x80, 0x7c, 0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0] // lgdt; mov eax,cr0; or al,1; mov cr0,eax

describe('real mode', () => {
  it('LGDT, CR0.PE and a far jump enter 32-bit protected mode', () => {
    const code = [...ENTER_PE, 0xea, 0x20, 0x7c, 0x08, 0x00]
    while (code.length < 0x20) code.push(0x90)
    code.push(0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0xc7, 0x05, 0x00, 0x00, 0x20, 0x00, 0x78, 0x56, 0x34, 0x12, 0xf4)
    const {cpu, mem} = realMachine(code)
    withGdt(mem.ram)
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(get32(mem.ram, 0x200000)).toBe(0x12345678)
    expect(cpu.getSegment(Seg.CS).selector).toBe(8)
  })

  it('a 4 GiB limit loaded in protected mode survives the return to real mode (unreal mode)', () => {
    const code = [
      ...ENTER_PE,
      0xbb, 0x10, 0x00, 0x8e, 0xdb, //       mov bx, 0x10; mov ds, bx
      0x24, 0xfe, 0x0f, 0x22, 0xc0, //       and al, 0xfe; mov cr0, eax
      0x31, 0xdb, 0x8e, 0xdb, //             xor bx, bx; mov ds, bx (real mode: base 0, limit kept)
      0x67, 0x66, 0xc7, 0x05, 0x00, 0x00, 0x20, 0x00, 0x78, 0x56, 0x34, 0x12, // mov dword [0x200000], imm32
      0xf4,
    ]
    const {cpu, mem} = realMachine(code)
    withGdt(mem.ram)
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(get32(mem.ram, 0x200000)).toBe(0x12345678)
    expect(cpu.getCr(0) & 1).toBe(0)
  })

  it('without unreal mode an offset above 64 KiB is #GP', () => {
    const {cpu} = realMachine([0x67, 0x66, 0xc7, 0x05, 0x00, 0x00, 0x20, 0x00, 0x78, 0x56, 0x34, 0x12, 0xf4], {exceptionBitmap: 1 << 13})
    const exit = cpu.run(100)
    expect([exit.reason, exit.vector]).toEqual([ExitReason.Exception, 13])
  })
})
