/**
 * The memory operands of x87 instructions: 16/32/64-bit integers, single,
 * double and extended reals, packed BCD, and the 14/28-byte environment and
 * 94/108-byte state images. Every access is checked in full (segment limit,
 * then every page for writes) before any byte is written, so a store that
 * faults leaves memory as it was.
 */
import type {Instr} from '../decoder/instr.js'
import {probeWrite, read16, read32, read8, write16, write32, write8} from '../mmu.js'
import {effectiveAddress} from '../execute/operands.js'
import {linearAddress} from '../segmentation.js'
import type {CpuCore} from '../state.js'
import {Ext80, fromWords, signExponent, significandHigh, significandLow} from './ext80.js'

/** Linear address of the instruction's memory operand, `size` bytes, checked for the access. */
export function operandLinear(cpu: CpuCore, i: Instr, size: number, write: boolean): number {
  const linear = linearAddress(cpu, i.seg, effectiveAddress(cpu, i), size, write)
  if (write) probeWrite(cpu, linear, size)
  return linear
}

/** Linear address of `offset` from the operand (within an environment image), wrapped to the address size. */
export function offsetLinear(cpu: CpuCore, i: Instr, offset: number, size: number, write: boolean): number {
  const base = effectiveAddress(cpu, i) + offset
  return linearAddress(cpu, i.seg, i.addr32 ? base >>> 0 : base & 0xffff, size, write)
}

export function readM16(cpu: CpuCore, i: Instr): number {
  return read16(cpu, operandLinear(cpu, i, 2, false))
}

export function readM32(cpu: CpuCore, i: Instr): number {
  return read32(cpu, operandLinear(cpu, i, 4, false))
}

/** A 64-bit operand as [low dword, high dword]. */
export function readM64(cpu: CpuCore, i: Instr): [number, number] {
  const linear = operandLinear(cpu, i, 8, false)
  return [read32(cpu, linear), read32(cpu, (linear + 4) | 0)]
}

export function readM80(cpu: CpuCore, i: Instr): Ext80 {
  const linear = operandLinear(cpu, i, 10, false)
  return fromWords(read32(cpu, linear), read32(cpu, (linear + 4) | 0), read16(cpu, (linear + 8) | 0))
}

export function readBytes(cpu: CpuCore, i: Instr, n: number): Uint8Array {
  const linear = operandLinear(cpu, i, n, false)
  const out = new Uint8Array(n)
  for (let k = 0; k < n; k++) out[k] = read8(cpu, (linear + k) | 0)
  return out
}

export function writeM16(cpu: CpuCore, i: Instr, v: number): void {
  write16(cpu, operandLinear(cpu, i, 2, true), v)
}

export function writeM32(cpu: CpuCore, i: Instr, v: number): void {
  write32(cpu, operandLinear(cpu, i, 4, true), v)
}

export function writeM64(cpu: CpuCore, i: Instr, v: bigint): void {
  writeM64Words(cpu, i, Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0)
}

/** A 64-bit operand from its low and high dwords. */
export function writeM64Words(cpu: CpuCore, i: Instr, lo: number, hi: number): void {
  const linear = operandLinear(cpu, i, 8, true)
  write32(cpu, linear, lo)
  write32(cpu, (linear + 4) | 0, hi)
}

export function writeM80(cpu: CpuCore, i: Instr, v: Ext80): void {
  const linear = operandLinear(cpu, i, 10, true)
  write32(cpu, linear, significandLow(v))
  write32(cpu, (linear + 4) | 0, significandHigh(v))
  write16(cpu, (linear + 8) | 0, signExponent(v))
}

export function writeBytes(cpu: CpuCore, i: Instr, bytes: Uint8Array): void {
  const linear = operandLinear(cpu, i, bytes.length, true)
  for (let k = 0; k < bytes.length; k++) write8(cpu, (linear + k) | 0, bytes[k]!)
}
