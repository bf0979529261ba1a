import {HV_MSR, HV_PRIVILEGE_LOW as L, HYPERCALL_MSR_ENABLE, HYPERCALL_MSR_LOCKED} from './hvdef.js'
import type {Partition} from './partition.js'
import {hasLow} from './privileges.js'
import type {VirtualProcessor} from './virtual-processor.js'

/** A 64-bit MSR value as its EDX:EAX halves. */
export type MsrValue = [lo: number, hi: number]

/**
 * The synthetic MSRs a partition has: each readable or writable only with its
 * privilege, otherwise the access raises #GP, as does any synthetic MSR this
 * hypervisor does not implement. `null` from read/false from write means #GP.
 */
export function readSyntheticMsr(vp: VirtualProcessor, msr: number): MsrValue | null {
  const p = vp.partition
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
    default:
      return null
  }
}

export function writeSyntheticMsr(vp: VirtualProcessor, msr: number, lo: number, hi: number): boolean {
  const p = vp.partition
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
    default:
      // VP_INDEX, VP_RUNTIME and TIME_REF_COUNT are read-only; the rest are not implemented.
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
  p.setHypercallPage(enable ? page : null)
  p.hypercallMsr = [((lo & ~0xffc) & ~HYPERCALL_MSR_ENABLE | (enable ? HYPERCALL_MSR_ENABLE : 0)) >>> 0, hi >>> 0]
  return true
}

function split64(value: number): MsrValue {
  return [value % 0x100000000 >>> 0, Math.floor(value / 0x100000000) >>> 0]
}
