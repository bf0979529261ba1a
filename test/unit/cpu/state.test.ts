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

  it('carries the x87 exactly: registers, tags, TOP, control and status words, pointers', () => {
    // fninit; fld1; fldpi; fdivp st1, st0 (1/pi, inexact); fldz; hlt
    const a = flatMachine([0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, 0xde, 0xf9, 0xd9, 0xee, 0xf4])
    a.cpu.setCr(0, a.cpu.getCr(0) | 0x22)
    expect(a.cpu.run(100).reason).toBe(ExitReason.Hlt)
    const state = JSON.parse(JSON.stringify(a.cpu.saveState()))
    const {cpu} = flatMachine([])
    cpu.restoreState(state)
    expect(cpu.saveState()).toEqual(a.cpu.saveState())
    expect([cpu.fpu.statusWord, cpu.fpu.tagWord, cpu.fpu.controlWord]).toEqual([a.cpu.fpu.statusWord, a.cpu.fpu.tagWord, 0x037f])
    expect(cpu.fpu.st(1)).toEqual(a.cpu.fpu.st(1))
    expect(cpu.fpu.fop).toBe(0x1ee) // FLDZ: D9 EE
  })

  it('restores a version-1 state (saved before the processor had an x87) with the x87 at reset', () => {
    const {cpu} = flatMachine([0xf4])
    const old = {...cpu.saveState(), version: 1} as Record<string, unknown>
    delete old.fpu
    cpu.fpu.controlWord = 0x1234
    cpu.restoreState(old as {version: number})
    expect(cpu.fpu.controlWord).toBe(0x0040)
    expect(cpu.fpu.tagWord).toBe(0x5555)
  })

  it('refuses an unknown version', () => {
    const {cpu} = flatMachine([])
    expect(() => cpu.restoreState({version: 999})).toThrow()
  })
})
