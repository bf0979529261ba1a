/**
 * MUL, IMUL (one, two and three operands), DIV, IDIV.
 * 64-bit products and dividends are handled in 16-bit pieces so that every
 * intermediate value is exact in a float64, without BigInt.
 */
import {CF, DE, OF} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {setLazyResult} from '../flags.js'
import {raise} from '../signals.js'
import type {CpuCore} from '../state.js'
import {readRm} from './operands.js'

/** High and low dwords of the last 64-bit product or quotient computation. */
let hi = 0
let lo = 0

/** Unsigned 32x32 -> 64 multiply into hi:lo (both unsigned). */
export function mulU32(a: number, b: number): void {
  const al = a & 0xffff
  const ah = a >>> 16
  const bl = b & 0xffff
  const bh = b >>> 16
  const p0 = al * bl
  const p1 = al * bh
  const p2 = ah * bl
  const mid = (p0 >>> 16) + (p1 & 0xffff) + (p2 & 0xffff)
  lo = ((p0 & 0xffff) | (mid << 16)) >>> 0
  hi = (ah * bh + (p1 >>> 16) + (p2 >>> 16) + Math.floor(mid / 65536)) >>> 0
}

/** Signed 32x32 -> 64 multiply into hi:lo (two's complement dwords, unsigned). */
export function mulS32(a: number, b: number): void {
  mulU32(a >>> 0, b >>> 0)
  let h = hi
  if ((a | 0) < 0) h -= b >>> 0
  if ((b | 0) < 0) h -= a >>> 0
  hi = h >>> 0
}

/**
 * Unsigned 64 / 32 division of h:l by d. Returns false when the quotient does not
 * fit in 32 bits (or d is 0); otherwise the quotient is in lo and the remainder in hi.
 */
export function divU64(h: number, l: number, d: number): boolean {
  h >>>= 0
  l >>>= 0
  d >>>= 0
  if (d === 0 || h >= d) return false
  let rem = h
  const n1 = rem * 65536 + (l >>> 16)
  const q1 = Math.floor(n1 / d)
  rem = n1 - q1 * d
  const n2 = rem * 65536 + (l & 0xffff)
  const q2 = Math.floor(n2 / d)
  rem = n2 - q2 * d
  lo = ((q1 << 16) | q2) >>> 0
  hi = rem
  return true
}

function mulFlags(cpu: CpuCore, low: number, size: number, overflow: boolean): void {
  // SF, ZF, PF and AF are undefined: we derive the first three from the low half.
  setLazyResult(cpu, low, size, overflow ? CF | OF : 0)
}

/** MUL r/m (F6/F7 /4) */
export function mul(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const src = readRm(cpu, i, size)
  const regs = cpu.regs
  if (size === 1) {
    const p = (regs[0]! & 0xff) * src
    cpu.setReg16(0, p)
    mulFlags(cpu, p & 0xff, 1, p > 0xff)
  } else if (size === 2) {
    const p = (regs[0]! & 0xffff) * src
    cpu.setReg16(0, p)
    cpu.setReg16(2, p >>> 16)
    mulFlags(cpu, p & 0xffff, 2, p > 0xffff)
  } else {
    mulU32(regs[0]!, src)
    regs[0] = lo
    regs[2] = hi
    mulFlags(cpu, lo, 4, hi !== 0)
  }
}

/** IMUL r/m, one operand (F6/F7 /5) */
export function imul1(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const src = readRm(cpu, i, size)
  const regs = cpu.regs
  if (size === 1) {
    const p = ((regs[0]! << 24) >> 24) * ((src << 24) >> 24)
    cpu.setReg16(0, p)
    mulFlags(cpu, p & 0xff, 1, p !== (p << 24) >> 24)
  } else if (size === 2) {
    const p = ((regs[0]! << 16) >> 16) * ((src << 16) >> 16)
    cpu.setReg16(0, p)
    cpu.setReg16(2, p >> 16)
    mulFlags(cpu, p & 0xffff, 2, p !== (p << 16) >> 16)
  } else {
    mulS32(regs[0]!, src)
    regs[0] = lo
    regs[2] = hi
    mulFlags(cpu, lo, 4, (hi | 0) !== (lo | 0) >> 31)
  }
}

/** Truncated signed product for the two- and three-operand IMUL forms. */
function imulTruncated(cpu: CpuCore, i: Instr, a: number, b: number): void {
  if (i.opSize === 2) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16)
    cpu.setReg16(i.reg, p)
    mulFlags(cpu, p & 0xffff, 2, p !== (p << 16) >> 16)
  } else {
    mulS32(a, b)
    cpu.regs[i.reg] = lo
    mulFlags(cpu, lo, 4, (hi | 0) !== (lo | 0) >> 31)
  }
}

/** IMUL reg, r/m (0F AF) */
export function imul2(cpu: CpuCore, i: Instr): void {
  imulTruncated(cpu, i, cpu.readReg(i.opSize, i.reg), readRm(cpu, i, i.opSize))
}

/** IMUL reg, r/m, imm (69, 6B) */
export function imul3(cpu: CpuCore, i: Instr): void {
  imulTruncated(cpu, i, readRm(cpu, i, i.opSize), i.imm)
}

/** DIV r/m (F6/F7 /6). Flags are undefined and left unchanged. */
export function div(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const d = readRm(cpu, i, size) >>> 0
  const regs = cpu.regs
  if (d === 0) raise(cpu, DE)
  if (size === 1) {
    const n = regs[0]! & 0xffff
    const q = Math.floor(n / d)
    if (q > 0xff) raise(cpu, DE)
    cpu.setReg16(0, ((n % d) << 8) | q)
  } else if (size === 2) {
    const n = (((regs[2]! & 0xffff) << 16) | (regs[0]! & 0xffff)) >>> 0
    const q = Math.floor(n / d)
    if (q > 0xffff) raise(cpu, DE)
    cpu.setReg16(0, q)
    cpu.setReg16(2, n % d)
  } else {
    if (!divU64(regs[2]!, regs[0]!, d)) raise(cpu, DE)
    regs[0] = lo
    regs[2] = hi
  }
}

/** IDIV r/m (F6/F7 /7): the quotient truncates toward zero, the remainder has the dividend's sign. */
export function idiv(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const raw = readRm(cpu, i, size)
  const regs = cpu.regs
  if (size === 1) {
    const d = (raw << 24) >> 24
    if (d === 0) raise(cpu, DE)
    const n = (regs[0]! << 16) >> 16
    const q = Math.trunc(n / d)
    if (q > 127 || q < -128) raise(cpu, DE)
    cpu.setReg16(0, (((n % d) & 0xff) << 8) | (q & 0xff))
  } else if (size === 2) {
    const d = (raw << 16) >> 16
    if (d === 0) raise(cpu, DE)
    const n = ((regs[2]! & 0xffff) << 16) | (regs[0]! & 0xffff)
    const q = Math.trunc(n / d)
    if (q > 32767 || q < -32768) raise(cpu, DE)
    cpu.setReg16(0, q)
    cpu.setReg16(2, n % d)
  } else {
    const d = raw | 0
    if (d === 0) raise(cpu, DE)
    let nh = regs[2]! >>> 0
    let nl = regs[0]! >>> 0
    const negative = (nh & 0x80000000) !== 0
    if (negative) {
      // Two's complement negation of the 64-bit dividend.
      nl = (~nl + 1) >>> 0
      nh = (~nh + (nl === 0 ? 1 : 0)) >>> 0
    }
    const ad = d < 0 ? -d : d
    if (!divU64(nh, nl, ad)) raise(cpu, DE)
    const quotientNegative = negative !== d < 0
    if (quotientNegative ? lo > 0x80000000 : lo > 0x7fffffff) raise(cpu, DE)
    regs[0] = quotientNegative ? -lo : lo
    regs[2] = negative ? -hi : hi
  }
}
