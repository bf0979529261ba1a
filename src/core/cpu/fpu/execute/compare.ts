/**
 * FCOM, FCOMP, FCOMPP, FUCOM, FUCOMP, FUCOMPP, FICOM, FICOMP, FTST (result in
 * C3, C2, C0) and FCOMI, FCOMIP, FUCOMI, FUCOMIP (result in ZF, PF, CF).
 */
import type {Instr} from '../../decoder/instr.js'
import {CF, OF, PF, SF, AF, ZF} from '../../constants.js'
import {setArithFlags} from '../../flags.js'
import type {CpuCore} from '../../state.js'
import {compare, NO_RESULT, UNORDERED} from '../compare.js'
import {type Ext80, POSITIVE_ZERO} from '../ext80.js'
import {SW_C0, SW_C2, SW_C3} from '../fpu-state.js'
import {beginNumeric, finish, stackFault} from '../instruction-context.js'
import {memorySource} from './arith.js'

/** C3 C2 C0 for each relation (greater, less, equal, unordered). */
const CONDITION_CODES = [0, SW_C0, SW_C3, SW_C3 | SW_C2 | SW_C0]
/** ZF PF CF for each relation. */
const EFLAGS_CODES = [0, CF, ZF, ZF | PF | CF]

function compareOperands(cpu: CpuCore, a: Ext80 | null, b: Ext80 | null, quiet: boolean): number {
  if (a === null || b === null) return stackFault(cpu, false) === null ? NO_RESULT : UNORDERED
  return compare(cpu.fpu.env, a, b, quiet)
}

function setConditionCodes(cpu: CpuCore, relation: number): void {
  if (relation === NO_RESULT) return
  const fpu = cpu.fpu
  fpu.status = (fpu.status & ~(SW_C0 | SW_C2 | SW_C3)) | CONDITION_CODES[relation]!
}

function popTimes(cpu: CpuCore, n: number): void {
  for (let k = 0; k < n; k++) cpu.fpu.pop()
}

function st(cpu: CpuCore, i: number): Ext80 | null {
  return cpu.fpu.isEmpty(i) ? null : cpu.fpu.st(i)
}

/** FCOM/FCOMP m32fp, m64fp; FICOM/FICOMP m32int, m16int (ModRM.reg 2 or 3). */
export function compareMemory(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const a = st(cpu, 0)
  const b = a === null ? POSITIVE_ZERO : memorySource(cpu, i)
  let relation = NO_RESULT
  if (b !== null) relation = compareOperands(cpu, a, b, false)
  setConditionCodes(cpu, relation)
  if (relation !== NO_RESULT && i.reg === 3) popTimes(cpu, 1)
  finish(cpu)
}

/**
 * FCOM/FCOMP ST(i) (D8 /2 /3, and the DC /2 /3 and DE /2 aliases), FUCOM/FUCOMP
 * ST(i) (DD /4 /5), FCOMPP (DE D9) and FUCOMPP (DA E9).
 */
export function compareRegister(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const quiet = i.opcode === 0xdd || i.opcode === 0xda
  const pops = i.opcode === 0xda || (i.opcode === 0xde && i.reg === 3) ? 2
    : (i.opcode === 0xdd ? i.reg === 5 : i.reg === 3 || i.opcode === 0xde) ? 1 : 0
  const relation = compareOperands(cpu, st(cpu, 0), st(cpu, pops === 2 ? 1 : i.rm), quiet)
  setConditionCodes(cpu, relation)
  if (relation !== NO_RESULT) popTimes(cpu, pops)
  finish(cpu)
}

/** FTST: ST(0) against +0.0. */
export function test(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  setConditionCodes(cpu, compareOperands(cpu, st(cpu, 0), POSITIVE_ZERO, false))
  finish(cpu)
}

/** FCOMI/FCOMIP (DB /6, DF /6) and FUCOMI/FUCOMIP (DB /5, DF /5): EFLAGS from ST(0) against ST(i). */
export function compareToEflags(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const relation = compareOperands(cpu, st(cpu, 0), st(cpu, i.rm), i.reg === 5)
  if (relation !== NO_RESULT) {
    setArithFlags(cpu, EFLAGS_CODES[relation]!, ZF | PF | CF | OF | SF | AF)
    if (i.opcode === 0xdf) cpu.fpu.pop()
  }
  finish(cpu)
}

