/**
 * Loads and stores: FLD, FILD, FBLD, the constants (FLD1, FLDPI, ...), FST,
 * FSTP, FIST, FISTP, FBSTP. A push onto a full register is a stack overflow, a
 * read of an empty one an underflow; their masked responses load or store the
 * indefinite of the destination format.
 */
import type {Instr} from '../../decoder/instr.js'
import type {CpuCore} from '../../state.js'
import {fromInteger} from '../arithmetic.js'
import {fromBcd, fromDouble, fromSingle, toBcd, toDouble, toInt, toSingle} from '../conversions.js'
import {type Ext80, INDEFINITE} from '../ext80.js'
import {doubleImage, fastFromDouble, fastToDouble} from '../fast-conversions.js'
import {beginNumeric, finish, stackFault} from '../instruction-context.js'
import {readBytes, readM16, readM32, readM64, readM80, writeBytes, writeM16, writeM32, writeM64, writeM64Words, writeM80} from '../operand-memory.js'
import {DE, IE} from '../rounding.js'
import {loadConstant} from '../constants.js'

/** Push `value` unless the register below TOP is in use (stack overflow). */
function pushChecked(cpu: CpuCore, value: Ext80): void {
  const fpu = cpu.fpu
  if (!fpu.isEmpty(7)) {
    const r = stackFault(cpu, true)
    if (r !== null) fpu.push(r)
    return
  }
  fpu.push(value)
}

/** FLD m32fp/m64fp/m80fp (D9 /0, DD /0, DB /5). */
export function loadReal(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const env = fpu.env
  if (!fpu.isEmpty(7)) {
    pushChecked(cpu, INDEFINITE)
    finish(cpu)
    return
  }
  let v: Ext80
  if (i.opcode === 0xd9) v = fromSingle(env, readM32(cpu, i), true)
  else if (i.opcode === 0xdd) {
    const [lo, hi] = readM64(cpu, i)
    v = fastFromDouble(lo, hi) ?? fromDouble(env, lo, hi, true)
  } else v = readM80(cpu, i)
  // An unmasked invalid (SNaN) or denormal operand loads nothing.
  if (!((env.flags & IE) !== 0 && !env.masked(IE)) && !((env.flags & DE) !== 0 && !env.masked(DE))) fpu.push(v)
  env.c1 = false
  finish(cpu)
}

/** FILD m16int/m32int/m64int (DF /0, DB /0, DF /5). */
export function loadInteger(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  let n: bigint
  if (i.opcode === 0xdb) n = BigInt(readM32(cpu, i))
  else if (i.reg === 0) n = BigInt((readM16(cpu, i) << 16) >> 16)
  else {
    const [lo, hi] = readM64(cpu, i)
    n = (BigInt(hi) << 32n) | BigInt(lo >>> 0)
  }
  pushChecked(cpu, fromInteger(n))
  finish(cpu)
}

/** FBLD m80bcd (DF /4). */
export function loadBcd(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  pushChecked(cpu, fromBcd(readBytes(cpu, i, 10)))
  finish(cpu)
}

/** FLD ST(i) (D9 C0+i): the register is read before the push. */
export function loadRegister(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  if (fpu.isEmpty(i.rm)) {
    const r = stackFault(cpu, false)
    if (r !== null) pushChecked(cpu, r)
  } else {
    pushChecked(cpu, fpu.st(i.rm))
  }
  finish(cpu)
}

/** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (D9 E8-EE): rounded by RC, no precision exception. */
export function loadConstantInstruction(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  pushChecked(cpu, loadConstant(i.rm, cpu.fpu.env.rc))
  finish(cpu)
}

/** FST/FSTP ST(i) (DD D0+i, DD D8+i, and the D9 /3, DF /2 /3 aliases of FSTP). */
export function storeRegister(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const pop = !(i.opcode === 0xdd && i.reg === 2)
  if (fpu.isEmpty(0)) {
    const r = stackFault(cpu, false)
    if (r === null) {
      finish(cpu)
      return
    }
    fpu.setSt(i.rm, r)
  } else {
    fpu.setSt(i.rm, fpu.st(0))
  }
  if (pop) fpu.pop()
  finish(cpu)
}

const SINGLE_INDEFINITE = 0xffc00000 | 0
const DOUBLE_INDEFINITE = 0xfff8000000000000n

/** FST/FSTP m32fp/m64fp/m80fp (D9 /2 /3, DD /2 /3, DB /7). */
export function storeReal(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const env = fpu.env
  const pop = i.reg !== 2
  const empty = fpu.isEmpty(0)
  if (empty && stackFault(cpu, false) === null) {
    finish(cpu)
    return
  }
  let stored = true
  if (i.opcode === 0xd9) {
    const bits = empty ? SINGLE_INDEFINITE : toSingle(env, fpu.st(0))
    if (bits === null) stored = false
    else writeM32(cpu, i, bits)
  } else if (i.opcode === 0xdd && !empty && fastToDouble(env, fpu.st(0))) {
    writeM64Words(cpu, i, doubleImage.lo, doubleImage.hi)
  } else if (i.opcode === 0xdd) {
    const bits = empty ? DOUBLE_INDEFINITE : toDouble(env, fpu.st(0))
    if (bits === null) stored = false
    else writeM64(cpu, i, bits)
  } else {
    writeM80(cpu, i, empty ? INDEFINITE : fpu.st(0))
  }
  if (stored && pop) fpu.pop()
  finish(cpu)
}

/** FIST/FISTP m16int/m32int (DF /2 /3, DB /2 /3) and FISTP m64int (DF /7). */
export function storeInteger(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const bits = i.opcode === 0xdb ? 32 : i.reg === 7 ? 64 : 16
  const pop = i.reg !== 2
  let v: bigint | null
  if (fpu.isEmpty(0)) v = stackFault(cpu, false) === null ? null : 1n << BigInt(bits - 1)
  else v = toInt(fpu.env, fpu.st(0), bits)
  if (v !== null) {
    if (bits === 16) writeM16(cpu, i, Number(v))
    else if (bits === 32) writeM32(cpu, i, Number(v) | 0)
    else writeM64(cpu, i, v)
    if (pop) fpu.pop()
  }
  finish(cpu)
}

const BCD_INDEFINITE = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff])

/** FBSTP m80bcd (DF /6). */
export function storeBcd(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  let bytes: Uint8Array | null
  if (fpu.isEmpty(0)) bytes = stackFault(cpu, false) === null ? null : BCD_INDEFINITE
  else bytes = toBcd(fpu.env, fpu.st(0))
  if (bytes !== null) {
    writeBytes(cpu, i, bytes)
    fpu.pop()
  }
  finish(cpu)
}
