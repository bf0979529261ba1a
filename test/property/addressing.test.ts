/**
 * ModRM/SIB decoding against a model of effective-address computation: LEA
 * with random base, index, scale and displacement at 32-bit address size
 * (including the no-base disp32 form, ESP/EBP special cases) and at 16-bit
 * address size (the eight BX/BP/SI/DI forms and disp16, wrapping at 64 KiB),
 * with 32- and 16-bit destinations. And ADD to memory through a random
 * addressing form, checking the bytes written.
 */
import {describe, it} from 'vitest'
import fc from 'fast-check'
import {SingleStepper, CODE_ADDRESS, REG_ORDER, type RegisterFile} from './harness.js'
import {NUM_RUNS} from './arbitraries.js'
import {compare} from './check.js'
import {alu} from './model.js'

const cpu = new SingleStepper()

interface Encoded {
  bytes: number[]
  /** Effective address (offset), already truncated to the address size. */
  ea: number
}

function le(v: number, n: number): number[] {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((v >>> (8 * i)) & 0xff)
  return out
}

/** Encode ModRM (+SIB, +disp) for a memory operand at 32-bit address size, with `reg` in the reg field. */
function modrm32(reg: number, regs: RegisterFile, mod: number, rm: number, sibBase: number, sibIndex: number, scale: number, disp: number): Encoded {
  const r = (i: number): number => regs[REG_ORDER[i]!]
  const bytes = [(mod << 6) | (reg << 3) | rm]
  let ea = 0
  if (rm === 4) {
    bytes.push((scale << 6) | (sibIndex << 3) | sibBase)
    if (sibIndex !== 4) ea += r(sibIndex) * (1 << scale)
    if (sibBase === 5 && mod === 0) {
      bytes.push(...le(disp, 4))
      ea += disp
    } else ea += r(sibBase)
  } else if (rm === 5 && mod === 0) {
    bytes.push(...le(disp, 4))
    ea += disp
  } else ea += r(rm)
  if (mod === 1) {
    bytes.push(disp & 0xff)
    ea += ((disp & 0xff) << 24) >> 24
  } else if (mod === 2) {
    bytes.push(...le(disp, 4))
    ea += disp
  }
  return {bytes, ea: ea >>> 0}
}

/** The same at 16-bit address size. */
function modrm16(reg: number, regs: RegisterFile, mod: number, rm: number, disp: number): Encoded {
  const bx = regs.ebx & 0xffff
  const bp = regs.ebp & 0xffff
  const si = regs.esi & 0xffff
  const di = regs.edi & 0xffff
  const bytes = [(mod << 6) | (reg << 3) | rm]
  const bases = [bx + si, bx + di, bp + si, bp + di, si, di, bp, bx]
  let ea = mod === 0 && rm === 6 ? 0 : bases[rm]!
  if (mod === 0 && rm === 6) {
    bytes.push(...le(disp, 2))
    ea += disp & 0xffff
  } else if (mod === 1) {
    bytes.push(disp & 0xff)
    ea += ((disp & 0xff) << 24) >> 24
  } else if (mod === 2) {
    bytes.push(...le(disp, 2))
    ea += disp & 0xffff
  }
  return {bytes, ea: ea & 0xffff}
}

const anyU32 = fc.integer({min: 0, max: 0xffffffff})
const regFile = fc.tuple(anyU32, anyU32, anyU32, anyU32, anyU32, anyU32, anyU32).map(([a, c, d, b, bp, si, di]): RegisterFile => ({
  eax: a, ecx: c, edx: d, ebx: b, esp: 0x8000, ebp: bp, esi: si, edi: di,
}))

describe('effective addresses (LEA)', () => {
  it('32-bit address size, 32- and 16-bit destination', () => {
    fc.assert(
      fc.property(regFile, fc.integer({min: 0, max: 2}), fc.integer({min: 0, max: 7}), fc.integer({min: 0, max: 7}), fc.integer({min: 0, max: 7}),
        fc.integer({min: 0, max: 3}), anyU32, fc.integer({min: 0, max: 7}), fc.boolean(),
        (regs, mod, rm, base, index, scale, disp, dst, o16) => {
          const e = modrm32(dst, regs, mod, rm, base, index, scale, disp)
          const bytes = [...(o16 ? [0x66] : []), 0x8d, ...e.bytes]
          const want = {...regs}
          const name = REG_ORDER[dst]!
          want[name] = o16 ? ((regs[name] & 0xffff0000) | (e.ea & 0xffff)) >>> 0 : e.ea
          const got = cpu.step(bytes, regs, 0x2)
          compare('lea (a32)', bytes, regs, 0x2, got, {regs: want, flags: 0, defined: 0, exception: null, eip: CODE_ADDRESS + bytes.length})
        }),
      {numRuns: NUM_RUNS * 3},
    )
  })

  it('16-bit address size (67 prefix)', () => {
    fc.assert(
      fc.property(regFile, fc.integer({min: 0, max: 2}), fc.integer({min: 0, max: 7}), fc.integer({min: 0, max: 0xffff}), fc.integer({min: 0, max: 7}), fc.boolean(),
        (regs, mod, rm, disp, dst, o16) => {
          if (dst === 4) dst = 0 // keep ESP
          const e = modrm16(dst, regs, mod, rm, disp)
          const bytes = [0x67, ...(o16 ? [0x66] : []), 0x8d, ...e.bytes]
          const want = {...regs}
          const name = REG_ORDER[dst]!
          want[name] = o16 ? ((regs[name] & 0xffff0000) | e.ea) >>> 0 : e.ea
          const got = cpu.step(bytes, regs, 0x2)
          compare('lea (a16)', bytes, regs, 0x2, got, {regs: want, flags: 0, defined: 0, exception: null, eip: CODE_ADDRESS + bytes.length})
        }),
      {numRuns: NUM_RUNS * 2},
    )
  })
})

describe('memory operands', () => {
  it('ADD r/m32, r32 through random 32-bit addressing forms, into RAM', () => {
    const BUF = 0x40000
    fc.assert(
      fc.property(fc.integer({min: 0, max: 2}), fc.integer({min: 0, max: 7}), fc.integer({min: 0, max: 3}), fc.integer({min: 0, max: 0xff0}),
        fc.integer({min: 0, max: 0x800}), anyU32, anyU32, fc.constantFrom(1, 2, 3, 6, 7),
        (mod, rmSel, scale, offset, indexValue, old, addend, srcReg) => {
          // rm 4 uses a SIB with base EBX (3) and index ESI (6); other rm values use EBX or the disp32 form
          const rm = [3, 4, 5, 4][rmSel & 3]!
          const effMod = rm === 5 ? 0 : mod
          const regs: RegisterFile = {eax: 0, ecx: 0, edx: 0, ebx: 0, esp: 0x8000, ebp: 0, esi: 0, edi: 0}
          const scaled = rm === 4 ? indexValue << scale : 0
          const dispValue = effMod === 0 ? (rm === 5 ? BUF + offset : 0) : effMod === 1 ? (offset & 0x7f) : offset
          regs.ebx = rm === 5 ? 0x12345678 : BUF + offset - scaled - dispValue
          regs.esi = indexValue
          const src = REG_ORDER[srcReg]!
          if (src !== 'ebx' && src !== 'esi') regs[src] = addend
          const srcValue = regs[src]
          const e = modrm32(srcReg, regs, effMod, rm, 3, 6, scale, dispValue)
          if (e.ea !== BUF + offset) throw new Error(`test set-up: ea ${e.ea.toString(16)}`)
          const ram = cpu.ram
          ram.set(le(old, 4), BUF + offset)
          const bytes = [0x01, ...e.bytes]
          const r = alu('add', old, srcValue, 0x2, 32)
          const got = cpu.step(bytes, regs, 0x2)
          compare('add [mem], r32', bytes, regs, 0x2, got, {regs, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length})
          const written = (ram[BUF + offset]! | (ram[BUF + offset + 1]! << 8) | (ram[BUF + offset + 2]! << 16) | (ram[BUF + offset + 3]! << 24)) >>> 0
          if (written !== r.result) throw new Error(`add [mem], r32 [${bytes.map((b) => b.toString(16)).join(' ')}]: memory holds ${written.toString(16)}, expected ${r.result.toString(16)}`)
        }),
      {numRuns: NUM_RUNS},
    )
  })
})
