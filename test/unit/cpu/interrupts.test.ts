/**
 * Interrupts and exceptions: IDT gates with a ring 3 -> ring 0 stack switch from
 * the TSS and IRET back, error codes, the real-mode IVT, virtual-8086 mode (IRET
 * into it, INT out of it, the IOPL rule), double and triple faults, and the
 * privilege checks of CLI, MOV CR, HLT and port I/O. SDM Vol. 3, chapters 5, 6, 20.
 */
import {describe, expect, it} from 'vitest'
import {Cpu} from '../../../src/core/cpu/index.js'
import {
  CODE, enterRing3, ExitReason, flatMachine, get16, get32, IDT, KERNEL_CS, movImm, put16, putGate, Reg, Seg,
  STACK_TOP, TSS, USER_CS, USER_DS,
} from './machine.js'

const HANDLER = 0x11000
const INT_GATE_DPL3 = 0xee
const INT_GATE = 0x8e

function machine(code: number[], handler: number[], setup?: (cpu: Cpu, ram: Uint8Array) => void) {
  const m = flatMachine(code)
  m.mem.ram.set(handler, HANDLER)
  setup?.(m.cpu, m.mem.ram)
  return m
}

describe('protected-mode interrupts across rings', () => {
  const userCode = [...movImm(Reg.ESP, 0x70000), 0xcd, 0x80, 0x0f, 0x0b] // mov esp; int 0x80; ud2

  it('INT from ring 3 switches to SS0:ESP0 and pushes SS, ESP, EFLAGS, CS, EIP', () => {
    const {cpu, mem} = machine(userCode, [0xf4], (c, ram) => {
      putGate(ram, IDT + 0x80 * 8, KERNEL_CS, HANDLER, INT_GATE_DPL3)
      enterRing3(c)
    })
    const exit = cpu.run(1000)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.cpl).toBe(0)
    expect(cpu.getReg(Reg.ESP)).toBe(STACK_TOP - 20)
    const ram = mem.ram
    expect(get32(ram, STACK_TOP - 4)).toBe(USER_DS)
    expect(get32(ram, STACK_TOP - 8)).toBe(0x70000)
    expect(get32(ram, STACK_TOP - 12) & 0x200).toBe(0)
    expect(get32(ram, STACK_TOP - 16)).toBe(USER_CS)
    expect(get32(ram, STACK_TOP - 20)).toBe(CODE + 7)
    expect(cpu.getEflags() & 0x200).toBe(0) // interrupt gate clears IF
  })

  it('IRET returns to ring 3 with the user stack', () => {
    const {cpu} = machine(userCode, [0xcf], (c, ram) => {
      putGate(ram, IDT + 0x80 * 8, KERNEL_CS, HANDLER, INT_GATE_DPL3)
      putGate(ram, IDT + 6 * 8, KERNEL_CS, HANDLER + 0x100, INT_GATE)
      ram[HANDLER + 0x100] = 0xf4
      enterRing3(c)
    })
    const exit = cpu.run(1000)
    expect(exit.reason).toBe(ExitReason.Hlt)
    // The #UD after the IRET was taken from ring 3 again.
    expect(get32(cpu['ram'] as Uint8Array, STACK_TOP - 20)).toBe(CODE + 7)
    expect(get32(cpu['ram'] as Uint8Array, STACK_TOP - 16)).toBe(USER_CS)
    expect(get32(cpu['ram'] as Uint8Array, STACK_TOP - 8)).toBe(0x70000)
  })

  it('INT through a DPL 0 gate from ring 3 is #GP(vector * 8 + 2)', () => {
    const m = flatMachine(userCode, {exceptionBitmap: 1 << 13})
    putGate(m.mem.ram, IDT + 0x80 * 8, KERNEL_CS, HANDLER, INT_GATE)
    enterRing3(m.cpu)
    const exit = m.cpu.run(1000)
    expect(exit.reason).toBe(ExitReason.Exception)
    expect(exit.errorCode).toBe(0x80 * 8 + 2)
  })

  it('a #GP from ring 3 pushes the error code and points at the faulting instruction', () => {
    const {cpu, mem} = machine([0xfa], [0xf4], (c, ram) => {
      putGate(ram, IDT + 13 * 8, KERNEL_CS, HANDLER, INT_GATE)
      enterRing3(c)
    })
    expect(cpu.run(1000).reason).toBe(ExitReason.Hlt)
    expect(get32(mem.ram, STACK_TOP - 24)).toBe(0) // error code
    expect(get32(mem.ram, STACK_TOP - 20)).toBe(CODE) // EIP of CLI
  })
})

describe('privilege checks', () => {
  const check = (name: string, code: number[], vector: number, setup?: (cpu: Cpu, ram: Uint8Array) => void) =>
    it(name, () => {
      const m = flatMachine([...code, 0xf4], {exceptionBitmap: 0xffffffff, ioBitmap: new Uint8Array(8192).fill(0xff)})
      setup?.(m.cpu, m.mem.ram)
      enterRing3(m.cpu)
      const exit = m.cpu.run(1000)
      if (vector < 0) expect(exit.reason).toBe(ExitReason.IoPort)
      else {
        expect(exit.reason).toBe(ExitReason.Exception)
        expect(exit.vector).toBe(vector)
        expect(exit.errorCode).toBe(0)
      }
    })
  check('CLI at CPL 3 with IOPL 0 is #GP(0)', [0xfa], 13)
  check('STI at CPL 3 with IOPL 0 is #GP(0)', [0xfb], 13)
  check('MOV CR0 at CPL 3 is #GP(0)', [0x0f, 0x20, 0xc0], 13)
  check('HLT at CPL 3 is #GP(0)', [], 13)
  check('LGDT at CPL 3 is #GP(0)', [0x0f, 0x01, 0x15, 0, 0, 0, 0], 13)
  check('IN from a port the TSS bitmap denies is #GP(0), not an exit', [0xe4, 0x60], 13, (_, ram) => {
    ram[TSS + 0x68 + (0x60 >> 3)] = 1 << (0x60 & 7)
  })
  check('IN from a port the TSS bitmap allows exits', [0xe4, 0x60], -1)
  check('a word port access needs both bits clear', [0x66, 0xe5, 0x61], 13, (_, ram) => {
    ram[TSS + 0x68 + (0x62 >> 3)] = 1 << (0x62 & 7)
  })

  it('CLI at CPL 3 with IOPL 3 is allowed', () => {
    const m = flatMachine([0xfa, 0x0f, 0x0b], {exceptionBitmap: 0xffffffff})
    m.cpu.setEflags(0x3202)
    enterRing3(m.cpu)
    const exit = m.cpu.run(100)
    expect(exit.vector).toBe(6)
    expect(m.cpu.getEflags() & 0x200).toBe(0)
  })

  it('POPF at CPL 3 cannot change IOPL or IF', () => {
    // push 0x3002; popf; ud2
    const m = flatMachine([0x68, 0x02, 0x30, 0, 0, 0x9d, 0x0f, 0x0b], {exceptionBitmap: 0xffffffff})
    m.cpu.setEflags(0x202)
    enterRing3(m.cpu)
    m.cpu.run(100)
    expect(m.cpu.getEflags() & 0x3200).toBe(0x200)
  })
})

describe('alignment check', () => {
  const run = (eflags: number, am: boolean, address: number) => {
    const m = flatMachine([0xa1, address & 0xff, (address >> 8) & 0xff, (address >> 16) & 0xff, 0, 0x0f, 0x0b], {exceptionBitmap: (1 << 17) | (1 << 6)})
    if (am) m.cpu.setCr(0, m.cpu.getCr(0) | 0x40000)
    m.cpu.setEflags(eflags)
    enterRing3(m.cpu)
    return m.cpu.run(100)
  }
  it('a misaligned access at CPL 3 with CR0.AM and EFLAGS.AC is #AC(0)', () => {
    const exit = run(0x40002, true, 0x20001)
    expect([exit.vector, exit.errorCode]).toEqual([17, 0])
  })
  it('aligned accesses, or EFLAGS.AC clear, or CR0.AM clear, do not fault', () => {
    expect(run(0x40002, true, 0x20004).vector).toBe(6)
    expect(run(0x2, true, 0x20001).vector).toBe(6)
    expect(run(0x40002, false, 0x20001).vector).toBe(6)
  })
})

describe('real mode', () => {
  it('INT goes through the IVT and IRET comes back', () => {
    const mem = flatMachine([]).mem
    const ram = mem.ram
    // IVT entry 0x21 -> 0000:8000; handler: mov ax, 0x4242; iret
    put16(ram, 0x21 * 4, 0x8000)
    put16(ram, 0x21 * 4 + 2, 0)
    ram.set([0xb8, 0x42, 0x42, 0xcf], 0x8000)
    ram.set([0xcd, 0x21, 0xf4], 0x7c00)
    const cpu = new Cpu(mem)
    cpu.setSegment(Seg.CS, {selector: 0, base: 0, limit: 0xffff, access: 0x9b})
    cpu.eip = 0x7c00
    cpu.setReg(Reg.ESP, 0x7000)
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX) & 0xffff).toBe(0x4242)
    expect(cpu.getReg(Reg.ESP)).toBe(0x7000)
    expect(get16(ram, 0x7000 - 6)).toBe(0x7c02) // pushed IP
  })
})

describe('virtual-8086 mode', () => {
  /** Ring 0 code that IRETs to V86 at 2000:0000 with SS:SP = 3000:0100 and DS = 4000. */
  function v86Machine(v86Code: number[], eflags: number) {
    const frame = [
      0x6a, 0x00, // push 0 (GS)
      0x6a, 0x00, // push 0 (FS)
      0x68, 0x00, 0x40, 0, 0, // push 0x4000 (DS)
      0x6a, 0x00, // push 0 (ES)
      0x68, 0x00, 0x30, 0, 0, // push 0x3000 (SS)
      0x68, 0x00, 0x01, 0, 0, // push 0x100 (ESP)
      0x68, ...[eflags & 0xff, (eflags >> 8) & 0xff, (eflags >> 16) & 0xff, 0], // push eflags
      0x68, 0x00, 0x20, 0, 0, // push 0x2000 (CS)
      0x6a, 0x00, // push 0 (EIP)
      0xcf, // iretd
    ]
    const m = flatMachine(frame)
    m.mem.ram.set(v86Code, 0x20000)
    m.mem.ram[HANDLER] = 0xf4
    putGate(m.mem.ram, IDT + 0x30 * 8, KERNEL_CS, HANDLER, INT_GATE_DPL3)
    putGate(m.mem.ram, IDT + 13 * 8, KERNEL_CS, HANDLER, INT_GATE)
    return m
  }

  it('IRET with VM set enters V86 mode at CPL 3 with real-mode style segments', () => {
    // In V86: mov ax, [0x10]; (reads DS:0x10 = 0x40010) then int 0x30
    const m = v86Machine([0xa1, 0x10, 0x00, 0xcd, 0x30], 0x23202)
    put16(m.mem.ram, 0x40010, 0xbeef)
    const exit = m.cpu.run(1000)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(m.cpu.getReg(Reg.EAX) & 0xffff).toBe(0xbeef)
  })

  it('INT from V86 (IOPL 3) reaches ring 0 and pushes GS, FS, DS, ES then the usual frame', () => {
    const m = v86Machine([0xcd, 0x30], 0x23202)
    expect(m.cpu.run(1000).reason).toBe(ExitReason.Hlt)
    const ram = m.mem.ram
    expect(m.cpu.cpl).toBe(0)
    expect(m.cpu.getEflags() & 0x20000).toBe(0)
    expect(get32(ram, STACK_TOP - 4)).toBe(0) // GS
    expect(get32(ram, STACK_TOP - 8)).toBe(0) // FS
    expect(get32(ram, STACK_TOP - 12)).toBe(0x4000) // DS
    expect(get32(ram, STACK_TOP - 16)).toBe(0) // ES
    expect(get32(ram, STACK_TOP - 20)).toBe(0x3000) // SS
    expect(get32(ram, STACK_TOP - 24)).toBe(0x100) // ESP
    expect(get32(ram, STACK_TOP - 28) & 0x20000).toBe(0x20000) // EFLAGS.VM
    expect(get32(ram, STACK_TOP - 32)).toBe(0x2000) // CS
    expect(get32(ram, STACK_TOP - 36)).toBe(2) // EIP after INT
    expect(m.cpu.getSegment(Seg.DS).selector).toBe(0)
  })

  it('INT from V86 with IOPL < 3 is #GP(0) to ring 0', () => {
    const m = v86Machine([0xcd, 0x30], 0x20202)
    expect(m.cpu.run(1000).reason).toBe(ExitReason.Hlt)
    expect(get32(m.mem.ram, STACK_TOP - 40)).toBe(0) // error code
    expect(get32(m.mem.ram, STACK_TOP - 36)).toBe(0) // EIP of the INT
  })
})

describe('double and triple faults', () => {
  it('a fault while delivering a contributory fault becomes #DF', () => {
    // #GP (bad selector) -> gate 13 not present (#NP, contributory) -> #DF through gate 8
    const m = flatMachine([0x66, 0xb8, 0x88, 0x00, 0x8e, 0xd8])
    putGate(m.mem.ram, IDT + 8 * 8, KERNEL_CS, HANDLER, INT_GATE)
    putGate(m.mem.ram, IDT + 13 * 8, KERNEL_CS, HANDLER, 0x0e)
    m.mem.ram[HANDLER] = 0xf4
    expect(m.cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(get32(m.mem.ram, STACK_TOP - 16)).toBe(0) // #DF error code
    expect(get32(m.mem.ram, STACK_TOP - 12)).toBe(CODE + 4)
  })

  it('an exception with no usable IDT shuts the processor down (triple fault) until reset', () => {
    const m = flatMachine([0x0f, 0x0b])
    m.cpu.idtr = {base: IDT, limit: 0}
    expect(m.cpu.run(100).reason).toBe(ExitReason.TripleFault)
    expect(m.cpu.run(100).reason).toBe(ExitReason.TripleFault)
    m.cpu.reset()
    expect(m.cpu.eip).toBe(0xfff0)
  })
})
