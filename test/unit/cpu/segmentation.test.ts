/**
 * Segmentation: loading segment registers (selector checks, types, DPL/RPL/CPL,
 * presence) and the limit and type checks of accesses, with the error codes of
 * SDM Vol. 3, 5.x and Vol. 2 (MOV, POP).
 */
import {describe, expect, it} from 'vitest'
import {enterRing3, ExitReason, GDT, movImm, putDescriptor, Reg, run32} from './machine.js'

const LIMITED = 0x30 // data, limit 0xFFF, byte granular
const READ_ONLY = 0x38
const EXPAND_DOWN = 0x40 // data, expand-down, limit 0xFFF, B=1: valid offsets 0x1000..0xFFFFFFFF
const NOT_PRESENT = 0x48
const EXEC_ONLY = 0x50
const SMALL_STACK = 0x58 // writable data, limit 0xFFF
const BEYOND_GDT = 0x88

function withDescriptors(cpu: import('../../../src/core/cpu/index.js').Cpu): void {
  const ram = cpu['ram'] as Uint8Array
  putDescriptor(ram, GDT + LIMITED, 0x20000, 0xfff, 0x93, 0x4)
  putDescriptor(ram, GDT + READ_ONLY, 0x20000, 0xfff, 0x91, 0x4)
  putDescriptor(ram, GDT + EXPAND_DOWN, 0, 0xfff, 0x97, 0x4)
  putDescriptor(ram, GDT + NOT_PRESENT, 0, 0xfff, 0x13, 0x4)
  putDescriptor(ram, GDT + EXEC_ONLY, 0, 0xfffff, 0x99, 0xc)
  putDescriptor(ram, GDT + SMALL_STACK, 0x30000, 0xfff, 0x93, 0x4)
}

/** mov ax, sel; mov ds, ax (or another segment register) */
const loadSeg = (sreg: number, sel: number): number[] => [0x66, 0xb8, sel & 0xff, sel >> 8, 0x8e, 0xc0 | (sreg << 3)]
const DS = 3, SS = 2, ES = 0

interface Case {
  name: string
  code: number[]
  vector: number
  errorCode: number
  user?: boolean
}

const cases: Case[] = [
  {name: 'selector beyond the GDT limit', code: loadSeg(DS, BEYOND_GDT), vector: 13, errorCode: BEYOND_GDT},
  {name: 'null selector into SS', code: loadSeg(SS, 0), vector: 13, errorCode: 0},
  {name: 'not-present data segment', code: loadSeg(DS, NOT_PRESENT), vector: 11, errorCode: NOT_PRESENT},
  {name: 'execute-only code into DS', code: loadSeg(DS, EXEC_ONLY), vector: 13, errorCode: EXEC_ONLY},
  {name: 'read-only data into SS', code: loadSeg(SS, READ_ONLY), vector: 13, errorCode: READ_ONLY},
  {name: 'DPL 0 data at CPL 3', code: loadSeg(DS, 0x10), vector: 13, errorCode: 0x10, user: true},
  {name: 'LDT selector without an LDT', code: loadSeg(DS, 0x0c), vector: 13, errorCode: 0x0c},
  {name: 'read past the limit', code: [...loadSeg(DS, LIMITED), 0x8b, 0x05, 0xfd, 0x0f, 0, 0], vector: 13, errorCode: 0},
  {name: 'write to read-only data', code: [...loadSeg(ES, READ_ONLY), 0x26, 0x89, 0x05, 0, 0, 0, 0], vector: 13, errorCode: 0},
  {name: 'write through CS', code: [0x2e, 0x89, 0x05, 0, 0, 0, 0], vector: 13, errorCode: 0},
  {name: 'access through a null DS', code: [...loadSeg(DS, 0), 0x8b, 0x05, 0, 0, 0, 0], vector: 13, errorCode: 0},
  {name: 'expand-down: offset at the limit', code: [...loadSeg(DS, EXPAND_DOWN), 0x8b, 0x05, 0xff, 0x0f, 0, 0], vector: 13, errorCode: 0},
  {name: 'push below a small stack segment is #SS(0)', code: [...loadSeg(SS, SMALL_STACK), ...movImm(Reg.ESP, 2), 0x50], vector: 12, errorCode: 0},
  {name: 'stack read past the limit through EBP is #SS(0)', code: [...loadSeg(SS, SMALL_STACK), ...movImm(Reg.EBP, 0x1000), 0x8b, 0x45, 0], vector: 12, errorCode: 0},
]

describe('segment loads and limit checks', () => {
  it.each(cases)('$name raises vector $vector with error code $errorCode', (c) => {
    const {exit} = run32(c.code, (cpu) => {
      withDescriptors(cpu)
      if (c.user) enterRing3(cpu)
    })
    expect(exit.reason).toBe(ExitReason.Exception)
    expect(exit.vector).toBe(c.vector)
    expect(exit.errorCode).toBe(c.errorCode)
  })

  it('expand-down segment: an offset above the limit is valid', () => {
    const {exit, cpu} = run32([...loadSeg(DS, EXPAND_DOWN), 0x8b, 0x05, 0x00, 0x00, 0x01, 0x00], withDescriptors)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(0x0040b866) // the first code bytes, at offset 0x10000 (base 0)
  })

  it('a limited data segment adds its base', () => {
    const {exit, cpu} = run32([...loadSeg(DS, LIMITED), 0x8b, 0x05, 0x10, 0, 0, 0], (c) => {
      withDescriptors(c)
      ;(c['ram'] as Uint8Array).set([0x78, 0x56, 0x34, 0x12], 0x20010)
    })
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(0x12345678)
    expect(cpu.getSegment(3).base).toBe(0x20000)
  })

  it('loading a segment sets the accessed bit of its descriptor', () => {
    const {mem} = run32(loadSeg(DS, LIMITED), withDescriptors)
    expect(mem.ram[GDT + LIMITED + 5]! & 1).toBe(1)
  })

  it('LSL and LAR report limit and access rights; VERW rejects read-only data', () => {
    // mov bx, LIMITED; lsl eax, bx; lar ecx, bx; mov dx, READ_ONLY; verw dx
    const code = [0x66, 0xbb, LIMITED, 0, 0x0f, 0x03, 0xc3, 0x0f, 0x02, 0xcb, 0x66, 0xba, READ_ONLY, 0, 0x0f, 0x00, 0xea]
    const {cpu, exit} = run32(code, withDescriptors)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(0xfff)
    expect(cpu.getReg(Reg.ECX)).toBe(0x00409300)
    expect(cpu.getEflags() & 0x40).toBe(0)
  })
})
