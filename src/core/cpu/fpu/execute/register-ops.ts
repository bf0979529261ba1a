/**
 * Instructions on the registers themselves: FXCH, FCHS, FABS, FXAM and the
 * Pentium Pro conditional moves FCMOVcc. None of them raises an arithmetic
 * exception (FCHS and FABS change only the sign, even of an SNaN).
 */
import type {Instr} from '../../decoder/instr.js'
import {testCondition} from '../../flags.js'
import type {CpuCore} from '../../state.js'
import {Kind, kindOf, negate, withSign} from '../ext80.js'
import {SW_C0, SW_C1, SW_C2, SW_C3} from '../fpu-state.js'
import {beginNumeric, finish, stackFault} from '../instruction-context.js'

/** FXCH ST(i) (D9 C8+i, and the DD /1, DF /1 aliases). Empty registers take the indefinite (masked underflow). */
export function exchange(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  if (fpu.isEmpty(0) || fpu.isEmpty(i.rm)) {
    const r = stackFault(cpu, false)
    if (r === null) {
      finish(cpu)
      return
    }
    if (fpu.isEmpty(0)) fpu.setSt(0, r)
    if (fpu.isEmpty(i.rm)) fpu.setSt(i.rm, r)
  }
  const a = fpu.st(0)
  fpu.setSt(0, fpu.st(i.rm))
  fpu.setSt(i.rm, a)
  finish(cpu)
}

/** FCHS (D9 E0) and FABS (D9 E1). */
export function changeSign(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  if (fpu.isEmpty(0)) {
    const r = stackFault(cpu, false)
    if (r !== null) fpu.setSt(0, r)
  } else {
    const v = fpu.st(0)
    fpu.setSt(0, i.rm === 0 ? negate(v) : withSign(v, 0))
  }
  finish(cpu)
}

/** C3 C2 C0 of FXAM for each class (SDM Vol. 2 FXAM). */
function examineCode(cpu: CpuCore): number {
  const fpu = cpu.fpu
  if (fpu.isEmpty(0)) return SW_C3 | SW_C0
  switch (kindOf(fpu.st(0))) {
    case Kind.Unsupported: return 0
    case Kind.QNaN:
    case Kind.SNaN: return SW_C0
    case Kind.Normal: return SW_C2
    case Kind.Infinity: return SW_C2 | SW_C0
    case Kind.Zero: return SW_C3
    default: return SW_C3 | SW_C2
  }
}

/** FXAM (D9 E5): the class of ST(0) in C3 C2 C0, its sign in C1. */
export function examine(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const sign = fpu.st(0).sign === 1 ? SW_C1 : 0
  fpu.status = (fpu.status & ~(SW_C0 | SW_C1 | SW_C2 | SW_C3)) | examineCode(cpu) | sign
}

/** The EFLAGS condition of each FCMOVcc: DA /0-/3 B, E, BE, U; DB /0-/3 their negations. */
const FCMOV_CONDITIONS = [2, 4, 6, 10]

/** FCMOVB/E/BE/U (DA C0-DF) and FCMOVNB/NE/NBE/NU (DB C0-DF): ST(0) = ST(i) if the condition holds. */
export function conditionalMove(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  if (fpu.isEmpty(0) || fpu.isEmpty(i.rm)) {
    const r = stackFault(cpu, false)
    if (r !== null) fpu.setSt(0, r)
    finish(cpu)
    return
  }
  const cc = FCMOV_CONDITIONS[i.reg]! + (i.opcode === 0xdb ? 1 : 0)
  if (testCondition(cpu, cc)) fpu.setSt(0, fpu.st(i.rm))
  finish(cpu)
}
