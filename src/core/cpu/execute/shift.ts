/**
 * Shifts and rotates: ROL, ROR, RCL, RCR, SHL/SAL, SHR, SAR (group 2), SHLD, SHRD.
 *
 * The count is masked to 5 bits. A masked count of 0 changes nothing, flags
 * included. OF is defined only for a count of 1; for larger counts we give it the
 * same formula (the SDM leaves it undefined). AF is undefined after shifts: cleared.
 */
import {CF, OF, SIGN_BIT, WIDTH_MASK} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {getCF, materializeFlags, setLazyResult} from '../flags.js'
import type {CpuCore} from '../state.js'
import {rmwRead, rmwWrite} from './operands.js'

export enum ShiftOp { ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7 }

// Carry and overflow of the last computation, committed after the destination is written.
let outCF = false
let outOF = false

/** The result of shift/rotate `op` of the `size`-byte value `a` by `count` (1-31). */
export function shiftResult(op: number, a: number, count: number, size: number, cfIn: boolean): number {
  const bits = size * 8
  const mask = WIDTH_MASK[size]!
  const sign = SIGN_BIT[size]!
  a &= mask
  let r: number
  switch (op) {
    case ShiftOp.ROL: {
      const n = count & (bits - 1)
      r = n === 0 ? a : ((a << n) | (a >>> (bits - n))) & mask
      outCF = (r & 1) !== 0
      outOF = ((r & sign) !== 0) !== outCF
      return r
    }
    case ShiftOp.ROR: {
      const n = count & (bits - 1)
      r = n === 0 ? a : ((a >>> n) | (a << (bits - n))) & mask
      outCF = (r & sign) !== 0
      outOF = outCF !== ((r & (sign >>> 1)) !== 0)
      return r
    }
    case ShiftOp.RCL: {
      const n = bits === 32 ? count : count % (bits + 1)
      r = a
      let cf = cfIn
      for (let k = 0; k < n; k++) {
        const out = (r & sign) !== 0
        r = ((r << 1) | (cf ? 1 : 0)) & mask
        cf = out
      }
      outCF = cf
      outOF = ((r & sign) !== 0) !== cf
      return r
    }
    case ShiftOp.RCR: {
      const n = bits === 32 ? count : count % (bits + 1)
      // OF for a count of 1 is MSB(dest) XOR CF, both taken before the rotation.
      outOF = ((a & sign) !== 0) !== cfIn
      r = a
      let cf = cfIn
      for (let k = 0; k < n; k++) {
        const out = (r & 1) !== 0
        r = ((r >>> 1) | (cf ? sign : 0)) & mask
        cf = out
      }
      outCF = cf
      return r
    }
    case ShiftOp.SHL:
    case ShiftOp.SAL:
      r = count < 32 ? (a << count) & mask : 0
      outCF = count <= bits ? ((a >>> (bits - count)) & 1) !== 0 : false
      outOF = ((r & sign) !== 0) !== outCF
      return r
    case ShiftOp.SHR:
      r = count >= bits ? 0 : a >>> count
      outCF = count <= bits ? ((a >>> (count - 1)) & 1) !== 0 : false
      outOF = (a & sign) !== 0
      return r
    default: { // SAR
      const signed = size === 4 ? a | 0 : size === 2 ? (a << 16) >> 16 : (a << 24) >> 24
      r = (signed >> (count >= bits ? bits - 1 : count)) & mask
      outCF = ((signed >> (count > bits ? bits - 1 : count - 1)) & 1) !== 0
      outOF = false
      return r
    }
  }
}

/** Commit the flags of the last `shiftResult`. Rotates change only CF and OF. */
function shiftFlags(cpu: CpuCore, op: number, r: number, size: number): void {
  if (op <= ShiftOp.RCR) {
    const f = materializeFlags(cpu) & ~(CF | OF)
    cpu.flags = f | (outCF ? CF : 0) | (outOF ? OF : 0)
  } else {
    setLazyResult(cpu, r, size, (outCF ? CF : 0) | (outOF ? OF : 0))
  }
}

/** Group 2: C0/C1 by imm8, D0/D1 by 1, D2/D3 by CL. */
export function shiftRm(cpu: CpuCore, i: Instr): void {
  const size = i.opcode & 1 ? i.opSize : 1
  const op = i.reg
  const count = (i.opcode >= 0xd2 ? cpu.regs[1]! : i.opcode >= 0xd0 ? 1 : i.imm) & 0x1f
  const a = rmwRead(cpu, i, size)
  if (count === 0) return
  const r = shiftResult(op, a, count, size, getCF(cpu))
  rmwWrite(cpu, i, size, r)
  shiftFlags(cpu, op, r, size)
}

/** SHLD (0F A4 imm8, 0F A5 CL) and SHRD (0F AC, 0F AD): shift r/m, filling from reg. */
export function doubleShift(cpu: CpuCore, i: Instr): void {
  const size = i.opSize
  const bits = size * 8
  const mask = WIDTH_MASK[size]!
  const sign = SIGN_BIT[size]!
  const left = i.opcode < 0x1a8
  const count = ((i.opcode & 1) !== 0 ? cpu.regs[1]! : i.imm) & 0x1f
  const a = rmwRead(cpu, i, size) & mask
  if (count === 0) return
  const b = cpu.readReg(size, i.reg) & mask
  let r: number
  let cf: boolean
  if (size === 2 && count > 16) {
    // Undefined by the SDM: we shift the 48-bit value dest:src:dest.
    const n = count - 16
    r = left ? ((b << n) | (a >>> (16 - n))) & mask : ((b >>> n) | (a << (16 - n))) & mask
    cf = left ? ((b >>> (16 - n)) & 1) !== 0 : ((b >>> (n - 1)) & 1) !== 0
  } else if (left) {
    r = ((a << count) | (count === bits ? b : b >>> (bits - count))) & mask
    cf = ((a >>> (bits - count)) & 1) !== 0
  } else {
    r = ((a >>> count) | (b << (bits - count))) & mask
    cf = ((a >>> (count - 1)) & 1) !== 0
  }
  rmwWrite(cpu, i, size, r)
  const of = ((r ^ a) & sign) !== 0
  setLazyResult(cpu, r, size, (cf ? CF : 0) | (of ? OF : 0))
}
