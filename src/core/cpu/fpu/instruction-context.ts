/**
 * What every x87 instruction does around its operation (SDM Vol. 1 §8.1.8,
 * §8.6, §8.7; Vol. 3 §2.5 CR0.EM/MP/TS/NE):
 *
 * - #NM when CR0.EM or CR0.TS is set (the OS emulates the FPU or switches its
 *   state lazily);
 * - waiting instructions first deliver a pending unmasked exception: #MF when
 *   CR0.NE = 1; with NE = 0 the processor asserts FERR# (the platform routes it
 *   to IRQ 13) and freezes before the instruction until an interrupt comes,
 *   unless IGNNE# is asserted, in which case it goes on. The six FN* control
 *   instructions do not wait;
 * - non-control instructions record the last instruction pointer, opcode and
 *   operand pointer;
 * - afterwards the exception flags the operation raised merge into the status
 *   word with C1, and ES/B follow the unmasked flags.
 */
import {Seg} from '../api.js'
import {CR0_EM, CR0_NE, CR0_TS, MF, NM} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {raise} from '../signals.js'
import type {CpuCore} from '../state.js'
import {effectiveAddress} from '../execute/operands.js'
import {INDEFINITE, type Ext80} from './ext80.js'
import {SW_C1, SW_ES, SW_SF} from './fpu-state.js'
import {IE} from './rounding.js'

/** Raise #NM if the FPU is not available to the instruction. */
function checkAvailable(cpu: CpuCore): void {
  if ((cpu.cr0 & (CR0_EM | CR0_TS)) !== 0) raise(cpu, NM)
}

/**
 * A pending unmasked exception met a waiting instruction. Returns false when
 * the instruction must not run now (frozen on FERR#, waiting for IRQ 13).
 */
function deliverPending(cpu: CpuCore): boolean {
  if ((cpu.cr0 & CR0_NE) !== 0) raise(cpu, MF)
  const fpu = cpu.fpu
  if (!fpu.ferr) {
    fpu.ferr = true
    cpu.fpuErrorSink?.(true)
  }
  if (cpu.ignne) return true
  // Freeze before the instruction: it runs again after the interrupt handler returns.
  cpu.eip = cpu.startEip
  cpu.halted = true
  cpu.leaveBlock = true
  return false
}

/** WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set, then any pending exception. */
export function waitForFpu(cpu: CpuCore): void {
  if ((cpu.fpu.status & SW_ES) !== 0) deliverPending(cpu)
}

/** A numeric (non-control) instruction: may it run? Records the instruction and operand pointers. */
export function beginNumeric(cpu: CpuCore, i: Instr): boolean {
  checkAvailable(cpu)
  const fpu = cpu.fpu
  if ((fpu.status & SW_ES) !== 0 && !deliverPending(cpu)) return false
  fpu.fip = cpu.startEip
  fpu.fcs = cpu.segSel[Seg.CS]!
  fpu.fop = ((i.opcode & 7) << 8) | (i.mod << 6) | (i.reg << 3) | i.rm
  if (i.isMem) {
    fpu.fdp = effectiveAddress(cpu, i)
    fpu.fds = cpu.segSel[i.seg]!
  }
  fpu.env.reset(fpu.controlWord)
  return true
}

/** A waiting control instruction (FLDCW, FLDENV, FRSTOR, FCLEX/FINIT after their WAIT): no pointers recorded. */
export function beginControl(cpu: CpuCore): boolean {
  checkAvailable(cpu)
  const fpu = cpu.fpu
  if ((fpu.status & SW_ES) !== 0 && !deliverPending(cpu)) return false
  fpu.env.reset(fpu.controlWord)
  return true
}

/** FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE: they do not wait. */
export function beginNoWait(cpu: CpuCore): void {
  checkAvailable(cpu)
  cpu.fpu.env.reset(cpu.fpu.controlWord)
}

/** Merge what the operation raised into the status word, with C1 as the operation left it. */
export function finish(cpu: CpuCore): void {
  const fpu = cpu.fpu
  const env = fpu.env
  fpu.status = (fpu.status & ~SW_C1) | env.flags | (env.c1 ? SW_C1 : 0)
  fpu.updateErrorSummary()
  afterStatusChange(cpu)
}

/** ES was cleared (FNCLEX, FNINIT, FLDENV, FRSTOR, FLDCW masking): FERR# goes inactive. */
export function afterStatusChange(cpu: CpuCore): void {
  const fpu = cpu.fpu
  if (fpu.ferr && (fpu.status & SW_ES) === 0) {
    fpu.ferr = false
    cpu.fpuErrorSink?.(false)
  }
}

/**
 * Stack underflow (an empty register read) or overflow (a push onto a full
 * one): IE and SF, C1 = 0 for underflow and 1 for overflow. Returns the masked
 * response's value (the real indefinite), or null when it is unmasked and the
 * instruction changes nothing.
 */
export function stackFault(cpu: CpuCore, overflow: boolean): Ext80 | null {
  const env = cpu.fpu.env
  env.flags |= IE | SW_SF
  env.c1 = overflow
  return env.masked(IE) ? INDEFINITE : null
}
