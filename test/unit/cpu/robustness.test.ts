/**
 * Every byte sequence is handled by the guest-visible machinery (an exception, an
 * exit, a triple fault): random code must never make the processor throw.
 */
import {describe, expect, it} from 'vitest'
import {Cpu} from '../../../src/core/cpu/index.js'
import {ExitReason, flatMachine, IDT, KERNEL_CS, putGate, realMachine, enterRing3, enablePaging} from './machine.js'
import {TABLE} from '../../../src/core/cpu/decoder/table.js'

/** A small deterministic PRNG (xorshift32). */
function prng(seed: number): () => number {
  let x = seed | 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
}

function runRandom(cpu: Cpu, ram: Uint8Array, at: number, rand: () => number): void {
  for (let k = 0; k < 64; k++) ram[at + k] = rand() & 0xff
  for (let round = 0; round < 20; round++) {
    const exit = cpu.run(200)
    switch (exit.reason) {
      case ExitReason.IoPort:
        if (exit.isWrite) cpu.completeIoOut()
        else cpu.completeIoIn(rand())
        break
      case ExitReason.MsrRead: cpu.completeMsrRead(0, 0); break
      case ExitReason.MsrWrite: cpu.completeMsrWrite(); break
      case ExitReason.Cpuid: cpu.completeCpuid(0, 0, 0, 0); break
      case ExitReason.MemoryAccess:
        if (exit.isWrite) cpu.completeMemoryWrite()
        else cpu.completeMemoryRead(rand())
        break
      case ExitReason.Vmcall: case ExitReason.Invd: cpu.skipInstruction(); break
      case ExitReason.TripleFault: cpu.reset(); return
      case ExitReason.Hlt: return
      default: break
    }
  }
}

describe('random code never throws', () => {
  it('in flat 32-bit protected mode at ring 0 and ring 3, with and without paging', () => {
    const rand = prng(12345)
    for (let n = 0; n < 300; n++) {
      const intercepts = {ioBitmap: new Uint8Array(8192).fill(n & 1 ? 0xff : 0), cpuid: (n & 2) !== 0, exceptionBitmap: n & 4 ? 0 : 0xffffffff}
      const m = flatMachine([], intercepts)
      if (n % 2 === 0) m.cpu.codeCache.compileThreshold = 1
      for (let v = 0; v < 32; v++) putGate(m.mem.ram, IDT + v * 8, KERNEL_CS, 0x10000 + (rand() & 0x3f), 0x8e)
      if (n % 3 === 0) enablePaging(m.cpu, m.mem.ram)
      if (n % 5 === 0) enterRing3(m.cpu)
      expect(() => runRandom(m.cpu, m.mem.ram, 0x10000, rand)).not.toThrow()
    }
  }, 180_000)

  it('in real mode', () => {
    const rand = prng(777)
    for (let n = 0; n < 200; n++) {
      const m = realMachine([])
      expect(() => runRandom(m.cpu, m.mem.ram, 0x7c00, rand)).not.toThrow()
    }
  })
})

describe('run() always returns', () => {
  it('even when every exception handler faults again at once', () => {
    const m = flatMachine([0x0f, 0x0b])
    for (let v = 0; v < 32; v++) putGate(m.mem.ram, IDT + v * 8, KERNEL_CS, 0x10000, 0x8e) // every handler is the UD2
    expect(m.cpu.run(1000).reason).toBe(ExitReason.BudgetExhausted)
  })
})

describe('the opcode table', () => {
  it('every entry and group member decodes and executes without a host error', () => {
    const rand = prng(99)
    for (let opcode = 0; opcode < 512; opcode++) {
      const e = TABLE[opcode]!
      if (e.prefix || opcode === 0x10f) continue
      for (let reg = 0; reg < 8; reg++) {
        const bytes = opcode >= 0x100 ? [0x0f, opcode & 0xff] : [opcode]
        const m = flatMachine([...bytes, (reg << 3) | (rand() & 0xc7), 0, 0, 0, 0, 0, 0, 0, 0], {exceptionBitmap: 0xffffffff, ioBitmap: new Uint8Array(8192).fill(0xff)})
        expect(() => m.cpu.run(1)).not.toThrow()
        if (!e.group) break
      }
    }
  })

  it('names every opcode with flags drawn from OSZAPC', () => {
    for (const e of TABLE) {
      expect(e.mnemonic.length).toBeGreaterThan(0)
      expect(e.flags).toMatch(/^[OSZAPC]*$/)
      for (const f of e.undefinedFlags) expect(e.flags).toContain(f)
    }
  })

  it('unused ESC encodings are #UD, every ESC is #NM with CR0.EM or CR0.TS; WAIT is #NM only with MP and TS', () => {
    const ud = flatMachine([0xd9, 0xd1], {exceptionBitmap: 0xffffffff})
    expect(ud.cpu.run(5).vector).toBe(6)
    const defined = flatMachine([0xdb, 0xe3, 0xf4], {exceptionBitmap: 0xffffffff})
    expect(defined.cpu.run(5).reason).toBe(ExitReason.Hlt)
    for (const code of [[0xd9, 0xc0], [0xd9, 0xd1]]) {
      for (const bit of [4, 8]) {
        const nm = flatMachine(code, {exceptionBitmap: 0xffffffff})
        nm.cpu.setCr(0, nm.cpu.getCr(0) | bit)
        expect(nm.cpu.run(5).vector).toBe(7)
      }
    }
    const wait = flatMachine([0x9b, 0xf4], {exceptionBitmap: 0xffffffff})
    wait.cpu.setCr(0, wait.cpu.getCr(0) | 8)
    expect(wait.cpu.run(5).reason).toBe(ExitReason.Hlt)
    const waitNm = flatMachine([0x9b, 0xf4], {exceptionBitmap: 0xffffffff})
    waitNm.cpu.setCr(0, waitNm.cpu.getCr(0) | 8 | 2)
    expect(waitNm.cpu.run(5).vector).toBe(7)
  })

  it('an instruction longer than 15 bytes is #GP(0)', () => {
    const m = flatMachine([...new Array(15).fill(0x66), 0x90], {exceptionBitmap: 0xffffffff})
    const exit = m.cpu.run(5)
    expect([exit.vector, exit.errorCode]).toEqual([13, 0])
  })
})
