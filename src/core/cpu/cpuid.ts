/**
 * What CPUID reports: a Pentium Pro-class "GenuineIntel" processor (see
 * CPU_SIGNATURE), listing only features this implementation has. Leaves we do
 * not know (including the hypervisor range 0x40000000+, which the host
 * answers) read as zeros.
 */
import {CPU_SIGNATURE} from './constants.js'

const VENDOR_EBX = 0x756e6547 // "Genu"
const VENDOR_EDX = 0x49656e69 // "ineI"
const VENDOR_ECX = 0x6c65746e // "ntel"

/** CPUID.1:EDX feature bits. */
/** x87 FPU on chip (fpu/): the 387 instruction set with FCMOVcc and FCOMI/FUCOMI. */
const FEATURE_FPU = 1 << 0
/** Debugging extensions: CR4.DE (DR4/DR5 references are #UD). */
const FEATURE_DE = 1 << 2
const FEATURE_PSE = 1 << 3
const FEATURE_TSC = 1 << 4
const FEATURE_MSR = 1 << 5
const FEATURE_CX8 = 1 << 8
/** CMOVcc, and with FPU also FCMOVcc and FCOMI. */
const FEATURE_CMOV = 1 << 15
export const FEATURES_EDX = FEATURE_FPU | FEATURE_DE | FEATURE_PSE | FEATURE_TSC | FEATURE_MSR | FEATURE_CX8 | FEATURE_CMOV

export function nativeCpuid(leaf: number, _subleaf: number): [number, number, number, number] {
  switch (leaf >>> 0) {
    case 0: return [1, VENDOR_EBX, VENDOR_ECX, VENDOR_EDX]
    case 1: return [CPU_SIGNATURE, 0, 0, FEATURES_EDX]
    default: return [0, 0, 0, 0]
  }
}
