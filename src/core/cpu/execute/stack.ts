/**
 * Stack instructions: PUSH/POP (registers, immediates, r/m, segment registers),
 * PUSHA/POPA, PUSHF/POPF with their IOPL rules, ENTER and LEAVE.
 */
import {Reg, Seg} from '../api.js'
import {AC, ARITH_FLAGS, DF, EFLAGS_FIXED, GP, ID, IF, IOPL, NT, RF, TF, VM} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {materializeFlags} from '../flags.js'
import {linearAddress, loadSegment} from '../segmentation.js'
import {raise} from '../signals.js'
import type {CpuCore} from '../state.js'
import {adjustStack, operandAddress, pop, push, readRm, readStack} from './operands.js'
import {probeWrite, readSized, writeSized} from '../mmu.js'

/** PUSH reg (50-57). PUSH ESP pushes the value before the decrement. */
export function pushReg(cpu: CpuCore, i: Instr): void {
  push(cpu, i.opSize, cpu.readReg(i.opSize, i.opcode & 7))
}

/** POP reg (58-5F) */
export function popReg(cpu: CpuCore, i: Instr): void {
  const v = pop(cpu, i.opSize)
  cpu.writeReg(i.opSize, i.opcode & 7, v)
}

/** PUSH imm (68, 6A) */
export function pushImm(cpu: CpuCore, i: Instr): void {
  push(cpu, i.opSize, i.imm)
}

/** PUSH r/m (FF /6) */
export function pushRm(cpu: CpuCore, i: Instr): void {
  push(cpu, i.opSize, readRm(cpu, i, i.opSize))
}

/** POP r/m (8F /0): ESP is incremented before the destination address is computed. */
export function popRm(cpu: CpuCore, i: Instr): void {
  const size = i.opSize
  const v = pop(cpu, size)
  if (i.isMem) writeSized(cpu, operandAddress(cpu, i, size, true), size, v)
  else cpu.writeReg(size, i.rm, v)
}

const PUSH_SEG = [Seg.ES, Seg.CS, Seg.SS, Seg.DS]

/** PUSH ES/CS/SS/DS (06, 0E, 16, 1E), PUSH FS/GS (0F A0, 0F A8) */
export function pushSeg(cpu: CpuCore, i: Instr): void {
  const s = i.opcode === 0x1a0 ? Seg.FS : i.opcode === 0x1a8 ? Seg.GS : PUSH_SEG[i.opcode >> 3]!
  push(cpu, i.opSize, cpu.segSel[s]!)
}

/**
 * POP ES/SS/DS (07, 17, 1F), POP FS/GS (0F A1, 0F A9). POP SS holds off interrupts
 * for one instruction. The stack pointer moves by the width of the stack the value
 * was popped from: for POP SS that is the old SS.B, not the one just loaded.
 */
export function popSeg(cpu: CpuCore, i: Instr): void {
  const s = i.opcode === 0x1a1 ? Seg.FS : i.opcode === 0x1a9 ? Seg.GS : PUSH_SEG[i.opcode >> 3]!
  const v = readStack(cpu, 0, i.opSize)
  const stack32 = cpu.stack32
  loadSegment(cpu, s, v & 0xffff)
  adjustStack(cpu, i.opSize, stack32)
  if (s === Seg.SS) {
    cpu.interruptShadow = true
    cpu.debugShadow = true
    cpu.leaveBlock = true
  }
}

/** PUSHA/PUSHAD (60) */
export function pusha(cpu: CpuCore, i: Instr): void {
  const size = i.opSize
  const sp = cpu.readReg(size, Reg.ESP)
  for (let n = 0; n < 8; n++) push(cpu, size, n === Reg.ESP ? sp : cpu.readReg(size, n))
}

/** POPA/POPAD (61): the saved ESP is skipped. All values are read before any register changes. */
export function popa(cpu: CpuCore, i: Instr): void {
  const size = i.opSize
  const values = cpu.popaScratch
  for (let n = 0; n < 8; n++) values[7 - n] = readStack(cpu, n * size, size)
  adjustStack(cpu, 8 * size)
  for (let n = 0; n < 8; n++) if (n !== Reg.ESP) cpu.writeReg(size, n, values[n]!)
}

/** EFLAGS as PUSHF stores it: VM and RF read as 0. */
export function flagsImage(cpu: CpuCore): number {
  return materializeFlags(cpu) & ~(VM | RF)
}

/** PUSHF/PUSHFD (9C). In virtual-8086 mode it needs IOPL 3. */
export function pushf(cpu: CpuCore, i: Instr): void {
  if (cpu.v86 && cpu.iopl < 3) raise(cpu, GP, 0)
  push(cpu, i.opSize, flagsImage(cpu))
}

/**
 * Write EFLAGS the way POPF does: IOPL changes only at CPL 0 (never in V86 mode),
 * IF only when CPL <= IOPL; VM, RF, VIF and VIP are never changed.
 */
export function writeFlagsAsPopf(cpu: CpuCore, value: number, size: number): void {
  let mask = ARITH_FLAGS | TF | DF | NT
  if (size === 4) mask |= AC | ID
  const realMode = !cpu.protectedMode
  if (realMode || (!cpu.v86 && cpu.cpl === 0)) mask |= IOPL
  if (realMode || cpu.cpl <= cpu.iopl) mask |= IF
  const old = materializeFlags(cpu)
  cpu.flags = (old & ~mask) | (value & mask) | EFLAGS_FIXED
  cpu.leaveBlock = true
}

/** POPF/POPFD (9D). In virtual-8086 mode it needs IOPL 3. */
export function popf(cpu: CpuCore, i: Instr): void {
  if (cpu.v86 && cpu.iopl < 3) raise(cpu, GP, 0)
  const v = pop(cpu, i.opSize)
  writeFlagsAsPopf(cpu, v, i.opSize)
}

/** ENTER imm16, imm8 (C8): make a stack frame with `level` enclosing frame pointers. */
export function enter(cpu: CpuCore, i: Instr): void {
  const size = i.opSize
  const allocation = i.imm & 0xffff
  const level = i.imm2 & 31
  push(cpu, size, cpu.readReg(size, Reg.EBP))
  const frame = cpu.readReg(size, Reg.ESP)
  if (level > 0) {
    let bp = cpu.readReg(cpu.stack32 ? 4 : 2, Reg.EBP)
    for (let n = 1; n < level; n++) {
      bp = cpu.stack32 ? (bp - size) | 0 : (bp - size) & 0xffff
      const v = readStackAt(cpu, bp, size)
      push(cpu, size, v)
    }
    push(cpu, size, frame)
  }
  // The SDM: ENTER faults whenever a write at the final stack pointer would, so
  // the allocated area is checked (segment limit and paging) before anything is kept.
  const final = cpu.stack32 ? (cpu.regs[Reg.ESP]! - allocation) >>> 0 : (cpu.regs[Reg.ESP]! - allocation) & 0xffff
  probeWrite(cpu, linearAddress(cpu, Seg.SS, final, size, true), size)
  cpu.writeReg(size, Reg.EBP, frame)
  adjustStack(cpu, -allocation)
}

function readStackAt(cpu: CpuCore, offset: number, size: number): number {
  return readSized(cpu, linearAddress(cpu, Seg.SS, offset >>> 0, size, false), size)
}

/** LEAVE (C9): ESP = EBP, then POP EBP. */
export function leave(cpu: CpuCore, i: Instr): void {
  const size = i.opSize
  const bp = cpu.regs[Reg.EBP]!
  const savedEsp = cpu.regs[Reg.ESP]!
  if (cpu.stack32) cpu.regs[Reg.ESP] = bp
  else cpu.setReg16(Reg.ESP, bp)
  try {
    const v = pop(cpu, size)
    cpu.writeReg(size, Reg.EBP, v)
  } catch (e) {
    cpu.regs[Reg.ESP] = savedEsp
    throw e
  }
}
