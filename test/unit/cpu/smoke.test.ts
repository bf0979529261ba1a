import {describe, expect, it} from 'vitest'
import {ExitReason, flatMachine, Reg, realMachine, runToHlt} from './machine.js'

describe('smoke', () => {
  it('runs a 32-bit loop and halts', () => {
    // mov ecx, 10; xor eax, eax; l: add eax, ecx; loop l; hlt
    const {cpu} = flatMachine([0xb9, 10, 0, 0, 0, 0x31, 0xc0, 0x01, 0xc8, 0xe2, 0xfc, 0xf4])
    const exit = runToHlt(cpu)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(55)
    expect(cpu.halted).toBe(true)
  })
  it('runs real-mode code', () => {
    // mov ax, 0x1234; mov bx, ax; add bx, bx; hlt
    const {cpu} = realMachine([0xb8, 0x34, 0x12, 0x89, 0xc3, 0x01, 0xdb, 0xf4])
    runToHlt(cpu)
    expect(cpu.getReg(Reg.EBX)).toBe(0x2468)
  })
})
