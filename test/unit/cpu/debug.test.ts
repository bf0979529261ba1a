/** Debug exceptions: single-step (TF), instruction and data breakpoints (DR0-DR3, DR6, DR7). SDM Vol. 3, 17. */
import {describe, expect, it} from 'vitest'
import {CODE, ExitReason, flatMachine, get32, IDT, KERNEL_CS, le32, movImm, putGate, Reg} from './machine.js'

/** A #DB handler that counts traps in EDI, records the last EIP in EBP, and clears DR6. */
const HANDLER = [
  0x47, //                   inc edi
  0x8b, 0x2c, 0x24, //       mov ebp, [esp]
  0x31, 0xc0, //             xor eax, eax   (also clobbers flags; fine for the test)
  0x0f, 0x23, 0xf0, //       mov dr6, eax
  0x81, 0x4c, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00, // or dword [esp+8], RF
  0xcf, //                   iretd
]

function debugMachine(code: number[]) {
  const m = flatMachine([...code, 0xf4])
  m.mem.ram.set(HANDLER, 0x11000)
  putGate(m.mem.ram, IDT + 8, KERNEL_CS, 0x11000, 0x8e)
  return m
}

describe('debug exceptions', () => {
  it('TF traps after each instruction that starts with TF set, not after the POPF that sets it', () => {
    // pushfd; or dword [esp], 0x100; popfd; nop; nop; pushfd; and dword [esp], ~0x100; popfd; nop
    const code = [0x9c, 0x81, 0x0c, 0x24, ...le32(0x100), 0x9d, 0x90, 0x90, 0x9c, 0x81, 0x24, 0x24, ...le32(~0x100), 0x9d, 0x90]
    const m = debugMachine(code)
    expect(m.cpu.run(1000).reason).toBe(ExitReason.Hlt)
    // Traps after: nop, nop, pushfd, and, popfd (TF still set when it began) = 5
    expect(m.cpu.getReg(Reg.EDI)).toBe(5)
    expect(m.cpu.getReg(Reg.EBP)).toBe(CODE + code.length - 1) // the last trap: after the POPF, before the final NOP
  })

  it('MOV SS holds the single-step trap until after the next instruction', () => {
    // 0 pushfd; 1 or [esp], TF; 8 popfd; 9 mov ax, ss; 11 mov ss, ax; 13 nop; 14 pushfd; 15 and [esp], ~TF; 22 popfd; 23 hlt
    const code = [0x9c, 0x81, 0x0c, 0x24, ...le32(0x100), 0x9d, 0x8c, 0xd0, 0x8e, 0xd0, 0x90, 0x9c, 0x81, 0x24, 0x24, ...le32(~0x100), 0x9d]
    const m = flatMachine([...code, 0xf4])
    // Handler: push eax; mov eax, [esp+4]; mov [0x30000 + edi*4], eax; inc edi; pop eax; iretd
    m.mem.ram.set([0x50, 0x8b, 0x44, 0x24, 0x04, 0x89, 0x04, 0xbd, ...le32(0x30000), 0x47, 0x58, 0xcf], 0x11000)
    putGate(m.mem.ram, IDT + 8, KERNEL_CS, 0x11000, 0x8e)
    expect(m.cpu.run(1000).reason).toBe(ExitReason.Hlt)
    const traps = Array.from({length: m.cpu.getReg(Reg.EDI)}, (_, n) => get32(m.mem.ram, 0x30000 + n * 4) - CODE)
    expect(traps).toEqual([11, 14, 15, 22, 23])
  })

  it('an instruction breakpoint faults before the instruction; RF lets it run once', () => {
    const target = CODE + 21
    const code = [
      ...movImm(Reg.EAX, target), 0x0f, 0x23, 0xc0, //   mov dr0, eax
      ...movImm(Reg.EAX, 1), 0x0f, 0x23, 0xf8, //        mov dr7, L0 execute
      ...movImm(Reg.EBX, 10), //                         16
      0x83, 0xc3, 0x05, //                               21: add ebx, 5
    ]
    const m = debugMachine(code)
    expect(m.cpu.run(1000).reason).toBe(ExitReason.Hlt)
    expect(m.cpu.getReg(Reg.EDI)).toBe(1)
    expect(m.cpu.getReg(Reg.EBP)).toBe(target)
    expect(m.cpu.getReg(Reg.EBX)).toBe(15)
  })

  it('a data breakpoint on writes traps after the writing instruction, with B1 in DR6', () => {
    const watched = 0x20000
    const code = [
      ...movImm(Reg.EAX, watched), 0x0f, 0x23, 0xc8, //                 mov dr1, eax
      ...movImm(Reg.EAX, 0x00d00004), 0x0f, 0x23, 0xf8, //              RW1 = write, LEN1 = 4, L1
      0xa1, ...le32(watched), //                                        read: no trap
      0xc7, 0x05, ...le32(watched + 2), ...le32(7), //                   write overlapping: trap
      0x0f, 0x21, 0xf1, //                                              mov ecx, dr6 (handler cleared it)
    ]
    const m = flatMachine([...code, 0xf4])
    m.mem.ram.set([0x47, 0x0f, 0x21, 0xf2, 0x8b, 0x2c, 0x24, 0xcf], 0x11000) // inc edi; mov edx, dr6; mov ebp,[esp]; iretd
    putGate(m.mem.ram, IDT + 8, KERNEL_CS, 0x11000, 0x8e)
    expect(m.cpu.run(1000).reason).toBe(ExitReason.Hlt)
    expect(m.cpu.getReg(Reg.EDI)).toBe(1)
    expect(m.cpu.getReg(Reg.EBP)).toBe(CODE + 31)
    expect(m.cpu.getReg(Reg.EDX) & 0x400f).toBe(2)
  })
})
