/** saveState/restoreState: a checkpoint taken mid-program continues identically. */
import {describe, expect, it} from 'vitest'
import {Cpu} from '../../../src/core/cpu/index.js'
import {ExitReason, flatMachine, movImm, Reg} from './machine.js'

// A loop mixing arithmetic, memory, flags and the stack.
const PROGRAM = [
  ...movImm(Reg.ECX, 500), ...movImm(Reg.ESI, 0x20000),
  0x01, 0xc8, //       l: add eax, ecx
  0xd1, 0xc0, //          rol eax, 1
  0x89, 0x06, //          mov [esi], eax
  0x50, //                push eax
  0x03, 0x1e, //          add ebx, [esi]
  0x5a, //                pop edx
  0x83, 0xc6, 0x04, //    add esi, 4
  0xe2, 0x100 - 15, //    loop l
  0xf4,
]

describe('save and restore', () => {
  it('restoring a mid-program checkpoint gives the same continuation', () => {
    const a = flatMachine(PROGRAM)
    expect(a.cpu.run(1234).reason).toBe(ExitReason.BudgetExhausted)
    const state = JSON.parse(JSON.stringify(a.cpu.saveState()))
    const ramCopy = a.mem.ram.slice()
    expect(a.cpu.run(1_000_000).reason).toBe(ExitReason.Hlt)

    const b = flatMachine([])
    b.mem.ram.set(ramCopy)
    const cpu = new Cpu(b.mem)
    cpu.restoreState(state)
    expect(cpu.run(1_000_000).reason).toBe(ExitReason.Hlt)
    for (const r of [Reg.EAX, Reg.EBX, Reg.ECX, Reg.EDX, Reg.ESI, Reg.ESP]) expect(cpu.getReg(r)).toBe(a.cpu.getReg(r))
    expect(cpu.eip).toBe(a.cpu.eip)
    expect(cpu.getEflags()).toBe(a.cpu.getEflags())
    expect(cpu.instructionCount).toBe(a.cpu.instructionCount)
    expect(Buffer.compare(b.mem.ram, a.mem.ram)).toBe(0)
  })

  it('refuses an unknown version', () => {
    const {cpu} = flatMachine([])
    expect(() => cpu.restoreState({version: 999})).toThrow()
  })
})
