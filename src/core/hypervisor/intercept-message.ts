import {HV_MESSAGE} from './hvdef.js'

/**
 * An intercept message: what the hypervisor sends the root when a child does
 * something only the root can answer (port I/O, an access to a GPA that is not
 * RAM, an intercepted exception, an unrecoverable exception). Field names follow
 * the TLFS message structures (HV_X64_INTERCEPT_MESSAGE_HEADER and the
 * per-type bodies); the type is the TLFS message type. One instance per VP is
 * reused for every intercept, so the hot path allocates nothing.
 */
export class InterceptMessage {
  type: number = HV_MESSAGE.NONE

  // HV_X64_INTERCEPT_MESSAGE_HEADER
  vpIndex = 0
  instructionLength = 0
  /** HV_INTERCEPT_ACCESS_TYPE: 0 read, 1 write, 2 execute. */
  interceptAccessType = 0
  /** Execution state: current privilege level, CR0.PE, EFLAGS.VM. */
  cpl = 0
  cr0Pe = false
  vm86Mode = false
  csSelector = 0
  /** Linear address of the intercepted instruction. */
  rip = 0
  rflags = 0

  // HV_X64_IO_PORT_INTERCEPT_MESSAGE
  portNumber = 0
  /** Access size in bytes (1, 2, 4). */
  accessSize = 0
  stringOp = false
  repPrefix = false
  /** For OUT, the value written (the low `accessSize` bytes of RAX). */
  rax = 0

  // HV_X64_MEMORY_INTERCEPT_MESSAGE (UNMAPPED_GPA / GPA_INTERCEPT)
  guestPhysicalAddress = 0
  /** For a write, the value written. */
  memoryValue = 0

  // HV_X64_MSR_INTERCEPT_MESSAGE
  msrNumber = 0
  rdx = 0

  // HV_X64_EXCEPTION_INTERCEPT_MESSAGE / UNRECOVERABLE_EXCEPTION
  exceptionVector = 0
  errorCode = 0
  errorCodeValid = false
}
