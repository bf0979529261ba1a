/** Self-modifying code: the decoded-instruction cache must see writes, through any alias, and host writes. */
import {describe, expect, it} from 'vitest'
import {ExitReason, flatMachine, le32, movImm, P, PAGE_TABLE, put32, Reg, RW, enablePaging} from './machine.js'

describe('self-modifying code', () => {
  it('a store that patches the next instruction is seen', () => {
    // loop twice over: mov eax, imm32 (patched to 0x22222222 the first time through)
    const code = [
      ...movImm(Reg.ECX, 2), //                         0: mov ecx, 2
      ...movImm(Reg.EAX, 0x11111111), //                5: mov eax, 0x11111111   (imm at 6)
      0xc7, 0x05, ...le32(0x10006), ...le32(0x22222222), // 10: mov dword [0x10006], 0x22222222
      0xe2, 0x100 - 17, //                             20: loop 5
      0xf4,
    ]
    const {cpu} = flatMachine(code)
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(0x22222222)
  })

  it('an instruction patched just before it runs, within the same block', () => {
    // mov byte [0x1000c], 0x42 ; then at 0x1000b: mov al, 0x00 -> patched to 0x42
    const code = [0xc6, 0x05, ...le32(0x1000b), 0x42, 0x90, 0x90, 0x90, 0xb0, 0x00, 0xf4]
    const {cpu} = flatMachine(code)
    cpu.run(100)
    expect(cpu.getReg(Reg.EAX) & 0xff).toBe(0x42)
  })

  it('a write through a different linear alias of the code page is seen', () => {
    // Linear page 0x200 maps to physical page 0x10 (the code). Patch through it, then run the patched code.
    const code = [
      ...movImm(Reg.EAX, 0x11111111), //                     0: mov eax, imm32 (imm at 1)
      0x83, 0xfb, 0x01, //                                   5: cmp ebx, 1
      0x74, 0x11, //                                         8: je done
      0xbb, ...le32(1), //                                  10: mov ebx, 1
      0xc7, 0x05, ...le32(0x200001), ...le32(0x33333333), // 15: mov [alias + 1], 0x33333333
      0xeb, 0x100 - 27, //                                  25: jmp 0
      0xf4, //                                              27: done: hlt
    ]
    const m = flatMachine(code)
    const ram = m.mem.ram
    enablePaging(m.cpu, ram)
    put32(ram, PAGE_TABLE + 0x200 * 4, 0x10000 | P | RW)
    expect(m.cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(m.cpu.getReg(Reg.EAX)).toBe(0x33333333)
  })

  it('invalidateCode drops decoded instructions after a host write', () => {
    const code = [...movImm(Reg.EAX, 1), 0xf4]
    const {cpu, mem} = flatMachine(code)
    cpu.run(1)
    expect(cpu.getReg(Reg.EAX)).toBe(1)
    mem.ram.set(le32(7), 0x10001)
    cpu.invalidateCode(0x10001, 4)
    cpu.eip = 0x10000
    cpu.run(1)
    expect(cpu.getReg(Reg.EAX)).toBe(7)
  })
})
