import {HV_CRASH_CTL_HIGH, HV_MSR, HV_PRIVILEGE_LOW as L, HYPERCALL_MSR_ENABLE, HYPERCALL_MSR_LOCKED} from './hvdef.js'
import {APIC_BUS_FREQUENCY_HZ, APIC_REG} from './local-apic.js'
import type {Partition} from './partition.js'
import {hasLow} from './privileges.js'
import {SyntheticTimers} from './synthetic-timers.js'
import type {VirtualProcessor} from './virtual-processor.js'

/** A 64-bit MSR value as its EDX:EAX halves. */
export type MsrValue = [lo: number, hi: number]

/**
 * The synthetic MSRs a partition has: each readable or writable only with its
 * privilege, otherwise the access raises #GP, as does any synthetic MSR this
 * hypervisor does not implement. `null` from read/false from write means #GP.
 */
/**
 * The nominal TSC frequency TSC_FREQUENCY reports: the processor's TSC counts
 * retired instructions, which deterministic time runs at 100 MIPS (10 ns per
 * instruction); in host time it is the nominal rate, not a measured one.
 */
export const NOMINAL_TSC_FREQUENCY_HZ = 100_000_000

/** SCONTROL through SINT15: the SynIC's registers. */
function isSynicMsr(msr: number): boolean {
  return msr >= HV_MSR.SCONTROL && msr <= HV_MSR.SINT15
}

export function readSyntheticMsr(vp: VirtualProcessor, msr: number): MsrValue | null {
  const p = vp.partition
  if (msr >= HV_MSR.CRASH_P0 && msr <= HV_MSR.CRASH_P4) {
    const [lo, hi] = p.crashParameters[msr - HV_MSR.CRASH_P0]!
    return [lo, hi]
  }
  if (isSynicMsr(msr)) return hasLow(p.privileges, L.AccessSynicRegs) ? vp.synic.readMsr(msr) : null
  if (SyntheticTimers.owns(msr)) return hasLow(p.privileges, L.AccessSyntheticTimerRegs) ? vp.stimers.readMsr(msr) : null
  switch (msr) {
    case HV_MSR.GUEST_OS_ID:
      return hasLow(p.privileges, L.AccessHypercallMsrs) ? [p.guestOsId[0], p.guestOsId[1]] : null
    case HV_MSR.HYPERCALL:
      return hasLow(p.privileges, L.AccessHypercallMsrs) ? [p.hypercallMsr[0], p.hypercallMsr[1]] : null
    case HV_MSR.VP_INDEX:
      return hasLow(p.privileges, L.AccessVpIndex) ? [vp.index, 0] : null
    case HV_MSR.VP_RUNTIME:
      return hasLow(p.privileges, L.AccessVpRunTimeReg) ? split64(Math.floor(vp.runtimeNs() / 100)) : null
    case HV_MSR.TIME_REF_COUNT:
      return hasLow(p.privileges, L.AccessPartitionReferenceCounter) ? split64(p.referenceTime100ns()) : null
    case HV_MSR.RESET:
      return hasLow(p.privileges, L.AccessResetReg) ? [0, 0] : null
    case HV_MSR.TSC_FREQUENCY:
      return hasLow(p.privileges, L.AccessFrequencyRegs) ? [NOMINAL_TSC_FREQUENCY_HZ, 0] : null
    case HV_MSR.APIC_FREQUENCY:
      return hasLow(p.privileges, L.AccessFrequencyRegs) ? [APIC_BUS_FREQUENCY_HZ, 0] : null
    case HV_MSR.CRASH_CTL:
      return [0, HV_CRASH_CTL_HIGH.CrashNotify | HV_CRASH_CTL_HIGH.CrashMessage]
    case HV_MSR.ICR:
      return hasLow(p.privileges, L.AccessIntrCtrlRegs)
        ? [vp.apic.readRegister(APIC_REG.ICR_LOW), vp.apic.readRegister(APIC_REG.ICR_HIGH)]
        : null
    case HV_MSR.TPR:
      return hasLow(p.privileges, L.AccessIntrCtrlRegs) ? [vp.apic.readRegister(APIC_REG.TPR), 0] : null
    case HV_MSR.VP_ASSIST_PAGE:
      return hasLow(p.privileges, L.AccessIntrCtrlRegs) ? [vp.vpAssistPage[0], vp.vpAssistPage[1]] : null
    default:
      return null // EOI is write-only
  }
}

export function writeSyntheticMsr(vp: VirtualProcessor, msr: number, lo: number, hi: number): boolean {
  const p = vp.partition
  if (msr >= HV_MSR.CRASH_P0 && msr <= HV_MSR.CRASH_P4) {
    p.crashParameters[msr - HV_MSR.CRASH_P0] = [lo >>> 0, hi >>> 0]
    return true
  }
  if (isSynicMsr(msr)) return hasLow(p.privileges, L.AccessSynicRegs) && vp.synic.writeMsr(msr, lo, hi)
  if (SyntheticTimers.owns(msr)) return hasLow(p.privileges, L.AccessSyntheticTimerRegs) && vp.stimers.writeMsr(msr, lo, hi)
  switch (msr) {
    case HV_MSR.GUEST_OS_ID:
      if (!hasLow(p.privileges, L.AccessHypercallMsrs)) return false
      p.guestOsId = [lo >>> 0, hi >>> 0]
      // Clearing the guest OS identity disables the hypercall page.
      if ((lo | hi) === 0) setHypercallMsr(p, p.hypercallMsr[0] & ~HYPERCALL_MSR_ENABLE, p.hypercallMsr[1])
      return true
    case HV_MSR.HYPERCALL:
      if (!hasLow(p.privileges, L.AccessHypercallMsrs)) return false
      if (p.hypercallMsr[0] & HYPERCALL_MSR_LOCKED) return true // locked until reset: writes are ignored
      return setHypercallMsr(p, lo, hi)
    case HV_MSR.RESET:
      if (!hasLow(p.privileges, L.AccessResetReg)) return false
      if (lo & 1) p.requestReset()
      return true
    case HV_MSR.CRASH_CTL:
      if (hi & HV_CRASH_CTL_HIGH.CrashNotify) p.reportGuestCrash((hi & HV_CRASH_CTL_HIGH.CrashMessage) !== 0)
      return true
    case HV_MSR.EOI:
      if (!hasLow(p.privileges, L.AccessIntrCtrlRegs)) return false
      vp.apic.endOfInterrupt()
      return true
    case HV_MSR.ICR:
      // ICR high (the destination) first: writing the low half sends.
      if (!hasLow(p.privileges, L.AccessIntrCtrlRegs)) return false
      vp.apic.writeRegister(APIC_REG.ICR_HIGH, hi)
      vp.apic.writeRegister(APIC_REG.ICR_LOW, lo)
      return true
    case HV_MSR.TPR:
      if (!hasLow(p.privileges, L.AccessIntrCtrlRegs) || hi !== 0 || lo > 0xff) return false
      vp.apic.writeRegister(APIC_REG.TPR, lo)
      return true
    case HV_MSR.VP_ASSIST_PAGE:
      // Bits 11:1 are reserved; the GPA must be one the partition has.
      if (!hasLow(p.privileges, L.AccessIntrCtrlRegs) || lo & 0xffe) return false
      if ((hi * 0x100000 + (lo >>> 12)) >= p.memory.pageOffset.length) return false
      vp.vpAssistPage = [lo >>> 0, hi >>> 0]
      return true
    default:
      // VP_INDEX, VP_RUNTIME, TIME_REF_COUNT and the frequencies are read-only; the rest are not implemented.
      return false
  }
}

/**
 * HV_X64_MSR_HYPERCALL: bit 0 enable, bit 1 locked, 63:12 the GPA page. Enable
 * has no effect while the guest OS ID is zero. While enabled, the hypervisor
 * lays its hypercall code page over that GPA.
 */
function setHypercallMsr(p: Partition, lo: number, hi: number): boolean {
  const page = (hi * 0x100000 + (lo >>> 12)) >>> 0
  if (hi >>> 20 !== 0 || page >= p.memory.pageOffset.length) return false
  let enable = (lo & HYPERCALL_MSR_ENABLE) !== 0
  if (p.guestOsId[0] === 0 && p.guestOsId[1] === 0) enable = false
  // Not over a SynIC page: two overlays on one page would hide each other.
  if (enable && page !== p.hypercallPage && p.vps.some((vp) => vp.synic.ownsPage(page))) return false
  p.setHypercallPage(enable ? page : null)
  p.hypercallMsr = [((lo & ~0xffc) & ~HYPERCALL_MSR_ENABLE | (enable ? HYPERCALL_MSR_ENABLE : 0)) >>> 0, hi >>> 0]
  return true
}

function split64(value: number): MsrValue {
  return [value % 0x100000000 >>> 0, Math.floor(value / 0x100000000) >>> 0]
}
