/**
 * The FPU's part of the processor's saved state: a plain JSON object, exact
 * (every register as its 20 hex digits), versioned with the CPU state.
 */
import {fromHex, toHex} from './ext80.js'
import type {FpuState} from './fpu-state.js'

export interface FpuSavedState {
  /** Physical registers R0-R7, sign|exponent then significand, in hex. */
  regs: string[]
  emptyMask: number
  top: number
  controlWord: number
  status: number
  /** fip, fcs, fop, fdp, fds. */
  pointers: number[]
  ferr: boolean
  ignne: boolean
}

export function saveFpu(fpu: FpuState, ignne: boolean): FpuSavedState {
  return {
    regs: fpu.regs.map(toHex),
    emptyMask: fpu.emptyMask,
    top: fpu.top,
    controlWord: fpu.controlWord,
    status: fpu.status,
    pointers: [fpu.fip, fpu.fcs, fpu.fop, fpu.fdp, fpu.fds],
    ferr: fpu.ferr,
    ignne,
  }
}

/** Restore; returns the IGNNE# input as it was. Throws on a malformed record. */
export function restoreFpu(fpu: FpuState, s: FpuSavedState): boolean {
  if (!Array.isArray(s.regs) || s.regs.length !== 8 || !Array.isArray(s.pointers) || s.pointers.length !== 5) {
    throw new Error('malformed FPU state')
  }
  s.regs.forEach((hex, r) => { fpu.regs[r] = fromHex(hex) })
  fpu.emptyMask = s.emptyMask & 0xff
  fpu.top = s.top & 7
  fpu.controlWord = s.controlWord & 0xffff
  fpu.status = s.status & 0xffff
  ;[fpu.fip, fpu.fcs, fpu.fop, fpu.fdp, fpu.fds] = s.pointers as [number, number, number, number, number]
  fpu.ferr = s.ferr === true
  return s.ignne === true
}
