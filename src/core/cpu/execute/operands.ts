/**
 * Operand access shared by all instruction groups: effective addresses, the
 * ModRM register/memory operand, and the stack.
 */
import {Reg, Seg} from '../api.js'
import type {Instr} from '../decoder/instr.js'
import {read16, read32, read8, readSized, write16, write32, write8, writeSized} from '../mmu.js'
import {linearAddress} from '../segmentation.js'
import type {CpuCore} from '../state.js'

/** Offset of the memory operand within its segment (wrapped to the address size). */
export function effectiveAddress(cpu: CpuCore, i: Instr): number {
  const regs = cpu.regs
  if (i.addr32) {
    let a = i.disp
    if (i.base >= 0) a += regs[i.base]!
    if (i.index >= 0) a += regs[i.index]! << i.scale
    return a >>> 0
  }
  let a = i.disp
  if (i.base >= 0) a += regs[i.base]!
  if (i.index >= 0) a += regs[i.index]!
  return a & 0xffff
}

/** Linear address of the memory operand, checked for an access of `size` bytes. */
export function operandAddress(cpu: CpuCore, i: Instr, size: number, write: boolean): number {
  return linearAddress(cpu, i.seg, effectiveAddress(cpu, i), size, write)
}

/** The r/m operand (register or memory) of width `size`. */
export function readRm(cpu: CpuCore, i: Instr, size: number): number {
  if (!i.isMem) return cpu.readReg(size, i.rm)
  return readSized(cpu, operandAddress(cpu, i, size, false), size)
}

export function writeRm(cpu: CpuCore, i: Instr, size: number, v: number): void {
  if (!i.isMem) cpu.writeReg(size, i.rm, v)
  else writeSized(cpu, operandAddress(cpu, i, size, true), size, v)
}

export function readRm8(cpu: CpuCore, i: Instr): number {
  return i.isMem ? read8(cpu, operandAddress(cpu, i, 1, false)) : cpu.getReg8(i.rm)
}
export function readRm16(cpu: CpuCore, i: Instr): number {
  return i.isMem ? read16(cpu, operandAddress(cpu, i, 2, false)) : cpu.regs[i.rm]! & 0xffff
}
export function readRm32(cpu: CpuCore, i: Instr): number {
  return i.isMem ? read32(cpu, operandAddress(cpu, i, 4, false)) : cpu.regs[i.rm]!
}
export function writeRm16(cpu: CpuCore, i: Instr, v: number): void {
  if (i.isMem) write16(cpu, operandAddress(cpu, i, 2, true), v)
  else cpu.setReg16(i.rm, v)
}

/**
 * Read-modify-write operands: `rmwRead` checks the operand for writing, reads it
 * and remembers its linear address in `rmwLinear` for `rmwWrite`.
 */
let rmwLinear = 0
export function rmwRead(cpu: CpuCore, i: Instr, size: number): number {
  if (!i.isMem) return cpu.readReg(size, i.rm)
  rmwLinear = operandAddress(cpu, i, size, true)
  return readSized(cpu, rmwLinear, size)
}
export function rmwWrite(cpu: CpuCore, i: Instr, size: number, v: number): void {
  if (!i.isMem) cpu.writeReg(size, i.rm, v)
  else writeSized(cpu, rmwLinear, size, v)
}

// ---------------------------------------------------------------------------
// Stack. SS.B selects ESP or SP; the write happens before ESP changes so that a
// fault leaves ESP untouched.
// ---------------------------------------------------------------------------

export function push(cpu: CpuCore, size: number, v: number): void {
  const regs = cpu.regs
  if (cpu.stack32) {
    const esp = (regs[Reg.ESP]! - size) | 0
    writeSized(cpu, linearAddress(cpu, Seg.SS, esp, size, true), size, v)
    regs[Reg.ESP] = esp
  } else {
    const sp = (regs[Reg.ESP]! - size) & 0xffff
    writeSized(cpu, linearAddress(cpu, Seg.SS, sp, size, true), size, v)
    cpu.setReg16(Reg.ESP, sp)
  }
}

export function push32(cpu: CpuCore, v: number): void {
  const esp = (cpu.regs[Reg.ESP]! - 4) | 0
  if (cpu.stack32) {
    write32(cpu, linearAddress(cpu, Seg.SS, esp, 4, true), v)
    cpu.regs[Reg.ESP] = esp
  } else {
    push(cpu, 4, v)
  }
}

export function pop(cpu: CpuCore, size: number): number {
  const v = readStack(cpu, 0, size)
  adjustStack(cpu, size)
  return v
}

/** Read `size` bytes at offset `delta` above the top of the stack, without popping. */
export function readStack(cpu: CpuCore, delta: number, size: number): number {
  const sp = cpu.stack32 ? (cpu.regs[Reg.ESP]! + delta) >>> 0 : (cpu.regs[Reg.ESP]! + delta) & 0xffff
  return readSized(cpu, linearAddress(cpu, Seg.SS, sp, size, false), size)
}

/**
 * Add `delta` to ESP or SP: to ESP when `stack32` (SS.B unless the caller knows
 * better: POP SS moves the pointer of the stack it popped from), otherwise to SP alone.
 */
export function adjustStack(cpu: CpuCore, delta: number, stack32 = cpu.stack32): void {
  if (stack32) cpu.regs[Reg.ESP] = (cpu.regs[Reg.ESP]! + delta) | 0
  else cpu.setReg16(Reg.ESP, cpu.regs[Reg.ESP]! + delta)
}

/**
 * Load the stack pointer after a stack switch, by the B bit of the SS just loaded:
 * a 32-bit stack takes all of `v`, a 16-bit one only SP (the upper half of ESP
 * keeps what it held, as on the processor).
 */
export function loadStackPointer(cpu: CpuCore, v: number): void {
  if (cpu.stack32) cpu.regs[Reg.ESP] = v
  else cpu.setReg16(Reg.ESP, v)
}

/** Read a 16-bit value at `offset` in segment `s` (for far pointers, descriptor-table operands). */
export function readSegWord(cpu: CpuCore, s: number, offset: number): number {
  return read16(cpu, linearAddress(cpu, s, offset, 2, false))
}

export function readSegByte(cpu: CpuCore, s: number, offset: number): number {
  return read8(cpu, linearAddress(cpu, s, offset, 1, false))
}

export function writeSegByte(cpu: CpuCore, s: number, offset: number, v: number): void {
  write8(cpu, linearAddress(cpu, s, offset, 1, true), v)
}
