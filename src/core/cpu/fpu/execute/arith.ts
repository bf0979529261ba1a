/**
 * FADD, FSUB, FSUBR, FMUL, FDIV, FDIVR in all their forms (D8, DC, DE with
 * registers; D8/DC with m32fp/m64fp; DA/DE FIADD... with m32int/m16int). The
 * operation is chosen by ModRM.reg, the same numbering in every form:
 * 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr (2 and 3 are the compares).
 * Results round to the precision control.
 */
import type {Instr} from '../../decoder/instr.js'
import type {CpuCore} from '../../state.js'
import {add, divide, multiply} from '../arithmetic.js'
import {fromDouble, fromSingle} from '../conversions.js'
import {fromInteger} from '../arithmetic.js'
import {fastAdd, fastDivide, fastMultiply} from '../fast-arithmetic.js'
import {fastFromDouble} from '../fast-conversions.js'
import type {Ext80} from '../ext80.js'
import {beginNumeric, finish, stackFault} from '../instruction-context.js'
import {readM16, readM32, readM64} from '../operand-memory.js'
import {type ArithEnv, DE, type Format, precisionFormat} from '../rounding.js'

const ADD = 0
const MUL = 1
const SUB = 4
const SUBR = 5
const DIV = 6

/**
 * `a op b` for the operation numbered by ModRM.reg (a is the destination
 * operand): the fast path for normal operands when it applies, else the exact one.
 */
export function operate(env: ArithEnv, op: number, a: Ext80, b: Ext80, format: Format): Ext80 | null {
  switch (op) {
    case ADD: return fastAdd(env, a, b, false, format) ?? add(env, a, b, false, format)
    case MUL: return fastMultiply(env, a, b, format) ?? multiply(env, a, b, format)
    case SUB: return fastAdd(env, a, b, true, format) ?? add(env, a, b, true, format)
    case SUBR: return fastAdd(env, b, a, true, format) ?? add(env, b, a, true, format)
    case DIV: return fastDivide(env, a, b, format) ?? divide(env, a, b, format)
    default: return fastDivide(env, b, a, format) ?? divide(env, b, a, format)
  }
}

/**
 * The memory source operand of D8/DC (real) and DA/DE (integer) forms, or
 * null when converting it raised an unmasked denormal exception.
 */
export function memorySource(cpu: CpuCore, i: Instr): Ext80 | null {
  const env = cpu.fpu.env
  let v: Ext80
  switch (i.opcode) {
    case 0xd8: v = fromSingle(env, readM32(cpu, i), false); break
    case 0xdc: {
      const [lo, hi] = readM64(cpu, i)
      v = fastFromDouble(lo, hi) ?? fromDouble(env, lo, hi, false)
      break
    }
    case 0xda: v = fromInteger(BigInt(readM32(cpu, i))); break
    default: v = fromInteger(BigInt((readM16(cpu, i) << 16) >> 16))
  }
  if ((env.flags & DE) !== 0 && !env.masked(DE)) return null
  return v
}

/** FADD m32fp/m64fp, FIADD m32int/m16int and the rest: ST(0) = ST(0) op memory. */
export function arithmeticMemory(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  if (fpu.isEmpty(0)) {
    const r = stackFault(cpu, false)
    if (r !== null) fpu.setSt(0, r)
    finish(cpu)
    return
  }
  const source = memorySource(cpu, i)
  if (source !== null) {
    const r = operate(fpu.env, i.reg, fpu.st(0), source, precisionFormat(fpu.controlWord))
    if (r !== null) fpu.setSt(0, r)
  }
  finish(cpu)
}

/**
 * The register forms. D8: ST(0) = ST(0) op ST(i). DC: ST(i) = ST(i) op ST(0).
 * DE: the same as DC, then pop (FADDP, FSUBP, ...). In DC and DE the direct
 * and reversed operations trade encodings: /4 is FSUBR ST(i),ST(0) (ST(0) -
 * ST(i)) and /5 FSUB, /6 FDIVR and /7 FDIV. Nothing is stored or popped after
 * an unmasked pre-computation exception.
 */
export function arithmeticRegister(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const toSti = i.opcode !== 0xd8
  const pop = i.opcode === 0xde
  const dest = toSti ? i.rm : 0
  const src = toSti ? 0 : i.rm
  let r: Ext80 | null
  if (fpu.isEmpty(dest) || fpu.isEmpty(src)) r = stackFault(cpu, false)
  else {
    const op = toSti && i.reg >= 4 ? i.reg ^ 1 : i.reg
    r = operate(fpu.env, op, fpu.st(dest), fpu.st(src), precisionFormat(fpu.controlWord))
  }
  if (r !== null) {
    fpu.setSt(dest, r)
    if (pop) fpu.pop()
  }
  finish(cpu)
}
