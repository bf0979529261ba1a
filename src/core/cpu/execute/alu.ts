/**
 * ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, INC, DEC, NEG, NOT.
 *
 * Every handler computes its result, writes the destination, and only then sets
 * the flags: if the write faults or exits to the host, the instruction restarts
 * with EFLAGS untouched.
 */
import {ARITH_FLAGS, CF, WIDTH_MASK} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {getCF, setLazyArith, setLazyResult} from '../flags.js'
import type {CpuCore} from '../state.js'
import {readRm, rmwRead, rmwWrite} from './operands.js'

/** ALU operation numbers, as encoded in bits 3-5 of opcodes 00-3F and in ModRM.reg of 80-83. */
export enum AluOp { ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7 }

/** Result of `a op b` (carry-in `cin` for ADC/SBB), masked to `size` bytes. */
export function aluResult(op: number, a: number, b: number, size: number, cin: number): number {
  let r: number
  switch (op) {
    case AluOp.ADD: r = a + b; break
    case AluOp.OR: r = a | b; break
    case AluOp.ADC: r = a + b + cin; break
    case AluOp.SBB: r = a - b - cin; break
    case AluOp.AND: r = a & b; break
    case AluOp.XOR: r = a ^ b; break
    default: r = a - b; break // SUB, CMP
  }
  return r & WIDTH_MASK[size]!
}

/** Record the flags of `r = a op b` (lazily where possible). */
export function aluFlags(cpu: CpuCore, op: number, a: number, b: number, r: number, size: number, cin: number): void {
  switch (op) {
    case AluOp.ADD:
      setLazyArith(cpu, a, b, r, size, false, ARITH_FLAGS)
      return
    case AluOp.SUB:
    case AluOp.CMP:
      setLazyArith(cpu, a, b, r, size, true, ARITH_FLAGS)
      return
    case AluOp.ADC: {
      const m = WIDTH_MASK[size]!
      const ua = (a & m) >>> 0
      const ur = r >>> 0
      const carry = cin ? ur <= ua : ur < ua
      setLazyArith(cpu, a, b, r, size, false, ARITH_FLAGS & ~CF)
      cpu.flags = carry ? cpu.flags | CF : cpu.flags & ~CF
      return
    }
    case AluOp.SBB: {
      const m = WIDTH_MASK[size]!
      const ua = (a & m) >>> 0
      const ub = (b & m) >>> 0
      const borrow = cin ? ua <= ub : ua < ub
      setLazyArith(cpu, a, b, r, size, true, ARITH_FLAGS & ~CF)
      cpu.flags = borrow ? cpu.flags | CF : cpu.flags & ~CF
      return
    }
    default:
      // OR, AND, XOR: CF and OF cleared; AF is undefined and we clear it.
      setLazyResult(cpu, r, size, 0)
  }
}

function carryIn(cpu: CpuCore, op: number): number {
  return (op === AluOp.ADC || op === AluOp.SBB) && getCF(cpu) ? 1 : 0
}

/** Opcodes 00/01, 08/09 ... 38/39: op r/m, reg. */
export function aluRmReg(cpu: CpuCore, i: Instr): void {
  const op = (i.opcode >> 3) & 7
  const size = i.opcode & 1 ? i.opSize : 1
  const cin = carryIn(cpu, op)
  const a = op === AluOp.CMP ? readRm(cpu, i, size) : rmwRead(cpu, i, size)
  const b = cpu.readReg(size, i.reg)
  const r = aluResult(op, a, b, size, cin)
  if (op !== AluOp.CMP) rmwWrite(cpu, i, size, r)
  aluFlags(cpu, op, a, b, r, size, cin)
}

/** Opcodes 02/03 ... 3A/3B: op reg, r/m. */
export function aluRegRm(cpu: CpuCore, i: Instr): void {
  const op = (i.opcode >> 3) & 7
  const size = i.opcode & 1 ? i.opSize : 1
  const cin = carryIn(cpu, op)
  const a = cpu.readReg(size, i.reg)
  const b = readRm(cpu, i, size)
  const r = aluResult(op, a, b, size, cin)
  if (op !== AluOp.CMP) cpu.writeReg(size, i.reg, r)
  aluFlags(cpu, op, a, b, r, size, cin)
}

/** Opcodes 04/05 ... 3C/3D: op AL/eAX, imm. */
export function aluAccImm(cpu: CpuCore, i: Instr): void {
  const op = (i.opcode >> 3) & 7
  const size = i.opcode & 1 ? i.opSize : 1
  const cin = carryIn(cpu, op)
  const a = cpu.readReg(size, 0)
  const r = aluResult(op, a, i.imm, size, cin)
  if (op !== AluOp.CMP) cpu.writeReg(size, 0, r)
  aluFlags(cpu, op, a, i.imm, r, size, cin)
}

/** Group 1 (80-83): op r/m, imm with the operation in ModRM.reg. */
export function aluRmImm(cpu: CpuCore, i: Instr): void {
  const op = i.reg
  const size = i.opcode === 0x80 || i.opcode === 0x82 ? 1 : i.opSize
  const cin = carryIn(cpu, op)
  const a = op === AluOp.CMP ? readRm(cpu, i, size) : rmwRead(cpu, i, size)
  const r = aluResult(op, a, i.imm, size, cin)
  if (op !== AluOp.CMP) rmwWrite(cpu, i, size, r)
  aluFlags(cpu, op, a, i.imm, r, size, cin)
}

/** TEST r/m, reg (84/85) */
export function testRmReg(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  setLazyResult(cpu, readRm(cpu, i, size) & cpu.readReg(size, i.reg), size, 0)
}

/** TEST AL/eAX, imm (A8/A9) */
export function testAccImm(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  setLazyResult(cpu, cpu.readReg(size, 0) & i.imm, size, 0)
}

/** TEST r/m, imm (F6/F7 /0 and /1) */
export function testRmImm(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  setLazyResult(cpu, readRm(cpu, i, size) & i.imm, size, 0)
}

/** INC/DEC leave CF alone: it is materialized before the other five go lazy. */
function incDecFlags(cpu: CpuCore, a: number, r: number, size: number, dec: boolean): void {
  const cf = getCF(cpu)
  setLazyArith(cpu, a, 1, r, size, dec, ARITH_FLAGS & ~CF)
  cpu.flags = cf ? cpu.flags | CF : cpu.flags & ~CF
}

/** INC/DEC reg (40-4F) */
export function incDecReg(cpu: CpuCore, i: Instr): void {
  const n = i.opcode & 7
  const dec = (i.opcode & 8) !== 0
  const size = i.opSize
  const a = cpu.readReg(size, n)
  const r = (dec ? a - 1 : a + 1) & WIDTH_MASK[size]!
  cpu.writeReg(size, n, r)
  incDecFlags(cpu, a, r, size, dec)
}

/** INC/DEC r/m (FE/FF /0 and /1) */
export function incDecRm(cpu: CpuCore, i: Instr): void {
  const dec = i.reg === 1
  const size = i.opcode & 1 ? i.opSize : 1
  const a = rmwRead(cpu, i, size)
  const r = (dec ? a - 1 : a + 1) & WIDTH_MASK[size]!
  rmwWrite(cpu, i, size, r)
  incDecFlags(cpu, a, r, size, dec)
}

/** NOT r/m (F6/F7 /2): no flags. */
export function notRm(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  rmwWrite(cpu, i, size, ~rmwRead(cpu, i, size) & WIDTH_MASK[size]!)
}

/** NEG r/m (F6/F7 /3): flags of 0 - x; CF set unless x was 0. */
export function negRm(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const a = rmwRead(cpu, i, size)
  const r = -a & WIDTH_MASK[size]!
  rmwWrite(cpu, i, size, r)
  setLazyArith(cpu, 0, a, r, size, true, ARITH_FLAGS)
}
