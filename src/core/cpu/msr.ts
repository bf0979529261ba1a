/**
 * Model-specific registers the processor handles itself. Everything else (and
 * anything in `intercepts.msrs`) exits to the host.
 *
 * The time-stamp counter advances by one per retired instruction:
 * TSC = instructionCount + tscOffset, and WRMSR 0x10 sets the offset. Both are
 * float64 values, exact up to 2^53.
 */
import type {CpuCore} from './state.js'

export const MSR_TSC = 0x10
/**
 * IA32_BIOS_SIGN_ID: the microcode update signature. Software writes 0, runs
 * CPUID, and reads the loaded update's revision from EDX (Linux does at every
 * boot). No update is ever loaded here: the revision reads 0 and writes are
 * accepted and change nothing.
 */
export const MSR_BIOS_SIGN_ID = 0x8b
export const MSR_SYSENTER_CS = 0x174
export const MSR_SYSENTER_ESP = 0x175
export const MSR_SYSENTER_EIP = 0x176

const TWO_32 = 4294967296

export function isKnownMsr(msr: number): boolean {
  return msr === MSR_TSC || msr === MSR_BIOS_SIGN_ID || msr === MSR_SYSENTER_CS || msr === MSR_SYSENTER_ESP || msr === MSR_SYSENTER_EIP
}

export function readTsc(cpu: CpuCore): number {
  return cpu.instructionCount + cpu.tscOffset
}

/** Read a known MSR into EDX:EAX. */
export function readMsr(cpu: CpuCore, msr: number): void {
  let lo = 0
  let hi = 0
  switch (msr) {
    case MSR_TSC: {
      const tsc = readTsc(cpu)
      lo = tsc % TWO_32
      hi = Math.floor(tsc / TWO_32)
      break
    }
    case MSR_SYSENTER_CS: lo = cpu.sysenterCs; break
    case MSR_SYSENTER_ESP: lo = cpu.sysenterEsp; break
    case MSR_SYSENTER_EIP: lo = cpu.sysenterEip; break
  }
  cpu.regs[0] = lo | 0
  cpu.regs[2] = hi | 0
}

/** Write a known MSR from hi:lo. */
export function writeMsr(cpu: CpuCore, msr: number, lo: number, hi: number): void {
  switch (msr) {
    case MSR_TSC:
      cpu.tscOffset = (hi >>> 0) * TWO_32 + (lo >>> 0) - cpu.instructionCount
      break
    case MSR_SYSENTER_CS: cpu.sysenterCs = lo & 0xffff; break
    case MSR_SYSENTER_ESP: cpu.sysenterEsp = lo | 0; break
    case MSR_SYSENTER_EIP: cpu.sysenterEip = lo | 0; break
  }
}
