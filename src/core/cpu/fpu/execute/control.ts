/**
 * The control instructions: FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW, FNSTENV,
 * FLDENV, FNSAVE, FRSTOR, FINCSTP, FDECSTP, FFREE, FNOP, and the 8087/287
 * leftovers a 387 and later execute as no-ops (FENI, FDISI, FSETPM). The FN*
 * forms do not wait; with a preceding WAIT they are FINIT, FCLEX, FSTCW, ...
 */
import {Reg} from '../../api.js'
import type {Instr} from '../../decoder/instr.js'
import type {CpuCore} from '../../state.js'
import {loadImage, storeImage} from '../environment.js'
import {SW_B, SW_C1, SW_ES, SW_SF} from '../fpu-state.js'
import {afterStatusChange, beginControl, beginNoWait} from '../instruction-context.js'
import {readM16, writeM16} from '../operand-memory.js'
import {EXCEPTION_FLAGS} from '../rounding.js'

/** FNINIT (DB E3). */
export function initialize(cpu: CpuCore): void {
  beginNoWait(cpu)
  cpu.fpu.initialize()
  afterStatusChange(cpu)
}

/** FNCLEX (DB E2): the exception flags, SF, ES and B. */
export function clearExceptions(cpu: CpuCore): void {
  beginNoWait(cpu)
  cpu.fpu.status &= ~(EXCEPTION_FLAGS | SW_SF | SW_ES | SW_B)
  afterStatusChange(cpu)
}

/** FLDCW m16 (D9 /5): unmasking a flag that is set makes the exception pending. */
export function loadControlWord(cpu: CpuCore, i: Instr): void {
  if (!beginControl(cpu)) return
  const fpu = cpu.fpu
  fpu.controlWord = readM16(cpu, i)
  fpu.updateErrorSummary()
  afterStatusChange(cpu)
}

/** FNSTCW m16 (D9 /7). */
export function storeControlWord(cpu: CpuCore, i: Instr): void {
  beginNoWait(cpu)
  writeM16(cpu, i, cpu.fpu.controlWord)
}

/** FNSTSW m16 (DD /7). */
export function storeStatusWord(cpu: CpuCore, i: Instr): void {
  beginNoWait(cpu)
  writeM16(cpu, i, cpu.fpu.statusWord)
}

/** FNSTSW AX (DF E0). */
export function storeStatusWordAx(cpu: CpuCore): void {
  beginNoWait(cpu)
  cpu.setReg16(Reg.EAX, cpu.fpu.statusWord)
}

/** FNSTENV (D9 /6): afterwards every exception is masked, as after the hardware's own store. */
export function storeEnvironment(cpu: CpuCore, i: Instr): void {
  beginNoWait(cpu)
  storeImage(cpu, i, false)
  cpu.fpu.controlWord |= EXCEPTION_FLAGS
  cpu.fpu.updateErrorSummary()
  afterStatusChange(cpu)
}

/** FLDENV (D9 /4). */
export function loadEnvironment(cpu: CpuCore, i: Instr): void {
  if (!beginControl(cpu)) return
  loadImage(cpu, i, false)
  afterStatusChange(cpu)
}

/** FNSAVE (DD /6): the state image, then FNINIT. */
export function saveState(cpu: CpuCore, i: Instr): void {
  beginNoWait(cpu)
  storeImage(cpu, i, true)
  cpu.fpu.initialize()
  afterStatusChange(cpu)
}

/** FRSTOR (DD /4). */
export function restoreState(cpu: CpuCore, i: Instr): void {
  if (!beginControl(cpu)) return
  loadImage(cpu, i, true)
  afterStatusChange(cpu)
}

/** FINCSTP (D9 F7) and FDECSTP (D9 F6): TOP moves, tags stay; C1 = 0. */
export function moveStackTop(cpu: CpuCore, i: Instr): void {
  if (!beginControl(cpu)) return
  const fpu = cpu.fpu
  fpu.top = (fpu.top + (i.rm === 7 ? 1 : -1)) & 7
  fpu.status &= ~SW_C1
}

/** FFREE ST(i) (DD C0+i), and FFREEP ST(i) (DF C0+i), which also pops. */
export function freeRegister(cpu: CpuCore, i: Instr): void {
  if (!beginControl(cpu)) return
  cpu.fpu.free(i.rm)
  if (i.opcode === 0xdf) cpu.fpu.pop()
}

/** FNOP (D9 D0), and FENI, FDISI, FSETPM (DB E0, E1, E4), which a 387 and later ignore. */
export function noOperation(cpu: CpuCore, i: Instr): void {
  if (i.opcode === 0xd9) beginControl(cpu)
  else beginNoWait(cpu)
}
