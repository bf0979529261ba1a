import {
  HV_CPUID, HV_ENLIGHTENMENT, HV_FEATURE_EDX, HV_INTERFACE_SIGNATURE, HV_PRIVILEGE_LOW as L, HV_VENDOR_SIGNATURE,
} from './hvdef.js'
import {hasLow, type PrivilegeMask} from './privileges.js'

/** The hypervisor's identity as CPUID 0x40000002 reports it. */
export const HV_VERSION = {build: 20348, major: 10, minor: 0, servicePack: 0, branch: 0, number: 1}

export interface CpuidContext {
  privileges: PrivilegeMask
  maxVirtualProcessors: number
  maxLogicalProcessors: number
}

/**
 * The hypervisor's CPUID leaves (0x40000000 up), or null for leaves it does not
 * own. Leaves above the maximum read as zero, as on real hardware.
 */
export function hypervisorCpuid(leaf: number, ctx: CpuidContext): [number, number, number, number] | null {
  if (leaf >>> 0 < 0x40000000 || leaf >>> 0 > 0x400000ff) return null
  switch (leaf >>> 0) {
    case HV_CPUID.VENDOR_AND_MAX_FUNCTIONS:
      return [HV_CPUID.MAX_LEAF, ...HV_VENDOR_SIGNATURE]
    case HV_CPUID.INTERFACE:
      return [HV_INTERFACE_SIGNATURE, 0, 0, 0]
    case HV_CPUID.VERSION:
      return [
        HV_VERSION.build,
        (HV_VERSION.major << 16) | HV_VERSION.minor,
        HV_VERSION.servicePack,
        ((HV_VERSION.branch << 24) | HV_VERSION.number) >>> 0,
      ]
    case HV_CPUID.FEATURES:
      // EAX:EBX the partition privilege mask; ECX power management; EDX misc features:
      // the frequency MSRs when the partition may read them, and the guest crash MSRs.
      return [
        ctx.privileges.low,
        ctx.privileges.high,
        0,
        (hasLow(ctx.privileges, L.AccessFrequencyRegs) ? HV_FEATURE_EDX.FrequencyMsrsAvailable : 0) | HV_FEATURE_EDX.GuestCrashMsrsAvailable,
      ]
    case HV_CPUID.ENLIGHTENMENT_INFO:
      // EAX bit 3: use the EOI/ICR/TPR MSRs (each APIC page access is an exit); bit 5:
      // relaxed timing (this is an emulator, watchdogs should be lenient);
      // EBX 0xFFFFFFFF: never notify on long spin waits.
      return [
        (HV_ENLIGHTENMENT.RelaxedTiming | (hasLow(ctx.privileges, L.AccessIntrCtrlRegs) ? HV_ENLIGHTENMENT.ApicAccessViaMsrs : 0)) >>> 0,
        0xffffffff,
        0,
        0,
      ]
    case HV_CPUID.IMPLEMENTATION_LIMITS:
      return [ctx.maxVirtualProcessors, ctx.maxLogicalProcessors, 0, 0]
    default:
      return [0, 0, 0, 0]
  }
}
