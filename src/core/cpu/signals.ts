/**
 * Control flow out of an instruction. Faults and VM exits unwind the JavaScript
 * stack back to the run loop with a `throw` of one of these preallocated objects;
 * the details travel in fields of the processor, so nothing is allocated.
 */
import type {CpuCore} from './state.js'

/** An architectural exception: the vector and error code are in `cpu.fault*`. */
export class FaultSignal {
  readonly kind = 'fault'
}
/** A VM exit: `cpu.exit` has been filled in. */
export class ExitSignal {
  readonly kind = 'exit'
}

export const FAULT = new FaultSignal()
export const EXIT = new ExitSignal()

/** No error code is pushed for this exception. */
export const NO_ERROR_CODE = -1

/** Abort the current instruction with exception `vector`. */
export function raise(cpu: CpuCore, vector: number, errorCode: number = NO_ERROR_CODE): never {
  cpu.faultVector = vector
  cpu.faultErrorCode = errorCode
  throw FAULT
}

export function raiseGp(cpu: CpuCore, errorCode = 0): never {
  return raise(cpu, 13, errorCode)
}

export function raiseUd(cpu: CpuCore): never {
  return raise(cpu, 6)
}
