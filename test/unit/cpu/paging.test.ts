/**
 * Two-level paging: #PF error codes and CR2 for not-present, protection
 * (user/supervisor, read/write, CR0.WP) faults, accessed/dirty bits, the TLB
 * (INVLPG, CR3 reload) and 4 MiB pages. SDM Vol. 3, chapter 4.
 */
import {describe, expect, it} from 'vitest'
import {
  ACCESSED, DIRTY, enablePaging, enterRing3, ExitReason, get32, movImm, P, PAGE_DIR, pte, put32, Reg, run32, RW, US,
} from './machine.js'

const TARGET = 0x123000 // page 0x123
const MOV_STORE = [0x89, 0x03] // mov [ebx], eax
const MOV_LOAD = [0x8b, 0x03] // mov eax, [ebx]

function pagingRun(code: number[], prepare: (ram: Uint8Array) => void, opts: {user?: boolean; wp?: boolean} = {}) {
  return run32([...movImm(Reg.EBX, TARGET), ...code], (cpu) => {
    const ram = cpu['ram'] as Uint8Array
    enablePaging(cpu, ram)
    prepare(ram)
    if (opts.wp) cpu.setCr(0, cpu.getCr(0) | 0x10000)
    if (opts.user) enterRing3(cpu)
  })
}

describe('page faults', () => {
  const cases: Array<{name: string; code: number[]; flags: number; user?: boolean; wp?: boolean; error: number}> = [
    {name: 'supervisor read, not present', code: MOV_LOAD, flags: 0, error: 0},
    {name: 'supervisor write, not present', code: MOV_STORE, flags: 0, error: 2},
    {name: 'user read, not present', code: MOV_LOAD, flags: 0, user: true, error: 4},
    {name: 'user write, not present', code: MOV_STORE, flags: 0, user: true, error: 6},
    {name: 'user read of a supervisor page', code: MOV_LOAD, flags: P | RW, user: true, error: 5},
    {name: 'user write to a read-only page', code: MOV_STORE, flags: P | US, user: true, error: 7},
    {name: 'supervisor write to a read-only page with CR0.WP', code: MOV_STORE, flags: P | US, wp: true, error: 3},
  ]
  it.each(cases)('$name: error code $error and CR2', (c) => {
    const {cpu, exit} = pagingRun(c.code, (ram) => put32(ram, pte(0x123), TARGET | c.flags), c)
    expect(exit.reason).toBe(ExitReason.Exception)
    expect(exit.vector).toBe(14)
    expect(exit.errorCode).toBe(c.error)
    expect(cpu.getCr(2)).toBe(TARGET)
    expect(cpu.eip).toBe(0x10000 + 5) // the faulting instruction, after mov ebx
  })

  it('supervisor write to a read-only page succeeds without CR0.WP', () => {
    const {exit, mem} = pagingRun([...movImm(Reg.EAX, 0xaabbccdd), ...MOV_STORE], (ram) => put32(ram, pte(0x123), TARGET | P | US))
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(get32(mem.ram, TARGET)).toBe(0xaabbccdd)
  })

  it('a dword write straddling into a not-present page faults at the page boundary and writes nothing', () => {
    const {cpu, exit, mem} = run32([...movImm(Reg.EBX, TARGET - 2), ...movImm(Reg.EAX, 0x11223344), ...MOV_STORE], (c) => {
      enablePaging(c, c['ram'] as Uint8Array)
      put32(c['ram'] as Uint8Array, pte(0x123), 0)
    })
    expect(exit.vector).toBe(14)
    expect(exit.errorCode).toBe(2)
    expect(cpu.getCr(2)).toBe(TARGET)
    expect(mem.ram[TARGET - 2]).toBe(0)
  })

  it('a code fetch from a not-present page faults with CR2 = EIP', () => {
    // jmp to 0x123000
    const {cpu, exit} = pagingRun([0xff, 0xe3], (ram) => put32(ram, pte(0x123), 0))
    expect(exit.vector).toBe(14)
    expect(exit.errorCode).toBe(0)
    expect(cpu.getCr(2)).toBe(TARGET)
    expect(cpu.eip).toBe(TARGET)
  })
})

describe('accessed and dirty bits, TLB', () => {
  it('a read sets A, a write sets D, in the PTE and A in the PDE', () => {
    const {mem} = pagingRun([...MOV_LOAD, ...movImm(Reg.EBX, TARGET + 0x1000), ...MOV_STORE], () => {})
    expect(get32(mem.ram, pte(0x123)) & (ACCESSED | DIRTY)).toBe(ACCESSED)
    expect(get32(mem.ram, pte(0x124)) & (ACCESSED | DIRTY)).toBe(ACCESSED | DIRTY)
    expect(get32(mem.ram, PAGE_DIR) & ACCESSED).toBe(ACCESSED)
  })

  it('a stale TLB entry survives a PTE change until INVLPG', () => {
    // mov eax,[ebx]; mov dword [pte], 0; mov eax,[ebx] (TLB hit); invlpg [ebx]; mov eax,[ebx] -> #PF
    const code = [
      ...MOV_LOAD,
      0xc7, 0x05, ...le(pte(0x123)), 0, 0, 0, 0,
      ...MOV_LOAD,
      0x0f, 0x01, 0x3b,
      ...MOV_LOAD,
    ]
    const {cpu, exit} = pagingRun(code, () => {})
    expect(exit.vector).toBe(14)
    expect(cpu.eip).toBe(0x10000 + 5 + code.length - 2)
  })

  it('writing CR3 flushes the TLB', () => {
    const code = [
      ...MOV_LOAD,
      0xc7, 0x05, ...le(pte(0x123)), 0, 0, 0, 0,
      0x0f, 0x20, 0xd8, // mov eax, cr3
      0x0f, 0x22, 0xd8, // mov cr3, eax
      ...MOV_LOAD,
    ]
    const {exit} = pagingRun(code, () => {})
    expect(exit.vector).toBe(14)
  })

  it('4 MiB pages with CR4.PSE', () => {
    // Map linear 0x00800000-0x00BFFFFF to physical 0 with a large page, read 0x00810000 (physical 0x10000 = the code).
    const {cpu, exit} = run32([...movImm(Reg.EBX, 0x00810000), ...MOV_LOAD], (c) => {
      const ram = c['ram'] as Uint8Array
      enablePaging(c, ram)
      put32(ram, PAGE_DIR + 2 * 4, 0 | P | RW | 0x80)
      c.setCr(4, 0x10)
    })
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(0x810000bb) // the bytes BB 00 00 81 of "mov ebx, 0x00810000" at 0x10000
  })
})

function le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
}
