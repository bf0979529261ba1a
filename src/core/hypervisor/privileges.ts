import {HV_PRIVILEGE_HIGH as H, HV_PRIVILEGE_LOW as L} from './hvdef.js'

/** HV_PARTITION_PRIVILEGE_MASK as its two 32-bit halves (CPUID 0x40000003 EAX and EBX). */
export interface PrivilegeMask {
  low: number
  high: number
}

/** The root partition may do everything, including creating partitions and managing memory. */
export const ROOT_PRIVILEGES: PrivilegeMask = {
  low: Object.values(L).reduce((mask, bit) => mask | bit, 0) >>> 0,
  high: Object.values(H).reduce((mask, bit) => mask | bit, 0) >>> 0,
}

/**
 * A child partition: its own hypercall MSRs, VP index, run time, reference
 * counter and reset register, the SynIC, synthetic timer, interrupt control
 * (EOI/ICR/TPR) and frequency registers, and the right to post messages and
 * signal events; no partition or memory management, no partition-id or
 * statistics access. Hyper-V also gives children the reference TSC page; that
 * bit is advertised once this hypervisor implements it, because a guest that
 * sees a privilege uses it.
 */
export const CHILD_PRIVILEGES: PrivilegeMask = {
  low: (L.AccessVpRunTimeReg | L.AccessPartitionReferenceCounter | L.AccessHypercallMsrs | L.AccessVpIndex |
    L.AccessResetReg | L.AccessSynicRegs | L.AccessSyntheticTimerRegs | L.AccessIntrCtrlRegs | L.AccessFrequencyRegs) >>> 0,
  high: (H.PostMessages | H.SignalEvents) >>> 0,
}

export function hasLow(mask: PrivilegeMask, bit: number): boolean {
  return (mask.low & bit) !== 0
}

export function hasHigh(mask: PrivilegeMask, bit: number): boolean {
  return (mask.high & bit) !== 0
}
