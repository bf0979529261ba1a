/**
 * Data movement and flag instructions: MOV (all forms), MOVZX/MOVSX, LEA, XCHG,
 * XLAT, CBW/CWDE/CWD/CDQ, LAHF/SAHF, CLC/STC/CMC/CLD/STD, MOV to/from segment
 * registers, and LDS/LES/LSS/LFS/LGS.
 */
import {Reg, Seg} from '../api.js'
import {AF, CF, DF, PF, SF, UD, ZF} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {materializeFlags, testCondition} from '../flags.js'
import {read16, readSized, writeSized} from '../mmu.js'
import {linearAddress, loadSegment} from '../segmentation.js'
import {raise} from '../signals.js'
import type {CpuCore} from '../state.js'
import {effectiveAddress, operandAddress, readRm, rmwRead, rmwWrite, writeRm} from './operands.js'

/** MOV r/m, reg (88/89) */
export function movRmReg(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  writeRm(cpu, i, size, cpu.readReg(size, i.reg))
}

/** MOV reg, r/m (8A/8B) */
export function movRegRm(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  cpu.writeReg(size, i.reg, readRm(cpu, i, size))
}

/** MOV r/m, imm (C6/C7 /0) */
export function movRmImm(cpu: CpuCore, i: Instr): void {
  writeRm(cpu, i, i.opcode & 1 ? i.opSize : 1, i.imm)
}

/** MOV reg8, imm8 (B0-B7) */
export function movReg8Imm(cpu: CpuCore, i: Instr): void {
  cpu.setReg8(i.opcode & 7, i.imm)
}

/** MOV reg, imm (B8-BF) */
export function movRegImm(cpu: CpuCore, i: Instr): void {
  cpu.writeReg(i.opSize, i.opcode & 7, i.imm)
}

/** MOV AL/eAX, moffs (A0/A1) and MOV moffs, AL/eAX (A2/A3) */
export function movAccMoffs(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  if (i.opcode < 0xa2) cpu.writeReg(size, 0, readRm(cpu, i, size))
  else writeRm(cpu, i, size, cpu.readReg(size, 0))
}

/** MOVZX (0F B6/B7) and MOVSX (0F BE/BF) */
export function movExtend(cpu: CpuCore, i: Instr): void {
  const fromWord = (i.opcode & 1) !== 0
  let v = readRm(cpu, i, fromWord ? 2 : 1)
  if (i.opcode >= 0x1be) v = fromWord ? (v << 16) >> 16 : (v << 24) >> 24
  cpu.writeReg(i.opSize, i.reg, v)
}

/** CMOVcc reg, r/m (0F 40-4F, a P6 addition): the source is read whether or not the condition holds. */
export function cmov(cpu: CpuCore, i: Instr): void {
  const v = readRm(cpu, i, i.opSize)
  if (testCondition(cpu, i.opcode & 0xf)) cpu.writeReg(i.opSize, i.reg, v)
}

/** LEA reg, m (8D): the offset only; a register operand is #UD. */
export function lea(cpu: CpuCore, i: Instr): void {
  if (!i.isMem) raise(cpu, UD)
  cpu.writeReg(i.opSize, i.reg, effectiveAddress(cpu, i))
}

/** XCHG r/m, reg (86/87) */
export function xchgRmReg(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const a = rmwRead(cpu, i, size)
  const b = cpu.readReg(size, i.reg)
  rmwWrite(cpu, i, size, b)
  cpu.writeReg(size, i.reg, a)
}

/** XCHG eAX, reg (91-97); 90 is NOP. */
export function xchgAccReg(cpu: CpuCore, i: Instr): void {
  const n = i.opcode & 7
  const size = i.opSize
  const a = cpu.readReg(size, 0)
  cpu.writeReg(size, 0, cpu.readReg(size, n))
  cpu.writeReg(size, n, a)
}

export function nop(): void {}

/** XLAT (D7): AL = [seg:eBX + AL] */
export function xlat(cpu: CpuCore, i: Instr): void {
  const offset = i.addr32 ? (cpu.regs[Reg.EBX]! + (cpu.regs[0]! & 0xff)) >>> 0 : (cpu.regs[Reg.EBX]! + (cpu.regs[0]! & 0xff)) & 0xffff
  cpu.setReg8(0, readSized(cpu, linearAddress(cpu, i.seg, offset, 1, false), 1))
}

/** CBW/CWDE (98) */
export function cbw(cpu: CpuCore, i: Instr): void {
  if (i.opSize === 2) cpu.setReg16(0, (cpu.regs[0]! << 24) >> 24)
  else cpu.regs[0] = (cpu.regs[0]! << 16) >> 16
}

/** CWD/CDQ (99) */
export function cwd(cpu: CpuCore, i: Instr): void {
  if (i.opSize === 2) cpu.setReg16(Reg.EDX, (cpu.regs[0]! << 16) >> 31)
  else cpu.regs[Reg.EDX] = cpu.regs[0]! >> 31
}

/** LAHF (9F): AH = SF:ZF:0:AF:0:PF:1:CF */
export function lahf(cpu: CpuCore): void {
  cpu.setReg8(4, (materializeFlags(cpu) & (SF | ZF | AF | PF | CF)) | 2)
}

/** SAHF (9E) */
export function sahf(cpu: CpuCore): void {
  const mask = SF | ZF | AF | PF | CF
  cpu.flags = (materializeFlags(cpu) & ~mask) | ((cpu.regs[0]! >> 8) & mask)
}

/** CLC, STC, CMC (F8, F9, F5) */
export function clc(cpu: CpuCore): void {
  cpu.flags = materializeFlags(cpu) & ~CF
}
export function stc(cpu: CpuCore): void {
  cpu.flags = materializeFlags(cpu) | CF
}
export function cmc(cpu: CpuCore): void {
  cpu.flags = materializeFlags(cpu) ^ CF
}
/** CLD, STD (FC, FD) */
export function cld(cpu: CpuCore): void {
  cpu.flags &= ~DF
}
export function std(cpu: CpuCore): void {
  cpu.flags |= DF
}

/** MOV r/m16, Sreg (8C): a register destination gets the selector zero-extended. */
export function movRmSreg(cpu: CpuCore, i: Instr): void {
  if (i.reg > 5) raise(cpu, UD)
  const sel = cpu.segSel[i.reg]!
  if (i.isMem) writeSized(cpu, operandAddress(cpu, i, 2, true), 2, sel)
  else cpu.writeReg(i.opSize, i.rm, sel)
}

/** MOV Sreg, r/m16 (8E). CS cannot be loaded this way; loading SS holds off interrupts for one instruction. */
export function movSregRm(cpu: CpuCore, i: Instr): void {
  if (i.reg > 5 || i.reg === Seg.CS) raise(cpu, UD)
  loadSegment(cpu, i.reg, readRm(cpu, i, 2))
  if (i.reg === Seg.SS) {
    cpu.interruptShadow = true
    cpu.debugShadow = true
    cpu.leaveBlock = true
  }
}

/** LES (C4), LDS (C5), LSS (0F B2), LFS (0F B4), LGS (0F B5): load a far pointer. */
export function loadFarPointer(cpu: CpuCore, i: Instr): void {
  if (!i.isMem) raise(cpu, UD)
  const s = i.opcode === 0xc4 ? Seg.ES : i.opcode === 0xc5 ? Seg.DS : i.opcode === 0x1b2 ? Seg.SS : i.opcode === 0x1b4 ? Seg.FS : Seg.GS
  const size = i.opSize
  const ea = effectiveAddress(cpu, i)
  const offset = readSized(cpu, linearAddress(cpu, i.seg, ea, size, false), size)
  const selectorOffset = i.addr32 ? (ea + size) >>> 0 : (ea + size) & 0xffff
  const selector = read16(cpu, linearAddress(cpu, i.seg, selectorOffset, 2, false))
  loadSegment(cpu, s, selector)
  cpu.writeReg(size, i.reg, offset)
  if (s === Seg.SS) cpu.leaveBlock = true
}
