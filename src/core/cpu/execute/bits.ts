/**
 * Bit and byte instructions: BT/BTS/BTR/BTC, BSF/BSR, SETcc, BSWAP, and the
 * atomic-style CMPXCHG, XADD, CMPXCHG8B.
 */
import {UD, WIDTH_MASK, ZF} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {materializeFlags, setCF, testCondition} from '../flags.js'
import {read32, readSized, write32, writeSized} from '../mmu.js'
import {linearAddress} from '../segmentation.js'
import {raise} from '../signals.js'
import type {CpuCore} from '../state.js'
import {aluFlags, aluResult, AluOp} from './alu.js'
import {effectiveAddress, operandAddress, readRm, rmwRead, rmwWrite} from './operands.js'

enum BitOp { BT = 0, BTS = 1, BTR = 2, BTC = 3 }

function bitOperation(cpu: CpuCore, i: Instr, op: number, bitOffset: number, fromRegister: boolean): void {
  const size = i.opSize
  const bits = size * 8
  let bit: number
  let linear = 0
  let value: number
  if (!i.isMem) {
    bit = bitOffset & (bits - 1)
    value = cpu.readReg(size, i.rm)
  } else {
    // A register bit offset is signed and may address memory outside the operand.
    let displacement = 0
    if (fromRegister) {
      const signed = size === 2 ? (bitOffset << 16) >> 16 : bitOffset | 0
      displacement = (signed >> (size === 2 ? 4 : 5)) * size
      bit = signed & (bits - 1)
    } else {
      bit = bitOffset & (bits - 1)
    }
    const ea = i.addr32 ? (effectiveAddress(cpu, i) + displacement) >>> 0 : (effectiveAddress(cpu, i) + displacement) & 0xffff
    linear = linearAddress(cpu, i.seg, ea, size, op !== BitOp.BT)
    value = readSized(cpu, linear, size)
  }
  const set = ((value >>> bit) & 1) !== 0
  if (op !== BitOp.BT) {
    const m = 1 << bit
    const r = op === BitOp.BTS ? value | m : op === BitOp.BTR ? value & ~m : value ^ m
    if (i.isMem) writeSized(cpu, linear, size, r)
    else cpu.writeReg(size, i.rm, r)
  }
  setCF(cpu, set)
}

/** BT/BTS/BTR/BTC r/m, reg (0F A3, AB, B3, BB) */
export function bitTestReg(cpu: CpuCore, i: Instr): void {
  const op = (i.opcode >> 3) & 3
  bitOperation(cpu, i, op, cpu.readReg(i.opSize, i.reg), true)
}

/** Group 8 (0F BA /4-/7): BT/BTS/BTR/BTC r/m, imm8 */
export function bitTestImm(cpu: CpuCore, i: Instr): void {
  bitOperation(cpu, i, i.reg - 4, i.imm, false)
}

/** BSF (0F BC) / BSR (0F BD): ZF=1 and destination unchanged when the source is 0. */
export function bitScan(cpu: CpuCore, i: Instr): void {
  const size = i.opSize
  const src = readRm(cpu, i, size) & WIDTH_MASK[size]!
  const f = materializeFlags(cpu)
  if (src === 0) {
    cpu.flags = f | ZF
    return
  }
  const index = i.opcode === 0x1bc ? 31 - Math.clz32(src & -src) : 31 - Math.clz32(src)
  cpu.writeReg(size, i.reg, index)
  cpu.flags = f & ~ZF
}

/** SETcc r/m8 (0F 90-9F) */
export function setcc(cpu: CpuCore, i: Instr): void {
  const v = testCondition(cpu, i.opcode & 0xf) ? 1 : 0
  if (i.isMem) writeSized(cpu, operandAddress(cpu, i, 1, true), 1, v)
  else cpu.setReg8(i.rm, v)
}

/** BSWAP reg (0F C8-CF). With a 16-bit operand the result is undefined: we clear the low word. */
export function bswap(cpu: CpuCore, i: Instr): void {
  const n = i.opcode & 7
  const v = cpu.regs[n]!
  if (i.opSize === 2) {
    cpu.setReg16(n, 0)
    return
  }
  cpu.regs[n] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)
}

/** CMPXCHG r/m, reg (0F B0/B1): the destination is always written, as on hardware. */
export function cmpxchg(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const dest = rmwRead(cpu, i, size)
  const acc = cpu.readReg(size, 0)
  const r = aluResult(AluOp.CMP, acc, dest, size, 0)
  if (r === 0) {
    rmwWrite(cpu, i, size, cpu.readReg(size, i.reg))
  } else {
    rmwWrite(cpu, i, size, dest)
    cpu.writeReg(size, 0, dest)
  }
  aluFlags(cpu, AluOp.CMP, acc, dest, r, size, 0)
}

/** XADD r/m, reg (0F C0/C1) */
export function xadd(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const dest = rmwRead(cpu, i, size)
  const src = cpu.readReg(size, i.reg)
  const r = aluResult(AluOp.ADD, dest, src, size, 0)
  if (!i.isMem && i.rm === i.reg) {
    cpu.writeReg(size, i.reg, r)
  } else {
    cpu.writeReg(size, i.reg, dest)
    rmwWrite(cpu, i, size, r)
  }
  aluFlags(cpu, AluOp.ADD, dest, src, r, size, 0)
}

/** CMPXCHG8B m64 (0F C7 /1): compare EDX:EAX with m64; ZF reports equality. */
export function cmpxchg8b(cpu: CpuCore, i: Instr): void {
  if (!i.isMem) raise(cpu, UD)
  const linear = operandAddress(cpu, i, 8, true)
  const lo = read32(cpu, linear)
  const hi = read32(cpu, (linear + 4) | 0)
  const regs = cpu.regs
  const equal = lo === regs[0] && hi === regs[2]
  if (equal) {
    write32(cpu, linear, regs[3]!)
    write32(cpu, (linear + 4) | 0, regs[1]!)
  } else {
    write32(cpu, linear, lo)
    write32(cpu, (linear + 4) | 0, hi)
    regs[0] = lo
    regs[2] = hi
  }
  const f = materializeFlags(cpu)
  cpu.flags = equal ? f | ZF : f & ~ZF
}

