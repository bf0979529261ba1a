/**
 * The x87's exception responses that QEMU does not model, from the SDM:
 * unmasked overflow and underflow (exponent bias-adjusted by 24576 for
 * register destinations, nothing stored to memory), the stack fault (SF, C1),
 * the denormal-operand exception, C1 as the round-up bit, #MF at the next
 * waiting instruction, FLDCW making a set flag pending, FNSTENV masking.
 */
import {describe, expect, it} from 'vitest'
import {bytes16, bytes64, bytes80, DATA, doubleBytes, readBytes, runX87, st, X} from './x87-machine.js'

const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, SF = 0x40, ES = 0x80, C1 = 0x200, B = 0x8000
const CW = 0x100 // control word image
const A = 0x200 // operands
const OUT = 0x300

const sw = (r: {cpu: {fpu: {statusWord: number}}}): number => r.cpu.fpu.statusWord
const flags = (r: {cpu: {fpu: {statusWord: number}}}): number => sw(r) & 0x7f

describe('unmasked overflow and underflow', () => {
  it('a register receives the rounded result with its exponent reduced by 24576 (overflow)', () => {
    const r = runX87([X.fldcw(CW), X.fldM80(A), X.fmulSt0St0], [[CW, bytes16(0x0377)], [A, bytes80(0x7ffe, 0xffffffffffffffffn)]])
    // (2^64 - 1)^2 rounds to FFFFFFFFFFFFFFFE; the exponent 32767 + 16383 - 24576 = 0x5FFE.
    expect(st(r.cpu, 0)).toBe('5ffefffffffffffffffe')
    expect(flags(r)).toBe(OE | PE)
    expect(sw(r) & (ES | B)).toBe(ES | B)
  })

  it('a register receives the result with its exponent raised by 24576 (underflow)', () => {
    const r = runX87([X.fldcw(CW), X.fldM80(A), X.fmulSt0St0], [[CW, bytes16(0x036f)], [A, bytes80(0x0001, 0x8000000000000000n)]])
    // (2^-16382)^2 = 2^-32764: biased -32764 + 16383 + 24576 = 0x2003, exact.
    expect(st(r.cpu, 0)).toBe('20038000000000000000')
    expect(flags(r)).toBe(UE)
  })

  it('masked underflow of an exact tiny result is not reported; masked, an inexact one is UE and PE', () => {
    const exact = runX87([X.fldM80(A), X.fldM80(A + 16), X.fdivpSt1], [[A, bytes80(0x0001, 0x8000000000000000n)], [A + 16, bytes80(0x4000, 0x8000000000000000n)]])
    expect(st(exact.cpu, 0)).toBe('00004000000000000000')
    expect(flags(exact) & (UE | PE)).toBe(0)
    const inexact = runX87([X.fldM80(A), X.fldM80(A + 16), X.fdivpSt1], [[A, bytes80(0x0001, 0x8000000000000001n)], [A + 16, bytes80(0x4000, 0x8000000000000000n)]])
    expect(flags(inexact) & (UE | PE)).toBe(UE | PE)
  })

  it('a store to memory with overflow unmasked stores nothing and pops nothing', () => {
    const r = runX87([X.fldcw(CW), X.fldM80(A), X.fstpM64(OUT)], [[CW, bytes16(0x0377)], [A, bytes80(0x7000, 0x8000000000000000n)], [OUT, bytes64(0x1122334455667788n)]])
    expect(readBytes(r.ram, OUT, 8)).toEqual(bytes64(0x1122334455667788n))
    expect(flags(r) & OE).toBe(OE)
    expect(st(r.cpu, 0)).toBe('70008000000000000000')
    expect(r.cpu.fpu.isEmpty(0)).toBe(false)
  })

  it('masked, the same store writes infinity and pops (C1 = 1: rounded up)', () => {
    const r = runX87([X.fldM80(A), X.fstpM64(OUT)], [[A, bytes80(0x7000, 0x8000000000000000n)]])
    expect(readBytes(r.ram, OUT, 8)).toEqual(bytes64(0x7ff0000000000000n))
    expect(sw(r) & (OE | PE | C1)).toBe(OE | PE | C1)
    expect(r.cpu.fpu.isEmpty(0)).toBe(true)
  })
})

describe('pre-computation exceptions unmasked: nothing changes', () => {
  it('a zero divide leaves both registers and pops nothing', () => {
    const r = runX87([X.fldcw(CW), X.fld1, X.fldz, X.fdivpSt1], [[CW, bytes16(0x037b)]])
    expect((sw(r) >> 11) & 7).toBe(6)
    expect(st(r.cpu, 0)).toBe('00000000000000000000')
    expect(st(r.cpu, 1)).toBe('3fff8000000000000000')
    expect(flags(r)).toBe(ZE)
  })

  it('a denormal operand is DE; unmasked, the load does not happen', () => {
    const denormal = doubleBytes(5e-324)
    const masked = runX87([X.fldM64(A)], [[A, denormal]])
    expect(flags(masked)).toBe(DE)
    expect(st(masked.cpu, 0)).toBe('3bcd8000000000000000')
    const unmasked = runX87([X.fldcw(CW), X.fldM64(A)], [[CW, bytes16(0x037d)], [A, denormal]])
    expect(flags(unmasked)).toBe(DE)
    expect(unmasked.cpu.fpu.isEmpty(0)).toBe(true)
  })
})

describe('the stack fault', () => {
  it('a ninth push overflows: IE, SF, C1 = 1, and masked the indefinite is pushed', () => {
    const r = runX87(new Array(9).fill(X.fld1))
    expect(sw(r) & (IE | SF | C1)).toBe(IE | SF | C1)
    expect(st(r.cpu, 0)).toBe('ffffc000000000000000')
  })

  it('unmasked, the overflowing push changes nothing', () => {
    const r = runX87([X.fldcw(CW), ...new Array(9).fill(X.fld1)], [[CW, bytes16(0x037e)]])
    expect(sw(r) & (IE | SF | C1 | ES)).toBe(IE | SF | C1 | ES)
    expect((sw(r) >> 11) & 7).toBe(0)
    expect(st(r.cpu, 0)).toBe('3fff8000000000000000')
  })

  it('reading an empty register underflows: IE, SF, C1 = 0, the destination gets the indefinite', () => {
    const r = runX87([X.fld1, X.faddSt0St1])
    expect(sw(r) & (IE | SF | C1)).toBe(IE | SF)
    expect(st(r.cpu, 0)).toBe('ffffc000000000000000')
  })
})

describe('C1 reports rounding up', () => {
  const third = (cw: number): ReturnType<typeof runX87> =>
    runX87([X.fldcw(CW), X.fld1, X.fldM64(A), X.fdivpSt1], [[CW, bytes16(cw)], [A, doubleBytes(3)]])
  it('1/3 rounds up to nearest (C1 = 1) and not when chopped (C1 = 0)', () => {
    const nearest = third(0x037f)
    expect(st(nearest.cpu, 0)).toBe('3ffdaaaaaaaaaaaaaaab')
    expect(sw(nearest) & (C1 | PE)).toBe(C1 | PE)
    const chopped = third(0x0f7f)
    expect(st(chopped.cpu, 0)).toBe('3ffdaaaaaaaaaaaaaaaa')
    expect(sw(chopped) & (C1 | PE)).toBe(PE)
  })
})

describe('delivery', () => {
  it('with CR0.NE = 1 a pending exception is #MF at the next waiting x87 instruction, not at a no-wait one', () => {
    const prefix = [X.fldcw(CW), X.fld1, X.fldz, X.fdivpSt1, X.fnstswAx]
    const r = runX87([...prefix, X.fld1], [[CW, bytes16(0x037b)]])
    expect(r.vector).toBe(16)
    const prefixLength = [X.fninit, ...prefix].flat().length
    expect(r.faultEip).toBe(0x10000 + prefixLength)
    // FNSTSW does not wait: it ran, and the FLD faulted before it pushed.
    expect(sw(r)).toBe(B | (6 << 11) | ES | ZE)
  })

  it('FLDCW that unmasks a flag already set makes the exception pending', () => {
    const r = runX87([X.fld1, X.fldz, X.fdivpSt1, X.fldcw(CW), X.fwait], [[CW, bytes16(0x037b)]])
    expect(sw(r) & (ES | ZE)).toBe(ES | ZE)
    expect(r.vector).toBe(16)
  })

  it('FNSTENV masks every exception afterwards and records the last instruction and operand', () => {
    const r = runX87([X.fldcw(CW), X.fldM64(A), X.fnstenv(OUT)], [[CW, bytes16(0x0360)], [A, doubleBytes(2)]])
    expect(r.cpu.fpu.controlWord).toBe(0x037f)
    const image = readBytes(r.ram, OUT, 28)
    expect(image.slice(0, 2)).toEqual([0x60, 0x03])
    const dword = (k: number): number => (image[k]! | (image[k + 1]! << 8) | (image[k + 2]! << 16) | (image[k + 3]! << 24)) >>> 0
    const fldAt = 0x10000 + [X.fninit, X.fldcw(CW)].flat().length
    expect(dword(12)).toBe(fldAt)
    // FCS 0x08 and FOP DD 05 -> 0x505 (the low three bits of the opcode, then ModRM).
    expect(dword(16)).toBe(0x08 | (0x505 << 16))
    expect(dword(20)).toBe(DATA + A)
    expect(dword(24) & 0xffff).toBe(0x10)
  })
})
