/**
 * Hardware task switches (SDM Vol. 3, 7.3): JMP and CALL to a TSS, IRET with NT
 * back through the back link, task gates in the IDT, busy bits.
 */
import {describe, expect, it} from 'vitest'
import {
  CODE, ExitReason, flatMachine, GDT, get16, get32, IDT, KERNEL_CS, KERNEL_DS, put16, put32, putDescriptor, putGate, TSS,
  TSS_SEL,
} from './machine.js'

const TSS2 = 0x5000
const TSS2_SEL = 0x60
const TASK2_CODE = 0x12000

function taskMachine(code: number[], task2Code: number[]) {
  const m = flatMachine(code)
  const ram = m.mem.ram
  putDescriptor(ram, GDT + TSS2_SEL, TSS2, 0x67, 0x89, 0)
  put32(ram, TSS2 + 0x20, TASK2_CODE) // EIP
  put32(ram, TSS2 + 0x24, 0x2) // EFLAGS
  put32(ram, TSS2 + 0x38, 0x60000) // ESP
  put32(ram, TSS2 + 0x28, 0x2222) // EAX
  for (let s = 0; s < 6; s++) put16(ram, TSS2 + 0x48 + s * 4, s === 1 ? KERNEL_CS : KERNEL_DS)
  ram.set(task2Code, TASK2_CODE)
  return m
}

const typeOf = (ram: Uint8Array, sel: number): number => ram[GDT + sel + 5]! & 0x0f

describe('task switching', () => {
  it('JMP to a TSS: saves the old state, loads the new one, moves the busy bit', () => {
    const m = taskMachine([0xb8, 0x11, 0x11, 0, 0, 0xea, 0, 0, 0, 0, TSS2_SEL, 0], [0xf4])
    expect(m.cpu.run(100).reason).toBe(ExitReason.Hlt)
    const ram = m.mem.ram
    expect(m.cpu.eip).toBe(TASK2_CODE + 1)
    expect(m.cpu.getReg(0)).toBe(0x2222)
    expect(get32(ram, TSS + 0x28)).toBe(0x1111) // old EAX saved
    expect(get32(ram, TSS + 0x20)).toBe(CODE + 12) // old EIP: after the JMP
    expect(typeOf(ram, TSS_SEL)).toBe(0x9) // old task no longer busy
    expect(typeOf(ram, TSS2_SEL)).toBe(0xb)
    expect(m.cpu.getEflags() & 0x4000).toBe(0) // no NT for JMP
    expect(m.cpu.getCr(0) & 8).toBe(8) // CR0.TS
  })

  it('CALL to a TSS nests (back link, NT) and IRET returns to the caller', () => {
    // task 1: call 0x60:0; hlt     task 2: iret
    const m = taskMachine([0x9a, 0, 0, 0, 0, TSS2_SEL, 0, 0xf4], [0xcf])
    let exit = m.cpu.run(2)
    const ram = m.mem.ram
    expect(exit.reason).toBe(ExitReason.BudgetExhausted)
    // After CALL (1 instruction) we are in task 2 before its IRET.
    expect(get16(ram, TSS2)).toBe(TSS_SEL)
    exit = m.cpu.run(100)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(m.cpu.eip).toBe(CODE + 8)
    expect(typeOf(ram, TSS_SEL)).toBe(0xb)
    expect(typeOf(ram, TSS2_SEL)).toBe(0x9)
    expect(get32(ram, TSS2 + 0x24) & 0x4000).toBe(0) // task 2 saved with NT cleared by IRET
  })

  it('CALL to a busy TSS is #GP(selector)', () => {
    const m = flatMachine([0x9a, 0, 0, 0, 0, TSS_SEL, 0], {exceptionBitmap: 1 << 13})
    const exit = m.cpu.run(10)
    expect(exit.reason).toBe(ExitReason.Exception)
    expect(exit.errorCode).toBe(TSS_SEL)
  })

  it('an interrupt through a task gate switches tasks with NT set', () => {
    const m = taskMachine([0xcd, 0x40], [0xf4])
    putGate(m.mem.ram, IDT + 0x40 * 8, TSS2_SEL, 0, 0x85)
    expect(m.cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(m.cpu.eip).toBe(TASK2_CODE + 1)
    expect(m.cpu.getEflags() & 0x4000).toBe(0x4000)
    expect(get16(m.mem.ram, TSS2)).toBe(TSS_SEL)
  })
})
