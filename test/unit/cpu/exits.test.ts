/**
 * VM exits and their completions: port I/O (including string I/O one element per
 * exit), MSRs, CPUID, VMCALL, INVD, HLT, exceptions, MMIO with the re-execution
 * latch, ROM, triple fault, requestExit, interrupts and NMI waking a halted CPU.
 */
import {describe, expect, it} from 'vitest'
import {
  CODE, ExitReason, flatMachine, get32, IDT, KERNEL_CS, le32, movImm, putGate, Reg,
} from './machine.js'

const ALL_PORTS = (): Uint8Array => new Uint8Array(8192).fill(0xff)
const MMIO = 0x40000000

describe('port I/O exits', () => {
  it('IN exits with the port and size; completeIoIn writes AL and advances EIP', () => {
    const {cpu} = flatMachine([0xe4, 0x71, 0xf4], {ioBitmap: ALL_PORTS()})
    const exit = cpu.run(10)
    expect(exit.reason).toBe(ExitReason.IoPort)
    expect([exit.port, exit.size, exit.isWrite, exit.isString]).toEqual([0x71, 1, false, false])
    expect(exit.rip).toBe(CODE)
    expect(exit.instructionLength).toBe(2)
    expect(cpu.eip).toBe(CODE)
    cpu.completeIoIn(0x5a)
    expect(cpu.eip).toBe(CODE + 2)
    expect(cpu.getReg(Reg.EAX) & 0xff).toBe(0x5a)
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
  })

  it('OUT DX, EAX exits with the value', () => {
    const {cpu} = flatMachine([...movImm(Reg.EDX, 0x3f8), ...movImm(Reg.EAX, 0xdeadbeef), 0xef, 0xf4], {ioBitmap: ALL_PORTS()})
    const exit = cpu.run(10)
    expect([exit.reason, exit.port, exit.size, exit.isWrite, exit.value]).toEqual([ExitReason.IoPort, 0x3f8, 4, true, 0xdeadbeef])
    cpu.completeIoOut()
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
  })

  it('ports that are not intercepted read as all ones and drop writes', () => {
    const {cpu} = flatMachine([0xe6, 0x80, 0x66, 0xe5, 0x40, 0xf4])
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX) & 0xffff).toBe(0xffff)
  })

  it('REP OUTSB exits once per element and updates ESI/ECX, leaving EIP on the instruction until done', () => {
    const {cpu, mem} = flatMachine([...movImm(Reg.ESI, 0x20000), ...movImm(Reg.ECX, 3), ...movImm(Reg.EDX, 0xe9), 0xf3, 0x6e, 0xf4], {ioBitmap: ALL_PORTS()})
    mem.ram.set([0x41, 0x42, 0x43], 0x20000)
    const values: number[] = []
    let exit = cpu.run(100)
    while (exit.reason === ExitReason.IoPort) {
      expect(exit.isString && exit.isRep).toBe(true)
      values.push(exit.value)
      cpu.completeIoOut()
      exit = cpu.run(100)
    }
    expect(values).toEqual([0x41, 0x42, 0x43])
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.ECX)).toBe(0)
    expect(cpu.getReg(Reg.ESI)).toBe(0x20003)
  })

  it('REP INSW stores each completed element at ES:EDI', () => {
    const {cpu, mem} = flatMachine([...movImm(Reg.EDI, 0x20000), ...movImm(Reg.ECX, 2), ...movImm(Reg.EDX, 0x1f0), 0xf3, 0x66, 0x6d, 0xf4], {ioBitmap: ALL_PORTS()})
    let exit = cpu.run(100)
    expect(exit.size).toBe(2)
    cpu.completeIoIn(0x1234)
    expect(cpu.eip).toBe(CODE + 15) // still on the REP INSW
    exit = cpu.run(100)
    cpu.completeIoIn(0x5678)
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(get32(mem.ram, 0x20000)).toBe(0x56781234)
  })
})

describe('MSR, CPUID, VMCALL, INVD exits', () => {
  it('RDMSR of an MSR the CPU does not know exits; completeMsrRead fills EDX:EAX', () => {
    const {cpu} = flatMachine([...movImm(Reg.ECX, 0x1b), 0x0f, 0x32, 0xf4])
    const exit = cpu.run(10)
    expect([exit.reason, exit.msr]).toEqual([ExitReason.MsrRead, 0x1b])
    cpu.completeMsrRead(0xfee00900, 0)
    expect(cpu.getReg(Reg.EAX)).toBe(0xfee00900)
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
  })

  it('WRMSR of an intercepted MSR exits with the value', () => {
    const {cpu} = flatMachine([...movImm(Reg.ECX, 0x174), ...movImm(Reg.EAX, 8), ...movImm(Reg.EDX, 0), 0x0f, 0x30, 0xf4], {msrs: new Set([0x174])})
    const exit = cpu.run(10)
    expect([exit.reason, exit.msr, exit.valueLo, exit.valueHi]).toEqual([ExitReason.MsrWrite, 0x174, 8, 0])
    cpu.completeMsrWrite()
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
  })

  it('the TSC counts instructions and WRMSR 0x10 sets it', () => {
    // wrmsr(0x10, 1000); rdtsc
    const {cpu} = flatMachine([...movImm(Reg.ECX, 0x10), ...movImm(Reg.EAX, 1000), ...movImm(Reg.EDX, 0), 0x0f, 0x30, 0x90, 0x0f, 0x31, 0xf4])
    cpu.run(100)
    expect(cpu.getReg(Reg.EAX)).toBe(1002) // one tick for the NOP, one for RDTSC itself
    expect(cpu.getReg(Reg.EDX)).toBe(0)
  })

  it('IA32_BIOS_SIGN_ID (0x8B) is the processor\'s own: WRMSR 0, CPUID, RDMSR reads microcode revision 0 in EDX', () => {
    const code = [...movImm(Reg.ECX, 0x8b), ...movImm(Reg.EAX, 0), ...movImm(Reg.EDX, 0), 0x0f, 0x30,
      ...movImm(Reg.EAX, 1), 0x0f, 0xa2, ...movImm(Reg.ECX, 0x8b), ...movImm(Reg.EDX, 0x1234), 0x0f, 0x32, 0xf4]
    const {cpu} = flatMachine(code)
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect([cpu.getReg(Reg.EAX), cpu.getReg(Reg.EDX)]).toEqual([0, 0])
  })

  it('CPUID exits when intercepted, otherwise reports GenuineIntel', () => {
    const code = [...movImm(Reg.EAX, 0), 0x0f, 0xa2, 0xf4]
    const a = flatMachine(code, {cpuid: true}).cpu
    const exit = a.run(10)
    expect([exit.reason, exit.leaf]).toEqual([ExitReason.Cpuid, 0])
    a.completeCpuid(1, 2, 3, 4)
    expect(a.getReg(Reg.EDX)).toBe(4)
    const b = flatMachine(code).cpu
    b.run(10)
    const vendor = [Reg.EBX, Reg.EDX, Reg.ECX].map((r) => Buffer.from(le32(b.getReg(r))).toString('latin1')).join('')
    expect(vendor).toBe('GenuineIntel')
    expect(b.nativeCpuid(0x40000000, 0)).toEqual([0, 0, 0, 0])
  })

  it('VMCALL exits when intercepted and skipInstruction retires it; otherwise it is #UD', () => {
    const a = flatMachine([0x0f, 0x01, 0xc1, 0xf4], {vmcall: true}).cpu
    expect(a.run(10).reason).toBe(ExitReason.Vmcall)
    a.skipInstruction()
    expect(a.run(10).reason).toBe(ExitReason.Hlt)
    const b = flatMachine([0x0f, 0x01, 0xc1, 0xf4], {vmcall: false, exceptionBitmap: 1 << 6}).cpu
    expect(b.run(10).vector).toBe(6)
  })

  it('INVD exits when intercepted', () => {
    const cpu = flatMachine([0x0f, 0x08, 0xf4], {invd: true}).cpu
    expect(cpu.run(10).reason).toBe(ExitReason.Invd)
  })
})

describe('HLT, interrupts, exceptions', () => {
  it('HLT retires and reports Hlt; a pending interrupt with IF=1 wakes the CPU', () => {
    const {cpu, mem} = flatMachine([0xfb, 0xf4, 0xf4])
    putGate(mem.ram, IDT + 0x20 * 8, KERNEL_CS, 0x11000, 0x8e)
    mem.ram.set([...movImm(Reg.EBX, 0x77), 0xcf], 0x11000)
    const exit = cpu.run(100)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(exit.rip).toBe(CODE + 2)
    let pending = true
    cpu.setInterruptController({hasInterrupt: () => pending, acknowledge: () => ((pending = false), 0x20)})
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EBX)).toBe(0x77)
    expect(cpu.eip).toBe(CODE + 3)
  })

  it('an interrupt does not wake a CPU halted with IF=0, an NMI does', () => {
    const {cpu, mem} = flatMachine([0xf4, 0xf4])
    putGate(mem.ram, IDT + 2 * 8, KERNEL_CS, 0x11000, 0x8e)
    mem.ram.set([...movImm(Reg.EBX, 0x99), 0xcf], 0x11000)
    cpu.run(100)
    cpu.setInterruptController({hasInterrupt: () => true, acknowledge: () => 0x20})
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EBX)).toBe(0)
    cpu.raiseNmi()
    cpu.run(100)
    expect(cpu.getReg(Reg.EBX)).toBe(0x99)
  })

  it('requestExit from a host callback returns Requested', () => {
    const {cpu} = flatMachine([0xfb, 0xeb, 0xfe]) // sti; jmp $
    cpu.setInterruptController({hasInterrupt: () => (cpu.requestExit(), false), acknowledge: () => 0})
    expect(cpu.run(1_000_000).reason).toBe(ExitReason.Requested)
  })

  it('an intercepted exception exits with its error code; injectException delivers it to the guest', () => {
    const {cpu, mem} = flatMachine([0x66, 0xb8, 0x88, 0x00, 0x8e, 0xd8], {exceptionBitmap: 1 << 13})
    putGate(mem.ram, IDT + 13 * 8, KERNEL_CS, 0x11000, 0x8e)
    mem.ram[0x11000] = 0xf4
    const exit = cpu.run(10)
    expect([exit.reason, exit.vector, exit.errorCode, exit.hasErrorCode]).toEqual([ExitReason.Exception, 13, 0x88, true])
    expect(cpu.eip).toBe(CODE + 4)
    cpu.intercepts.exceptionBitmap = 0
    cpu.injectException(13, 0x88)
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
    expect(get32(mem.ram, 0x80000 - 16)).toBe(0x88)
  })
})

describe('MMIO', () => {
  function mmioMachine(code: number[]) {
    return flatMachine([...code, 0xf4], {}, 1024)
  }

  it('a read from a page outside RAM exits; the re-executed instruction uses the latched value', () => {
    const {cpu} = mmioMachine([0xa1, ...le32(MMIO + 0x10)]) // mov eax, [MMIO+0x10]
    const exit = cpu.run(10)
    expect([exit.reason, exit.gpa, exit.size, exit.isWrite]).toEqual([ExitReason.MemoryAccess, MMIO + 0x10, 4, false])
    expect(cpu.eip).toBe(CODE)
    cpu.completeMemoryRead(0xcafe)
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(0xcafe)
  })

  it('a read-modify-write of MMIO exits twice (read, then write) and then retires', () => {
    const {cpu} = mmioMachine([...movImm(Reg.EAX, 5), 0x01, 0x05, ...le32(MMIO)]) // add [MMIO], eax
    let exit = cpu.run(10)
    expect(exit.isWrite).toBe(false)
    cpu.completeMemoryRead(10)
    exit = cpu.run(10)
    expect([exit.reason, exit.isWrite, exit.value]).toEqual([ExitReason.MemoryAccess, true, 15])
    expect(cpu.getEflags() & 0x40).toBe(0) // flags untouched until the instruction retires
    cpu.completeMemoryWrite()
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
  })

  it('two reads of the same MMIO address in one compiled block exit twice', () => {
    // loop twice: mov eax, [MMIO]; mov ebx, [MMIO]; dec ecx; jnz
    const {cpu} = mmioMachine([...movImm(Reg.ECX, 2), 0xa1, ...le32(MMIO), 0x8b, 0x1d, ...le32(MMIO), 0x49, 0x75, 0x100 - 14])
    cpu.codeCache.compileThreshold = 1
    const values: number[] = []
    let exit = cpu.run(100)
    let n = 0
    while (exit.reason === ExitReason.MemoryAccess && n < 10) {
      cpu.completeMemoryRead(++n)
      exit = cpu.run(100)
    }
    values.push(cpu.getReg(Reg.EAX), cpu.getReg(Reg.EBX))
    expect(n).toBe(4)
    expect(values).toEqual([3, 4])
  })

  it('writes to ROM pages are ignored', () => {
    const {cpu, mem} = flatMachine([0xc7, 0x05, ...le32(0x30000), ...le32(0x12345678), 0xa1, ...le32(0x30000), 0xf4])
    ;(mem.pageReadOnly as Uint8Array)[0x30] = 1
    mem.ram.set([1, 2, 3, 4], 0x30000)
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(0x04030201)
  })
})

